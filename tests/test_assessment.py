"""`report assessment` (issue 15 §1, seed 001 五.2 考核): per person the four figures, a score, a
grade by the policy's thresholds, 服务之星 candidates, and each person's training (seed 001 五.1).

The office (November 2026, times +08:00; 王芳 the clerk receives everything; 周伟 a second
technician added for this module):

  T1 repair   11-02 09:00 received, 09:03 assigned 李明, 09:10 contact, 09:30 on site, 10:30 resolved,
              10:45 reported back, 10:50 owner told; 11-03 10:00 callback satisfied → closed. All met.
  T2 repair   11-05 14:00 received, 14:20 assigned 李明 (dispatch BREACHED: 王芳), 14:40 contact
              (due 14:30, BREACHED: 李明), 14:50 on site, 15:30 resolved, 15:40 back, 15:45 told;
              11-06 10:00 callback DISSATISFIED → reopened to 李明 (cycle 2, re-dispatch met at once);
              10:30 reassigned to 周伟; 10:40 contact (due 10:10: BREACHED, charged to 李明, who held
              it at 10:10); 11:30 on site (due 11:10: BREACHED, charged to 周伟, who held it then);
              12:00 resolved, 12:10 back, 12:15 told; 11-07 09:00 callback satisfied → closed.
  T3 complaint about 陈洁 (`--about`), 11-10 10:00 received, 10:04 assigned 赵强, 10:20 contact, 15:00
              resolved, 15:20 back, 15:40 told; 11-11 15:30 callback basically satisfied → closed.
  T4 repair   11-20 09:00 received, 09:02 assigned 李明, 09:05 contact, 09:20 on site, never resolved:
              resolve due 11:20 BREACHED (李明); no word to the owner for 24 h: progress due 11-21 09:20
              BREACHED (王芳, the desk).

Trainings: induction 01-05..06 (刘主任 王芳 赵强 李明 陈洁); 周伟's induction 11-02, one day (does not
count); quarterly 05-10 (all five), 08-10 (not 陈洁), 11-15 (王芳 李明).

Read "now" = 2026-12-10 12:00.
"""
from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st

from conftest import DIRECTOR, UNIT
from helpers_kinds import module_office, plain_rows

from wuyectl.domain.kinds import KINDS

NOW = "2026-12-10T12:00:00+08:00"
LATER = {"WUYECTL_NOW": NOW}
TECH2 = "周伟"


