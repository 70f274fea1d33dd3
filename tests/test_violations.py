"""Owner violations (SPEC §2.4, issue 3): both ladders step by step, who may impose what, the
company's approval of a major violation's penalty, and retention after closing."""
from __future__ import annotations

import json

import pytest

from conftest import DIRECTOR, UNIT
from helpers_kinds import commits, touched

CLERK_MAY_NOT = "wuyectl: 王芳 (clerk) may not {action} {wid}: needs director or supervisor\n"


def _open(cli, *args, who="王芳", env=None) -> str:
    result = cli("open", "violation", *args, "--as", who, env=env)
    assert result.code == 0, result.err
    return result.out.strip()


def _record(cli, wid) -> dict:
    return json.loads(cli("show", wid, "-o", "json", "--as", "王芳").out)


def _step(cli, git, wid, *args, who="赵强", verb="escalate", reason="依规处理", env=None):
    """One step up the ladder; asserts it is exactly one commit touching only the record."""
    start = commits(git)
    result = cli(verb, wid, "--reason", reason, *args, "--as", who, env=env)
    assert result.code == 0, result.err
    assert commits(git) == start + 1
    assert touched(git) == [f"violations/{wid[2:6]}/{wid}.yaml"]
    assert git("log", "-1", "--format=%an|%s").strip() == f"{who}|{wid} escalate"
    return _record(cli, wid)


@pytest.mark.lang("en")
def test_ordinary_ladder_step_by_step(cli, git, repo_state):
    start = commits(git)
    wid = _open(cli, "--category", "装修", "--unit", UNIT, "--subtype", "擅自改变房屋结构", "--description", "擅自拆除承重墙",
                "--evidence", "evidence/2026-11/wall.jpg")
    assert wid == "W-20261122-A001"
    assert commits(git) == start + 1
    assert git("log", "-1", "--format=%s").strip() == f"{wid} open violation 装修 {UNIT}"
    record = _record(cli, wid)
    assert {k: record[k] for k in ("status", "category", "subtype", "severity", "unit", "ladder", "found_by",
                                   "found_at", "measures", "evidence")} == {
        "status": "open", "category": "decoration", "subtype": "擅自改变房屋结构", "severity": "general", "unit": UNIT,
        "ladder": "ordinary", "found_by": "王芳", "found_at": "2026-11-22T09:14:00+08:00", "measures": [],
        "evidence": ["evidence/2026-11/wall.jpg"]}

    # any staff member persuades (劝导教育)
    record = _step(cli, git, wid, who="王芳", reason="上门劝导")
    assert record["step"] == "persuade"
    assert record["measures"] == [{"step": "persuade", "at": "2026-11-22T09:14:00+08:00", "by": "王芳", "note": "上门劝导"}]

    before = repo_state()
    refused = cli("escalate", wid, "--reason", "限期整改", "--deadline", "2026-12-01", "--as", "王芳")
    assert (refused.code, refused.out, refused.err) == (6, "", CLERK_MAY_NOT.format(action="escalate", wid=wid))
    for args, code, message in [
        ((), 5, f"wuyectl: {wid}: the step rectify by deadline needs --deadline"),
        (("--deadline", "12月1日"), 3, "wuyectl: cannot read --deadline '12月1日': use YYYY-MM-DD"),
        (("--to", "2"), 3, "wuyectl: --to is for tickets; a violation goes to the next step of its ladder"),
    ]:
        result = cli("escalate", wid, "--reason", "限期整改", *args, "--as", "赵强")
        assert (result.code, result.out, result.err) == (code, "", message + "\n"), args
    assert repo_state() == before

    record = _step(cli, git, wid, "--deadline", "2026-12-01", reason="限期整改")
    assert (record["step"], record["measures"][-1]["deadline"]) == ("rectify", "2026-12-01")

    for args, code, message in [((), 5, f"wuyectl: {wid}: the step compensate needs --amount"),
                                (("--amount", "-5"), 3, "wuyectl: --amount: '-5' must be zero or more"),
                                (("--amount", "五百"), 3, "wuyectl: --amount: '五百' is not a number")]:
        result = cli("escalate", wid, "--reason", "赔偿", *args, "--as", "赵强")
        assert (result.code, result.err) == (code, message + "\n"), args
    # `measure` is SPEC's word for the same command
    record = _step(cli, git, wid, "--amount", "1500.5", verb="measure", reason="赔偿经济损失")
    assert (record["step"], record["measures"][-1]["amount"]) == ("compensate", 1500.5)
    record = _step(cli, git, wid, reason="通报批评")
    assert record["step"] == "notice"
    record = _step(cli, git, wid, who=DIRECTOR, reason="提起诉讼")
    assert record["step"] == "litigate"
    assert [m["step"] for m in record["measures"]] == ["persuade", "rectify", "compensate", "notice", "litigate"]
    assert [m["by"] for m in record["measures"]] == ["王芳", "赵强", "赵强", "赵强", DIRECTOR]

    last = cli("escalate", wid, "--reason", "再升级", "--as", "赵强")
    assert (last.code, last.err) == (
        5, f"wuyectl: {wid}: is at the last step (arbitration/litigation); close it when it is concluded\n")

    # closing: rectified; kept one year (general)
    assert cli("rectify", wid, "--note", "已恢复原状", "--as", "王芳").code == 0
    record = _record(cli, wid)
    assert (record["status"], record["closed_at"], record["retain_until"]) == (
        "rectified", "2026-11-22T09:14:00+08:00", "2027-11-22")
    finished = cli("escalate", wid, "--reason", "x", "--as", "赵强")
    assert (finished.code, finished.err) == (
        5, f"wuyectl: {wid}: cannot escalate: the violation is rectified; allowed now: nothing (it is finished)\n")
    # one commit per command: open + 5 steps + rectify
    assert commits(git) == start + 7
    assert cli("validate").code == 0


