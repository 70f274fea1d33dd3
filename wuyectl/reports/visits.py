"""visits — home visits (走访/家访) by person, and the director's monthly visit (the office
manual's 客户走访工作规程: 管理处主任每月至少参与一次对业主(住户)的走访)."""
from __future__ import annotations

from collections import Counter
from datetime import date

from ..domain import codes
from ..domain.findings import REPORT as FINDING_CODES
from ..domain.kinds.ticket import GOOD_RATINGS
from ..i18n import _
from .base import Figure, OfficeData, Period, figures_section, new_report, section, short

TITLE = ("走访情况统计", "Home visits")
DIRECTOR_CODE = "R-director-visit"

VISITS = Figure("home_visits", "走访次数", "home visits", "home visits made in the period (each visit once)")
HOUSEHOLDS = Figure("households", "走访户数", "households visited", "distinct households visited in the period")
COMPLAINTS = Figure("complaints", "走访投诉", "complaints raised",
                    "tickets opened from the period's home visits (a complaint raised on a visit)")
DIRECTOR = Figure("director_visits", "主任参与走访", "home visits with the director",
                  "home visits in the period a director (role director on the roster now) took part in")
FIGURES = [VISITS, HOUSEHOLDS, COMPLAINTS, DIRECTOR]
HELP = "\n\n".join(["Figures:"] + [f.help() for f in FIGURES] + [
    "By person: everyone who took part in a home visit of the period (the visitor and the staff "
    "listed with them; a visit with several staff counts for each): visits, distinct households, "
    "topics (each topic's count), complaints raised on those visits (tickets opened with them), "
    "then that person's callbacks (回访) in the period and how many were rated satisfied or basically "
    "satisfied.",
    "Visits: each home visit of the period, with who took part, the topics, and the tickets opened.",
    f"Findings: {DIRECTOR_CODE} for each calendar month of the period in which no director took part in "
    "a home visit by the as-of time (the office manual: the director takes part in at least one a month); "
    "a month not over at the as-of time says so."])


def _people(visit: dict) -> list[str]:
    """Who took part: the participants (the visitor is the first), else the visitor."""
    names = list(visit.get("participants") or [])
    if visit.get("visitor") and visit["visitor"] not in names:
        names.insert(0, visit["visitor"])
    return list(dict.fromkeys(names))


def _months(period: Period) -> list[tuple[date, date]]:
    """The calendar months the period touches: (first day, first day of the next)."""
    out, first = [], period.first.replace(day=1)
    while first <= period.last:
        nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        out.append((first, nxt))
        first = nxt
    return out


def build(data: OfficeData, period: Period, as_of, lang: str):
    from datetime import datetime, time

    from ..timeutil import read_iso

    zh = lang == "zh"
    roles = {p.get("name"): p.get("role") for p in data.staff}
    directors = {name for name, role in roles.items() if role == "director"}
    home = sorted((v for v in data.visits if v.get("type") == "home" and period.happened(v.get("visited_at"), as_of)),
                  key=lambda v: read_iso(v["visited_at"]))
    with_director = [v for v in home if directors & set(_people(v))]

    people: dict[str, dict] = {}
    for visit in home:
        for name in _people(visit):
            row = people.setdefault(name, {"visits": 0, "units": set(), "topics": Counter(), "complaints": 0,
                                           "callbacks": 0, "good": 0})
            row["visits"] += 1
            row["units"].add(visit.get("unit"))
            row["topics"].update(visit.get("topics") or [])
            row["complaints"] += len(visit.get("tickets") or [])
    callbacks = [v for v in data.visits if v.get("type") == "callback" and period.happened(v.get("visited_at"), as_of)]
    for visit in callbacks:
        row = people.get(visit.get("visitor"))
        if row is None:
            continue
        row["callbacks"] += 1
        row["good"] += (visit.get("ratings") or {}).get("overall") in GOOD_RATINGS
    sep = "、" if zh else ", "
    order = sorted(people, key=lambda n: (-people[n]["visits"], n))
    by_person = [[name, codes.label("role", roles.get(name), lang), people[name]["visits"], len(people[name]["units"]),
                  sep.join(f"{codes.label('topic', t, lang)} {n}" for t, n in sorted(
                      people[name]["topics"].items(), key=lambda item: (-item[1], item[0]))),
                  people[name]["complaints"], people[name]["callbacks"], people[name]["good"]] for name in order]
    listing = [[short(v["visited_at"]), v["id"], v.get("unit", ""), sep.join(_people(v)),
                sep.join(codes.label("topic", t, lang) for t in v.get("topics") or []),
                sep.join(v.get("tickets") or [])] for v in home]

    findings = []
    for first, nxt in _months(period):
        start, end = (datetime.combine(d, time(0), tzinfo=period.tz) for d in (first, nxt))
        if start > as_of:
            continue
        month = first.strftime("%Y-%m")
        if any(start <= read_iso(v["visited_at"]) < end and read_iso(v["visited_at"]) <= as_of
               for v in data.visits if v.get("type") == "home" and directors & set(_people(v))):
            continue
        message = _("no director took part in a home visit in {month} (the director takes part in at least one a month)").format(
            month=month)
        if as_of < end:
            message += _("; the month is not over yet")
        findings.append([DIRECTOR_CODE, month, message])

    report = new_report("visits", TITLE, period, as_of, lang)
    report.sections += [
        figures_section([(VISITS, len(home), None),
                         (HOUSEHOLDS, len({v.get("unit") for v in home}), None),
                         (COMPLAINTS, sum(len(v.get("tickets") or []) for v in home), None),
                         (DIRECTOR, len(with_director), None)], lang),
        section("by_person", ("按人员", "By person"),
                ["person", "role", "home_visits", "units_visited", "topics", "complaints_raised", "callbacks",
                 "callbacks_good"],
                by_person, lang, keys=order),
        section("visits", ("走访明细", "Home visits"),
                ["at", "id", "unit", "participants", "topics", "tickets"], listing, lang,
                keys=[v["id"] for v in home]),
        section("findings", ("发现问题", "Findings"), ["code", "month", "message"], findings, lang,
                keys=[f"{row[0]}:{row[1]}" for row in findings]),
    ]
    return report


assert DIRECTOR_CODE in FINDING_CODES