def _build(root, now):
    from wuyectl import api

    office = api.Office(str(root))
    now("2026-11-01 08:01")
    api.add_staff(office, DIRECTOR, TECH2, "technician", department="maintenance")
    office = api.Office(str(root))
    ids = {}

    def act(stamp, who, tid, action, *sets, note=None):
        now(stamp)
        api.act(office, who, [tid], action, sets=dict(s.split("=", 1) for s in sets), note=note)

    def assign(stamp, tid, to, dept=None):
        now(stamp)
        api.assign(office, "王芳", [tid], to=to, department=dept)

    def callback(stamp, tid, rating):
        now(stamp)
        api.open_callback(office, "王芳", ticket=tid, rating=rating, method="phone")

    def repair(key, stamp, description):
        now(stamp)
        ids[key] = api.open_ticket(office, "王芳", channel="phone", category="repair", unit=UNIT,
                                   description=description)
        return ids[key]

    def train(stamp, kind, start, end, people, topic="物业跟随制制度"):
        now(stamp)
        values = {"type": kind, "topic": topic, "trainer": "赵强", "first_day": start, "last_day": end,
                  "attendees": list(people)}
        return api.open_entry(office, "赵强", KINDS["training"], values)[0]

    everyone = ("刘主任", "王芳", "赵强", "李明", "陈洁")
    train("2026-11-01 09:00", "induction", "2026-01-05", "2026-01-06", everyone)
    train("2026-11-01 09:01", "quarterly", "2026-05-10", "2026-05-10", everyone)
    train("2026-11-01 09:02", "quarterly", "2026-08-10", "2026-08-10", ("刘主任", "王芳", "赵强", "李明"))
    train("2026-11-02 17:00", "induction", "2026-11-02", "2026-11-02", (TECH2,))
    train("2026-11-15 17:00", "quarterly", "2026-11-15", "2026-11-15", ("王芳", "李明"), topic="服务案例分析")

    t1 = repair("T1", "2026-11-02 09:00", "卫生间漏水")
    assign("2026-11-02 09:03", t1, "李明")
    act("2026-11-02 09:10", "李明", t1, "contact")
    act("2026-11-02 09:30", "李明", t1, "arrive")
    act("2026-11-02 10:30", "李明", t1, "resolve", "result=更换配件", "signed_by=张三")
    act("2026-11-02 10:45", "李明", t1, "report_back")
    act("2026-11-02 10:50", "王芳", t1, "notify")
    callback("2026-11-03 10:00", t1, "satisfied")

    t2 = repair("T2", "2026-11-05 14:00", "厨房水管漏水")
    assign("2026-11-05 14:20", t2, "李明")
    act("2026-11-05 14:40", "李明", t2, "contact")
    act("2026-11-05 14:50", "李明", t2, "arrive")
    act("2026-11-05 15:30", "李明", t2, "resolve", "result=更换配件", "signed_by=张三")
    act("2026-11-05 15:40", "李明", t2, "report_back")
    act("2026-11-05 15:45", "王芳", t2, "notify")
    callback("2026-11-06 10:00", t2, "dissatisfied")
    assign("2026-11-06 10:30", t2, TECH2)
    act("2026-11-06 10:40", TECH2, t2, "contact")
    act("2026-11-06 11:30", TECH2, t2, "arrive")
    act("2026-11-06 12:00", TECH2, t2, "resolve", "result=更换水管", "signed_by=张三")
    act("2026-11-06 12:10", TECH2, t2, "report_back")
    act("2026-11-06 12:15", "王芳", t2, "notify")
    callback("2026-11-07 09:00", t2, "satisfied")

    now("2026-11-10 10:00")
    t3 = ids["T3"] = api.open_ticket(office, "王芳", channel="walk_in", category="complaint", unit=UNIT,
                                     description="保洁员态度差", about_staff="陈洁")
    assign("2026-11-10 10:04", t3, "赵强", dept="service")
    act("2026-11-10 10:20", "赵强", t3, "contact")
    act("2026-11-10 15:00", "赵强", t3, "resolve", "result=已当面道歉")
    act("2026-11-10 15:20", "赵强", t3, "report_back")
    act("2026-11-10 15:40", "王芳", t3, "notify")
    callback("2026-11-11 15:30", t3, "basically_satisfied")

    t4 = repair("T4", "2026-11-20 09:00", "门锁损坏")
    assign("2026-11-20 09:02", t4, "李明")
    act("2026-11-20 09:05", "李明", t4, "contact")
    act("2026-11-20 09:20", "李明", t4, "arrive")
    return ids


@pytest.fixture(scope="module")
def built(tmp_path_factory, office_template):
    return module_office(tmp_path_factory, office_template, "assessment", _build)


@pytest.fixture
def repo(built):
    return built[0]


@pytest.fixture
def report(cli, repo):
    def _report(*args, env=None):
        result = cli("report", "assessment", *args, "-o", "json", "--repo", repo, env=env or LATER)
        assert (result.code, result.err) == (0, ""), result.err
        return json.loads(result.out)

    return _report


