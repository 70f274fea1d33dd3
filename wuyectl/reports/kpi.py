"""kpi — the month's service figures (服务质量指标)."""
from __future__ import annotations

from collections import Counter

from ..domain import codes
from ..domain.kinds.ticket import CALLBACK_CATEGORIES, GOOD_RATINGS as GOOD
from .base import (CLOCK_EVENTS, Figure, OfficeData, Period, counts, events, figures_section, judged, new_report,
                   received_in, status_at)

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
    "(imported tickets with only their source's events have no clocks to judge: left out)."])


def build(data: OfficeData, period: Period, as_of, lang: str):
    tickets = received_in(data, period, as_of)
    live = [t for t in tickets if status_at(t, as_of) != "cancelled"]
    by_category = Counter(t.get("category") for t in tickets)
    by_channel = Counter(t.get("channel") for t in tickets)

    dispatched = met = 0
    breaches: Counter = Counter()
    # (the dispatch clock is one of the clocks: the tickets that can judge those judge it)
    clocked, dispatch_out = judged(live, CLOCK_EVENTS)
    for ticket in clocked:
        for clock in data.clocks(ticket, as_of):
            if clock["state"] == "breached":
                breaches[clock["stage"]] += 1
            if clock["stage"] == "dispatch" and clock["state"] in ("met", "breached"):
                dispatched += 1
                met += clock["state"] == "met"
    done = sum(1 for t in live if status_at(t, as_of) in ("resolved", "closed"))
    need, need_out = judged([t for t in live if t.get("category") in CALLBACK_CATEGORIES and events(t, "resolve", as_of)],
                            CALLBACK.measures)
    called = sum(1 for t in need if events(t, "callback", as_of))

    callbacks = [e for t in data.tickets for e in events(t, "callback", as_of) if period.holds(e["at"])]
    good = sum(1 for e in callbacks if e.get("rating") in GOOD)
    last = {}
    for t in data.tickets:
        mine = [e for e in events(t, "callback", as_of) if period.holds(e["at"])]
        if mine:
            last[t["id"]] = mine[-1].get("rating")
    solved = sum(1 for r in last.values() if r in GOOD)
    _, callback_out = judged(tickets, SATISFACTION.measures)   # imported tickets of the period no callback can judge

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
    return report
