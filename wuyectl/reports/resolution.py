"""resolution — how long tickets took to resolve, per category (处理时长).

Durations are differences of absolute times (every stored time carries its offset), so a
ticket open across a daylight-saving change is measured right to the minute.
"""
from __future__ import annotations

import math
from collections import defaultdict

from ..domain import codes
from ..timeutil import read_iso
from .base import OfficeData, Period, events, new_report, percent, received_in, section

TITLE = ("处理时长", "Resolution time")
HELP = """Over tickets received in the period and resolved by the as-of time (the first resolve or
answer event; cancelled tickets excluded), per category and in total:
resolved = how many; median and p90 = the median and the 90th percentile (nearest rank:
the ceil(0.9 × n)-th shortest) of the time from received to resolved, in whole minutes
(shown as hours:minutes); within 24 h / 72 h = resolved within 24 / 72 hours ÷ resolved × 100%."""


def minutes(ticket: dict, as_of) -> int | None:
    done = events(ticket, ("resolve", "answer"), as_of)
    if not done:
        return None
    first = min(read_iso(e["at"]) for e in done)
    return int((first - read_iso(ticket["received_at"])).total_seconds() // 60)


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
    if value is None:
        return "n/a"
    whole = int(round(value))
    return f"{whole // 60}:{whole % 60:02d}"


def build(data: OfficeData, period: Period, as_of, lang: str):
    per = defaultdict(list)
    for ticket in received_in(data, period, as_of):
        if ticket.get("status") == "cancelled":
            continue
        took = minutes(ticket, as_of)
        if took is not None:
            per[ticket.get("category")].append(took)
    order = [c for c in codes.choices("category") if c in per]
    rows, keys = [], []
    for key, values in [(c, per[c]) for c in order] + [("total", [v for c in order for v in per[c]])]:
        day = sum(1 for v in values if v <= 24 * 60)
        three = sum(1 for v in values if v <= 72 * 60)
        label = codes.label("category", key, lang) if key != "total" else ("合计" if lang == "zh" else "total")
        mid = median(values)
        mid = int(mid) if mid is not None and float(mid).is_integer() else mid
        rows.append([label, len(values), mid, hm(mid), p90(values), hm(p90(values)),
                     percent(day, len(values)), percent(three, len(values))])
        keys.append(key)
    report = new_report("resolution", TITLE, period, as_of, lang)
    report.sections.append(section("by_category", ("按类别", "By category"),
                                   ["category", "resolved", "median_minutes", "median", "p90_minutes", "p90",
                                    "within_24h", "within_72h"], rows, lang, keys=keys))
    return report
