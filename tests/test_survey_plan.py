"""Survey plans approved by the director, and follow-up calls on the returned forms (issue 15 §2;
seed 003 §29.2 客户意见征询计划 经管理处主任审核, §29.8 客户意见回访记录).

- `survey plan` records a campaign's plan; `survey approve` is the director's; `survey sample`
  is refused (exit 5, nothing written) until the plan is approved.
- A legacy campaign (drawn before plans were recorded) keeps working and audits clean.
- `follow-up V-…` records a call on a form that needs one; `get visits --overdue` lists the
  forms past `survey.followup_days`; `report satisfaction` shows the plan and the rate.
"""
from __future__ import annotations

import json

import pytest
import yaml

from conftest import DIRECTOR, UNIT
from helpers_kinds import commits, touched, unit_list, write_csv

ITEMS = ["security", "parking", "service", "repair", "cleaning", "greenery", "culture", "fees"]
ALL_GOOD = [f"--item={item}=good" for item in ITEMS]
EN = ("--lang", "en")
SUPERVISOR = "赵强"


class _Plain(yaml.SafeLoader):
    """YAML as the files hold it: times stay text."""


_Plain.yaml_implicit_resolvers = {key: [r for r in rules if r[0] != "tag:yaml.org,2002:timestamp"]
                                  for key, rules in yaml.SafeLoader.yaml_implicit_resolvers.items()}


@pytest.fixture
def refusal(refused):
    """`refused`, its one line without the line break."""
    def _refusal(*args, env=None):
        code, line = refused(*args, env=env)
        return code, line.rstrip("\n")
    return _refusal


def _stored(office, campaign="2026H2") -> dict:
    return yaml.load((office / f"surveys/{campaign}.yaml").read_text(encoding="utf-8"), Loader=_Plain)


@pytest.fixture
def community(cli, tmp_path):
    """20 households (3-2-1201 and 19 imported)."""
    units = unit_list(19)
    path = write_csv(tmp_path / "roster.csv", "房号,业主姓名\n" + "".join(f"{u},业主{i}\n" for i, u in enumerate(units)))
    assert cli("import", "owners", path, "--as", "王芳").code == 0
    return units + [UNIT]


def _plan(cli, campaign="2026H2", *extra, who=SUPERVISOR, env=None):
    result = cli("survey", "plan", campaign, "--period", "2026-11-20..2026-12-10", "--share", "10%", *extra,
                 "--as", who, env=env)
    assert result.code == 0, result.err
    return result


def _approve(cli, campaign="2026H2", env=None):
    result = cli("survey", "approve", campaign, "--note", "同意按计划执行", "--as", DIRECTOR, env=env)
    assert result.code == 0, result.err
    return result


def _audit(cli):
    """The codes of the audit's findings."""
    result = cli("audit", "-o", "json", "--as", DIRECTOR)
    return [(f["code"], f["message"]) for f in json.loads(result.out)] if result.out.strip() else []


# -- the plan and its approval ------------------------------------------------------------------
@pytest.mark.lang("en")
def test_plan_approve_sample_three_commits_the_audit_replays(cli, git, office, community):
    start = commits(git)
    planned = cli("survey", "plan", "2026H2", "--period", "2026-11-20..2026-12-10", "--share", "10%",
                  "--by", SUPERVISOR, "--note", "重点了解车库积水整改意见", "--as", "王芳")
    assert planned.code == 0, planned.err
    assert planned.out.startswith("2026H2: committed ")
    assert touched(git) == ["surveys/2026H2.yaml"]
    assert git("log", "-1", "--format=%an|%s").strip() == "王芳|2026H2 survey plan: 2026-11-20 – 2026-12-10, 10%"
    stored = _stored(office)
    assert stored == {
        "id": "2026H2", "status": "planned",
        "plan": {"from": "2026-11-20", "to": "2026-12-10", "ratio": 0.1, "focus": True, "items": ITEMS,
                 "drafted_by": SUPERVISOR, "note": "重点了解车库积水整改意见"},
        "timeline": [{"at": "2026-11-22T09:14:00+08:00", "by": "王芳", "action": "plan"}]}

    approved = cli("survey", "approve", "2026H2", "--as", DIRECTOR)
    assert approved.code == 0, approved.err
    assert git("log", "-1", "--format=%an|%s").strip() == f"{DIRECTOR}|2026H2 approve_plan"
    drawn = cli("survey", "sample", "--campaign", "2026H2", "--seed", "11", "--as", "王芳")
    assert (drawn.code, drawn.out, drawn.err) == (0, "2026H2: 2 of 20 households drawn (0 who complained), seed 11\n", "")
    assert commits(git) == start + 3
    stored = _stored(office)
    assert stored["status"] == "sampled"
    assert [e["action"] for e in stored["timeline"]] == ["plan", "approve_plan", "sample"]
    assert {k: stored[k] for k in ("drawn_by", "seed", "ratio", "population")} == {
        "drawn_by": "王芳", "seed": 11, "ratio": 0.1, "population": 20}
    assert cli("validate").code == 0
    assert _audit(cli) == []

    listed = cli("get", "surveys", "-o", "json", "--as", "王芳")
    assert json.loads(listed.out)[0]["status"] == "sampled"


