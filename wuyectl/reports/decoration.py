"""decoration — decoration applications in a month (装修管理月报)."""
from __future__ import annotations

from .base import OfficeData, Period
from .desk import build_desk, help_of

TITLE = ("装修管理月报", "Decoration works")
INTRO = """Decoration applications (装修申请 → 审批 → 监管 → 验收) in the period:
applications by state at the as-of time, approvals within the policy's days, inspections done
against those due, violations raised by inspections, acceptances passed the first time, and
deposits refunded."""


def __getattr__(name: str):
    if name == "HELP":   # (asked afresh: the kinds on the desk are those registered now)
        return help_of("decoration", INTRO)
    raise AttributeError(name)


def build(data: OfficeData, period: Period, as_of, lang: str):
    return build_desk("decoration", TITLE, data, period, as_of, lang)
