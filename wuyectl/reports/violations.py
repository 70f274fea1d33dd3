"""violations — open violations by category and step, deadlines passed, retention (违章统计)."""
from __future__ import annotations

from collections import Counter
from datetime import date

from ..domain import codes
from ..timeutil import read_iso
from ..domain.kinds import where
from .base import OfficeData, Period, counts, new_report, section

TITLE = ("违章统计", "Violations")
HELP = """Everything as it stood at the as-of time (measures taken and closings by then).
Found in the period: counts by category. Open now (any period): by category and by the
current step of their ladder (none yet: '-'). Deadlines passed: open violations whose current
step's deadline (rectify by …) is before the as-of day. Retention: closed violations (rectified,
settled, closed) with the day their record may be disposed of (general 1 year, major 5 years
after closing); those already past it are marked."""


def as_it_stood(violation: dict, as_of) -> dict | None:
    """The violation as it stood at `as_of`: measures taken by then, open unless closed by
    then; None if not yet found."""
    if read_iso(violation["found_at"]) > as_of:
        return None
    measures = [m for m in violation.get("measures") or [] if read_iso(m["at"]) <= as_of]
    closed = bool(violation.get("closed_at")) and read_iso(violation["closed_at"]) <= as_of
    out = dict(violation, measures=measures, step=measures[-1]["step"] if measures else None)
    if not closed:
        out.update(status="open")
        out.pop("retain_until", None)
    return out


def build(data: OfficeData, period: Period, as_of, lang: str):
    violations = [v for v in (as_it_stood(v, as_of) for v in data.violations) if v is not None]
    found = [v for v in violations if period.holds(v.get("found_at"))]
    open_ = [v for v in violations if v.get("status") == "open"]
    today = as_of.date()
    passed = []
    for v in open_:
        measures = v.get("measures") or []
        if measures and measures[-1].get("deadline") and date.fromisoformat(measures[-1]["deadline"]) < today:
            passed.append(v)
    closed = sorted((v for v in violations if v.get("status") != "open"), key=lambda v: v.get("retain_until", ""))
    yes = "已过期" if lang == "zh" else "past"
    steps = codes.choices("violation_step") + ["-"]
    report = new_report("violations", TITLE, period, as_of, lang)
    report.sections += [
        counts("found_by_category", ("本期发现（按类别）", "Found in the period"), "category",
               Counter(v.get("category") for v in found), "violation_category", lang, codes.choices("violation_category")),
        counts("open_by_category", ("未结（按类别）", "Open by category"), "category",
               Counter(v.get("category") for v in open_), "violation_category", lang, codes.choices("violation_category")),
        counts("open_by_step", ("未结（按措施）", "Open by step"), "step",
               Counter(v.get("step") or "-" for v in open_), "violation_step", lang, steps),
        section("deadlines_passed", ("整改逾期", "Deadlines passed"), ["id", "unit", "category", "step", "deadline", "description"],
                [[v["id"], where(v), codes.label("violation_category", v.get("category"), lang),
                  codes.label("violation_step", v.get("step"), lang), v["measures"][-1]["deadline"], v.get("description", "")]
                 for v in passed], lang),
        section("retention", ("结案保存期", "Retention"), ["id", "status", "severity", "retain_until", "note"],
                [[v["id"], codes.label("violation_status", v.get("status"), lang), codes.label("severity", v.get("severity"), lang),
                  v.get("retain_until", ""), yes if v.get("retain_until") and date.fromisoformat(v["retain_until"]) < today else ""]
                 for v in closed], lang),
    ]
    return report