@pytest.mark.lang("en")
def test_fee_refusal_ladder_step_by_step(cli, git, repo_state):
    wid = _open(cli, "--category", "拒交费用", "--unit", UNIT, "--description", "连续六个月拒交物业费")
    assert _record(cli, wid)["ladder"] == "fee_refusal"
    assert _step(cli, git, wid, who="王芳", reason="电话督促")["step"] == "persuade"
    refused = cli("escalate", wid, "--reason", "催缴", "--as", "王芳")
    assert (refused.code, refused.err) == (6, CLERK_MAY_NOT.format(action="escalate", wid=wid))
    assert _step(cli, git, wid, reason="发催缴函")["step"] == "reminder_letter"
    no_amount = cli("escalate", wid, "--reason", "滞纳金", "--as", "赵强")
    assert (no_amount.code, no_amount.err) == (5, f"wuyectl: {wid}: the step late fee needs --amount\n")
    record = _step(cli, git, wid, "--amount", "86", reason="收取滞纳金")
    assert (record["step"], record["measures"][-1]["amount"]) == ("late_fee", 86)
    for step in ("lawyer_letter", "public_posting", "suspend_service", "litigate"):
        assert _step(cli, git, wid, who=DIRECTOR)["step"] == step
    assert [m["step"] for m in _record(cli, wid)["measures"]] == [
        "persuade", "reminder_letter", "late_fee", "lawyer_letter", "public_posting", "suspend_service", "litigate"]

    before = repo_state()
    clerk = cli("settle", wid, "--as", "王芳")
    assert (clerk.code, clerk.err) == (6, CLERK_MAY_NOT.format(action="settle", wid=wid))
    assert repo_state() == before
    assert cli("settle", wid, "--set", "result=已补交全部费用", "--as", "赵强").code == 0
    record = _record(cli, wid)
    assert (record["status"], record["result"], record["retain_until"]) == ("settled", "已补交全部费用", "2027-11-22")
    assert cli("validate").code == 0


