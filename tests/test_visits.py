"""Visits (SPEC §2.3, issue 3): home visits with a complaint raised, survey campaigns — the
sample drawn once, and the returned forms."""
from __future__ import annotations

import json

import pytest
import yaml

from conftest import DIRECTOR, UNIT, ticket_path, visit_path
from helpers_kinds import commits, touched, unit_list, write_csv

ITEMS = ["security", "parking", "service", "repair", "cleaning", "greenery", "culture", "fees"]
ALL_GOOD = [f"--item={item}=good" for item in ITEMS]


def _trailers(git) -> dict:
    out: dict = {}
    for line in git("log", "-1", "--format=%b").splitlines():
        if line.startswith("Wuye-") and ": " in line:
            key, value = line.split(": ", 1)
            out.setdefault(key, []).append(value)
    return out


# -- home visits -------------------------------------------------------------------------------
def test_home_visit_with_a_complaint_opens_a_linked_ticket_in_the_same_commit(cli, git, office):
    start = commits(git)
    made = cli("open", "visit", "--type", "home", "--unit", UNIT, "--topic", "security", "--topic", "收费",
               "--opinion", "门禁常坏", "--suggestion", "加装摄像头", "--participant", DIRECTOR,
               "--complaint", "门禁损坏一周无人修", "--as", "王芳")
    assert made.code == 0, made.err
    vid, tid = made.out.split()
    assert (vid, tid) == ("V-20261122-A001", "T-20261122-A001")
    assert commits(git) == start + 1
    assert touched(git) == sorted([ticket_path(tid), visit_path(vid)])
    assert git("log", "-1", "--format=%s").strip() == f"{vid} home visit {UNIT}, complaint {tid}"
    assert _trailers(git)["Wuye-Record"] == [vid, tid]

    visit = json.loads(cli("show", vid, "-o", "json", "--as", "王芳").out)
    assert {k: visit[k] for k in ("type", "unit", "visitor", "participants", "topics", "opinions", "suggestions",
                                  "tickets")} == {
        "type": "home", "unit": UNIT, "visitor": "王芳", "participants": ["王芳", DIRECTOR],
        "topics": ["security", "fees"], "opinions": "门禁常坏", "suggestions": "加装摄像头", "tickets": [tid]}
    ticket = json.loads(cli("show", tid, "-o", "json", "--as", "王芳").out)
    assert {k: ticket[k] for k in ("status", "channel", "category", "severity", "unit", "description", "visit",
                                   "escalation_level")} == {
        "status": "received", "channel": "visit", "category": "complaint", "severity": "general", "unit": UNIT,
        "description": "门禁损坏一周无人修", "visit": vid, "escalation_level": 1}
    # the complaint goes on like any other: dispatched, resolved, called back
    assert cli("assign", tid, "--to", "赵强", "--as", "王芳").code == 0
    assert cli("validate").code == 0


def test_home_visit_without_a_complaint_is_one_file(cli, git):
    start = commits(git)
    made = cli("open", "visit", "--type", "home", "--unit", UNIT, "--topic", "设施", "--as", DIRECTOR)
    assert (made.code, made.out) == (0, "V-20261122-A001\n"), made.err
    assert commits(git) == start + 1
    assert touched(git) == [visit_path("V-20261122-A001")]
    assert "tickets" not in json.loads(cli("show", "V-20261122-A001", "-o", "json", "--as", "王芳").out)


@pytest.mark.parametrize("args, code, message", [
    (["--unit", UNIT], 2, "wuyectl: a home visit needs --topic (see 'wuyectl open visit --help')"),
    (["--unit", UNIT, "--topic", "停车"], 3,
     "wuyectl: unknown topic '停车': use one of security, cleaning/greenery, greenery, facilities, fees, other"),
    (["--unit", "9-9-999", "--topic", "security"], 4, "wuyectl: unit 9-9-999 has no household record"),
    (["--unit", UNIT, "--topic", "security", "--participant", "路人甲"], 6,
     "wuyectl: '路人甲' is not on the staff roster of wuye.yaml"),
])
@pytest.mark.lang("en")
def test_home_visit_refusals(cli, repo_state, args, code, message):
    before = repo_state()
    result = cli("open", "visit", "--type", "home", *args, "--as", "王芳")
    assert (result.code, result.out, result.err) == (code, "", message + "\n")
    assert repo_state() == before