@pytest.mark.lang("en")
def test_a_sample_without_an_approved_plan_is_refusal(cli, community, refusal):
    assert refusal("survey", "sample", "--campaign", "2026H2", "--seed", "1", "--as", "王芳") == (
        5, "wuyectl: 2026H2 has no plan approved by the director: record it (wuyectl survey plan 2026H2 --period … "
           "--share …) and have the director approve it (wuyectl survey approve 2026H2) first")
    _plan(cli)
    assert refusal("survey", "sample", "--campaign", "2026H2", "--seed", "1", "--as", "王芳") == (
        5, "wuyectl: the plan of 2026H2 is not approved by the director yet (wuyectl survey approve 2026H2)")
    # approved, then revised: approved again before the sample
    _approve(cli)
    _plan(cli, "2026H2", "--item", "security", "--item", "parking")
    assert refusal("survey", "sample", "--campaign", "2026H2", "--seed", "1", "--as", "王芳") == (
        5, "wuyectl: the plan of 2026H2 is not approved by the director yet (wuyectl survey approve 2026H2)")
    _approve(cli)
    assert cli("survey", "sample", "--campaign", "2026H2", "--seed", "1", "--as", "王芳").code == 0
    assert refusal("survey", "plan", "2026H2", "--period", "2026-11-20..2026-12-10", "--as", SUPERVISOR) == (
        5, "wuyectl: the sample of 2026H2 is drawn: its plan is kept as it was")


@pytest.mark.lang("en")
def test_only_the_director_approves_and_a_supervisor_drafts(cli, community, refusal):
    assert refusal("survey", "plan", "2026H2", "--period", "2026-11-20..2026-12-10", "--as", "王芳") == (
        5, "wuyectl: a survey plan is drafted by a director or supervisor, not 王芳 (clerk)")
    assert refusal("survey", "plan", "2026H2", "--period", "2026-11-20..2026-12-10", "--as", "李明") == (
        6, "wuyectl: 李明 (technician) may not record a survey plan: needs clerk, director or supervisor")
    _plan(cli)
    assert refusal("survey", "approve", "2026H2", "--as", SUPERVISOR) == (
        6, "wuyectl: 赵强 (supervisor) may not approve plan 2026H2: needs director")
    assert refusal("survey", "approve", "2026H2", "--as", "王芳") == (
        6, "wuyectl: 王芳 (clerk) may not approve plan 2026H2: needs director")
    assert refusal("survey", "approve", "2027H1", "--as", DIRECTOR) == (
        4, "wuyectl: no survey campaign 2027H1: record its plan first (wuyectl survey plan 2027H1 --period … --share …)")
    assert refusal("survey", "plan", "2026H2", "--period", "2026-12-10..2026-11-20", "--as", SUPERVISOR) == (
        3, "wuyectl: the plan's period ends (2026-11-20) before it starts (2026-12-10)")
    assert refusal("survey", "plan", "2026H2", "--period", "2026-12-10", "--as", SUPERVISOR) == (
        3, "wuyectl: --period '2026-12-10': give its first and last day, 2027-05-10..2027-05-31")
    assert refusal("survey", "plan", "2026H2", "--period", "2026-11-20..2026-12-10", "--share", "0",
                   "--as", SUPERVISOR) == (3, "wuyectl: --share '0' must be more than 0 and at most 100%")
    _approve(cli)
    assert refusal("survey", "approve", "2026H2", "--as", DIRECTOR)[0] == 5


