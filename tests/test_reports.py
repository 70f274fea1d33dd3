"""Reports (SPEC §3, issue 4) on a small office built by hand through the API, once for this
module.  Every expected figure is worked out below from the story of the month; the JSON
output is asserted exactly, and the CSV and xlsx forms are checked against it.

The office, November 2026 (times +08:00; 李明 is maintenance, 陈洁 cleaning):

  T1 repair, phone, 3-2-1201   11-02 09:00 received, 09:03 assigned 李明, 09:10 contact, 09:30 on site,
                               10:30 resolved (signed), 10:45 reported back, 10:50 owner told,
                               11-03 10:00 callback satisfied (phone) → closed.         all 8 clocks met
  T2 repair, phone, 3-2-1201   11-05 14:00 received, 14:20 assigned (dispatch 5 min: BREACHED), 14:25 contact,
                               14:50 on site, 15:30 resolved, 15:40 back, 15:45 told;
                               11-06 10:00 callback DISSATISFIED → reopened to 李明 (cycle 2):
                               10:05 contact, 10:30 on site, 11:00 resolved, 11:10 back, 11:15 told,
                               11-07 09:00 callback satisfied (visit) → closed.   1 breached, 7 + 8 met
  T3 repair, online, 1-1-101   11-29 16:00 received, 16:02 assigned, 16:05 contact, 16:30 on site (promised
                               12-01 12:00), 11-30 11:00 progress, 12-01 10:00 RESOLVED (after the
                               period), 10:10 back, 10:15 told, 12-02 10:00 callback satisfied (wechat).
                                                                                         all 8 met
  T4 repair, phone, 3-2-1201   11-30 09:00 received, 09:02 assigned, 09:08 contact, 09:30 on site,
                               10:00 resolved, 10:10 back, 10:20 told,
                               12-01 09:00 callback satisfied (sms) — IN THE NEXT MONTH.  all 8 met
  T5 complaint general, walk-in, 3-2-1201   11-10 10:00 received (level 1), 10:04 assigned 陈洁,
                               10:20 contact, 10:30 on site (cleaning: 30 min from dispatch), 15:00
                               resolved, 15:30 back, 15:40 told, 11-11 15:00 callback (24 h after the
                               resolution at the earliest) basically satisfied → closed.  7 clocks, all met
  T6 complaint major, phone, 1-1-102   11-12 09:00 received (level 2), 09:30 assigned 李明 (dispatch
                               BREACHED), never contacted (contact due 09:40: BREACHED), no word to the
                               owner (progress due 11-13 09:00: BREACHED); 11-13 10:00 escalated to 3 by the director.
  T7 consult, walk-in          11-15 11:00 received, 11:01 answered on the spot: no clocks at all.
  T8 help, letter              11-16 08:00 received, 08:02 cancelled (duplicate).

Reports are read "now" = 2026-12-10 12:00 unless a test says otherwise.
"""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

from conftest import DIRECTOR, UNIT
from helpers_kinds import (ARCHIVIST, assert_xlsx_matches_json, module_office, plain_rows, rows, unit_list,
                           write_csv)

NOW = "2026-12-10T12:00:00+08:00"
LATER = {"WUYECTL_NOW": NOW}
DESC = {"T1": "卫生间漏水", "T2": "厨房水管漏水", "T3": "外墙渗水", "T4": "门锁损坏", "T5": "楼道保洁不及时",
        "T6": "维修工态度恶劣", "T7": "咨询缴费时间", "T8": "求助开锁"}


