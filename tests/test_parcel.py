"""Mail and parcels (报刊、邮件、包裹单签收与发放, issue 14 point 2): `log parcel`, `notify`,
`collect` with a signature, overdue after `parcel.keep_days`, `return-to-sender`, the unit's
page, the front desk's report, validate and audit."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings, strategies as st

from conftest import UNIT

from wuyectl.domain.kinds.parcel import KIND, _computed
from wuyectl.timeutil import read_iso

PID, PID2 = "P-20261122-A001", "P-20261122-A002"
PATH = "parcels/2026-11/P-20261122-A001.yaml"
WEEK_ON = {"WUYECTL_NOW": "2026-11-29T09:14:00+08:00"}


def _parcel(cli, *extra, tracking="SF1234567890", addressee="李四", env=None):
    return cli("log", "parcel", "--carrier", "顺丰", "--tracking", tracking, "--unit", UNIT, "--addressee", addressee,
               *extra, "--as", "王芳", env=env)


def test_a_parcel_is_received_notified_and_collected(cli, git):
    made = _parcel(cli, "--shelf", "A-3")
    assert (made.code, made.out, made.err) == (0, f"{PID}\n", "")
    assert git("log", "-1", "--format=%s").strip() == f"{PID} open parcel"
    assert cli("log", "parcel", "--type", "信件", "--carrier", "中国邮政", "--unit", UNIT, "--addressee", "张三",
               "--as", "王芳").out == f"{PID2}\n"
    assert cli("notify", PID, "--set", "notified_via=短信", "--as", "王芳",
               env={"WUYECTL_NOW": "2026-11-22T09:20:00+08:00"}).code == 0
    assert cli("get", "parcels", "--as", "王芳").out == (
        "编号             状态    类型    快递公司    运单号        房号      收件人    受理时间          通知时间          领取人    领取时间    超时\n"
        "---------------  ------  ------  ----------  ------------  --------  --------  ----------------  ----------------  --------  ----------  ------\n"
        f"{PID}  已通知  包裹    顺丰        SF1234567890  {UNIT}  李四      2026-11-22 09:14  2026-11-22 09:20\n"
        f"{PID2}  已收件  信件    中国邮政                  {UNIT}  张三      2026-11-22 09:14\n"
        "(2 条)\n")
    done = cli("collect", PID, "--set", "collector=王五", "--set", "signature=王五", "--set", "relation=邻居",
               "--as", "王芳", env={"WUYECTL_NOW": "2026-11-22T18:05:00+08:00"})
    assert (done.code, done.err) == (0, "") and done.out.startswith(f"{PID}：已提交 ")
    assert cli("get", "parcels", "-o", "ids", "--as", "王芳").out == f"{PID2}\n"        # the waiting ones
    shown = cli("show", PID, "--as", "王芳").out
    assert shown.split("\n修改历史")[0] == (
        f"{PID}  ({PATH})\n"
        "  状态      已领取\n"
        "  类型      包裹\n"
        "  快递公司  顺丰\n"
        "  运单号    SF1234567890\n"
        f"  房号      {UNIT}\n"
        "  收件人    李四\n"
        "  存放位置  A-3\n"
        "  受理时间  2026-11-22 09:14\n"
        "  经收人    王芳\n"
        "  通知时间  2026-11-22 09:20\n"
        "  通知人    王芳\n"
        "  通知方式  短信\n"
        "  时限      2026-11-29 09:14\n"
        "  领取人    王五\n"
        "  领取签名  王五\n"
        "  代领      是\n"
        "  关系      邻居\n"
        "  领取时间  2026-11-22 18:05\n"
        "  发放人    王芳\n"
        "\n"
        "处理记录:\n"
        "时间              经办人    动作      说明\n"
        "----------------  --------  --------  -------------------------------------\n"
        "2026-11-22 09:14  王芳      登记\n"
        "2026-11-22 09:20  王芳      告知业主  通知方式 短信\n"
        "2026-11-22 18:05  王芳      领取      领取人 王五；领取签名 王五；关系 邻居\n")
    self_collected = _parcel(cli, tracking="YT9876543210", env={"WUYECTL_NOW": "2026-11-22T19:00:00+08:00"})
    assert self_collected.out == "P-20261122-A003\n"
    assert cli("collect", "P-20261122-A003", "--set", "collector=李四", "--set", "signature=李四", "--as", "王芳",
               env={"WUYECTL_NOW": "2026-11-22T19:30:00+08:00"}).code == 0
    record = json.loads(cli("show", "P-20261122-A003", "-o", "json", "--as", "王芳").out)
    assert (record["on_behalf"], record["collected_at"], record["handed_by"]) == (
        False, "2026-11-22T19:30:00+08:00", "王芳")
    household = json.loads(cli("show", UNIT, "-o", "json", "--as", "王芳").out)
    assert [p["id"] for p in household["related"]["parcels"]] == [PID, PID2, "P-20261122-A003"]
    assert cli("validate").out == "正常：5 个文件均有效\n"
    assert cli("audit", "-o", "json").out.strip() == "[]"


@pytest.mark.lang("en")
def test_bad_entries_and_steps_are_one_line_and_write_nothing(cli, git):
    head = git("rev-parse", "HEAD")

    def refused(result, code, err):
        assert (result.code, result.out, result.err) == (code, "", f"wuyectl: {err}\n")
        assert git("rev-parse", "HEAD") == head

    refused(cli("log", "parcel", "--carrier", "顺丰", "--unit", "9-9-909", "--addressee", "李四", "--as", "王芳"), 4,
            "unit 9-9-909 has no household record (owners/9/9-9-909.yaml)")
    refused(cli("log", "parcel", "--carrier", "顺丰", "--unit", UNIT, "--addressee", "李四", "--as", "陈洁"), 6,
            "陈洁 (cleaner) may not sign for mail: needs clerk, director, security guard or supervisor")
    assert cli("log", "parcel", "--carrier", "顺丰", "--as", "王芳").code == 2        # --addressee is required
    assert git("rev-parse", "HEAD") == head
    assert _parcel(cli).code == 0
    head = git("rev-parse", "HEAD")
    refused(_parcel(cli), 5, f"tracking number SF1234567890 is already at the desk as {PID}")
    refused(cli("notify", PID, "--as", "王芳"), 5,
            f"{PID}: cannot notify without notified_via (--set notified_via=…)")
    refused(cli("collect", PID, "--set", "collector=王五", "--as", "王芳"), 5,
            f"{PID}: cannot collect without signature (--set signature=…)")
    refused(cli("collect", PID, "--set", "collector=王五", "--set", "signature=王五", "--as", "王芳"), 5,
            f"{PID}: 王五 is not the addressee (李四): say who they are to them (--set relation=家人/同事/…)")
    refused(cli("return-to-sender", PID, "--as", "王芳"), 5,
            f"{PID}: an item is returned to its sender only once overdue (kept 7 days, until 2026-11-29 09:14)")
    assert cli("collect", PID, "--set", "collector=李四", "--set", "signature=李四", "--as", "王芳").code == 0
    head = git("rev-parse", "HEAD")
    refused(cli("collect", PID, "--set", "collector=李四", "--set", "signature=李四", "--as", "王芳"), 5,
            f"{PID}: cannot collect: the parcel is collected; allowed now: nothing (it is finished)")
    # a collected tracking number may come again (a return, a second parcel of the same order)
    assert _parcel(cli).out == f"{PID2}\n"


def test_uncollected_after_the_policys_days_is_overdue_and_may_go_back(cli, git):
    _parcel(cli)
    assert cli("get", "parcels", "--overdue", "-o", "ids", "--as", "王芳",
               env={"WUYECTL_NOW": "2026-11-29T09:13:00+08:00"}).out == ""
    assert cli("get", "parcels", "--overdue", "-o", "ids", "--as", "王芳", env=WEEK_ON).out == f"{PID}\n"
    assert cli("get", "parcels", "--due-within", "7d", "-o", "ids", "--as", "王芳").out == f"{PID}\n"
    assert cli("policy", "set", "parcel.keep_days", "3", "--as", "刘主任").code == 0
    assert cli("get", "parcels", "--overdue", "-o", "ids", "--as", "王芳",
               env={"WUYECTL_NOW": "2026-11-25T09:14:00+08:00"}).out == f"{PID}\n"
    bad = cli("policy", "set", "parcel.keep_days", "0", "--as", "刘主任")
    assert bad.code != 0 and "keep_days" in bad.err
    back = cli("return-to-sender", PID, "--note", "超期无人领取，退回顺丰", "--as", "王芳",
               env={"WUYECTL_NOW": "2026-11-25T10:00:00+08:00"})
    assert (back.code, back.err) == (0, "")
    record = json.loads(cli("show", PID, "-o", "json", "--as", "王芳").out)
    assert (record["status"], record["sent_back_at"], record["sent_back_by"], record["overdue"]) == (
        "returned", "2026-11-25T10:00:00+08:00", "王芳", False)
    assert cli("get", "parcels", "--overdue", "-o", "ids", "--as", "王芳", env=WEEK_ON).out == ""
    assert cli("audit", "-o", "json").out.strip() == "[]"


def test_the_front_desk_report(cli):
    _parcel(cli)                                                                     # notified, collected on day 2
    _parcel(cli, tracking="YT0000000001", addressee="张三")                          # waiting: overdue by the 30th
    _parcel(cli, tracking="JD0000000002", env={"WUYECTL_NOW": "2026-11-28T10:00:00+08:00"})   # waiting, in time
    cli("notify", PID, "--set", "notified_via=phone", "--as", "王芳", env={"WUYECTL_NOW": "2026-11-22T09:30:00+08:00"})
    cli("collect", PID, "--set", "collector=李四", "--set", "signature=李四", "--as", "王芳",
        env={"WUYECTL_NOW": "2026-11-23T18:00:00+08:00"})
    report = json.loads(cli("report", "frontdesk", "--month", "2026-11", "-o", "json", "--as", "王芳",
                            env={"WUYECTL_NOW": "2026-11-30T08:00:00+08:00"}).out)["sections"]
    assert report["parcel"]["rows"] == [
        {"key": "received", "figure": "收件", "value": 3, "numerator": 3, "denominator": None},
        {"key": "notified", "figure": "已通知率", "value": "33.3%", "numerator": 1, "denominator": 3},
        {"key": "collected", "figure": "已领取", "value": 1, "numerator": 1, "denominator": None},
        {"key": "collected_in_time", "figure": "按期领取率", "value": "33.3%", "numerator": 1, "denominator": 3},
        {"key": "returned", "figure": "退回寄件人", "value": 0, "numerator": 0, "denominator": None},
        {"key": "overdue", "figure": "超期未领", "value": 1, "numerator": 1, "denominator": None}]
    assert report["parcel.overdue"]["rows"] == [
        {"id": PID2, "unit": UNIT, "addressee": "张三", "carrier": "顺丰", "tracking": "YT0000000001",
         "received_at": "2026-11-22 09:14", "due_at": "2026-11-29 09:14", "notified_at": ""}]
    help_text = " ".join(cli("report", "frontdesk", "--help", "--lang", "en").out.split())
    assert "collected in time (按期领取率) = items of the period collected within the policy's days" in help_text
    assert cli("get", "parcels", "-o", "csv", "--as", "王芳", env={"WUYECTL_NOW": "2026-11-30T08:00:00+08:00"}
               ).out.splitlines()[3] == (f"{PID2},已收件,包裹,顺丰,YT0000000001,{UNIT},张三,,2026-11-22 09:14,王芳,,,"
                                         "2026-11-29 09:14,是,,,,,,,,")


@pytest.mark.lang("en")
def test_a_hand_edit_is_caught_by_validate_and_audit(cli, office, git):
    _parcel(cli)
    text = (office / PATH).read_text(encoding="utf-8")
    (office / PATH).write_text(text.replace("status: received", "status: collected"), encoding="utf-8")
    checked = cli("validate", "-o", "json")
    assert checked.code == 7
    assert {(p["code"], p["message"]) for p in json.loads(checked.out)["problems"]} == {
        ("W-parcel-collected", "a collected item records collector"),
        ("W-parcel-collected", "a collected item records signature"),
        ("W-parcel-collected", "a collected item records collected_at")}
    git("commit", "-q", "--no-verify", "-am", "改成已领取")
    found = json.loads(cli("audit", "-o", "json").out)
    assert {(f["code"], f["path"]) for f in found} == {("A-hand-edit", PATH), ("A-invalid", PATH)}


@settings(max_examples=60)
@given(st.integers(min_value=1, max_value=90), st.integers(min_value=0, max_value=200 * 24))
def test_overdue_is_waiting_past_the_policys_days(days, hours):
    """A waiting item is overdue exactly from received + keep_days; a collected one never."""
    received = "2026-11-01T09:00:00+08:00"
    now = read_iso(received) + timedelta(hours=hours)
    policy = {"parcel": {"keep_days": days}}
    waiting = _computed({"status": "notified", "received_at": received}, now, policy)
    assert waiting["overdue"] == (hours >= days * 24)
    assert KIND.overdue(waiting, now) == waiting["overdue"]
    assert not _computed({"status": "collected", "received_at": received}, now, policy)["overdue"]
