"""Lending (借用登记, issue 14 point 3): the front desk lends umbrellas and tools; a return is
checked and its condition recorded; a damaged one may open a repair ticket in the same commit
and record a charge; an item still out after its due time is overdue."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import UNIT

from wuyectl.domain.kinds import KINDS

LID = "L-20261122-A001"
LATER = {"WUYECTL_NOW": "2026-11-24T09:00:00+08:00"}


def lend(cli, *extra, who="王芳"):
    return cli("log", "lending", "--item", "雨伞", "--borrower", "李四", *extra, "--as", who)


def test_lending_an_item_writes_one_entry(cli, git, office):
    made = lend(cli, "--unit", UNIT, "--phone", "13800138000", "--due-at", "2026-11-23 18:00", "--deposit", "20")
    assert (made.code, made.out, made.err) == (0, f"{LID}\n", "")
    assert git("log", "-1", "--format=%an|%s").strip() == f"王芳|{LID} open lending"
    assert (office / "lending/2026-11/L-20261122-A001.yaml").read_text(encoding="utf-8") == (
        "id: L-20261122-A001\n"
        "status: out\n"
        "item: 雨伞\n"
        "borrower: 李四\n"
        "unit: 3-2-1201\n"
        "phone: '13800138000'\n"
        "lent_at: 2026-11-22T09:14:00+08:00\n"
        "due_at: 2026-11-23T18:00:00+08:00\n"
        "deposit: 20\n"
        "timeline:\n"
        "  - at: 2026-11-22T09:14:00+08:00\n"
        "    by: 王芳\n"
        "    action: open\n")
    listed = cli("get", "lending", "--as", "王芳")
    assert listed.out == (
        "编号             状态    物品    借用人    房号      电话         借出时间          应还时间          归还时间    归还状况    逾期\n"
        "---------------  ------  ------  --------  --------  -----------  ----------------  ----------------  ----------  ----------  ------\n"
        "L-20261122-A001  借出    雨伞    李四      3-2-1201  138****8000  2026-11-22 09:14  2026-11-23 18:00\n"
        "(1 条)\n")
    # the household page lists it
    household = json.loads(cli("show", UNIT, "-o", "json", "--as", "王芳").out)
    assert [r["id"] for r in household["related"]["lending"]] == [LID]


def test_due_time_defaults_to_the_policy(cli):
    assert lend(cli).code == 0
    assert cli("policy", "set", "lending.default_hours", "4", "--as", "刘主任").code == 0
    assert lend(cli).code == 0
    dues = [r["due_at"] for r in json.loads(cli("get", "lending", "-o", "json", "--as", "王芳").out)]
    assert dues == ["2026-11-23T09:14:00+08:00", "2026-11-22T13:14:00+08:00"]
    bad = cli("policy", "set", "lending.default_hours", "0", "--as", "刘主任")
    assert bad.code != 0 and "default_hours" in bad.err


@pytest.mark.lang("en")
def test_bad_loans_are_one_line_and_write_nothing(cli, git):
    head = git("rev-parse", "HEAD")
    cases = [
        (lend(cli, "--unit", "9-9-909"), 4, "wuyectl: unit 9-9-909 has no household record (owners/9/9-9-909.yaml)\n"),
        (lend(cli, "--due-at", "2026-11-22 08:00"), 3,
         "wuyectl: --due-at 2026-11-22 08:00 is not after the item is lent (2026-11-22 09:14)\n"),
        (lend(cli, "--deposit", "-5"), 3, "wuyectl: --deposit: '-5' must be zero or more\n"),
        (lend(cli, who="孙审"), 6, "wuyectl: 孙审 (auditor) has read-only access\n"),
        (cli("log", "lending", "--item", "雨伞", "--as", "王芳"), 2, None),
    ]
    for result, code, err in cases:
        assert result.code == code, result.err
        assert result.out == ""
        if err is not None:
            assert result.err == err
        assert len(result.err.splitlines()) == 1
    assert git("rev-parse", "HEAD") == head


@pytest.mark.lang("en")
def test_a_return_is_checked_and_refused_when_it_cannot_be(cli, git):
    lend(cli)
    head = git("rev-parse", "HEAD")
    refusals = [
        (cli("return", "L-20261122-A009", "--set", "condition=intact", "--as", "王芳"), 4,
         "wuyectl: no lending L-20261122-A009 (looked for lending/2026-11/L-20261122-A009.yaml)\n"),
        (cli("return", LID, "--as", "王芳"), 5,
         f"wuyectl: {LID}: check the item and record its condition: --set condition=intact|damaged|lost\n"),
        (cli("return", LID, "--set", "condition=damaged", "--as", "王芳"), 5,
         f"wuyectl: {LID}: a damaged item is recorded with what is wrong: --set condition_note=…\n"),
        (cli("return", LID, "--set", "condition=intact", "--set", "repair=yes", "--as", "王芳"), 5,
         f"wuyectl: {LID}: an item returned intact needs no repair ticket or charge\n"),
        (cli("return", LID, "--set", "condition=lost", "--set", "charge=50", "--as", "王芳"), 5,
         f"wuyectl: {LID}: a charge is recorded with its reason: --set charge_reason=…\n"),
        (cli("return", LID, "--set", "condition=broken", "--as", "王芳"), 3, None),
        (cli("return", LID, "--set", "condition=intact", "--as", "孙审"), 6, None),
    ]
    for result, code, err in refusals:
        assert (result.code, result.out) == (code, ""), result.err
        if err is not None:
            assert result.err == err
        assert len(result.err.splitlines()) == 1
    assert git("rev-parse", "HEAD") == head
    done = cli("return", LID, "--set", "condition=intact", "--note", "完好", "--as", "陈洁")
    assert (done.code, done.err) == (0, "")
    again = cli("return", LID, "--set", "condition=intact", "--as", "王芳")
    assert (again.code, again.err) == (5, f"wuyectl: {LID}: cannot return: the lending record is returned; "
                                          "allowed now: nothing (it is finished)\n")
    record = json.loads(cli("show", LID, "-o", "json", "--as", "王芳").out)
    assert {k: record.get(k) for k in ("status", "returned_at", "received_by", "condition", "returned_late")} == {
        "status": "returned", "returned_at": "2026-11-22T09:14:00+08:00", "received_by": "陈洁",
        "condition": "intact", "returned_late": False}


def test_a_damaged_return_opens_a_repair_ticket_and_records_a_charge(cli, git):
    lend(cli, "--unit", UNIT, "--deposit", "20")
    done = cli("return", LID, "--set", "condition=损坏", "--set", "condition_note=伞骨折断两根", "--set", "repair=yes",
               "--set", "charge=30", "--set", "charge_reason=照价赔偿", "--as", "王芳", "-o", "ids")
    assert (done.code, done.out, done.err) == (0, f"{LID}\nT-20261122-A001\n", "")
    assert git("log", "-1", "--format=%s").strip() == f"{LID} return → T-20261122-A001"
    assert git("show", "--stat", "--format=", "HEAD").count("|") == 2
    ticket = json.loads(cli("show", "T-20261122-A001", "-o", "json", "--as", "王芳").out)
    assert {k: ticket[k] for k in ("status", "channel", "category", "origin", "description", "damage", "location")} == {
        "status": "received", "channel": "walk_in", "category": "repair", "origin": LID,
        "description": f"借用物品损坏：雨伞（{LID}）：伞骨折断两根", "damage": "伞骨折断两根",
        "location": {"place": "前台借用物品"}}
    shown = cli("show", LID, "--as", "王芳").out
    assert shown.split("\n\n")[0] == (
        f"{LID}  (lending/2026-11/{LID}.yaml)\n"
        "  状态      已归还\n"
        "  物品      雨伞\n"
        "  借用人    李四\n"
        "  房号      3-2-1201\n"
        "  借出时间  2026-11-22 09:14\n"
        "  应还时间  2026-11-23 09:14\n"
        "  押金      20\n"
        "  归还时间  2026-11-22 09:14\n"
        "  经收人    王芳\n"
        "  归还状况  损坏\n"
        "  检查记录  伞骨折断两根\n"
        "  赔偿金额  30\n"
        "  赔偿原因  照价赔偿\n"
        "  工单      T-20261122-A001")
    assert cli("audit", "-o", "json").out.strip() == "[]"
    assert cli("validate").out == "正常：4 个文件均有效\n"


def test_overdue_and_due_within(cli):
    lend(cli, "--due-at", "2026-11-23 18:00")
    cli("log", "lending", "--item", "工具箱", "--borrower", "张三", "--unit", UNIT, "--due-at", "2026-11-22 12:00",
        "--as", "王芳")
    assert cli("get", "lending", "--overdue", "--as", "王芳").out == "(0 条)\n"
    late = cli("get", "lending", "--overdue", "--as", "王芳", env={"WUYECTL_NOW": "2026-11-22T13:00:00+08:00"})
    assert late.out == (
        "编号             状态    物品    借用人    房号      电话    借出时间          应还时间          归还时间    归还状况    逾期\n"
        "---------------  ------  ------  --------  --------  ------  ----------------  ----------------  ----------  ----------  ------\n"
        "L-20261122-A002  借出    工具箱  张三      3-2-1201          2026-11-22 09:14  2026-11-22 12:00                          逾期\n"
        "(1 条)\n")
    soon = cli("get", "lending", "--due-within", "4h", "-o", "ids", "--as", "王芳")
    assert soon.out == "L-20261122-A002\n"


def test_export_lists_every_fact(cli):
    lend(cli, "--deposit", "10")
    cli("return", LID, "--set", "condition=lost", "--set", "charge=45", "--set", "charge_reason=遗失照价赔偿",
        "--as", "王芳", env={"WUYECTL_NOW": "2026-11-23T10:00:00+08:00"})
    out = cli("get", "lending", "-o", "csv", "--as", "王芳", env={"WUYECTL_NOW": "2026-11-23T10:00:00+08:00"}).out
    assert out.splitlines()[2:] == [
        "编号,状态,物品,借用人,房号,电话,借出时间,应还时间,押金,归还时间,经收人,归还状况,检查记录,赔偿金额,赔偿原因,工单,逾期",
        "L-20261122-A001,已归还,雨伞,李四,,,2026-11-22 09:14,2026-11-23 09:14,10,2026-11-23 10:00,王芳,遗失,,45,"
        "遗失照价赔偿,,逾期",
    ]


@pytest.mark.lang("en")
def test_a_hand_edit_is_caught(cli, office, git):
    lend(cli)
    path = office / "lending/2026-11/L-20261122-A001.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: out", "status: returned"), encoding="utf-8")
    checked = json.loads(cli("validate", "-o", "json").out)
    assert {(p["code"], p["message"]) for p in checked["problems"]} == {
        ("W-lending-return", "a returned item records returned_at"),
        ("W-lending-return", "a returned item records received_by"),
        ("W-lending-return", "a returned item records condition")}
    git("commit", "-q", "--no-verify", "-am", "改了借用登记")
    found = json.loads(cli("audit", "-o", "json").out)
    assert {(f["code"], f["path"]) for f in found} == {("A-hand-edit", "lending/2026-11/L-20261122-A001.yaml"),
                                                       ("A-invalid", "lending/2026-11/L-20261122-A001.yaml")}


def test_the_front_desk_report_counts_lending(cli):
    # lent on the 22nd: one returned on time, one late and damaged, one still out and overdue
    lend(cli, "--due-at", "2026-11-23 18:00")
    cli("log", "lending", "--item", "梯子", "--borrower", "张三", "--unit", UNIT, "--due-at", "2026-11-22 12:00",
        "--as", "王芳")
    cli("log", "lending", "--item", "工具箱", "--borrower", "王五", "--due-at", "2026-11-22 17:00", "--as", "王芳")
    cli("return", LID, "--set", "condition=intact", "--as", "王芳", env={"WUYECTL_NOW": "2026-11-22T15:00:00+08:00"})
    cli("return", "L-20261122-A002", "--set", "condition=damaged", "--set", "condition_note=梯脚断裂",
        "--set", "charge=80", "--set", "charge_reason=照价赔偿", "--as", "王芳",
        env={"WUYECTL_NOW": "2026-11-22T16:00:00+08:00"})
    report = json.loads(cli("report", "frontdesk", "--month", "2026-11", "-o", "json", "--as", "王芳", env=LATER).out)
    rows = {r["key"]: (r["numerator"], r["denominator"]) for r in report["sections"]["lending"]["rows"]}
    assert rows == {"lent": (3, None), "returned": (2, None), "returned_late": (1, 2), "damaged_lost": (1, 2),
                    "out_now": (1, None), "overdue_now": (1, None)}
    assert report["sections"]["lending.overdue"]["rows"] == [
        {"id": "L-20261122-A003", "item": "工具箱", "borrowed_by": "王五", "unit": "", "loan_due": "2026-11-22 17:00"}]
    assert report["sections"]["lending.damaged"]["rows"] == [
        {"id": "L-20261122-A002", "item": "梯子", "borrowed_by": "张三", "condition": "损坏",
         "condition_note": "梯脚断裂", "charge": 80, "ticket": ""}]
    # as of the afternoon of the 22nd, before the returns: all three out, one (the ladder) overdue
    earlier = json.loads(cli("report", "frontdesk", "--month", "2026-11", "-o", "json", "--as", "王芳",
                             env={"WUYECTL_NOW": "2026-11-22T14:00:00+08:00"}).out)
    rows = {r["key"]: r["numerator"] for r in earlier["sections"]["lending"]["rows"]}
    assert (rows["out_now"], rows["overdue_now"], rows["returned"]) == (3, 1, 0)
    assert "returned late (逾期归还) = returns in the period after the item's due time ÷ returns in the period" \
        in " ".join(cli("report", "frontdesk", "--help", "--lang", "en").out.split())


def test_a_full_workflow_audits_clean(cli):
    lend(cli, "--unit", UNIT)
    cli("log", "lending", "--item", "电钻", "--borrower", "张三", "--unit", UNIT, "--as", "王芳")
    cli("return", LID, "--set", "condition=intact", "--as", "王芳")
    cli("update", "L-20261122-A002", "--action", "归还", "--set", "condition=damaged", "--set", "condition_note=钻头崩口",
        "--set", "repair=是", "--as", "陈洁")
    assert cli("audit", "-o", "json").out.strip() == "[]"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(condition=st.sampled_from(["intact", "damaged", "lost"]), repair=st.booleans(),
       charge=st.one_of(st.none(), st.integers(min_value=0, max_value=500)), note=st.booleans(),
       reason=st.booleans())
def test_any_accepted_return_is_a_valid_record(condition, repair, charge, note, reason):
    """Whatever a return is given, the engine either refuses it or leaves a record its checks accept."""
    from wuyectl.domain.workflow import Change, apply
    from wuyectl.errors import WuyeError

    kind = KINDS["lending"]
    record = {"id": LID, "status": "out", "item": "雨伞", "borrower": "李四", "lent_at": "2026-11-22T09:14:00+08:00",
              "due_at": "2026-11-23T09:14:00+08:00",
              "timeline": [{"at": "2026-11-22T09:14:00+08:00", "by": "王芳", "action": "open"}]}
    sets = {"condition": condition}
    if repair:
        sets["repair"] = True
    if charge is not None:
        sets["charge"] = charge
    if note:
        sets["condition_note"] = "伞面破损"
    if reason:
        sets["charge_reason"] = "照价赔偿"
    change = Change(record, kind.workflow.actions["return"], "王芳", "clerk", "2026-11-22T10:00:00+08:00",
                    opener=lambda kind_name, values: "T-20261122-A001")
    try:
        apply(kind.workflow, change, record_id=LID, sets=sets)
    except WuyeError:
        return
    problems = [message for check in kind.checks for _path, message in check.run(record, None)]
    assert problems == [] and record["status"] == "returned"


def test_the_handover_sheet_lists_what_is_out(cli):
    lend(cli, "--due-at", "2026-11-22 12:00")
    cli("log", "lending", "--item", "电钻", "--borrower", "张三", "--unit", UNIT, "--as", "王芳")
    cli("log", "lending", "--item", "卷尺", "--borrower", "王五", "--as", "王芳")
    cli("return", "L-20261122-A003", "--set", "condition=intact", "--as", "王芳")
    sheet = json.loads(cli("report", "handover", "--date", "2026-11-22", "-o", "json", "--as", "王芳",
                           env={"WUYECTL_NOW": "2026-11-22T18:00:00+08:00"}).out)
    assert sheet["sections"]["lending.out"]["rows"] == [
        {"id": LID, "item": "雨伞", "borrowed_by": "李四", "unit": "", "loan_due": "2026-11-22 12:00", "late": "逾期"},
        {"id": "L-20261122-A002", "item": "电钻", "borrowed_by": "张三", "unit": UNIT, "loan_due": "2026-11-23 09:14",
         "late": ""}]
