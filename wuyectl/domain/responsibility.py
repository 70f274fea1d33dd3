"""Who answers for each SLA clock of a ticket (责任人): one rule, used by `report workload` and
`report assessment`.

A clock is charged to whoever held its stage when it ran out — the moment it was met (its
event) or breached (its deadline passed; a callback made too early: the call itself):

1. `dispatch` — the desk clerk who received the ticket (the `receive` event's `by`): seed 001
   四.1, the desk classifies and dispatches within 5 minutes of taking the request.
2. `redispatch` — the desk member who recorded the dissatisfied callback that reopened the
   ticket (the `reopen` event's `by`): the desk sends it back to the department.
3. `progress`, `notify`, `callback` — the desk member who took that cycle of the ticket (the
   receipt, or the reopen that began the cycle): seed 001 三.3/三.4/四.1 give the owner's
   progress reports (every 24 h), the result (within 1 h) and the callback to 客服人员.
4. `contact`, `arrive`, `resolve`, `report_back` — the handler the ticket was assigned to at
   that moment (the last `assign`, or `reopen` to someone, at or before it): a ticket passed
   on to another handler before the deadline is the new handler's.

Imported tickets that carry only their source's events have no clocks to judge, and are
charged nothing. Pure functions of the ticket and its clock rows (`domain.sla.clocks`).
"""
from __future__ import annotations

from datetime import datetime
from typing import Mapping

from ..timeutil import read_iso

DESK_STAGES = ("dispatch", "redispatch", "progress", "notify", "callback")
HANDLER_STAGES = ("contact", "arrive", "resolve", "report_back")


def ran_out_at(row: Mapping) -> datetime | None:
    """The moment a clock was settled: met — when its event came; breached — when its deadline
    passed (a callback made before its window opened: when it was made). None while it runs
    (due) or has not started."""
    state = row.get("state")
    if state == "met":
        return read_iso(row["done_at"])
    if state != "breached" or not row.get("due_at"):
        return None
    if row.get("done_at") and row.get("not_before") and read_iso(row["done_at"]) < read_iso(row["not_before"]):
        return read_iso(row["done_at"])
    return read_iso(row["due_at"])


def _events(ticket: Mapping) -> list[tuple[datetime, int, dict]]:
    out = []
    for index, event in enumerate(ticket.get("timeline") or []):
        try:
            out.append((read_iso(event["at"]), index, event))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    out.sort(key=lambda item: (item[0], item[1]))
    return out


def desk_of_cycles(ticket: Mapping) -> dict[int, str | None]:
    """Cycle → the desk member who took it: cycle 1 its receiver, cycle n the one who recorded
    the reopen that began it (the same split as `sla.clocks`: at each reopen)."""
    events = _events(ticket)
    receiver = next((e.get("by") for _at, _i, e in events if e.get("action") == "receive"), None)
    out = {1: receiver}
    cycle = 1
    for position, (_at, _i, event) in enumerate(events):
        if event.get("action") == "reopen" and position > 0:
            cycle += 1
            out[cycle] = event.get("by")
    return out


def handler_at(ticket: Mapping, moment: datetime) -> str | None:
    """The handler a ticket was assigned to at `moment` (the last assign or reopen to someone
    at or before it), or None."""
    who = None
    for at, _i, event in _events(ticket):
        if at > moment:
            break
        if event.get("action") in ("assign", "reopen") and event.get("to"):
            who = event["to"]
    return who


def holder(ticket: Mapping, row: Mapping, desk: Mapping[int, str | None] | None = None) -> str | None:
    """Who held the stage of clock `row` when it ran out (None: not settled yet, or nobody)."""
    moment = ran_out_at(row)
    if moment is None:
        return None
    stage = row.get("stage")
    if stage in HANDLER_STAGES:
        return handler_at(ticket, moment)
    desk = desk if desk is not None else desk_of_cycles(ticket)
    return desk.get(int(row.get("cycle") or 1))


def charged(ticket: Mapping, rows: list[Mapping]) -> list[tuple[Mapping, str | None, datetime]]:
    """(clock row, the person it is charged to, the moment it ran out) for each settled clock
    (met or breached) of a ticket; clocks still running or pending are left out."""
    desk = desk_of_cycles(ticket)
    out = []
    for row in rows:
        moment = ran_out_at(row)
        if moment is not None:
            out.append((row, holder(ticket, row, desk), moment))
    return out


def resolver_before(ticket: Mapping, moment: datetime) -> str | None:
    """Who held the ticket at its last resolve at or before `moment`: whose work a callback at
    `moment` judges (None: no resolve before it)."""
    last = None
    for at, _i, event in _events(ticket):
        if at > moment:
            break
        if event.get("action") == "resolve":
            last = at
    return handler_at(ticket, last) if last is not None else None
