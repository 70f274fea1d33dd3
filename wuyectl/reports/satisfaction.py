"""satisfaction — a survey campaign's analysis (客户意见征询分析报告): its plan and the director's
approval, per item satisfaction, response rate, sample coverage, the adjustment rule, and the
follow-up calls on the forms' opinions (客户意见回访)."""
from __future__ import annotations

from datetime import timedelta

from ..domain import codes
from ..domain.kinds import survey as survey_kind
from ..domain.kinds.visit import followed_up, needs_follow_up
from ..errors import NotFound
from ..i18n import _
from ..timeutil import read_iso
from .base import Figure, OfficeData, Percent, new_report, percent, rate, section, short

TITLE = ("客户意见征询分析报告", "Satisfaction survey")
ITEM = Figure("item_rate", "分项满意率", "item satisfaction",
              "returned forms that rate the item, but not 'dissatisfied'",
              "returned forms that rate the item (an item left blank is not rated and not counted)")
OVERALL = Figure("overall_rate", "总体满意率", "overall satisfaction",
                 "returned forms whose overall rating is not 'dissatisfied'", "forms returned")
RESPONSE = Figure("response_rate", "回收率", "response rate", "forms returned", "households drawn in the sample")
SAMPLE = Figure("sample_ratio", "抽样比例", "sample ratio", "households drawn", "households in the community")
FOLLOWUP = Figure("followup_rate", "意见回访率", "follow-up rate",
                  "of those, the forms with a follow-up call that reached the household by the as-of time "
                  "(a call recorded as unreachable does not count)",
                  "returned forms with an item or the overall rated dissatisfied, or a reason or suggestion "
                  "written on them")
HELP = "\n\n".join(["Figures:"] + [f.help() for f in (ITEM, OVERALL, RESPONSE, SAMPLE, FOLLOWUP)] + [
    "Plan: the campaign's plan (period, share drawn, the form's items, who drafted it) and the "
    "director's approval in force, or 'not recorded' for a campaign drawn before plans were recorded.",
    "Waiting: the forms that need a follow-up call and have none yet, with the day it is due "
    "(policy survey.followup_days after the form came in, 7 by default) and whether that has passed.",
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
        raise NotFound(_("no survey campaign {campaign} (plan it with wuyectl survey plan {campaign})")
                       .format(campaign=campaign))
    forms = [v for v in data.visits if v.get("type") == "survey" and v.get("campaign") == campaign
             and read_iso(v["visited_at"]) <= as_of]
    drawn = sample.get("households") or []
    returned = len(forms)
    response = rate(returned, len(drawn))
    policy = data.policy
    setting = survey_kind.KIND.setting
    minimum = float(setting(policy, "min_response_rate")) * 100
    points = penalty_points(response, minimum, float(setting(policy, "penalty_step_points")))

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

    earlier = [s for s in data.surveys if s.get("id", "") < campaign and s.get("drawn_at")]
    since = max((s["drawn_at"] for s in earlier), default=None)
    drawn_at = sample.get("drawn_at")
    complained = sorted({t["unit"] for t in data.tickets if t.get("category") == "complaint" and t.get("unit")
                         and (since is None or read_iso(t["received_at"]) >= read_iso(since))
                         and drawn_at and read_iso(t["received_at"]) <= read_iso(drawn_at)})
    missed = [u for u in complained if u not in set(drawn)]
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    facts = [
        [SAMPLE.label(lang), percent(len(drawn), sample.get("population", 0)), len(drawn), sample.get("population", 0)],
        [RESPONSE.label(lang), percent(returned, len(drawn)), returned, len(drawn)],
        ["回收率调整" if lang == "zh" else "adjustment", -points, None, None],   # points, a number
        ["投诉户全部抽中" if lang == "zh" else "all complainants sampled", no if missed else yes,
         len(complained) - len(missed), len(complained)],
    ]
    # 客户意见回访: the forms with something to call back about, and those called back by as_of
    days = int(setting(policy, "followup_days"))
    needing = [f for f in forms if needs_follow_up(f)]
    called = [f for f in needing if followed_up(f, as_of) is not None]
    facts.append([FOLLOWUP.label(lang), percent(len(called), len(needing)), len(called), len(needing)])
    waiting = []
    for form in sorted((f for f in needing if followed_up(f, as_of) is None), key=lambda f: f["visited_at"]):
        due = read_iso(form["visited_at"]) + timedelta(days=days)
        waiting.append([form["id"], form.get("unit", ""), short(form["visited_at"]), short(due.isoformat()),
                        yes if as_of > due else no])
    report = new_report("satisfaction", TITLE, None, as_of, lang)
    report.title += f" {campaign}"
    report.sections += [
        plan_section(sample, lang),
        section("summary", ("概况", "Summary"), ["figure", "value", "numerator", "denominator"], facts, lang,
                keys=["sample_ratio", "response_rate", "adjustment_points", "complainants_sampled", "followup_rate"]),
        section("items", ("分项满意率", "Per item"), ["item", "forms", "rated", "not_dissatisfied", "rate", "adjusted"], rows, lang,
                keys=keys),
    ]
    if missed:
        report.sections.append(section("missed", ("未抽中的投诉户", "Complainants not sampled"), ["unit"],
                                       [[u] for u in missed], lang))
    report.sections.append(section("waiting", ("待回访的意见", "Opinions waiting for a follow-up call"),
                                   ["id", "unit", "form_returned_at", "followup_due_at", "overdue"], waiting, lang))
    return report


def plan_section(sample: dict, lang: str):
    """The plan (客户意见征询计划) and the approval in force; 'not recorded' for a legacy campaign."""
    zh = lang == "zh"
    plan = sample.get("plan")
    if not plan:
        text = "未记录（计划制度实行前抽样）" if zh else "not recorded (drawn before plans were recorded)"
        return section("plan", ("征询计划", "Plan"), ["figure", "value"], [["征询计划" if zh else "plan", text]],
                       lang, keys=["plan"])
    found = survey_kind.approval(sample)
    share = f"{float(plan['ratio']) * 100:g}%"
    rows = [
        ["征询期间" if zh else "period", f"{plan.get('from', '')} – {plan.get('to', '')}"],
        ["抽样规则" if zh else "sample rule", f"{share} + 投诉户 (二次重点抽样)" if zh else f"{share} + complainants (二次重点抽样)"],
        ["征询项目" if zh else "items", ("、" if zh else ", ").join(codes.label("survey_item", i, lang)
                                                              for i in plan.get("items") or [])],
        ["制订人" if zh else "drafted by", plan.get("drafted_by", "")],
        ["主任审批" if zh else "approved by",
         f"{found.get('by', '')} {short(found['at'])}" if found else ("未审批" if zh else "not approved")],
    ]
    return section("plan", ("征询计划", "Plan"), ["figure", "value"], rows, lang,
                   keys=["period", "share", "items", "drafted_by", "approved_by"])