# -- survey campaigns --------------------------------------------------------------------------
COMPLAINERS = ("1-1-105", "1-2-103")


@pytest.fixture
def community(cli, tmp_path):
    """25 households (3-2-1201 and 24 imported); two of them complained, one asked for a repair."""
    units = unit_list(24)
    path = write_csv(tmp_path / "roster.csv", "房号,业主姓名\n" + "".join(f"{u},业主{i}\n" for i, u in enumerate(units)))
    assert cli("import", "owners", path, "--as", "王芳").code == 0
    for unit, category in ((COMPLAINERS[0], "complaint"), (COMPLAINERS[1], "投诉"), ("1-2-110", "repair")):
        opened = cli("open", "ticket", "--channel", "phone", "--category", category, "--unit", unit,
                     "--description", "噪音扰民", "--as", "王芳")
        assert opened.code == 0, opened.err
    return units + [UNIT]


def _approved(cli, campaign="2026H2", env=None, repo=()):
    """A campaign's plan (10%), drafted by the supervisor and approved by the director."""
    planned = cli(*repo, "survey", "plan", campaign, "--period", "2026-01-01..2026-12-31", "--as", "赵强", env=env)
    assert planned.code == 0, planned.err
    approved = cli(*repo, "survey", "approve", campaign, "--as", DIRECTOR, env=env)
    assert approved.code == 0, approved.err


def _draw(cli, campaign="2026H2", seed=11, env=None, **kw):
    _approved(cli, campaign, env)
    result = cli("survey", "sample", "--campaign", campaign, "--seed", seed, "-o", "json", "--as", "王芳", env=env)
    assert result.code == 0, result.err
    return json.loads(result.out)


@pytest.mark.lang("en")
def test_sample_is_a_tenth_at_least_with_every_complainant_stored_once(cli, git, office, community, repo_state):
    _approved(cli)
    start = commits(git)
    result = cli("survey", "sample", "--campaign", "2026H2", "--seed", "11", "--as", "王芳")
    # 10% of 25 households is 2.5: 3 drawn at random (rounded up) from the 23 who did not
    # complain, plus the 2 who did = 5
    assert (result.code, result.out, result.err) == (
        0, "2026H2: 5 of 25 households drawn (2 who complained), seed 11\n", "")
    assert commits(git) == start + 1
    assert touched(git) == ["surveys/2026H2.yaml"]
    assert git("log", "-1", "--format=%an|%s").strip() == "王芳|2026H2 survey sample: 5 of 25 households"
    stored = yaml.safe_load((office / "surveys/2026H2.yaml").read_text(encoding="utf-8"))
    assert {k: stored[k] for k in ("id", "drawn_by", "seed", "ratio", "population", "complainants")} == {
        "id": "2026H2", "drawn_by": "王芳", "seed": 11, "ratio": 0.1, "population": 25,
        "complainants": list(COMPLAINERS)}
    drawn = stored["households"]
    assert len(drawn) == 5 and set(COMPLAINERS) <= set(drawn) and set(drawn) <= set(community)
    assert drawn == sorted(drawn)

    before = repo_state()
    again = cli("survey", "sample", "--campaign", "2026H2", "--seed", "12", "--as", "王芳")
    assert (again.code, again.out, again.err) == (
        5, "", "wuyectl: the sample of 2026H2 is already drawn (surveys/2026H2.yaml); it is drawn once\n")
    assert repo_state() == before
    listed = cli("get", "surveys", "--as", "王芳")
    assert "2026H2" in listed.out
    assert cli("validate").code == 0


