"""satisfaction — a survey campaign's analysis (客户意见征询分析报告)."""
from __future__ import annotations

from ..domain import codes
from ..errors import NotFound
from ..i18n import _
from ..timeutil import read_iso
from .base import Figure, OfficeData, Percent, new_report, percent, rate, section

TITLE = ("客户意见征询分析报告", "Satisfaction survey")
ITEM = Figure("item_rate", "分项满意率", "item satisfaction",
              "returned forms that rate the item, but not 'dissatisfied'",
              "returned forms that rate the item (an item left blank is not rated and not counted)")
OVERALL = Figure("overall_rate", "总体满意率", "overall satisfaction",
                 "returned forms whose overall rating is not 'dissatisfied'", "forms returned")
RESPONSE = Figure("response_rate", "回收率", "response rate", "forms returned", "households drawn in the sample")
SAMPLE = Figure("sample_ratio", "抽样比例", "sample ratio", "households drawn", "households in the community")
HELP = "\n\n".join(["Figures:"] + [f.help() for f in (ITEM, OVERALL, RESPONSE, SAMPLE)] + [
    "Adjustment: when the response rate is under 70%, every full 5 points below 70 lower each "
    "satisfaction rate by 1 point (62% → 8 points below → −1 point).",
    "Coverage: whether every household that complained since the previous campaign (complaint "
    "tickets received from the previous campaign's drawing up to this one's) was drawn."])
MIN_RESPONSE = 70.0


def penalty_points(response_rate: float | None, minimum: float = MIN_RESPONSE, step: float = 5) -> int:
    """1 point off for every full `step` points the response rate is below `minimum`."""
    if response_rate is None or response_rate >= minimum:
        return 0
    return int((minimum - response_rate) // step)


def build(data: OfficeData, period, as_of, lang: str, campaign: str):
    sample = next((s for s in data.surveys if s.get("id") == campaign), None)
    if sample is None:
        raise NotFound(_("no survey campaign {campaign} (draw it with wuyectl survey sample --campaign {campaign})")
                       .format(campaign=campaign))
    forms = [v for v in data.visits if v.get("type") == "survey" and v.get("campaign") == campaign
             and read_iso(v["visited_at"]) <= as_of]
    drawn = sample.get("households") or []
    returned = len(forms)
    response = rate(returned, len(drawn))
    policy = (data.office.config.get("policy") or {}).get("survey") or {}
    minimum = float(policy.get("min_response_rate", 0.7)) * 100
    points = penalty_points(response, minimum, float(policy.get("penalty_step_points", 5)))

    def adjusted(numerator: int, denominator: int) -> Percent:
        value = rate(numerator, denominator)
        return Percent.points(None if value is None else max(value - points, 0))

    rows, keys = [], []
    for item in codes.choices("survey_item"):
        answers = [(f.get("items") or {}).get(item) for f in forms]
        rated = sum(1 for a in answers if a is not None)
        good = sum(1 for a in answers if a is not None and a != "dissatisfied")
        rows.append([codes.label("survey_item", item, lang), returned, rated, good, percent(good, rated),
                     adjusted(good, rated)])
        keys.append(item)
    good = sum(1 for f in forms if f.get("overall") != "dissatisfied")
    rows.append([OVERALL.label(lang), returned, returned, good, percent(good, returned), adjusted(good, returned)])
    keys.append("overall")

    earlier = [s for s in data.surveys if s.get("id", "") < campaign]
    since = max((s["drawn_at"] for s in earlier), default=None)
    complained = sorted({t["unit"] for t in data.tickets if t.get("category") == "complaint" and t.get("unit")
                         and (since is None or read_iso(t["received_at"]) >= read_iso(since))
                         and read_iso(t["received_at"]) <= read_iso(sample["drawn_at"])})
    missed = [u for u in complained if u not in set(drawn)]
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    facts = [
        [SAMPLE.label(lang), percent(len(drawn), sample.get("population", 0)), len(drawn), sample.get("population", 0)],
        [RESPONSE.label(lang), percent(returned, len(drawn)), returned, len(drawn)],
        ["回收率调整" if lang == "zh" else "adjustment", -points, None, None],   # points, a number
        ["投诉户全部抽中" if lang == "zh" else "all complainants sampled", no if missed else yes,
         len(complained) - len(missed), len(complained)],
    ]
    report = new_report("satisfaction", TITLE, None, as_of, lang)
    report.title += f" {campaign}"
    report.sections += [
        section("summary", ("概况", "Summary"), ["figure", "value", "numerator", "denominator"], facts, lang,
                keys=["sample_ratio", "response_rate", "adjustment_points", "complainants_sampled"]),
        section("items", ("分项满意率", "Per item"), ["item", "forms", "rated", "not_dissatisfied", "rate", "adjusted"], rows, lang,
                keys=keys),
    ]
    if missed:
        report.sections.append(section("missed", ("未抽中的投诉户", "Complainants not sampled"), ["unit"],
                                       [[u] for u in missed], lang))
    return report