@pytest.mark.lang("en")
def test_the_plan_items_are_the_forms_items(cli, community):
    _plan(cli, "2026H2", "--item", "安全防范", "--item", "parking", "--share", "0.2")
    _approve(cli)
    drawn = json.loads(cli("survey", "sample", "--campaign", "2026H2", "--seed", "3", "-o", "json",
                           "--as", "王芳").out)["households"]
    assert len(drawn) == 4                                  # 20% of 20
    form = cli("open", "visit", "--type", "survey", "--campaign", "2026H2", "--unit", drawn[0],
               "--item", "security=good", "--item", "parking=", "--overall", "good", "--as", "王芳")
    assert form.code == 0, form.err
    extra = cli("open", "visit", "--type", "survey", "--campaign", "2026H2", "--unit", drawn[1], *ALL_GOOD,
                "--overall", "good", "--as", "王芳")
    assert (extra.code, extra.err) == (3, "wuyectl: the 2026H2 form does not ask about customer service, repairs, "
                                          "cleaning, landscaping, community culture, fees (its plan: security, parking)\n")
    rep = json.loads(cli("report", "satisfaction", "--campaign", "2026H2", "-o", "json").out)
    plan = rep["sections"]["plan"]["rows"]
    assert {r["key"]: r["value"] for r in plan} == {
        "period": "2026-11-20 – 2026-12-10", "share": "20% + complainants (二次重点抽样)",
        "items": "security, parking", "drafted_by": SUPERVISOR, "approved_by": f"{DIRECTOR} 2026-11-22 09:14"}


@pytest.mark.lang("en")
def test_a_revision_by_a_clerk_must_name_a_drafter_and_the_audit_replays_it(cli, community):
    _plan(cli)
    _approve(cli)
    revised = cli("survey", "plan", "2026H2", "--period", "2026-11-25..2026-12-15", "--by", SUPERVISOR,
                  "--as", "王芳")
    assert revised.code == 0, revised.err
    _approve(cli)
    assert cli("validate").code == 0
    assert _audit(cli) == []


# -- legacy: a campaign drawn before plans ---------------------------------------------------------
LEGACY = """\
id: 2026H1
drawn_at: '2026-06-01T10:00:00+08:00'
drawn_by: 王芳
seed: 3
ratio: 0.1
population: 20
complainants: []
households:
- 3-2-1201
- 1-1-101
"""


def _legacy_commit(office, git, cli):
    """A campaign committed the way wuyectl drew it before plans existed (action sample, no plan)."""
    (office / "surveys").mkdir(exist_ok=True)
    (office / "surveys/2026H1.yaml").write_text(LEGACY, encoding="utf-8")
    git("add", "surveys/2026H1.yaml")
    git("-c", f"user.name={'王芳'}", "commit", "-q", "--no-verify", "-m",
        "2026H1 survey sample: 2 of 20 households\n\nWuye-Action: sample\nWuye-Record: 2026H1\nWuye-Role: clerk\n")


@pytest.mark.lang("en")
def test_a_legacy_campaign_audits_clean_and_takes_no_plan(cli, git, office, community, refusal):
    _legacy_commit(office, git, cli)
    assert cli("validate").code == 0
    assert _audit(cli) == []
    assert refusal("survey", "approve", "2026H1", "--as", DIRECTOR) == (
        5, "wuyectl: the campaign 2026H1 was drawn before plans were recorded; it has no plan to change or approve")
    assert refusal("survey", "sample", "--campaign", "2026H1", "--as", "王芳") == (
        5, "wuyectl: the sample of 2026H1 is already drawn (surveys/2026H1.yaml); it is drawn once")
    form = cli("open", "visit", "--type", "survey", "--campaign", "2026H1", "--unit", UNIT, *ALL_GOOD,
               "--overall", "good", "--as", "王芳", env={"WUYECTL_NOW": "2026-06-05T10:00:00+08:00"})
    assert form.code == 0, form.err
    rep = json.loads(cli("report", "satisfaction", "--campaign", "2026H1", "-o", "json").out)
    assert {r["key"]: r["value"] for r in rep["sections"]["plan"]["rows"]} == {
        "plan": "not recorded (drawn before plans were recorded)"}
    # the next campaign is planned as usual: complaints since the legacy one's drawing count
    _plan(cli, "2026H2")
    _approve(cli)
    assert json.loads(cli("survey", "sample", "--campaign", "2026H2", "--seed", "2", "-o", "json",
                          "--as", "王芳").out)["since"] == "2026-06-01T10:00:00+08:00"
    assert _audit(cli) == []