# -- the office --------------------------------------------------------------------------------
def _build(root, now):
    from wuyectl import api

    office = api.Office(str(root))
    ids: dict = {}

    # 100 households: 3-2-1201 and 99 imported in one commit
    roster = root.parent / "roster.csv"
    write_csv(roster, "房号,业主姓名\n" + "".join(f"{u},业主{i}\n" for i, u in enumerate(unit_list(99))))
    now("2026-11-01 08:00")
    assert api.import_owners(office, "王芳", str(roster)).commit

    def ticket(key, stamp, category, channel, unit=UNIT, **kw):
        now(stamp)
        ids[key] = api.open_ticket(office, "王芳", channel=channel, category=category, unit=unit,
                                   description=DESC[key], **kw)
        return ids[key]

    def act(stamp, who, tid, action, *sets, note=None):
        now(stamp)
        api.act(office, who, [tid], action, sets=dict(s.split("=", 1) for s in sets), note=note)

    def assign(stamp, tid, to):
        now(stamp)
        api.assign(office, "王芳", [tid], to=to)

    def callback(stamp, tid, rating, method, note=None, items=None):
        now(stamp)
        return api.open_callback(office, "王芳", ticket=tid, rating=rating, method=method, note=note, items=items)

    def repair_round(day, tid, times, signer="张三"):
        contact, arrive, resolve, back, told = times
        act(f"{day} {contact}", "李明", tid, "contact")
        act(f"{day} {arrive}", "李明", tid, "arrive")
        act(f"{day} {resolve}", "李明", tid, "resolve", "result=更换配件", f"signed_by={signer}")
        act(f"{day} {back}", "李明", tid, "report_back")
        act(f"{day} {told}", "王芳", tid, "notify")

    t1 = ticket("T1", "2026-11-02 09:00", "repair", "phone")
    assign("2026-11-02 09:03", t1, "李明")
    repair_round("2026-11-02", t1, ("09:10", "09:30", "10:30", "10:45", "10:50"))
    callback("2026-11-03 10:00", t1, "satisfied", "phone",
             items={"timeliness": "satisfied", "attitude": "basically_satisfied"})

    t2 = ticket("T2", "2026-11-05 14:00", "repair", "phone")
    assign("2026-11-05 14:20", t2, "李明")
    repair_round("2026-11-05", t2, ("14:25", "14:50", "15:30", "15:40", "15:45"))
    callback("2026-11-06 10:00", t2, "dissatisfied", "phone", note="仍漏水")
    repair_round("2026-11-06", t2, ("10:05", "10:30", "11:00", "11:10", "11:15"))
    callback("2026-11-07 09:00", t2, "satisfied", "visit")

    t3 = ticket("T3", "2026-11-29 16:00", "repair", "online", unit="1-1-101")
    assign("2026-11-29 16:02", t3, "李明")
    act("2026-11-29 16:05", "李明", t3, "contact")
    act("2026-11-29 16:30", "李明", t3, "arrive", "promised_at=2026-12-01 12:00")
    act("2026-11-30 11:00", "王芳", t3, "progress", note="等待外墙材料")
    act("2026-12-01 10:00", "李明", t3, "resolve", "result=外墙修补", "signed_by=业主0")
    act("2026-12-01 10:10", "李明", t3, "report_back")
    act("2026-12-01 10:15", "王芳", t3, "notify")
    callback("2026-12-02 10:00", t3, "satisfied", "wechat")

    t4 = ticket("T4", "2026-11-30 09:00", "repair", "phone")
    assign("2026-11-30 09:02", t4, "李明")
    repair_round("2026-11-30", t4, ("09:08", "09:30", "10:00", "10:10", "10:20"))
    callback("2026-12-01 09:00", t4, "satisfied", "sms")

    t5 = ticket("T5", "2026-11-10 10:00", "complaint", "walk_in")
    assign("2026-11-10 10:04", t5, "陈洁")
    act("2026-11-10 10:20", "陈洁", t5, "contact")
    act("2026-11-10 10:30", "陈洁", t5, "arrive")
    act("2026-11-10 15:00", "陈洁", t5, "resolve", "result=已增加保洁频次")
    act("2026-11-10 15:30", "陈洁", t5, "report_back")
    act("2026-11-10 15:40", "王芳", t5, "notify")
    callback("2026-11-11 15:00", t5, "basically_satisfied", "phone")

    t6 = ticket("T6", "2026-11-12 09:00", "complaint", "phone", unit="1-1-102", severity="major")
    assign("2026-11-12 09:30", t6, "李明")
    now("2026-11-13 10:00")
    api.escalate(office, DIRECTOR, [t6], reason="业主要求公司处理", to=3)

    t7 = ticket("T7", "2026-11-15 11:00", "consult", "walk_in")
    act("2026-11-15 11:01", "王芳", t7, "answer", "result=每月25日前")
    t8 = ticket("T8", "2026-11-16 08:00", "help", "letter")
    act("2026-11-16 08:02", "王芳", t8, "cancel", note="重复登记")

    # -- violations ---------------------------------------------------------------------------
    def violation(key, stamp, **kw):
        now(stamp)
        ids[key] = api.open_violation(office, "王芳", **kw)
        return ids[key]

    def step(stamp, who, wid, **kw):
        now(stamp)
        api.escalate(office, who, [wid], reason="依规处理", **kw)

    wa = violation("WA", "2026-10-15 10:00", category="hygiene", unit=UNIT, description="楼道堆放杂物")
    step("2026-10-15 10:05", "王芳", wa)
    act("2026-10-20 09:00", "王芳", wa, "rectify", note="已清理")
    wb = violation("WB", "2026-11-03 09:00", category="decoration", unit=UNIT, description="擅自封闭阳台")
    step("2026-11-03 09:10", "王芳", wb)
    step("2026-11-04 09:00", "赵强", wb, deadline="2026-11-20")
    wc = violation("WC", "2026-11-05 09:00", category="fee_refusal", unit="1-1-101", description="拒交物业费")
    step("2026-11-05 09:30", "王芳", wc)
    step("2026-11-06 09:00", "赵强", wc)
    wd = violation("WD", "2026-11-06 09:00", category="fire", severity="major", location={"place": "5号楼消防通道"},
                   description="堵塞消防通道")
    step("2026-11-06 09:05", "王芳", wd)
    act("2026-11-07 09:00", "赵强", wd, "approve", "approver=公司张总")
    step("2026-11-07 09:30", "赵强", wd, deadline="2026-12-31")
    act("2026-11-20 10:00", "赵强", wd, "rectify", note="已清理")

    # -- archive ----------------------------------------------------------------------------------
    def filed(key, stamp, **kw):
        now(stamp)
        ids[key] = api.open_archive(office, ARCHIVIST, **kw)
        return ids[key]

    a1 = filed("A1", "2026-11-02 08:00", title="小区平面图", category="site_plan", medium="paper", location="档案柜1",
               retention_years=1, filed_on="2024-01-10")
    filed("A2", "2026-11-05 08:00", title="业主登记表", category="owner_records", medium="paper", location="档案柜2",
          retention_years=10)
    a3 = filed("A3", "2026-11-08 08:00", title="保洁记录", category="management_records", medium="paper",
               location="柜3", retention_years=3)
    a4 = filed("A4", "2026-11-09 08:00", title="旧电梯维保合同", category="contracts", medium="electronic",
               location="柜4", retention_years=1, filed_on="2025-06-01")
    a5 = filed("A5", "2026-11-09 08:10", title="绿化外包合同", category="contracts", medium="paper", location="柜4",
               retention_years=5, filed_on="2026-10-01")
    now("2026-11-20 09:00")
    api.lend(office, ARCHIVIST, [a3], borrower="赵强", purpose="查阅")          # due 11-23 09:00
    act("2026-11-10 09:00", ARCHIVIST, a4, "request_destruction")
    act("2026-11-11 09:00", "赵强", a4, "review_destruction")
    act("2026-11-12 09:00", DIRECTOR, a4, "approve_destruction")
    now("2026-11-13 09:00")
    api.destroy(office, ARCHIVIST, [a4], witnesses=["王芳", "赵强"])
    now("2026-12-08 10:00")
    api.lend(office, ARCHIVIST, [a5], borrower="李明", purpose="维修参考")      # due 12-11 10:00
    assert a1

    # -- the 2026H2 survey: 50 households drawn, 31 forms back (62%) ---------------------------
    # 48% of 100 at random = 48, plus the 2 households that complained = 50
    now("2026-11-20 09:30")
    api.plan_survey(office, "赵强", "2026H2", start="2026-11-20", end="2026-12-05", share=0.48)
    api.approve_plan(office, DIRECTOR, "2026H2")
    now("2026-11-20 10:00")
    sample = api.draw_sample(office, "王芳", "2026H2", seed=1, ratio=0.48)
    drawn = sample["households"]
    ids["drawn"] = drawn
    for i, unit in enumerate(drawn[:31]):
        items = {item: "good" for item in ITEMS}
        for item, dissatisfied in DISSATISFIED.items():
            if i in dissatisfied:
                items[item] = "dissatisfied"
        if i == 30:
            items["greenery"] = "excellent"
        now(f"2026-11-21 09:{i:02d}")
        api.open_survey_response(office, "王芳", campaign="2026H2", unit=unit, items=items,
                                 overall="dissatisfied" if i in OVERALL_DISSATISFIED else "good")
    return ids


