"""resolution — how long tickets took to resolve, per category (处理时长).

Durations are differences of absolute times (every stored time carries its offset), so a
ticket open across a daylight-saving change is measured right; they are kept in whole
seconds, and medians, percentiles and "within 72 h" are taken on those seconds: a ticket
resolved after 72 h 0 min 40 s is not within 72 h. Only the h:mm shown is rounded.
"""
from __future__ import annotations

import math
from collections import defaultdict

from ..domain import codes
from ..timeutil import read_iso
from .base import OfficeData, Period, events, new_report, percent, received_in, section, status_at

TITLE = ("处理时长", "Resolution time")
HELP = """Over tickets received in the period and resolved by the as-of time (the first resolve or
answer event; cancelled tickets excluded), per category (or per the source's own category of
imported tickets, --by source_category) and in total:
resolved = how many; median and p90 = the median and the 90th percentile (nearest rank:
the ceil(0.9 × n)-th shortest) of the time from received to resolved, in seconds (shown as
hours:minutes, rounded to the minute); within 24 h / 72 h = resolved within 24 / 72 hours
(to the second) ÷ resolved × 100%, with the count beside it."""

GROUPINGS = {"category": (("按类别", "By category"), "category"),
             "source_category": (("按原类别", "By source category"), "source_category")}


def seconds(ticket: dict, as_of) -> int | None:
    """Seconds from receipt to the first resolution (resolve or answer) by `as_of`."""
    done = events(ticket, ("resolve", "answer"), as_of)
    if not done:
        return None
    first = min(read_iso(e["at"]) for e in done)
    return int((first - read_iso(ticket["received_at"])).total_seconds())


def median(values: list[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def p90(values: list[int]) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]


def hm(value) -> str:
    """Seconds as hours:minutes, rounded to the nearest minute (display only)."""
    if value is None:
        return "n/a"
    whole = int(math.floor(value / 60 + 0.5))
    return f"{whole // 60}:{whole % 60:02d}"


def _whole(value):
    return int(value) if value is not None and float(value).is_integer() else value


def build(data: OfficeData, period: Period, as_of, lang: str, by: str = "category"):
    if by not in GROUPINGS:
        raise ValueError(f"resolution by {by}")
    title, column = GROUPINGS[by]
    per = defaultdict(list)
    for ticket in received_in(data, period, as_of):
        if status_at(ticket, as_of) == "cancelled":
            continue
        took = seconds(ticket, as_of)
        if took is not None:
            per[ticket.get(by) or ""].append(took)
    if by == "category":
        order = [c for c in codes.choices("category") if c in per]
        label = lambda key: codes.label("category", key, lang)   # noqa: E731
    else:
        order = sorted(per, key=lambda k: (k == "", k))
        label = lambda key: key or ("（无）" if lang == "zh" else "(none)")   # noqa: E731
    rows, keys = [], []
    for key, values in [(c, per[c]) for c in order] + [("total", [v for c in order for v in per[c]])]:
        day = sum(1 for v in values if v <= 24 * 3600)
        three = sum(1 for v in values if v <= 72 * 3600)
        name = label(key) if key != "total" else ("合计" if lang == "zh" else "total")
        mid, high = _whole(median(values)), p90(values)
        rows.append([name, len(values), mid, hm(mid), high, hm(high),
                     day, percent(day, len(values)), three, percent(three, len(values))])
        keys.append(key)
    report = new_report("resolution", TITLE, period, as_of, lang)
    report.sections.append(section(f"by_{by}", title,
                                   [column, "resolved", "median_seconds", "median", "p90_seconds", "p90",
                                    "within_24h_count", "within_24h", "within_72h_count", "within_72h"],
                                   rows, lang, keys=keys))
    return report