@pytest.mark.lang("en")
def test_a_hand_approved_plan_is_a_finding(cli, git, office, community):
    _plan(cli)
    path = office / "surveys/2026H2.yaml"
    data = _stored(office)
    data["status"] = "approved"
    data["timeline"].append({"at": "2026-11-22T09:20:00+08:00", "by": SUPERVISOR, "action": "approve_plan"})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = cli("validate", "-o", "json")
    assert result.code == 7
    assert [(p["code"], p["message"]) for p in json.loads(result.out)["problems"]] == [
        ("W-survey-plan", "赵强 (supervisor) may not approve a survey plan: needs director")]


# -- follow-up calls ----------------------------------------------------------------------------------
@pytest.fixture
def forms(cli, community):
    """2026H2 planned, approved, drawn (4 households), three forms back on 11-22 09:14: one
    dissatisfied, one with a suggestion only, one all good."""
    _plan(cli, "2026H2", "--share", "0.2")
    _approve(cli)
    drawn = json.loads(cli("survey", "sample", "--campaign", "2026H2", "--seed", "3", "-o", "json",
                           "--as", "王芳").out)["households"]
    made = []
    for unit, extra in zip(drawn, (["--item=repair=dissatisfied", "--reason", "维修慢"],
                                   ["--suggestion", "增加充电桩"], [])):
        items = [a for a in ALL_GOOD if not (extra and extra[0].startswith("--item=repair") and "repair" in a)]
        result = cli("open", "visit", "--type", "survey", "--campaign", "2026H2", "--unit", unit, *items,
                     *extra, "--overall", "good", "--as", "王芳")
        assert result.code == 0, result.err
        made.append(result.out.strip())
    return made


@pytest.mark.lang("en")
def test_forms_needing_a_call_are_overdue_after_the_policy_days(cli, forms):
    unhappy, suggested, happy = forms
    six_days = {"WUYECTL_NOW": "2026-11-28T09:14:00+08:00"}
    eight_days = {"WUYECTL_NOW": "2026-11-29T09:15:00+08:00"}
    assert cli("get", "visits", "--overdue", "-o", "ids", env=six_days).out == ""
    assert cli("get", "visits", "--overdue", "-o", "ids", env=eight_days).out.split() == [suggested, unhappy]
    # the policy's days
    assert cli("policy", "set", "survey.followup_days", "3", "--as", DIRECTOR).code == 0
    assert cli("get", "visits", "--overdue", "-o", "ids", env={"WUYECTL_NOW": "2026-11-25T09:15:00+08:00"}
               ).out.split() == [suggested, unhappy]
    assert cli("get", "visits", "--overdue", "-o", "ids", env={"WUYECTL_NOW": "2026-11-25T09:14:00+08:00"}
               ).out == ""


@pytest.mark.lang("en")
def test_a_follow_up_call_is_a_step_on_the_form(cli, git, office, forms, refusal):
    unhappy, suggested, happy = forms
    later = {"WUYECTL_NOW": "2026-11-29T10:00:00+08:00"}
    start = commits(git)
    unreachable = cli("follow-up", unhappy, "--note", "电话无人接听", "--outcome", "unreachable",
                      "--as", "王芳", env={"WUYECTL_NOW": "2026-11-23T10:00:00+08:00"})
    assert unreachable.code == 0, unreachable.err
    called = cli("follow-up", unhappy, "--note", "已向业主说明维修预约改进措施，业主表示理解", "--outcome", "handled",
                 "--as", "王芳", env={"WUYECTL_NOW": "2026-11-24T10:00:00+08:00"})
    assert called.code == 0, called.err
    assert commits(git) == start + 2
    assert git("log", "-1", "--format=%an|%s").strip() == f"王芳|{unhappy} follow_up"
    shown = json.loads(cli("show", unhappy, "-o", "json").out)
    assert shown["timeline"] == [
        {"at": "2026-11-23T10:00:00+08:00", "by": "王芳", "action": "follow_up", "note": "电话无人接听",
         "outcome": "unreachable", "method": "phone"},
        {"at": "2026-11-24T10:00:00+08:00", "by": "王芳", "action": "follow_up",
         "note": "已向业主说明维修预约改进措施，业主表示理解", "outcome": "handled", "method": "phone"}]
    assert cli("get", "visits", "--overdue", "-o", "ids", env=later).out.split() == [suggested]

    assert refusal("follow-up", happy, "--note", "x", "--outcome", "handled", "--as", "王芳") == (
        5, f"wuyectl: {happy}: the form needs no follow-up call: no item rated dissatisfied and no opinion written on it")
    assert refusal("follow-up", suggested, "--note", "x", "--outcome", "handled", "--as", "李明") == (
        6, f"wuyectl: 李明 (technician) may not follow-up call {suggested}: needs clerk, director or supervisor")
    assert refusal("follow-up", suggested, "--note", "x", "--outcome", "maybe", "--as", "王芳") == (
        3, "wuyectl: unknown outcome 'maybe': use one of handled, continuing, not reached")
    assert refusal("update", suggested, "--action", "follow_up", "--note", "x", "--as", "王芳") == (
        5, f"wuyectl: {suggested}: 'follow-up call' is recorded with `wuyectl follow-up`")
    assert cli("validate").code == 0
    assert _audit(cli) == []


