"""callbacks — the monthly repair callback statistics (维修回访统计表)."""
from __future__ import annotations

from collections import Counter

from ..domain import codes
from ..domain.kinds.ticket import GOOD_RATINGS as GOOD, REPAIRS
from ..domain.kinds import where
from .base import Figure, OfficeData, Period, counts, events, figures_section, judged, new_report, section, short

TITLE = ("维修回访统计表", "Repair callbacks")

RESOLVED = Figure("resolved", "完成维修", "repairs resolved",
                  "repairs (repair, paid repair) resolved in the period (each ticket once)")
CALLED = Figure("callback_rate", "回访率", "callback rate", "of those, the ones with a callback by the as-of time",
                "repairs resolved in the period", measures=("callback",))
SATISFIED = Figure("satisfaction", "满意率", "satisfaction",
                   "callbacks of repairs made in the period rated satisfied or basically satisfied",
                   "callbacks of repairs made in the period")
FIGURES = [RESOLVED, CALLED, SATISFIED]
HELP = "\n\n".join(["Figures:"] + [f.help() for f in FIGURES] + [
    "Then the callbacks of repairs made in the period by overall rating, by method, and per item "
    "(timeliness, quality, fees, attitude), and the list of them."])
ITEMS = ("timeliness", "quality", "fee", "attitude", "overall")


def build(data: OfficeData, period: Period, as_of, lang: str):
    repairs = [t for t in data.tickets if t.get("category") in REPAIRS]
    resolved = [t for t in repairs if any(period.holds(e["at"]) for e in events(t, "resolve", as_of))]
    judgeable, left_out = judged(resolved, CALLED.measures)
    called = [t for t in judgeable if events(t, "callback", as_of)]
    visits = {v["id"]: v for v in data.visits if v.get("type") == "callback"}
    made = []   # (event, ticket, visit)
    for t in repairs:
        for e in events(t, "callback", as_of):
            if period.holds(e["at"]):
                made.append((e, t, visits.get(e.get("visit"), {})))
    made.sort(key=lambda m: m[0]["at"])
    good = sum(1 for e, _, _ in made if e.get("rating") in GOOD)
    ratings = Counter(e.get("rating") for e, _, _ in made)
    methods = Counter(v.get("method") for _, _, v in made if v)
    items = []
    for item in ITEMS:
        tally = Counter((v.get("ratings") or {}).get(item) for _, _, v in made if v)
        items.append([_item_label(item, lang)] + [tally.get(r, 0) for r in codes.choices("rating")])
    report = new_report("callbacks", TITLE, period, as_of, lang)
    report.sections += [
        figures_section([(RESOLVED, len(resolved), None), (CALLED, len(called), len(judgeable), left_out),
                         (SATISFIED, good, len(made))], lang),
        counts("by_rating", ("按评价", "By rating"), "rating", ratings, "rating", lang, codes.choices("rating")),
        counts("by_method", ("按方式", "By method"), "method", methods, "method", lang, codes.choices("method")),
        section("by_item", ("分项评价", "Per item"), ["item", *codes.choices("rating")],
                items, lang, keys=list(ITEMS)),
        section("list", ("回访明细", "Callbacks"), ["visited_at", "ticket", "unit", "rating", "method", "visitor", "note"],
                [[short(e["at"]), t["id"], where(t), codes.label("rating", e.get("rating"), lang),
                  codes.label("method", v.get("method"), lang), e.get("by", ""), v.get("note", "")]
                 for e, t, v in made], lang),
    ]
    # headings of the rating columns are the ratings' labels
    report.section("by_item").headings[1:] = [codes.label("rating", r, lang) for r in codes.choices("rating")]
    return report


def _item_label(item: str, lang: str) -> str:
    from .base import heading

    return heading(item, lang)
