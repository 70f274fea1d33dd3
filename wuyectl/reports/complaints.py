"""complaints — complaints by category, severity, department and outcome (投诉统计)."""
from __future__ import annotations

from collections import Counter

from ..domain import codes
from ..domain.kinds import where
from .base import OfficeData, Period, counts, events, new_report, received_in, section, short, status_at

TITLE = ("投诉统计", "Complaints")
HELP = """Complaints received in the period (each ticket once, reopened or not), counted by severity,
by channel, by the department that handled them (unassigned: none) and by outcome at the
as-of time: closed after a satisfied or basically satisfied callback; reopened (a dissatisfied
callback sent it back, still open); resolved awaiting callback; open; cancelled. Then the list,
with the highest escalation level each reached."""

OUTCOMES = ("closed", "reopened", "resolved", "open", "cancelled")
OUTCOME_LABELS = {"closed": ("已关闭", "closed"), "reopened": ("不满意重办", "reopened"),
                  "resolved": ("待回访", "awaiting callback"), "open": ("处理中", "open"),
                  "cancelled": ("已取消", "cancelled")}


def outcome(ticket: dict, as_of) -> str:
    status = status_at(ticket, as_of)
    if status in ("closed", "cancelled", "resolved"):
        return status
    return "reopened" if events(ticket, "reopen", as_of) else "open"


def build(data: OfficeData, period: Period, as_of, lang: str):
    complaints = [t for t in received_in(data, period, as_of) if t.get("category") == "complaint"]
    severity = Counter(t.get("severity", "general") for t in complaints)
    channel = Counter(t.get("channel") for t in complaints)
    department = Counter(t.get("department") or "-" for t in complaints)
    outcomes = Counter(outcome(t, as_of) for t in complaints)
    dept_order = codes.choices("department") + ["-"]
    report = new_report("complaints", TITLE, period, as_of, lang)
    lang_i = 0 if lang == "zh" else 1
    report.sections += [
        counts("by_severity", ("按程度", "By severity"), "severity", severity, "severity", lang, codes.choices("severity")),
        counts("by_channel", ("按渠道", "By channel"), "channel", channel, "channel", lang, codes.choices("channel")),
        counts("by_department", ("按部门", "By department"), "department", department, "department", lang, dept_order),
        section("by_outcome", ("按结果", "By outcome"), ["outcome", "count"],
                [[OUTCOME_LABELS[o][lang_i], outcomes.get(o, 0)] for o in OUTCOMES], lang, keys=list(OUTCOMES)),
        section("list", ("投诉明细", "Complaints"),
                ["id", "received_at", "severity", "unit", "department", "level", "outcome", "description"],
                [[t["id"], short(t["received_at"]), codes.label("severity", t.get("severity"), lang), where(t),
                  codes.label("department", t.get("department"), lang),
                  max([t.get("escalation_level", 0)] + [e.get("level", 0) for e in events(t, "escalate", as_of)]),
                  OUTCOME_LABELS[outcome(t, as_of)][lang_i], t.get("description", "")]
                 for t in sorted(complaints, key=lambda t: t["received_at"])], lang),
    ]
    return report