@pytest.mark.lang("en")
def test_the_follow_up_rate_in_the_satisfaction_report(cli, forms):
    unhappy, suggested, happy = forms
    assert cli("follow-up", unhappy, "--note", "已说明", "--outcome", "continuing", "--as", "王芳",
               env={"WUYECTL_NOW": "2026-11-24T10:00:00+08:00"}).code == 0
    rep = json.loads(cli("report", "satisfaction", "--campaign", "2026H2", "-o", "json",
                         env={"WUYECTL_NOW": "2026-11-30T12:00:00+08:00"}).out)
    summary = {r["key"]: r for r in rep["sections"]["summary"]["rows"]}
    assert summary["followup_rate"] == {"key": "followup_rate", "figure": "follow-up rate", "value": "50.0%",
                                        "numerator": 1, "denominator": 2}
    assert rep["sections"]["waiting"]["rows"] == [
        {"id": suggested, "unit": rep["sections"]["waiting"]["rows"][0]["unit"],
         "form_returned_at": "2026-11-22 09:14", "followup_due_at": "2026-11-29 09:14", "overdue": "yes"}]
    # as of before the call: nothing followed up yet
    before = json.loads(cli("report", "satisfaction", "--campaign", "2026H2", "-o", "json", "--as-of",
                            "2026-11-23 12:00").out)
    row = next(r for r in before["sections"]["summary"]["rows"] if r["key"] == "followup_rate")
    assert (row["value"], row["numerator"], row["denominator"]) == ("0.0%", 0, 2)


# -- the rule as an invariant of the workflow (no git: the engine alone) ------------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402

STEPS = st.lists(st.sampled_from([("revise_plan", "supervisor"), ("revise_plan", "clerk"), ("approve_plan", "director"),
                                  ("approve_plan", "supervisor"), ("sample", "clerk")]), max_size=8)


class _Roles:
    roles = {"赵强": "supervisor", "刘主任": "director", "王芳": "clerk"}


@settings(max_examples=150, deadline=None)
@given(steps=STEPS)
def test_any_sequence_of_steps_samples_only_after_an_approval_in_force(steps):
    """Whatever steps are tried, in any order, by any of these roles: the sample is drawn only
    when the last plan or revision was approved by a director, and every record the steps leave
    passes W-survey-plan."""
    from wuyectl.domain.kinds.survey import KIND, WORKFLOW, approval
    from wuyectl.domain.workflow import Change, apply
    from wuyectl.errors import WuyeError

    names = {"supervisor": "赵强", "director": "刘主任", "clerk": "王芳"}
    plan = {"from": "2026-11-20", "to": "2026-12-10", "ratio": 0.1, "focus": True, "items": ITEMS, "drafted_by": "赵强"}
    record = {"id": "2026H2", "status": "planned", "plan": dict(plan),
              "timeline": [{"at": "2026-11-22T09:00:00+08:00", "by": "赵强", "action": "plan"}]}
    check = KIND.checks[0]
    for minute, (action, role) in enumerate(steps, start=1):
        approved_before = approval(record) is not None and record["status"] == "approved"
        params = {"plan": dict(plan), "drafter_role": "supervisor"} if action == "revise_plan" else \
            {"seed": 1, "ratio": 0.1, "population": 20, "complainants": [], "households": ["3-2-1201"]}
        change = Change(record, WORKFLOW.actions[action], names[role], role, f"2026-11-22T09:{minute:02d}:00+08:00",
                        params=params)
        try:
            apply(WORKFLOW, change, record_id="2026H2", sets={}, through_command=WORKFLOW.actions[action].via_command)
        except WuyeError:
            continue
        record["timeline"] = record["timeline"] + [change.event]
        if action == "sample":
            assert approved_before
        assert not (action == "approve_plan" and role != "director")
        assert list(check.run(record, _Roles())) == []
