"""SLA clocks (时限) of SPEC §2.1, computed from a ticket's timeline and "now"; never stored.

A clock has a stage, a start, a deadline (`due_at`) and the event that stops it (`done_at`):
- `pending`  — not started yet (the event that starts it has not happened);
- `due`      — running, deadline not passed;
- `met`      — stopped on or before the deadline (and not before `not_before`, where a stage
               has one: a callback);
- `breached` — stopped after the deadline (or before `not_before`), or still running past it.
A reopened ticket (dissatisfied callback) starts a new cycle; its clocks carry `cycle: 2`.
When a ticket is closed or cancelled, clocks still running stop: breached if their deadline
passed before that, otherwise dropped (they no longer apply).

A clock runs on calendar time (the seeds' limits, the default) or, for the stages policy names
in `working_time`, on working time: its deadline is the limit's minutes of office hours on
working days later (`workdays.WorkCalendar`). Each row says which (`time: calendar|working`);
a working-time row whose span reaches a year the calendar does not know carries
`unknown_years` (counted with plain weekends).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Mapping

from ..errors import BadValue
from ..i18n import _
from ..timeutil import end_of_next_day, iso, read_iso
from .kinds.ticket import CALLBACK_CATEGORIES, REPAIRS, WORKFLOW
from .workdays import WorkCalendar

DEFAULT_MINUTES = {
    "dispatch": 5,
    "contact_maintenance": 10,
    "contact_other": 30,
    "arrive": 30,
    "resolve": 120,
    "report_back": 30,
    "report_back_cleaning": 60,
    "notify": 60,
    "progress": 24 * 60,
    "callback": 48 * 60,
    "redispatch": 120,
    # Cleaning and greenery (保洁/绿化): on site within 30 minutes of being told (seed 001 四.4:
    # 接到通知后30分钟内到达现场), the report back within 1 h (report_back_cleaning).
    "arrive_cleaning": 30,
}
# An urgent ticket (紧急): dispatched at once — the desk phones the department (seed 002 三(三)2:
# 立即电话通知相关部门负责人) — and someone on site within a minute (seed 001 四.3 应急响应:
# 1分钟内到达现场; an urgent security ticket gets that arrive clock from its dispatch). The other
# stages keep their limits. Policy `sla_minutes_urgent`.
DEFAULT_URGENT_MINUTES = {"dispatch": 1, "arrive": 1}
# A callback comes 24-48 h after the resolution (seed 001 三.4 需求处理完成后的24-48小时内回访), a
# repair's the next day (seed 003 14.3.1 第二天对前日所有的维修进行回访): one made earlier is
# still recorded (the owner was called), but its clock is breached — too early to know whether
# the work holds. Policy `callback_not_before_hours` (0: no bound).
CALLBACK_NOT_BEFORE_HOURS = 24
# Departments whose handler goes on site from the dispatch itself, with the limit key.
ARRIVE_FROM_DISPATCH = {"cleaning": "arrive_cleaning", "landscaping": "arrive_cleaning"}
OWNER_FACING = ("receive", "contact", "arrive", "progress", "notify", "answer")


@dataclass(frozen=True)
class Policy:
    minutes: Mapping[str, int]
    callback_repairs_next_day: bool = True
    urgent_minutes: Mapping[str, int] | None = None
    callback_not_before_hours: float = CALLBACK_NOT_BEFORE_HOURS
    raw: Mapping = field(default_factory=dict, compare=False)   # wuye.yaml's policy, as written (other kinds' settings)
    working_time: tuple[str, ...] = ()     # stages whose clocks count working time (policy `working_time`)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)   # policy `calendar`: hours, overrides

    @classmethod
    def from_config(cls, policy: Mapping | None) -> "Policy":
        policy = policy or {}
        minutes = dict(DEFAULT_MINUTES)
        minutes.update(policy.get("sla_minutes") or {})
        urgent = dict(DEFAULT_URGENT_MINUTES)
        urgent.update(policy.get("sla_minutes_urgent") or {})
        working = tuple(dict.fromkeys(policy.get("working_time") or ()))
        try:
            # (validate reports the rest; the official calendar is imported only when it is used)
            calendar = WorkCalendar.from_policy(policy.get("calendar"), strict=False, official_data=bool(working))
        except ValueError as exc:   # the config schema lets none through; a caller's own policy may
            raise BadValue(_("policy calendar: '{value}' is not a date (YYYY-MM-DD) or office hours "
                             "(HH:MM-HH:MM)").format(value=exc)) from None
        return cls(minutes, bool(policy.get("callback_repairs_next_day", True)), urgent,
                   float(policy.get("callback_not_before_hours", CALLBACK_NOT_BEFORE_HOURS)), dict(policy),
                   working, calendar)

    def on_working_time(self, stage: str) -> bool:
        return stage in self.working_time

    def deadline(self, stage: str, start: datetime, limit: timedelta) -> datetime:
        """`limit` after `start`, on the stage's time: calendar time, or working time."""
        if stage in self.working_time:
            return self.calendar.add(start, limit.total_seconds() / 60)
        return start + limit

    def callback_opens(self, resolved: datetime, next_day: bool) -> datetime | None:
        """The earliest a callback of a ticket resolved at `resolved` is on time (None: no bound):
        the start of the next day for a repair (`next_day`), else the policy's hours later (of
        working time when the callback runs on it)."""
        if not self.callback_not_before_hours:
            return None
        if next_day:
            nxt = (resolved + timedelta(days=1)).date()
            return datetime(nxt.year, nxt.month, nxt.day, tzinfo=resolved.tzinfo)
        return self.deadline("callback", resolved, timedelta(hours=self.callback_not_before_hours))

    def callback_due(self, resolved: datetime, next_day: bool, limit: timedelta) -> datetime:
        """A callback's deadline: a repair's by the end of the next day (of the next working day
        on working time), else `limit` later."""
        if next_day:
            if self.on_working_time("callback"):
                return self.calendar.end_of_next_workday(resolved)
            return end_of_next_day(resolved)
        return self.deadline("callback", resolved, limit)

    def limit(self, key: str, urgent: bool = False) -> timedelta:
        if urgent and key in (self.urgent_minutes or {}):
            return timedelta(minutes=int(self.urgent_minutes[key]))
        return timedelta(minutes=int(self.minutes[key]))