ITEMS = ["security", "parking", "service", "repair", "cleaning", "greenery", "culture", "fees"]
# which of the 31 forms (numbered 0…30) rate an item 'dissatisfied'
DISSATISFIED = {"security": range(0, 3), "service": range(3, 4), "repair": range(4, 6), "cleaning": range(6, 11),
                "culture": range(11, 15), "fees": range(15, 21)}
OVERALL_DISSATISFIED = (21, 22)


@pytest.fixture(scope="module")
def built(tmp_path_factory, office_template):
    return module_office(tmp_path_factory, office_template, "reports", _build)


@pytest.fixture
def repo(built):
    return built[0]


@pytest.fixture
def ids(built):
    return built[1]


@pytest.fixture
def report(cli, repo):
    """`report(NAME, *args)` → the report's JSON, read at NOW unless env says otherwise."""

    def _report(name, *args, env=None):
        result = cli("report", name, *args, "-o", "json", "--repo", repo, env=env or LATER)
        assert (result.code, result.err) == (0, ""), result.err
        return json.loads(result.out)

    return _report


@pytest.mark.lang("en")
def test_the_built_office_is_valid_and_its_history_one_commit_per_action(cli, repo):
    import subprocess

    result = cli("validate", "--repo", repo)
    assert result.code == 0, result.out
    assert result.out.startswith("ok: ")
    count = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=repo, capture_output=True,
                               text=True, check=True).stdout)
    # template: init + 5 staff + 1 household = 7; here: archivist + import = 2;
    # tickets: T1 8 (open, assign, contact, arrive, resolve, back, told, callback), T2 14 (two rounds),
    # T3 9 (with progress), T4 8, T5 8, T6 3, T7 2, T8 2 = 54;
    # violations: WA 3, WB 3, WC 3, WD 5 (with approve) = 14; archive: 5 filed + 2 loans + 4 destruction = 11;
    # survey: plan + approval + draw + 31 forms = 34.   7 + 2 + 54 + 14 + 11 + 34 = 122
    assert count == 122


# -- kpi ---------------------------------------------------------------------------------------
def figures(rep) -> dict:
    return {k: (r["value"], r["numerator"], r["denominator"]) for k, r in rows(rep, "figures").items()}