@pytest.mark.lang("en")
def test_a_major_violations_penalty_needs_the_companys_approval(cli, git, repo_state):
    wid = _open(cli, "--category", "fire", "--severity", "重大", "--place", "5号楼消防通道", "--subtype", "堵塞消防通道",
                "--description", "杂物堵塞消防通道")
    record = _record(cli, wid)
    assert record["severity"] == "major"
    assert record["location"] == {"place": "5号楼消防通道"}
    assert record["timeline"][0]["note"] == "重大违章，上报管理处主任"
    assert _step(cli, git, wid, who="王芳", reason="劝导清理")["step"] == "persuade"

    before = repo_state()
    refusals = [
        (("escalate", wid, "--reason", "整改", "--deadline", "2026-11-25", "--as", "赵强"), 5,
         f"wuyectl: {wid}: a major violation's penalty (rectify by deadline) needs the company's approval first: "
         "wuyectl update ID --action approve --set approver=NAME"),
        (("escalate", wid, "--reason", "整改", "--deadline", "2026-11-25", "--as", DIRECTOR), 5,
         f"wuyectl: {wid}: a major violation's penalty (rectify by deadline) needs the company's approval first: "
         "wuyectl update ID --action approve --set approver=NAME"),
        (("update", wid, "--action", "approve", "--as", "赵强"), 5,
         f"wuyectl: {wid}: the company's approval needs the approver: --set approver=NAME"),
        (("update", wid, "--action", "approve", "--set", "approver=公司张总", "--as", "王芳"), 6,
         CLERK_MAY_NOT.format(action="company approval", wid=wid).rstrip("\n")),
    ]
    for args, code, message in refusals:
        result = cli(*args)
        assert (result.code, result.out, result.err) == (code, "", message.rstrip("\n") + "\n"), args
    assert repo_state() == before

    start = commits(git)
    assert cli("update", wid, "--action", "approve", "--set", "approver=公司张总", "--note", "品质部批复",
               "--as", "赵强").code == 0
    assert commits(git) == start + 1
    assert git("log", "-1", "--format=%s").strip() == f"{wid} approve"
    assert _record(cli, wid)["approval"] == {"approver": "公司张总", "recorded_by": "赵强",
                                             "at": "2026-11-22T09:14:00+08:00", "note": "品质部批复"}
    twice = cli("update", wid, "--action", "approve", "--set", "approver=公司李总", "--as", "赵强")
    assert (twice.code, twice.err) == (5, f"wuyectl: {wid}: the company's approval is already recorded\n")

    record = _step(cli, git, wid, "--deadline", "2026-11-25", reason="限期清理")
    assert (record["step"], record["measures"][-1]["deadline"]) == ("rectify", "2026-11-25")

    no_note = cli("close", wid, "--as", "赵强")
    assert (no_note.code, no_note.err) == (5, f"wuyectl: {wid}: 'close' needs --note with the reason\n")
    assert cli("close", wid, "--note", "已清理并罚款", "--as", "赵强").code == 0
    record = _record(cli, wid)
    # a major violation is kept five years after closing
    assert (record["status"], record["retain_until"]) == ("closed", "2031-11-22")
    assert cli("validate").code == 0


@pytest.mark.lang("en")
def test_a_general_violation_needs_no_approval(cli, repo_state):
    wid = _open(cli, "--category", "hygiene", "--unit", UNIT, "--description", "楼道堆放杂物")
    before = repo_state()
    result = cli("update", wid, "--action", "approve", "--set", "approver=公司张总", "--as", "赵强")
    assert (result.code, result.err) == (5, f"wuyectl: {wid}: only a major violation needs the company's approval\n")
    assert repo_state() == before


@pytest.mark.lang("en")
@pytest.mark.parametrize("who", ["李明", "陈洁"])
def test_any_staff_member_records_and_persuades(cli, git, who):
    wid = _open(cli, "--category", "public_order", "--building", "3栋", "--description", "高空抛物", who=who)
    assert _step(cli, git, wid, who=who, reason="劝导")["step"] == "persuade"
    refused = cli("escalate", wid, "--reason", "整改", "--deadline", "2026-12-01", "--as", who)
    role = {"李明": "technician", "陈洁": "cleaner"}[who]
    assert (refused.code, refused.err) == (
        6, f"wuyectl: {who} ({role}) may not escalate {wid}: needs director or supervisor\n")


@pytest.mark.lang("en")
def test_the_auditor_records_nothing(cli, repo_state):
    before = repo_state()
    result = cli("open", "violation", "--category", "fire", "--unit", UNIT, "--description", "x", "--as", "孙审")
    assert (result.code, result.err) == (6, "wuyectl: 孙审 (auditor) has read-only access\n")
    assert repo_state() == before


def test_retention_from_29_february_is_the_28th(cli):
    # (a leap day in the past: an event may not be dated after the computer's clock)
    leap = {"WUYECTL_NOW": "2024-02-29T10:00:00+08:00"}
    wid = _open(cli, "--category", "hygiene", "--unit", UNIT, "--description", "乱扔垃圾", env=leap)
    assert cli("rectify", wid, "--as", "王芳", env=leap).code == 0
    assert _record(cli, wid)["retain_until"] == "2025-02-28"


def test_get_violations_overdue_lists_passed_deadlines(cli, git):
    earlier = {"WUYECTL_NOW": "2026-11-20T10:00:00+08:00"}   # the deadline set then, and now passed
    late = _open(cli, "--category", "decoration", "--unit", UNIT, "--description", "违规装修", env=earlier)
    _step(cli, git, late, who="王芳", env=earlier)
    _step(cli, git, late, "--deadline", "2026-11-21", env=earlier)
    due = _open(cli, "--category", "decoration", "--unit", UNIT, "--description", "违规装修二")
    _step(cli, git, due, who="王芳")
    _step(cli, git, due, "--deadline", "2026-11-22")        # today: not passed yet
    listed = cli("get", "violations", "--overdue", "-o", "ids", "--as", "王芳")
    assert listed.out == late + "\n"
    table = cli("get", "violations", "--as", "王芳").out
    assert "2026-11-21" in table and "限期整改" in table