def _events(ticket: Mapping) -> list[tuple[datetime, dict]]:
    out = []
    for index, event in enumerate(ticket.get("timeline") or []):
        try:
            out.append((read_iso(event["at"]), index, event))
        except (KeyError, TypeError, ValueError):
            continue
    out.sort(key=lambda item: (item[0], item[1]))
    return [(at, event) for at, _, event in out]


def _first(events, actions, after: datetime | None, before: datetime | None = None):
    for at, event in events:
        if event.get("action") in actions and (after is None or at >= after) and (before is None or at < before):
            return at
    return None


# The actions that can finish a ticket (close, cancel, a good callback): from the workflow.
FINISHING = tuple(a.name for a in WORKFLOW.actions.values()
                  if {a.to_state, *a.outcomes} & set(WORKFLOW.terminal))


def status_after(events) -> str:
    """The status a ticket's (time-ordered) events lead to, by the ticket workflow."""
    return WORKFLOW.replay(event for _, event in events)


def clocks(ticket: Mapping, now: datetime, policy: Policy) -> list[dict]:
    """The clocks of `ticket` as they stand at `now`, in the order of the stages."""
    every = _events(ticket)
    events = [(at, e) for at, e in every if at <= now]
    if not events:
        return []
    # As they stood at `now`: a ticket closed later was not closed then.
    status = ticket.get("status") if len(events) == len(every) else status_after(events)
    category = ticket.get("category")
    department = ticket.get("department")
    urgent = ticket.get("urgency") == "urgent"

    def limit(key: str) -> timedelta:
        return policy.limit(key, urgent)

    def due_after(stage: str, start: datetime, key: str) -> datetime:
        return policy.deadline(stage, start, limit(key))

    stop = None
    if status in WORKFLOW.terminal:
        stop = _first(reversed(events), FINISHING, None) or events[-1][0]
    # Cycles split at each reopen, by position: a dissatisfied callback and the reopen it
    # causes share one time, and the callback belongs to the cycle before.
    cuts = [0] + [i for i, (_, e) in enumerate(events) if e.get("action") == "reopen" and i > 0]
    cycles = [events[a:b] for a, b in zip(cuts, cuts[1:] + [len(events)])]
    out: list[dict] = []
    promised_at: dict[int, bool] = {}   # cycles whose resolve deadline is a promised moment

    def clock(stage, cycle, start, due, done, not_before=None):
        if start is None:
            out.append(_row(stage, cycle, None, None, None, "pending"))
            return
        if done is not None:
            on_time = done <= due and (not_before is None or done >= not_before)
            out.append(_row(stage, cycle, start, due, done, "met" if on_time else "breached", not_before))
            return
        if stop is not None:
            if due < stop:
                row = _row(stage, cycle, start, due, None, "breached")
                row["stopped_at"] = iso(stop)   # the ticket was closed or cancelled: not running
                out.append(row)
            return
        out.append(_row(stage, cycle, start, due, None, "breached" if now > due else "due", not_before))

    answered = any(e.get("action") == "answer" for _, e in events) and not any(
        e.get("action") == "assign" for _, e in events)
    for number, cyc in enumerate(cycles, start=1):
        begin = cyc[0][0]
        if number == 1:
            if answered:
                continue
            if status == "cancelled" and not any(e.get("action") == "assign" for _, e in cyc):
                continue
            assigned = _first(cyc, ("assign",), begin)
            clock("dispatch", number, begin, due_after("dispatch", begin, "dispatch"), assigned)
        else:
            assigned = _first(cyc, ("assign",), begin)
            reopened_to = next((at for at, e in cyc if e.get("action") == "reopen" and e.get("to")), None)
            assigned = reopened_to or assigned
            clock("redispatch", number, begin, due_after("redispatch", begin, "redispatch"), assigned)
        if assigned is None:
            continue
        reach = "contact_maintenance" if department == "maintenance" else "contact_other"
        contacted = _first(cyc, ("contact",), assigned)
        clock("contact", number, assigned, due_after("contact", assigned, reach), contacted)

        resolved = _first(cyc, ("resolve",), assigned)
        if category in REPAIRS:
            if contacted is None:
                clock("arrive", number, None, None, None)
            else:
                start = contacted
                appointment = ticket.get("appointment_at")
                if appointment:
                    appointment = read_iso(appointment)
                    start = max(start, appointment)
                arrived = _first(cyc, ("arrive",), contacted)
                clock("arrive", number, start, due_after("arrive", start, "arrive"), arrived)
                if arrived is None:
                    clock("resolve", number, None, None, None)
                else:
                    promised = ticket.get("promised_at")
                    if promised:   # a moment agreed with the owner: on no clock's time
                        promised_at[number] = True
                        due = read_iso(promised)
                    else:
                        due = due_after("resolve", arrived, "resolve")
                    clock("resolve", number, arrived, due, resolved)
        elif department in ARRIVE_FROM_DISPATCH or (urgent and department == "security"):
            # On site from the dispatch; resolving it on site shows the handler got there.
            key = ARRIVE_FROM_DISPATCH.get(department, "arrive")
            clock("arrive", number, assigned, due_after("arrive", assigned, key), _first(cyc, ("arrive", "resolve"), assigned))

        # progress: while unresolved, the owner hears from us at least every 24 h.
        updates = [at for at, e in cyc if e.get("action") in OWNER_FACING and (resolved is None or at <= resolved)]
        last = begin
        breach = None
        for at in updates + ([resolved] if resolved else []):
            if at > due_after("progress", last, "progress") and breach is None:
                breach = (last, at)
            if resolved and at >= resolved:
                break
            last = max(last, at)
        if breach:
            out.append(_row("progress", number, breach[0], due_after("progress", breach[0], "progress"), breach[1],
                            "breached"))
        elif resolved:
            clock("progress", number, last, due_after("progress", last, "progress"), resolved)
        else:
            clock("progress", number, last, due_after("progress", last, "progress"), None)

        if resolved is None:
            continue
        back = "report_back_cleaning" if department in ("cleaning", "landscaping") else "report_back"
        clock("report_back", number, resolved, due_after("report_back", resolved, back),
              _first(cyc, ("report_back",), resolved))
        clock("notify", number, resolved, due_after("notify", resolved, "notify"),
              _first(cyc, ("notify", "callback"), resolved))
        if category in CALLBACK_CATEGORIES:
            next_day = category in REPAIRS and policy.callback_repairs_next_day
            due = policy.callback_due(resolved, next_day, limit("callback"))
            clock("callback", number, resolved, due, _first(cyc, ("callback",), resolved),
                  not_before=policy.callback_opens(resolved, next_day))
    return _timed(out, policy, promised_at)