def test_the_people_of_november(report):
    rep = report("--month", "2026-11")
    assert rep["sections"]["people"]["columns"] == [
        "person", "department", "dispatch_met", "dispatch_judged", "timely", "assigned", "completed", "completion",
        "callbacks", "satisfied", "satisfaction", "clocks", "breaches", "reopened", "complaints", "errors",
        "error_rate", "score", "grade"]
    got = {r["key"]: [r[c] for c in rep["sections"]["people"]["columns"][2:]] for r in rep["sections"]["people"]["rows"]}
    assert got == {
        # 李明: clocks T1 4 + T2 cycle 1 4 (contact breached) + T2 cycle 2 contact (breached) + T4 contact,
        # arrive, resolve (breached) = 12, 3 breached; assigned T1 T2 T4, resolved T1 T2 → 2 ÷ 3; callbacks
        # of his work T1 ✓ and T2's first ✗ (reopened) → 1 ÷ 2; mistakes 3 + 1 ÷ (12 + 2) = 28.6%;
        # score (66.7 + 50 + 71.4) ÷ 3 = 62.7 → 合格
        "李明": [0, 0, "n/a", 3, 2, "66.7%", 2, 1, "50.0%", 12, 3, 1, 0, 4, "28.6%", 62.7, "合格"],
        # 周伟: T2 cycle 2 arrive (breached at 11:10, his since 10:30), resolve, report back = 3, 1 breached;
        # T2 assigned and resolved; its second callback satisfied; 1 ÷ (3 + 1) = 25% → (100 + 100 + 75) ÷ 3
        TECH2: [0, 0, "n/a", 1, 1, "100.0%", 1, 1, "100.0%", 3, 1, 0, 0, 1, "25.0%", 91.7, "优秀"],
        # 陈洁: only the complaint about her: 1 ÷ 1 → score 0
        "陈洁": [0, 0, "n/a", 0, 0, "n/a", 0, 0, "n/a", 0, 0, 0, 1, 1, "100.0%", 0.0, "不合格"],
        # 王芳: the desk's clocks: T1 4, T2 8 (dispatch breached), T3 4, T4 dispatch + progress (breached) = 18;
        # dispatches T1 T2 T2' T3 T4 = 5, 4 on time → 80%; 2 ÷ 18 = 11.1% → (80 + 88.9) ÷ 2 = 84.4 → 良好
        "王芳": [4, 5, "80.0%", 0, 0, "n/a", 0, 0, "n/a", 18, 2, 0, 0, 2, "11.1%", 84.4, "良好"],
        # 赵强: T3 contact and report back met, resolved, called back basically satisfied → 100
        "赵强": [0, 0, "n/a", 1, 1, "100.0%", 1, 1, "100.0%", 2, 0, 0, 0, 0, "0.0%", 100.0, "优秀"],
        # nothing to judge: n/a, not 0
        "刘主任": [0, 0, "n/a", 0, 0, "n/a", 0, 0, "n/a", 0, 0, 0, 0, 0, "n/a", "n/a", "n/a"],
        "钱档": [0, 0, "n/a", 0, 0, "n/a", 0, 0, "n/a", 0, 0, 0, 0, 0, "n/a", "n/a", "n/a"],
    }
    # the auditor is not assessed; the order: by department, then name
    assert [r["key"] for r in rep["sections"]["people"]["rows"]][:3] == [TECH2, "李明", "陈洁"]
    # 服务之星: 赵强 and 周伟 are excellent, but 周伟 has a breach and 赵强 3 items (< 5)
    assert rep["sections"]["stars"]["rows"] == []


def test_training_and_its_findings(report):
    rep = report("--month", "2026-11")
    train = {r["key"]: [r[c] for c in rep["sections"]["training"]["columns"][1:]]
             for r in rep["sections"]["training"]["rows"]}
    assert train["李明"] == ["2026-01-05", 2, "2026Q4", 1, "2026-11-15 定期培训 服务案例分析"]
    assert train["陈洁"] == ["2026-01-05", 2, "2026Q4", 0, ""]
    assert train[TECH2] == ["", None, "2026Q4", 1, "2026-11-02 入职培训 物业跟随制制度"]
    assert [r[:3] for r in plain_rows(rep, "training_findings")] == [
        ["W-training-quarterly", "陈洁", "2026Q3"], ["W-training-induction", "钱档", ""],
        ["W-training-induction", TECH2, ""]]


def test_stars_follow_the_policy(cli, repo, report):
    assert cli("policy", "set", "assessment.star_min_items", "3", "--as", DIRECTOR, "--repo", repo).code == 0
    try:
        rep = report("--month", "2026-11")
        assert plain_rows(rep, "stars") == [[1, "赵强", 100.0, "优秀"]]
    finally:
        assert cli("policy", "set", "assessment.star_min_items", "null", "--as", DIRECTOR, "--repo", repo).code == 0


def test_a_month_with_nothing(report):
    rep = report("--month", "2026-09")
    assert all(r["grade"] == "n/a" and r["score"] == "n/a" for r in rep["sections"]["people"]["rows"])


def test_workload_charges_the_reopen_to_the_right_people(cli, repo):
    result = cli("report", "workload", "--month", "2026-11", "-o", "json", "--repo", repo, env=LATER)
    people = {r["key"]: r["breached"] for r in json.loads(result.out)["sections"]["people"]["rows"]}
    # T2's first-cycle contact and its second-cycle contact (ran out before 周伟 took it) are 李明's,
    # with T4's resolve; the second-cycle arrival is 周伟's alone; the desk's dispatch and progress 王芳's
    assert people == {"李明": 3, TECH2: 1, "王芳": 2, "赵强": 0}


