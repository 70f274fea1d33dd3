"""sla — time limits per stage, and the tickets breaching one now (时限统计)."""
from __future__ import annotations

from collections import Counter

from ..domain import codes
from ..domain.kinds.ticket import WORKFLOW
from ..domain.sla import running
from ..domain.workdays import unknown_note, working_note
from ..timeutil import read_iso
from ..domain.kinds import where
from .base import CLOCK_EVENTS, OfficeData, Period, judged, new_report, received_in, section, short, status_at

TITLE = ("时限统计", "SLA clocks")
HELP = """Per stage (dispatch, contact, arrive, resolve, report back, notify owner, progress, callback,
re-dispatch), over the tickets received in the period: how many clocks are due (running),
met and breached at the as-of time; pending clocks (not started) are not counted, nor are
cancelled tickets, nor imported tickets with only their source's events (their source kept no
dispatch or contact to judge a clock by). A reopened ticket's second round counts as clocks of
its own.

Breaching now: every open ticket (any period) with a clock running past its limit at the
as-of time, worst first (longest overdue).

Time: a stage counts calendar time (the manuals' limits) unless the policy puts it on working
time (policy working_time, calendar): then its limit counts office hours on working days only,
skipping public holidays and counting the make-up working days of 调休. The stages on working
time are named under the tables (JSON: "calendar"), with a warning for a year the calendar does
not know (counted as plain weekends)."""

STATES = ("due", "met", "breached")
NEEDS_OPEN = True   # "breaching now" lists open tickets of any period


def build(data: OfficeData, period: Period, as_of, lang: str):
    per_stage = {stage: Counter() for stage in codes.choices("stage")}
    unknown: set = set()
    clocked, _ = judged(received_in(data, period, as_of), CLOCK_EVENTS)
    for ticket in clocked:
        if status_at(ticket, as_of) == "cancelled":
            continue
        for clock in data.clocks(ticket, as_of):
            unknown.update(clock.get("unknown_years") or ())
            if clock["state"] in STATES:
                per_stage[clock["stage"]][clock["state"]] += 1
    rows = [[codes.label("stage", stage, lang)] + [per_stage[stage][s] for s in STATES] for stage in per_stage]
    breaching = []
    for ticket in data.tickets:
        if status_at(ticket, as_of) in WORKFLOW.terminal:
            continue
        for clock in running(data.clocks(ticket, as_of)):
            unknown.update(clock.get("unknown_years") or ())
            if clock["state"] == "breached":
                late = as_of - read_iso(clock["due_at"])
                breaching.append((late, ticket, clock))
    breaching.sort(key=lambda item: (-item[0].total_seconds(), item[1]["id"]))
    now_rows = [[t["id"], codes.label("stage", c["stage"], lang), short(c["due_at"]), _duration(late, lang),
                 t.get("assignee", ""), codes.label("status", status_at(t, as_of), lang), where(t)]
                for late, t, c in breaching]
    report = new_report("sla", TITLE, period, as_of, lang)
    report.sections.append(section("stages", ("各环节", "By stage"), ["stage", *STATES], rows, lang,
                                   keys=list(per_stage)))
    report.sections.append(section("breaching_now", ("当前超时工单", "Breaching now"),
                                   ["id", "stage", "due_at", "overdue_by", "assignee", "status", "unit"], now_rows, lang))
    calendar_notes(report, data.policy, period, as_of, lang, unknown)
    return report


def calendar_notes(report, policy, period: Period | None, as_of, lang: str, unknown=()) -> None:
    """Say under the report's tables which stages ran on working time (nothing when none did),
    and warn of the years the calendar does not know that the period, the as-of time or a
    clock (`unknown`) reaches (JSON: report.meta["calendar"])."""
    stages = [s for s in codes.choices("stage") if policy.on_working_time(s)]
    if not stages:
        return
    first = period.start if period is not None else as_of
    years = sorted(set(unknown) | set(policy.calendar.unknown_years(min(first, as_of), as_of)))
    report.meta["calendar"] = {"working_time": stages, "hours": [f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"
                                                                for a, b in policy.calendar.hours],
                               "unknown_years": years}
    report.meta["notes"] = [working_note(stages, policy.calendar, lang)] + (
        [unknown_note(years, lang)] if years else [])


def _duration(delta, lang: str) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if lang == "zh":
        return (f"{days}天" if days else "") + (f"{hours}小时" if hours else "") + f"{mins}分"
    return (f"{days}d " if days else "") + (f"{hours}h " if hours else "") + f"{mins}m"
