"""workload — per department and per person (工作量统计)."""
from __future__ import annotations

from collections import defaultdict

from ..domain import codes, responsibility
from ..domain.kinds.ticket import GOOD_RATINGS as GOOD
from ..timeutil import read_iso
from .base import OfficeData, Period, new_report, percent, section, source_only

TITLE = ("工作量统计", "Workload")
HELP = """Per department, then per person, over the period:
assigned = tickets dispatched to them in the period (an assign or a reopen to them; a ticket
counts once per person); resolved = resolve events in the period on tickets then assigned to
them; breaches = clocks charged to them that ran out in the period (by the as-of time) and
were breached. A clock is charged to whoever held its stage when it ran out: dispatch to the
clerk who received the ticket, re-dispatch to the one who recorded the reopen, progress,
owner told and callback to the desk member who took that cycle (receipt or reopen), contact,
arrival, resolution and report back to the handler it was assigned to at that moment — so a
reopened ticket's first-cycle breaches stay with the first handler (imported tickets with
only their source's events have no clocks: left out); satisfaction = callbacks in the period
of work they resolved (the handler at the resolve before the callback), rated satisfied or
basically satisfied ÷ those callbacks × 100% (n/a with none)."""


def build(data: OfficeData, period: Period, as_of, lang: str):
    person = defaultdict(lambda: {"assigned": set(), "resolved": 0, "breaches": 0, "callbacks": 0, "good": 0})
    dept_of = {p["name"]: p.get("department") or "-" for p in data.staff}
    for ticket in data.tickets:
        handler = None
        for event in sorted(ticket.get("timeline") or [], key=lambda e: read_iso(e["at"])):
            if read_iso(event["at"]) > as_of:
                break
            if event.get("action") in ("assign", "reopen") and event.get("to"):
                handler = event["to"]
                if period.holds(event["at"]):
                    person[handler]["assigned"].add(ticket["id"])
            elif event.get("action") == "resolve" and handler and period.holds(event["at"]):
                person[handler]["resolved"] += 1
            elif event.get("action") == "callback" and period.holds(event["at"]):
                who = responsibility.resolver_before(ticket, read_iso(event["at"]))
                if who:
                    person[who]["callbacks"] += 1
                    person[who]["good"] += event.get("rating") in GOOD
        if source_only(ticket):
            continue
        for row, who, moment in responsibility.charged(ticket, data.clocks(ticket, as_of)):
            if who and row["state"] == "breached" and period.start <= moment < period.end and moment <= as_of:
                person[who]["breaches"] += 1
    depts = defaultdict(lambda: {"assigned": 0, "resolved": 0, "breaches": 0, "callbacks": 0, "good": 0})
    for name, row in person.items():
        d = depts[dept_of.get(name, "-")]
        d["assigned"] += len(row["assigned"])
        for key in ("resolved", "breaches", "callbacks", "good"):
            d[key] += row[key]
    order = [d for d in codes.choices("department") + ["-"] if d in depts]
    dept_rows = [[codes.label("department", d, lang), depts[d]["assigned"], depts[d]["resolved"], depts[d]["breaches"],
                  percent(depts[d]["good"], depts[d]["callbacks"])] for d in order]
    names = sorted(person, key=lambda n: (dept_of.get(n, "-"), n))
    person_rows = [[n, codes.label("department", dept_of.get(n), lang), len(person[n]["assigned"]), person[n]["resolved"],
                    person[n]["breaches"], percent(person[n]["good"], person[n]["callbacks"])] for n in names]
    report = new_report("workload", TITLE, period, as_of, lang)
    report.sections += [
        section("departments", ("按部门", "By department"), ["department", "assigned", "resolved", "breached", "satisfaction"],
                dept_rows, lang, keys=order),
        section("people", ("按人员", "By person"), ["person", "department", "assigned", "resolved", "breached", "satisfaction"],
                person_rows, lang, keys=names),
    ]
    return report