def test_the_seed_draws_reproducibly(cli, office, community, tmp_path):
    import shutil

    twin, triplet = tmp_path / "twin", tmp_path / "triplet"
    shutil.copytree(office, twin)
    shutil.copytree(office, triplet)
    first = _draw(cli)
    _approved(cli, repo=("--repo", twin))
    again = cli("--repo", twin, "survey", "sample", "--campaign", "2026H2", "--seed", "11", "-o", "ids", "--as", "王芳")
    assert again.out.split() == first["households"]
    # without --seed a random one is drawn, and recorded: the draw can be checked afterwards
    _approved(cli, "2027H1", repo=("--repo", twin))
    unseeded = cli("--repo", twin, "survey", "sample", "--campaign", "2027H1", "-o", "json", "--as", "王芳")
    assert unseeded.code == 0, unseeded.err
    record = json.loads(unseeded.out)
    assert isinstance(record["seed"], int)
    _approved(cli, "2027H1", repo=("--repo", triplet))
    check = cli("--repo", triplet, "survey", "sample", "--campaign", "2027H1", "--seed", record["seed"], "-o", "ids",
                "--as", "王芳")
    assert check.out.split() == record["households"]


def test_more_complainants_than_a_tenth_are_all_drawn_and_the_random_part_stays(cli, community):
    for unit in ("1-3-101", "1-3-102"):
        assert cli("open", "ticket", "--channel", "letter", "--category", "complaint", "--unit", unit,
                   "--description", "电梯故障", "--as", "王芳").code == 0
    drawn = _draw(cli, seed=5)
    assert drawn["complainants"] == sorted(COMPLAINERS + ("1-3-101", "1-3-102"))
    # 4 complainants (more than a tenth, 3) are all drawn, and still 3 at random besides: 7
    assert set(drawn["complainants"]) <= set(drawn["households"]) and len(drawn["households"]) == 7


def test_complainants_since_the_last_campaign_and_those_unhappy_in_it(cli, tmp_path):
    units = unit_list(19)
    path = write_csv(tmp_path / "roster.csv", "房号,业主姓名\n" + "".join(f"{u},业主{i}\n" for i, u in enumerate(units)))
    may = {"WUYECTL_NOW": "2026-05-10T10:00:00+08:00"}
    june = {"WUYECTL_NOW": "2026-06-30T10:00:00+08:00"}
    july = {"WUYECTL_NOW": "2026-07-02T10:00:00+08:00"}
    aug = {"WUYECTL_NOW": "2026-08-10T10:00:00+08:00"}
    assert cli("import", "owners", path, "--as", "王芳", env=may).code == 0
    assert cli("open", "ticket", "--channel", "phone", "--category", "complaint", "--unit", "1-1-101",
               "--description", "五月投诉", "--as", "王芳", env=may).code == 0
    h1 = _draw(cli, "2026H1", seed=3, env=june)            # 20 households: 2 at random + 1-1-101
    assert h1["complainants"] == ["1-1-101"] and "1-1-101" in h1["households"]
    unhappy = next(u for u in h1["households"] if u != "1-1-101")
    form = cli("open", "visit", "--type", "survey", "--campaign", "2026H1", "--unit", unhappy, *ALL_GOOD,
               "--overall", "不满意", "--as", "王芳", env=july)
    assert form.code == 0, form.err
    assert cli("open", "ticket", "--channel", "phone", "--category", "complaint", "--unit", "1-2-105",
               "--description", "八月投诉", "--as", "王芳", env=aug).code == 0

    h2 = _draw(cli, "2026H2", seed=3, env={"WUYECTL_NOW": "2026-11-20T10:00:00+08:00"})
    # the May complaint was before 2026H1 was drawn; the August one after it; the household
    # unhappy in 2026H1 is drawn again (二次重点抽样)
    assert h2["since"] == "2026-06-30T10:00:00+08:00"
    assert h2["complainants"] == sorted(["1-2-105", unhappy])
    assert set(h2["complainants"]) <= set(h2["households"])
    assert len(h2["households"]) == 4                      # 2 at random + the 2 to cover