# -- grades ----------------------------------------------------------------------------------
def test_grades_at_the_thresholds():
    from wuyectl.domain.assessment import grade

    assert [grade(p, {}) for p in (None, 0, 59.9, 60, 79.9, 80, 89.9, 90, 100)] == [
        None, "fail", "fail", "pass", "pass", "good", "good", "excellent", "excellent"]
    policy = {"assessment": {"pass": 50, "good": 70, "excellent": 95}}
    assert [grade(p, policy) for p in (49.9, 50, 70, 94.9, 95)] == ["fail", "pass", "good", "good", "excellent"]


RANK = {"fail": 0, "pass": 1, "good": 2, "excellent": 3}
rate = st.one_of(st.none(), st.floats(0, 100))


@given(figures=st.tuples(rate, rate, rate, rate), which=st.integers(0, 3), more=st.floats(0, 100),
       cuts=st.lists(st.integers(0, 100), min_size=3, max_size=3, unique=True).map(sorted))
def test_the_grade_is_monotone_in_the_figures(figures, which, more, cuts):
    """Better figures (a higher rate, a lower error rate) never earn a lower grade."""
    from wuyectl.domain.assessment import grade, score

    policy = {"assessment": dict(zip(("pass", "good", "excellent"), cuts))}

    def graded(timely, completion, satisfaction, errors):
        return grade(score([timely, completion, satisfaction, None if errors is None else 100 - errors]), policy)

    before = list(figures)
    after = list(figures)
    if before[which] is None:
        return
    if which == 3:
        after[3] = max(0.0, before[3] - more)     # fewer mistakes
    else:
        after[which] = min(100.0, before[which] + more)
    a, b = graded(*before), graded(*after)
    assert RANK[b] >= RANK[a]


# -- the thresholds --------------------------------------------------------------------------
@pytest.mark.parametrize("key, value", [("good", "95"), ("pass", "80"), ("excellent", "60"), ("pass", "90")])
def test_thresholds_that_do_not_increase_are_refused(refused, key, value):
    code, line = refused("policy", "set", f"assessment.{key}", value, "--as", DIRECTOR)
    assert code == 3
    assert line.startswith("wuyectl: ") and "assessment.pass" in line


def test_increasing_thresholds_are_taken(cli):
    assert cli("policy", "set", "assessment.excellent", "95", "--as", DIRECTOR).code == 0
    assert cli("policy", "set", "assessment.good", "92", "--as", DIRECTOR).code == 0
    assert cli("validate").code == 0


def test_a_hand_edited_policy_is_flagged(cli, office, git):
    config = office / "wuye.yaml"
    text = config.read_text(encoding="utf-8")
    assert "policy:" in text
    config.write_text(text.replace("policy:\n", "policy:\n  assessment:\n    pass: 85\n    good: 80\n", 1),
                      encoding="utf-8")
    git("commit", "-qam", "hand edit", "--no-verify")
    found = cli("validate", "-o", "json")
    assert found.code == 7
    problems = json.loads(found.out)["problems"]
    assert [(p["path"], p["code"]) for p in problems] == [("wuye.yaml", "V-config")]
    assert "而当前为 pass 85、good 80、excellent 90" in problems[0]["message"]
    refused = cli("report", "assessment", "--month", "2026-11")
    assert refused.code == 3 and refused.out == "" and "wuyectl validate" in refused.err


# -- a complaint names the person it is about --------------------------------------------------
def test_a_complaint_names_the_person_it_is_about(cli, office):
    made = cli("open", "ticket", "--channel", "phone", "--category", "complaint", "--unit", "3-2-1201",
               "--description", "维修工态度差", "--about", "李明", "--as", "王芳", "-o", "json")
    assert made.code == 0, made.err
    ticket = json.loads(made.out)
    assert ticket["about_staff"] == "李明"
    shown = cli("show", ticket["id"], "--as", "王芳")
    assert "投诉对象" in shown.out and "李明" in shown.out
    assert cli("validate").code == 0


@pytest.mark.parametrize("category, name, code", [("repair", "李明", 3), ("complaint", "李小明", 6)])
def test_about_is_for_complaints_about_someone_on_the_roster(refused, category, name, code):
    got, line = refused("open", "ticket", "--channel", "phone", "--category", category, "--unit", "3-2-1201",
                        "--description", "x", "--about", name, "--as", "王芳")
    assert got == code and ("--about" in line or name in line)