def _timed(rows: list[dict], policy: Policy, promised_at: dict) -> list[dict]:
    """Each row with the time its deadline was counted in (`time`: calendar or working; a
    promised resolution time is a moment, on calendar time), and for working time, the years
    its span reaches that the calendar does not know (`unknown_years`)."""
    for row in rows:
        working = policy.on_working_time(row["stage"]) and not (
            row["stage"] == "resolve" and promised_at.get(row["cycle"]))
        row["time"] = "working" if working else "calendar"
        if working and row["started_at"] and row["due_at"]:
            unknown = policy.calendar.unknown_years(read_iso(row["started_at"]), read_iso(row["due_at"]))
            if unknown:
                row["unknown_years"] = unknown
    return rows


def _row(stage, cycle, start, due, done, state, not_before=None) -> dict:
    row = {
        "stage": stage,
        "cycle": cycle,
        "started_at": iso(start) if start else None,
        "due_at": iso(due) if due else None,
        "done_at": iso(done) if done else None,
        "state": state,
    }
    if not_before is not None:
        row["not_before"] = iso(not_before)   # done earlier is breached too (a callback's window)
    return row


def running(rows: list[dict]) -> list[dict]:
    """Clocks still ticking (due, or breached and not done)."""
    return [r for r in rows if r["done_at"] is None and not r.get("stopped_at") and r["state"] in ("due", "breached")]


def steady_from(ticket: Mapping, rows: list[dict]) -> datetime | None:
    """From when a ticket's clocks `rows` (computed as of a time after its last event) read
    the same as of any later time, as long as no event is added: after its last event and its
    receipt, and after the deadline of every clock still running (from then on it reads
    breached). None when a time cannot be read."""
    try:
        times = [read_iso(event["at"]) for event in ticket.get("timeline") or []]
        if ticket.get("received_at"):
            times.append(read_iso(ticket["received_at"]))
        # breached once `now > due`: a moment after the deadline
        times += [read_iso(r["due_at"]) + timedelta(milliseconds=1) for r in running(rows) if r["due_at"]]
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return max(times) if times else None


def overdue(rows: list[dict]) -> bool:
    return any(r["state"] == "breached" for r in running(rows))


def next_due(rows: list[dict]) -> str | None:
    dues = [r["due_at"] for r in running(rows) if r["due_at"]]
    return min(dues, key=read_iso) if dues else None
