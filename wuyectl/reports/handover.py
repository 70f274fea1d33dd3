"""handover — the day's duty log and handover sheet (值班日志/工作交接表)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from ..domain import codes
from ..domain.sla import next_due
from ..timeutil import parse_date, read_iso
from ..domain.kinds import KINDS, where
from .base import OfficeData, Period, kind_tables, new_report, section, short, status_at

TITLE = ("值班日志/工作交接表", "Duty log and handover")
HELP = """For one day (--date, default today), in the office timezone:
received = tickets received that day; done = resolve, answer, close (incl. by a satisfied
callback) and cancel events that day; escalations = escalate events that day; still open =
every ticket not resolved, closed or cancelled at the end of the day (or now, if earlier),
with its next deadline (the earliest running clock), soonest first. Then what each other kind
of record hands over (the duty log's entries, abnormal items and patrol gaps, visitors not
signed out …)."""


def build(data: OfficeData, period, as_of, lang: str, day: str | None = None):
    office = data.office
    the_day = parse_date(day, what="--date") if day else office.now().date()
    span = Period(the_day, the_day, office.tz)
    end_of_day = datetime.combine(the_day + timedelta(days=1), time(0), tzinfo=office.tz) - timedelta(seconds=1)
    at = min(as_of, end_of_day) if as_of else end_of_day
    received = sorted((t for t in data.tickets if span.holds(t.get("received_at"))), key=lambda t: t["received_at"])
    done, escalations = [], []
    for t in data.tickets:
        for e in t.get("timeline") or []:
            if not span.holds(e["at"]):
                continue
            act = e.get("action")
            if act in ("resolve", "answer", "close", "cancel") or (act == "callback" and e.get("rating") != "dissatisfied"):
                done.append((e, t))
            if act == "escalate":
                escalations.append((e, t))
    done.sort(key=lambda p: p[0]["at"])
    escalations.sort(key=lambda p: p[0]["at"])
    still = []
    for t in data.tickets:
        if read_iso(t["received_at"]) > at or status_at(t, at) in ("resolved", "closed", "cancelled"):
            continue
        still.append((next_due(data.clocks(t, at)) or "9999", t))
    still.sort(key=lambda p: (p[0], p[1]["id"]))
    report = new_report("handover", TITLE, span, at, lang)

    def label(group, code):
        return codes.label(group, code, lang)

    report.sections += [
        section("received", ("今日受理", "Received"), ["received_at", "id", "category", "unit", "description", "status"],
                [[short(t["received_at"])[11:], t["id"], label("category", t.get("category")), where(t),
                  t.get("description", ""), label("status", status_at(t, at))] for t in received], lang),
        section("done", ("今日完成", "Done"), ["at", "id", "action", "by", "note"],
                [[short(e["at"])[11:], t["id"], label("action", e.get("action")), e.get("by", ""),
                  e.get("note") or (label("rating", e.get("rating")) if e.get("rating") else "")] for e, t in done], lang),
        section("escalations", ("今日升级", "Escalations"), ["at", "id", "level", "by", "note"],
                [[short(e["at"])[11:], t["id"], f"{e.get('level')} {label('escalation_level', e.get('level'))}",
                  e.get("by", ""), e.get("note", "")] for e, t in escalations], lang),
        section("open", ("未完成（交接）", "Still open"), ["id", "status", "category", "unit", "assignee", "next_due", "description"],
                [[t["id"], label("status", status_at(t, at)), label("category", t.get("category")), where(t),
                  t.get("assignee", ""), short(due) if due != "9999" else "", t.get("description", "")]
                 for due, t in still], lang),
    ]
    for kind in KINDS.values():
        if kind.handover is not None:
            report.sections += kind_tables(kind, kind.handover(data.records, span, at, data.policy, lang), lang)
    return report