# -- survey responses --------------------------------------------------------------------------
@pytest.fixture
def campaign(cli, community):
    drawn = _draw(cli)["households"]
    outsider = next(u for u in community if u not in drawn)
    return drawn, outsider


@pytest.mark.lang("en")
def test_a_returned_form_rates_all_eight_items_once_per_drawn_household(cli, git, campaign, repo_state):
    drawn, outsider = campaign
    unit = drawn[0]
    start = commits(git)
    made = cli("open", "visit", "--type", "survey", "--campaign", "2026H2", "--unit", unit,
               "--item", "安全防范=优秀", "--item", "parking=良好", "--item", "客户服务=合格", "--item", "repair=不满意",
               "--item", "cleaning=good", "--item", "greenery=good", "--item", "culture=pass", "--item", "fees=excellent",
               "--overall", "良好", "--reason", "维修慢", "--suggestion", "增加维修人员", "--as", "王芳")
    assert made.code == 0, made.err
    vid = made.out.strip()
    assert commits(git) == start + 1
    assert touched(git) == [visit_path(vid)]
    assert git("log", "-1", "--format=%s").strip() == f"{vid} survey 2026H2 {unit}"
    form = json.loads(cli("show", vid, "-o", "json", "--as", "王芳").out)
    assert form["items"] == {"security": "excellent", "parking": "good", "service": "pass", "repair": "dissatisfied",
                             "cleaning": "good", "greenery": "good", "culture": "pass", "fees": "excellent"}
    assert list(form["items"]) == ITEMS
    assert (form["overall"], form["reasons"], form["suggestions"]) == ("good", "维修慢", "增加维修人员")

    before = repo_state()
    refusals = [
        (["--unit", outsider, *ALL_GOOD, "--overall", "good"], 5,
         f"wuyectl: {outsider} was not drawn in the sample of 2026H2"),
        (["--unit", unit, *ALL_GOOD, "--overall", "good"], 5,
         f"wuyectl: {unit} already returned its 2026H2 form ({vid})"),
        (["--unit", drawn[1], *ALL_GOOD[:6], "--overall", "good"], 3,
         "wuyectl: the form rates all eight items; missing: community culture, fees (an item left blank on the "
         "form: --item culture=)"),
        (["--unit", drawn[1], *ALL_GOOD[:7], "--item", "fees=很好", "--overall", "good"], 3,
         "wuyectl: unknown fees rating '很好': use one of excellent, good, pass, dissatisfied (did you mean 'good'?)"),
        (["--unit", drawn[1], *ALL_GOOD], 2,
         "wuyectl: a survey needs --overall (see 'wuyectl open visit --help')"),
    ]
    for args, code, message in refusals:
        result = cli("open", "visit", "--type", "survey", "--campaign", "2026H2", *args, "--as", "王芳")
        assert (result.code, result.out, result.err) == (code, "", message + "\n"), args
    not_drawn = cli("open", "visit", "--type", "survey", "--campaign", "2027H1", "--unit", unit, *ALL_GOOD,
                    "--overall", "good", "--as", "王芳")
    assert (not_drawn.code, not_drawn.err) == (
        4, "wuyectl: no survey campaign 2027H1: draw its sample first (wuyectl survey sample --campaign 2027H1)\n")
    assert repo_state() == before

    second = cli("open", "visit", "--type", "survey", "--campaign", "2026H2", "--unit", drawn[1], *ALL_GOOD,
                 "--overall", "good", "--as", "王芳")
    assert second.code == 0, second.err
    assert cli("validate").code == 0
