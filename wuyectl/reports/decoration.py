"""decoration — decoration applications in a month (装修管理月报)."""
from __future__ import annotations

from .desk import desk_module

TITLE = ("装修管理月报", "Decoration works")
INTRO = """Decoration applications (装修申请 → 审批 → 监管 → 验收) in the period:
applications by state at the as-of time, approvals within the policy's days, inspections done
against those due, violations raised by inspections, acceptances passed the first time, and
deposits refunded."""


build, __getattr__ = desk_module("decoration", TITLE, INTRO)
