"""kpi — the month's service figures (服务质量指标)."""
from __future__ import annotations

import sys
from collections import Counter
from typing import Any, NamedTuple

from ..domain import codes, sla
from ..domain.kinds.ticket import CALLBACK_CATEGORIES, GOOD_RATINGS as GOOD
from .base import (CLOCK_EVENTS, Figure, OfficeData, Period, counts, events, figures_section, new_report, source_only,
                   status_at, unsupported_by_imports)

TITLE = ("服务质量指标", "Service KPIs")

RECEIVED = Figure("received", "受理总数", "received",
                  "tickets received in the period (each ticket once, however often it was reopened)")
DISPATCH = Figure("dispatch_on_time", "受理及时率", "dispatch on time",
                  "tickets whose dispatch clock was met", "tickets received in the period whose dispatch clock has "
                  "stopped or run out (met or breached) by the as-of time",
                  "cancelled tickets and consultations answered on the spot (no dispatch clock)", ("assign",))
COMPLETION = Figure("completion", "处理完成率", "completion",
                    "tickets resolved or closed by the as-of time", "tickets received in the period",
                    "cancelled tickets", ("resolve", "close"))
CALLBACK = Figure("callback", "回访率", "callback rate (target 100%)",
                  "resolved tickets with a callback by the as-of time",
                  "tickets received in the period that need a callback (repair, paid repair, complaint, help) and "
                  "were resolved by the as-of time", "cancelled tickets", ("callback",))
SATISFACTION = Figure("satisfaction", "满意率", "satisfaction",
                      "callbacks in the period rated satisfied or basically satisfied",
                      "callbacks made in the period (every callback counts, also a second one after a reopen)",
                      measures=("callback",))
SOLVED = Figure("problem_solving", "问题解决率", "problem solving",
                "tickets called back in the period whose last callback was satisfied or basically satisfied",
                "tickets called back in the period (each ticket once)", measures=("callback",))
FIGURES = [RECEIVED, DISPATCH, COMPLETION, CALLBACK, SATISFACTION, SOLVED]

HELP = "\n\n".join(["Figures:"] + [f.help() for f in FIGURES] + [
    "Breaches per stage: clocks of tickets received in the period that are breached at the as-of time "
    "(imported tickets with only their source's events have no clocks to judge: left out).",
    "Time: the stages the policy puts on working time (policy working_time) count office hours on working "
    "days only; they are named under the tables (JSON: \"calendar\"), as in report sla."])


class Seen(NamedTuple):
    """What the figures read of one ticket as of the report's time (a ticket's summary, kept by
    the index once it no longer changes: `OfficeData.ticket_summaries`)."""

    id: Any
    received_at: Any
    category: Any
    channel: Any
    status: str                 # as of the time
    source_only: bool           # imported, with only its source's events
    clocks: tuple               # ((stage, state), …)
    resolved: bool              # a resolve event by the time
    called_back: bool           # a callback by the time
    callbacks: tuple            # ((at, rating), …) of those callbacks, in timeline order


def seen(ticket: dict, as_of, policy) -> tuple[tuple, Any]:
    """A ticket's `Seen` (as a plain tuple) and from when it holds for any later time."""
    rows = sla.clocks(ticket, as_of, policy)
    called = events(ticket, "callback", as_of)
    summary = (ticket.get("id"), ticket.get("received_at"), ticket.get("category"), ticket.get("channel"),
               status_at(ticket, as_of), source_only(ticket), tuple((c["stage"], c["state"]) for c in rows),
               bool(events(ticket, "resolve", as_of)), bool(called), tuple((e["at"], e.get("rating")) for e in called))
    return summary, sla.steady_from(ticket, rows)


def _judged(tickets: list[Seen], measures) -> tuple[list[Seen], int]:
    """`base.judged` for summaries."""
    if not unsupported_by_imports(measures):
        return tickets, 0
    kept = [t for t in tickets if not t.source_only]
    return kept, len(tickets) - len(kept)


def build(data: OfficeData, period: Period, as_of, lang: str):
    from . import base
    from ..domain import workflow
    from ..domain.kinds import ticket as ticket_kind
    from .. import timeutil

    from ..domain import workdays

    rules = (sys.modules[__name__], base, sla, workflow, ticket_kind, timeutil, workdays)   # what a summary is made by
    every = [Seen._make(s) for s in data.ticket_summaries("kpi", lambda t: seen(t, as_of, data.policy), as_of, rules)]
    tickets = [t for t in every if period.happened(t.received_at, as_of)]
    live = [t for t in tickets if t.status != "cancelled"]
    by_category = Counter(t.category for t in tickets)
    by_channel = Counter(t.channel for t in tickets)

    dispatched = met = 0
    breaches: Counter = Counter()
    # (the dispatch clock is one of the clocks: the tickets that can judge those judge it)
    clocked, dispatch_out = _judged(live, CLOCK_EVENTS)
    for ticket in clocked:
        for stage, state in ticket.clocks:
            if state == "breached":
                breaches[stage] += 1
            if stage == "dispatch" and state in ("met", "breached"):
                dispatched += 1
                met += state == "met"
    done = sum(1 for t in live if t.status in ("resolved", "closed"))
    need, need_out = _judged([t for t in live if t.category in CALLBACK_CATEGORIES and t.resolved], CALLBACK.measures)
    called = sum(1 for t in need if t.called_back)

    callbacks = [(at, rating) for t in every for at, rating in t.callbacks if period.holds(at)]
    good = sum(1 for _at, rating in callbacks if rating in GOOD)
    last = {}
    for t in every:
        mine = [rating for at, rating in t.callbacks if period.holds(at)]
        if mine:
            last[t.id] = mine[-1]
    solved = sum(1 for r in last.values() if r in GOOD)
    _, callback_out = _judged(tickets, SATISFACTION.measures)   # imported tickets of the period no callback can judge

    figures = [(RECEIVED, len(tickets), None), (DISPATCH, met, dispatched, dispatch_out),
               (COMPLETION, done, len(live)), (CALLBACK, called, len(need), need_out),
               (SATISFACTION, good, len(callbacks), callback_out), (SOLVED, solved, len(last), callback_out)]
    report = new_report("kpi", TITLE, period, as_of, lang)
    report.sections += [
        figures_section(figures, lang),
        counts("by_category", ("按类别", "By category"), "category", by_category, "category", lang, codes.choices("category")),
        counts("by_channel", ("按渠道", "By channel"), "channel", by_channel, "channel", lang, codes.choices("channel")),
        counts("breaches", ("超时（按环节）", "Breaches by stage"), "stage", breaches, "stage", lang, codes.choices("stage")),
    ]
    report.meta["figures"] = {f.key: {"numerator": n, "denominator": d, "imported_left_out": rest[0] if rest else 0}
                              for f, n, d, *rest in figures}
    from .sla import calendar_notes

    calendar_notes(report, data.policy, period, as_of, lang)   # a note under the tables
    return report