def test_kpi_november(report, ids):
    rep = report("kpi", "--month", "2026-11")
    assert rep["report"] == "kpi"
    assert rep["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    assert rep["as_of"] == NOW
    assert figures(rep) == {
        # T1…T8 received in November; T2, reopened, counts once
        "received": (8, 8, None),
        # dispatch clocks that stopped or ran out: T1 T2 T3 T4 T5 T6 (T7 answered on the spot has
        # none, T8 is cancelled); met: T1 T3 T4 T5 → 4 ÷ 6 = 66.7%
        "dispatch_on_time": ("66.7%", 4, 6),
        # resolved or closed now, of the 7 not cancelled: all but T6 → 6 ÷ 7 = 85.7%
        # (T3, resolved 12-01 after the period, counts: it is resolved as of 12-10)
        "completion": ("85.7%", 6, 7),
        # needing a callback and resolved: T1 T2 T3 T4 T5; all called back → 5 ÷ 5
        "callback": ("100.0%", 5, 5),
        # callbacks made in November: T1 ✓, T2 ✗, T2 ✓, T5 ✓(basically) → 3 ÷ 4 = 75.0%
        # (T4's callback of 12-01 belongs to December)
        "satisfaction": ("75.0%", 3, 4),
        # tickets called back in November, by their last callback then: T1 ✓, T2 ✓, T5 ✓ → 3 ÷ 3
        "problem_solving": ("100.0%", 3, 3),
    }
    by_category = {k: r["count"] for k, r in rows(rep, "by_category").items()}
    assert by_category == {"consult": 1, "help": 1, "repair": 4, "paid_repair": 0, "suggestion": 0,
                           "complaint": 2, "praise": 0}
    by_channel = {k: r["count"] for k, r in rows(rep, "by_channel").items()}
    assert {k: v for k, v in by_channel.items() if v} == {"phone": 4, "walk_in": 2, "letter": 1, "online": 1}
    # breached clocks: T2 dispatch; T6 dispatch, contact, progress
    breaches = {k: r["count"] for k, r in rows(rep, "breaches").items()}
    assert breaches == {"dispatch": 2, "contact": 1, "arrive": 0, "resolve": 0, "report_back": 0, "notify": 0,
                        "progress": 1, "callback": 0, "redispatch": 0}
    assert rows(rep, "figures")["dispatch_on_time"]["figure"] == "受理及时率"


def test_kpi_as_it_stood_at_the_end_of_the_month(report):
    rep = report("kpi", "--month", "2026-11", "--as-of", "2026-11-30 23:59")
    assert rep["as_of"] == "2026-11-30T23:59:00+08:00"
    assert figures(rep) == {
        "received": (8, 8, None),
        "dispatch_on_time": ("66.7%", 4, 6),
        # T3 still in progress then (resolved 12-01): T1 T2 T4 T5 T7 → 5 ÷ 7 = 71.4%
        "completion": ("71.4%", 5, 7),
        # resolved by then: T1 T2 T4 T5; called back by then: T1 T2 T5 (T4's callback is 12-01) → 3 ÷ 4
        "callback": ("75.0%", 3, 4),
        "satisfaction": ("75.0%", 3, 4),
        "problem_solving": ("100.0%", 3, 3),
    }


def test_kpi_december_counts_the_callbacks_made_in_it(report):
    rep = report("kpi", "--month", "2026-12")
    assert figures(rep) == {
        "received": (0, 0, None),
        "dispatch_on_time": ("n/a", 0, 0),
        "completion": ("n/a", 0, 0),
        "callback": ("n/a", 0, 0),
        # T4 (12-01) and T3 (12-02), both satisfied: 2 ÷ 2
        "satisfaction": ("100.0%", 2, 2),
        "problem_solving": ("100.0%", 2, 2),
    }


def test_kpi_from_to_inclusive_days(report):
    rep = report("kpi", "--from", "2026-11-29", "--to", "2026-11-30")
    assert rep["period"] == {"from": "2026-11-29", "to": "2026-11-30"}
    assert figures(rep) == {
        "received": (2, 2, None),                   # T3, T4
        "dispatch_on_time": ("100.0%", 2, 2),
        "completion": ("100.0%", 2, 2),
        "callback": ("100.0%", 2, 2),
        "satisfaction": ("n/a", 0, 0),              # no callback made on those two days
        "problem_solving": ("n/a", 0, 0),
    }


def test_kpi_empty_month_is_n_a_not_a_division_error(cli, report, repo):
    rep = report("kpi", "--month", "2026-09")
    assert figures(rep) == {"received": (0, 0, None), "dispatch_on_time": ("n/a", 0, 0), "completion": ("n/a", 0, 0),
                            "callback": ("n/a", 0, 0), "satisfaction": ("n/a", 0, 0),
                            "problem_solving": ("n/a", 0, 0)}
    assert all(r["count"] == 0 for r in rows(rep, "by_category").values())
    table = cli("report", "kpi", "--month", "2026-09", "--repo", repo, env=LATER)
    assert table.code == 0 and table.err == ""
    assert table.out.splitlines()[0] == "服务质量指标  统计期间 2026-09-01 – 2026-09-30  计算时点 2026-12-10 12:00+08:00"
    assert re.search(r"受理及时率\s+n/a\s+0\s+0", table.out)


def test_kpi_english_table(cli, repo):
    result = cli("report", "kpi", "--month", "2026-11", "--lang", "en", "--repo", repo, env=LATER)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "Service KPIs  period 2026-11-01 – 2026-11-30  as of 2026-12-10 12:00+08:00"
    assert "Figures:" in lines
    assert re.search(r"dispatch on time\s+66\.7%\s+4\s+6", result.out)
    assert re.search(r"callback rate \(target 100%\)\s+100\.0%\s+5\s+5", result.out)
    rep = json.loads(cli("report", "kpi", "--month", "2026-11", "--lang", "en", "-o", "json", "--repo", repo,
                         env=LATER).out)
    assert rep["title"] == "Service KPIs"
    assert rows(rep, "by_category")["repair"]["category"] == "repair"


# -- sla ---------------------------------------------------------------------------------------
def test_sla_per_stage_and_breaching_now(report, ids):
    rep = report("sla", "--month", "2026-11")
    stages = {k: (r["due"], r["met"], r["breached"]) for k, r in rows(rep, "stages").items()}
    # T1, T3, T4: 8 clocks met each; T2: dispatch breached, 7 met in the first round and 8 (with
    # re-dispatch) in the second; T5: dispatch, contact, arrive, progress, report back, notify,
    # callback met; T6: dispatch, contact, progress breached; T7 none; T8 cancelled, not counted.
    assert stages == {
        "dispatch": (0, 4, 2),          # met T1 T3 T4 T5; breached T2 T6
        "contact": (0, 6, 1),           # met T1 T2 T2' T3 T4 T5; breached T6
        "arrive": (0, 6, 0),            # repairs: T1 T2 T2' T3 T4; cleaning: T5
        "resolve": (0, 5, 0),
        "report_back": (0, 6, 0),       # T1 T2 T2' T3 T4 T5
        "notify": (0, 6, 0),
        "progress": (0, 6, 1),          # T6: no word to the owner for 24 h
        "callback": (0, 6, 0),
        "redispatch": (0, 1, 0),        # T2 reopened to 李明 at once
    }
    # breaching now: T6's contact (due 11-12 09:40) and progress (due 11-13 09:00), worst first;
    # 11-12 09:40 → 12-10 12:00 is 28 days 2 h 20 min, 11-13 09:00 → 12-10 12:00 is 27 days 3 h
    t6 = ids["T6"]
    assert plain_rows(rep, "breaching_now") == [
        [t6, "联系", "2026-11-12 09:40", "28天2小时20分", "李明", "已派单", "1-1-102"],
        [t6, "进度告知", "2026-11-13 09:00", "27天3小时0分", "李明", "已派单", "1-1-102"],
    ]


def test_sla_as_of_the_end_of_the_month(report, ids):
    rep = report("sla", "--month", "2026-11", "--as-of", "2026-11-30 23:59")
    stages = {k: (r["due"], r["met"], r["breached"]) for k, r in rows(rep, "stages").items()}
    # then T3 was on site waiting for the promised 12-01 12:00 (resolve due) with its owner told
    # at 11-30 11:00 (progress due 12-01 11:00); T4 awaited its callback (due 12-01 23:59:59)
    assert stages == {
        "dispatch": (0, 4, 2), "contact": (0, 6, 1), "arrive": (0, 6, 0), "resolve": (1, 4, 0),
        "report_back": (0, 5, 0), "notify": (0, 5, 0), "progress": (1, 5, 1), "callback": (1, 4, 0),
        "redispatch": (0, 1, 0),
    }
    # 11-12 09:40 → 11-30 23:59 is 18 days 14 h 19 min
    assert plain_rows(rep, "breaching_now")[0][:4] == [ids["T6"], "联系", "2026-11-12 09:40", "18天14小时19分"]


def test_sla_empty_month(report):
    rep = report("sla", "--month", "2026-09")
    assert all((r["due"], r["met"], r["breached"]) == (0, 0, 0) for r in rows(rep, "stages").values())
    # breaching now is about every open ticket, whatever the period
    assert len(rep["sections"]["breaching_now"]["rows"]) == 2


# -- callbacks ---------------------------------------------------------------------------------
def test_callbacks_november(report, ids):
    rep = report("callbacks", "--month", "2026-11")
    assert figures(rep) == {
        # repairs resolved in November, each once: T1, T2 (twice, once counted), T4; not T3 (12-01)
        "resolved": (3, 3, None),
        # of those called back by 12-10: all three (T4's callback was on 12-01)
        "callback_rate": ("100.0%", 3, 3),
        # repair callbacks made in November: T1 ✓, T2 ✗, T2 ✓ → 2 ÷ 3 = 66.7%
        "satisfaction": ("66.7%", 2, 3),
    }
    assert {k: r["count"] for k, r in rows(rep, "by_rating").items()} == {
        "satisfied": 2, "basically_satisfied": 0, "dissatisfied": 1}
    assert {k: r["count"] for k, r in rows(rep, "by_method").items()} == {"phone": 2, "visit": 1, "sms": 0, "wechat": 0}
    by_item = {k: (r["satisfied"], r["basically_satisfied"], r["dissatisfied"]) for k, r in rows(rep, "by_item").items()}
    assert by_item == {"timeliness": (1, 0, 0), "quality": (0, 0, 0), "fee": (0, 0, 0), "attitude": (0, 1, 0),
                       "overall": (2, 0, 1)}
    t1, t2 = ids["T1"], ids["T2"]
    assert plain_rows(rep, "list") == [
        ["2026-11-03 10:00", t1, UNIT, "满意", "电话", "王芳", ""],
        ["2026-11-06 10:00", t2, UNIT, "不满意", "电话", "王芳", "仍漏水"],
        ["2026-11-07 09:00", t2, UNIT, "满意", "上门", "王芳", ""],
    ]


def test_callbacks_at_the_end_of_november_then_december(report, ids):
    # at month's end T4 (resolved 11-30) had no callback yet: 2 ÷ 3 = 66.7%
    end = report("callbacks", "--month", "2026-11", "--as-of", "2026-11-30 23:59")
    assert figures(end)["callback_rate"] == ("66.7%", 2, 3)
    # December: T3 resolved (12-01) and called back; callbacks made: T4 (12-01), T3 (12-02)
    dec = report("callbacks", "--month", "2026-12")
    assert figures(dec) == {"resolved": (1, 1, None), "callback_rate": ("100.0%", 1, 1),
                            "satisfaction": ("100.0%", 2, 2)}
    assert [r[1] for r in plain_rows(dec, "list")] == [ids["T4"], ids["T3"]]
    assert {k: r["count"] for k, r in rows(dec, "by_method").items()} == {"phone": 0, "visit": 0, "sms": 1, "wechat": 1}
    empty = report("callbacks", "--month", "2026-09")
    assert figures(empty) == {"resolved": (0, 0, None), "callback_rate": ("n/a", 0, 0), "satisfaction": ("n/a", 0, 0)}


# -- complaints --------------------------------------------------------------------------------
def test_complaints_november(report, ids):
    rep = report("complaints", "--month", "2026-11")
    # T5 general, walk-in, 保洁部, closed; T6 major, phone, 工程部, still open
    assert {k: r["count"] for k, r in rows(rep, "by_severity").items()} == {"general": 1, "major": 1}
    assert {k: r["count"] for k, r in rows(rep, "by_channel").items() if r["count"]} == {"walk_in": 1, "phone": 1}
    assert {k: r["count"] for k, r in rows(rep, "by_department").items() if r["count"]} == {
        "maintenance": 1, "cleaning": 1}
    assert {k: r["count"] for k, r in rows(rep, "by_outcome").items()} == {
        "closed": 1, "reopened": 0, "resolved": 0, "open": 1, "cancelled": 0}
    assert plain_rows(rep, "list") == [
        [ids["T5"], "2026-11-10 10:00", "一般", UNIT, "保洁部", 1, "已关闭", DESC["T5"]],
        [ids["T6"], "2026-11-12 09:00", "重大", "1-1-102", "工程部", 3, "处理中", DESC["T6"]],
    ]
    # as it stood on 11-10 at 18:00: T5 resolved, awaiting its callback; T6 not yet received
    early = report("complaints", "--month", "2026-11", "--as-of", "2026-11-10 18:00")
    assert {k: r["count"] for k, r in rows(early, "by_outcome").items() if r["count"]} == {"resolved": 1}
    empty = report("complaints", "--month", "2026-09")
    assert empty["sections"]["list"]["rows"] == []


# -- workload ----------------------------------------------------------------------------------
def test_workload_november(report):
    rep = report("workload", "--month", "2026-11")
    # 李明: assigned T1 T2 T3 T4 T6 = 5 (T2's reopen to him is the same ticket); resolve events in
    # November: T1, T2 twice, T4 = 4 (T3's is in December); breaches charged to whoever held the
    # stage when it ran out (domain/responsibility): 李明 only T6's contact (he held it at 09:40) = 1;
    # 王芳, the clerk who received T2 and T6: their late dispatches and T6's progress (the desk
    # reports progress to the owner, seed 001 三.3) = 3. (Before, 李明 was charged T6's progress
    # and 王芳 nothing: the desk's clocks landed on the handler.)
    # callbacks in November of work he resolved: T1 ✓, T2 ✗, T2 ✓ → 2 ÷ 3
    # 陈洁: T5 assigned and resolved, nothing breached, its callback basically satisfied → 1 ÷ 1
    assert plain_rows(rep, "departments") == [["工程部", 5, 4, 1, "66.7%"], ["保洁部", 1, 1, 0, "100.0%"],
                                              ["客服部", 0, 0, 3, "n/a"]]
    assert [r["key"] for r in rep["sections"]["departments"]["rows"]] == ["maintenance", "cleaning", "service"]
    assert plain_rows(rep, "people") == [["陈洁", "保洁部", 1, 1, 0, "100.0%"], ["李明", "工程部", 5, 4, 1, "66.7%"],
                                         ["王芳", "客服部", 0, 0, 3, "n/a"]]
    empty = report("workload", "--month", "2026-09")
    assert empty["sections"]["people"]["rows"] == []


# -- handover ----------------------------------------------------------------------------------
def test_handover_of_the_30th(report, ids):
    rep = report("handover", "--date", "2026-11-30")
    assert rep["period"] == {"from": "2026-11-30", "to": "2026-11-30"}
    assert rep["as_of"] == "2026-11-30T23:59:59+08:00"        # the end of that day
    t3, t4, t6 = ids["T3"], ids["T4"], ids["T6"]
    assert plain_rows(rep, "received") == [["09:00", t4, "报修", UNIT, DESC["T4"], "已完成"]]
    assert plain_rows(rep, "done") == [["10:00", t4, "完成", "李明", ""]]
    assert plain_rows(rep, "escalations") == []
    # still open at the end of the day, soonest deadline first: T6 (contact due 11-12 09:40, long
    # breached), T3 (progress due 12-01 11:00, before the promised 12:00)
    assert plain_rows(rep, "open") == [
        [t6, "已派单", "投诉", "1-1-102", "李明", "2026-11-12 09:40", DESC["T6"]],
        [t3, "处理中", "报修", "1-1-101", "李明", "2026-12-01 11:00", DESC["T3"]],
    ]


def test_handover_escalations_and_callbacks_done(report, ids):
    rep = report("handover", "--date", "2026-11-13")
    assert plain_rows(rep, "escalations") == [["10:00", ids["T6"], "3 公司", DIRECTOR, "业主要求公司处理"]]
    assert plain_rows(rep, "received") == []
    assert [r[0] for r in plain_rows(rep, "open")] == [ids["T6"]]
    day = report("handover", "--date", "2026-11-11")
    # a satisfied (or basically satisfied) callback closes a ticket: it is work done
    assert plain_rows(day, "done") == [["15:00", ids["T5"], "回访", "王芳", "基本满意"]]
    received = report("handover", "--date", "2026-11-12")
    assert plain_rows(received, "escalations") == [["09:00", ids["T6"], "2 管理处主任", "王芳", "投诉上报管理处主任"]]


def test_handover_sheet_is_readable_when_printed(cli, repo, ids):
    result = cli("report", "handover", "--date", "2026-11-30", "--repo", repo, env=LATER)
    assert result.code == 0, result.err
    text = result.out
    assert text.splitlines()[0] == "值班日志/工作交接表  统计期间 2026-11-30 – 2026-11-30  计算时点 2026-11-30 23:59+08:00"
    for title in ("今日受理:", "今日完成:", "今日升级:", "未完成（交接）:"):
        assert title in text
    assert "（无）" in text                 # no escalations that day, said so
    assert max(len(line) for line in text.splitlines()) < 160


# -- violations --------------------------------------------------------------------------------
def test_violations_report(report, ids):
    rep = report("violations", "--month", "2026-11")
    # found in November: WB decoration, WC fee refusal, WD fire (WA was found in October)
    found = {k: r["count"] for k, r in rows(rep, "found_by_category").items()}
    assert found == {"decoration": 1, "fire": 1, "hygiene": 0, "public_order": 0, "fee_refusal": 1, "harm_others": 0}
    # open now: WB (rectify, deadline 11-20 passed), WC (reminder letter)
    assert {k: r["count"] for k, r in rows(rep, "open_by_category").items() if r["count"]} == {
        "decoration": 1, "fee_refusal": 1}
    assert {k: r["count"] for k, r in rows(rep, "open_by_step").items() if r["count"]} == {
        "rectify": 1, "reminder_letter": 1}
    assert plain_rows(rep, "deadlines_passed") == [[ids["WB"], UNIT, "装修", "限期整改", "2026-11-20", "擅自封闭阳台"]]
    # closed: WA rectified 2026-10-20, general → kept to 2027-10-20; WD rectified 2026-11-20, major → 2031-11-20
    assert plain_rows(rep, "retention") == [[ids["WA"], "已整改", "一般", "2027-10-20", ""],
                                            [ids["WD"], "已整改", "重大", "2031-11-20", ""]]
    later = report("violations", "--month", "2027-11", "--as-of", "2027-11-01")
    assert plain_rows(later, "retention")[0] == [ids["WA"], "已整改", "一般", "2027-10-20", "已过期"]
    assert all(r["count"] == 0 for r in rows(later, "found_by_category").values())


def test_violations_as_they_stood_earlier(report, ids):
    # on 11-10: WB at rectify (deadline 11-20 not yet passed), WC at persuade+reminder letter (11-06),
    # WD at rectify (approved 11-07; rectified only on 11-20); WA already rectified (10-20)
    rep = report("violations", "--month", "2026-11", "--as-of", "2026-11-10 12:00")
    assert {k: r["count"] for k, r in rows(rep, "open_by_category").items() if r["count"]} == {
        "decoration": 1, "fire": 1, "fee_refusal": 1}
    assert {k: r["count"] for k, r in rows(rep, "open_by_step").items() if r["count"]} == {
        "rectify": 2, "reminder_letter": 1}
    assert plain_rows(rep, "deadlines_passed") == []
    assert [r[0] for r in plain_rows(rep, "retention")] == [ids["WA"]]


# -- archive -----------------------------------------------------------------------------------
def test_archive_report(report, ids):
    rep = report("archive", "--month", "2026-11")
    a1, a2, a3, a4, a5 = (ids[k] for k in ("A1", "A2", "A3", "A4", "A5"))
    assert [r[0] for r in plain_rows(rep, "list")] == [a1, a2, a3, a4, a5]
    assert plain_rows(rep, "list")[3] == [a4, "旧电梯维保合同", "合同", "电子", "", "柜4", "2025-06-01", "2026-06-01",
                                          "已销毁"]
    assert plain_rows(rep, "list")[1][4] == "是"          # owner records: confidential
    # filed in November (by filing date): A2 11-05, A3 11-08 (A1 2024, A4 2025, A5 10-01)
    assert [r[0] for r in plain_rows(rep, "filed")] == [a2, a3]
    # loans out: A3 due 11-23 09:00, overdue on 12-10; A5 due 12-11 10:00, not yet
    assert plain_rows(rep, "loans") == [
        [a3, "保洁记录", "赵强", "2026-11-20 09:00", "2026-11-23 09:00", "逾期"],
        [a5, "绿化外包合同", "李明", "2026-12-08 10:00", "2026-12-11 10:00", ""],
    ]
    # past retention and not yet in the procedure: A1 (2025-01-10); A4 is destroyed
    assert [r[0] for r in plain_rows(rep, "destruction_review")] == [a1]
    empty = report("archive", "--month", "2026-09")
    assert empty["sections"]["filed"]["rows"] == []
    assert len(empty["sections"]["list"]["rows"]) == 5


# -- satisfaction --------------------------------------------------------------------------------
def test_satisfaction_with_a_62_percent_response(report, ids):
    rep = report("satisfaction", "--campaign", "2026H2")
    assert rep["period"] is None
    summary = {k: (r["value"], r["numerator"], r["denominator"]) for k, r in rows(rep, "summary").items()}
    assert summary == {
        "sample_ratio": ("50.0%", 50, 100),           # 50 of 100 households drawn
        "response_rate": ("62.0%", 31, 50),           # 31 forms back
        # 70 − 62 = 8 points below: one full 5 → −1 point on every rate
        "adjustment_points": (-1, None, None),         # a number of points
        # the two complaining households (3-2-1201, 1-1-102) were both drawn
        "complainants_sampled": ("是", 2, 2),
        # forms 0…22 rate something dissatisfied: each needs a follow-up call, none made
        "followup_rate": ("0.0%", 0, 23),
    }
    assert {"3-2-1201", "1-1-102"} <= set(ids["drawn"])
    assert len(rep["sections"]["waiting"]["rows"]) == 23
    items = {k: (r["forms"], r["not_dissatisfied"], r["rate"], r["adjusted"]) for k, r in rows(rep, "items").items()}
    assert items == {
        "security": (31, 28, "90.3%", "89.3%"),       # 3 dissatisfied: 28 ÷ 31 = 90.32 → 90.3 − 1
        "parking": (31, 31, "100.0%", "99.0%"),
        "service": (31, 30, "96.8%", "95.8%"),        # 30 ÷ 31 = 96.77
        "repair": (31, 29, "93.5%", "92.5%"),         # 29 ÷ 31 = 93.55
        "cleaning": (31, 26, "83.9%", "82.9%"),       # 26 ÷ 31 = 83.87
        "greenery": (31, 31, "100.0%", "99.0%"),
        "culture": (31, 27, "87.1%", "86.1%"),        # 27 ÷ 31 = 87.10
        "fees": (31, 25, "80.6%", "79.6%"),           # 25 ÷ 31 = 80.65
        "overall": (31, 29, "93.5%", "92.5%"),        # 2 dissatisfied overall
    }
    assert "missed" not in rep["sections"]


def test_satisfaction_before_any_form_came_back(report):
    # as of the drawing: 0 of 50 back → 0.0%; 70 points below → 14 full fives → −14; no form, no rate
    rep = report("satisfaction", "--campaign", "2026H2", "--as-of", "2026-11-20 12:00")
    summary = {k: r["value"] for k, r in rows(rep, "summary").items()}
    assert summary["response_rate"] == "0.0%"
    assert summary["adjustment_points"] == -14
    assert {k: (r["rate"], r["adjusted"]) for k, r in rows(rep, "items").items()}["security"] == ("n/a", "n/a")


@pytest.mark.lang("en")
def test_satisfaction_of_a_campaign_not_drawn(cli, repo):
    result = cli("report", "satisfaction", "--campaign", "2027H1", "--repo", repo, env=LATER)
    assert (result.code, result.out, result.err) == (
        4, "", "wuyectl: no survey campaign 2027H1 (plan it with wuyectl survey plan 2027H1)\n")


def test_satisfaction_in_english(cli, repo):
    result = cli("report", "satisfaction", "--campaign", "2026H2", "--lang", "en", "--repo", repo, env=LATER)
    assert result.code == 0, result.err
    assert result.out.startswith("Satisfaction survey 2026H2  as of 2026-12-10 12:00+08:00\n")
    assert re.search(r"response rate\s+62\.0%\s+31\s+50", result.out)
    assert re.search(r"all complainants sampled\s+yes\s+2\s+2", result.out)


# -- the output forms ----------------------------------------------------------------------------
CASES = [
    ("kpi", "--month", "2026-11"),
    ("sla", "--month", "2026-11"),
    ("callbacks", "--month", "2026-11"),
    ("complaints", "--month", "2026-11"),
    ("workload", "--month", "2026-11"),
    ("handover", "--date", "2026-11-30"),
    ("violations", "--month", "2026-11"),
    ("archive", "--month", "2026-11"),
    ("satisfaction", "--campaign", "2026H2"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_xlsx_has_a_sheet_per_section_with_the_json_figures(cli, report, repo, tmp_path, case):
    from openpyxl import load_workbook

    rep = report(*case)
    path = tmp_path / f"{case[0]}.xlsx"
    result = cli("report", *case, "-o", "xlsx", path, "--repo", repo, env=LATER)
    assert (result.code, result.out, result.err) == (0, f"{path}\n", "")
    assert_xlsx_matches_json(path, rep)
    book = load_workbook(path)
    assert [s.title for s in book.worksheets] == [s["title"] for s in rep["sections"].values()]
    first = book.worksheets[0]
    assert first.column_dimensions["A"].width and first.column_dimensions["A"].width > 4


def test_kpi_xlsx_headers_and_figures(cli, report, repo, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "kpi.xlsx"
    assert cli("report", "kpi", "--month", "2026-11", "-o", "xlsx", path, "--repo", repo, env=LATER).code == 0
    sheet = load_workbook(path)["指标"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][:3] == ["服务质量指标", "统计期间 2026-11-01 – 2026-11-30", "计算时点 2026-12-10 12:00+08:00"]
    assert values[1] == ["指标", "数值", "分子", "分母"]
    # a rate is a number (4 ÷ 6) shown as 66.7%, so that it sums and charts
    assert values[2:4] == [["受理总数", 8, 8, None], ["受理及时率", 4 / 6, 4, 6]]
    assert (sheet["B4"].data_type, sheet["B4"].number_format) == ("n", "0.0%")


@pytest.mark.lang("en")
def test_xlsx_needs_a_file(cli, repo):
    result = cli("report", "kpi", "--month", "2026-11", "-o", "xlsx", "--repo", repo, env=LATER)
    assert (result.code, result.err) == (2, "wuyectl: -o xlsx needs a FILE to write: wuyectl report … -o xlsx report.xlsx\n")


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_csv_is_utf8_with_a_bom_and_the_json_figures(cli, report, repo, case):
    rep = report(*case)
    result = cli("report", *case, "-o", "csv", "--repo", repo, env=LATER)
    assert result.code == 0, result.err
    assert result.out.startswith("\ufeff")
    title, *blocks = result.out[1:].split("\r\n\r\n")
    period = [f"统计期间 {rep['period']['from']} – {rep['period']['to']}"] if rep["period"] else []
    as_of = rep["as_of"][:16].replace("T", " ") + rep["as_of"][19:]
    assert list(csv.reader(io.StringIO(title))) == [[rep["title"], *period, f"计算时点 {as_of}"]]
    assert len(blocks) == len(rep["sections"])
    for block, sec in zip(blocks, rep["sections"].values()):
        lines = list(csv.reader(io.StringIO(block)))
        assert lines[0] == [sec["title"]]
        assert len(lines[1]) == len(sec["columns"])
        body = [["" if row[c] is None else str(row[c]) for c in sec["columns"]] for row in sec["rows"]]
        assert lines[2:] == body


def test_csv_from_a_real_process_starts_with_the_bom(run, repo):
    result = run("report", "callbacks", "--month", "2026-11", "-o", "csv", "--repo", repo, env=LATER)
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith("\ufeff维修回访统计表,统计期间 2026-11-01 – 2026-11-30,计算时点 2026-12-10 12:00+08:00\r\n"
                                 "\r\n指标\r\n指标,数值,分子,分母\r\n完成维修,3,3,\r\n回访率,100.0%,3,3\r\n")


def test_csv_to_a_file_keeps_the_bom(cli, repo, tmp_path):
    path = tmp_path / "kpi.csv"
    result = cli("report", "kpi", "--month", "2026-11", "-o", "csv", path, "--repo", repo, env=LATER)
    assert (result.code, result.out) == (0, f"{path}\n")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "受理及时率,66.7%,4,6" in raw.decode("utf-8-sig")


# -- periods and help --------------------------------------------------------------------------
@pytest.mark.parametrize("args, code, message", [
    (("--month", "2026-13"), 3, "wuyectl: cannot read --month '2026-13': use YYYY-MM"),
    (("--month", "2026-11", "--from", "2026-11-01"), 2, "wuyectl: give --month, or --from/--to, not both"),
    (("--from", "2026-11-01"), 2, "wuyectl: --from and --to go together"),
    (("--from", "2026-11-30", "--to", "2026-11-01"), 3, "wuyectl: --to 2026-11-01 is before --from 2026-11-30"),
    (("--from", "11/01", "--to", "2026-11-30"), 3, "wuyectl: cannot read --from '11/01': use YYYY-MM-DD"),
    (("--as-of", "昨天"), 3,
     "wuyectl: cannot read --as-of '昨天': use 2026-11-22T09:14:00+08:00 or '2026-11-22 09:14'"),
])
@pytest.mark.lang("en")
def test_bad_periods(cli, repo, args, code, message):
    result = cli("report", "kpi", *args, "--repo", repo, env=LATER)
    assert (result.code, result.out, result.err) == (code, "", message + "\n")


def test_the_default_period_is_this_month(report):
    assert report("kpi")["period"] == {"from": "2026-12-01", "to": "2026-12-31"}
    assert report("kpi", env={"WUYECTL_NOW": "2026-11-22T09:14:00+08:00"})["period"] == {
        "from": "2026-11-01", "to": "2026-11-30"}


def _flat(text: str) -> str:
    # click wraps help at spaces and after hyphens ("as-" / "of"): compare without whitespace
    return "".join(text.split())


@pytest.mark.lang("en")   # the help's English is each figure's own statement of its formula
@pytest.mark.parametrize("name", ["kpi", "sla", "callbacks", "complaints", "satisfaction", "workload", "handover",
                                  "violations", "archive"])
def test_each_reports_help_states_its_formulas(cli, name):
    from wuyectl.reports import base, module

    result = cli("report", name, "--help")
    assert result.code == 0, result.err
    text = _flat(result.out)
    mod = module(name)
    figures_ = [v for v in vars(mod).values() if isinstance(v, base.Figure)]
    for figure in figures_:
        assert _flat(figure.help()) in text, figure.key
    for paragraph in mod.HELP.split("\n\n"):
        assert _flat(paragraph) in text
    if name not in ("handover", "satisfaction"):
        for option in ("--month", "--from", "--to", "--as-of"):
            assert option in result.out


@pytest.mark.lang("en")
def test_kpi_help_names_numerator_denominator_and_exclusions(cli):
    text = _flat(cli("report", "kpi", "--help").out)
    assert _flat("dispatch on time (受理及时率) = tickets whose dispatch clock was met ÷ tickets received in the "
                 "period whose dispatch clock has stopped or run out (met or breached) by the as-of time × 100%; "
                 "excludes cancelled tickets and consultations answered on the spot (no dispatch clock)") in text
    assert _flat("satisfaction (满意率) = callbacks in the period rated satisfied or basically satisfied ÷") in text


@pytest.mark.lang("en")
def test_satisfaction_help_states_the_adjustment(cli):
    text = _flat(cli("report", "satisfaction", "--help").out)
    assert _flat("every full 5 points below 70 lower each satisfaction rate by 1 point") in text
    assert _flat("response rate (回收率) = forms returned ÷ households drawn in the sample × 100%") in text
