"""Goods release passes (物品放行, issue 14 point 5): issued by the desk for a unit with a
household, authorised by an owner on its record (a tenant brings the owner's written consent;
fees cleared where the policy asks), released at the gate by a guard within the pass's
validity, expired when unused, voided with a reason; its listing, page, unit page, report part,
settings, validation and audit."""
from __future__ import annotations

import importlib
import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from conftest import UNIT

from wuyectl.domain.kinds import kind_named

PASS = "R-20261122-A001"
PATH = "passes/2026-11/R-20261122-A001.yaml"
AFTERNOON = {"WUYECTL_NOW": "2026-11-22T15:40:00+08:00"}
NEXT_DAY = {"WUYECTL_NOW": "2026-11-23T08:30:00+08:00"}


@pytest.fixture
def guard(cli):
    assert cli("staff", "add", "张勇", "--role", "security", "--as", "刘主任").code == 0
    return "张勇"


def issue(cli, *extra, who="王芳", env=None):
    return cli("log", "pass", "--unit", UNIT, "--goods", "冰箱", "--goods", "双人沙发", "--owner", "张三",
               "--carried-by", "顺达搬家 王五", *extra, "--as", who, env=env)


def test_the_desk_issues_a_pass_and_a_guard_releases_it_at_the_gate(cli, git, office, guard):
    made = issue(cli)
    assert (made.code, made.out, made.err) == (0, f"{PASS}\n", "")
    assert git("log", "-1", "--format=%an|%s").strip() == f"王芳|{PASS} open pass"
    assert (office / PATH).read_text(encoding="utf-8") == (
        f"id: {PASS}\n"
        "status: issued\n"
        f"unit: {UNIT}\n"
        "goods:\n"
        "  - 冰箱\n"
        "  - 双人沙发\n"
        "owner: 张三\n"
        "carried_by: 顺达搬家 王五\n"
        "issued_at: 2026-11-22T09:14:00+08:00\n"
        "expires_at: 2026-11-22T23:59:59+08:00\n"
        "timeline:\n"
        "  - at: 2026-11-22T09:14:00+08:00\n"
        "    by: 王芳\n"
        "    action: open\n")
    assert cli("get", "passes").out == (
        "编号             状态    房号      放行物品        业主    租户    签发时间          有效期至          放行时间    放行保安\n"
        "---------------  ------  --------  --------------  ------  ------  ----------------  ----------------  ----------  ----------\n"
        f"{PASS}  已开具  {UNIT}  冰箱、双人沙发  张三            2026-11-22 09:14  2026-11-22 23:59\n"
        "(1 条)\n")
    assert cli("get", "passes", "--overdue").out == "(0 条)\n"
    # due within the day: its validity ends at midnight
    assert cli("get", "passes", "--due-within", "15h", "-o", "ids").out == f"{PASS}\n"

    released = cli("release", PASS, "--set", "gate=南门", "--as", guard, env=AFTERNOON)
    assert (released.code, released.err) == (0, "")
    assert released.out.startswith(f"{PASS}：已提交 ")
    assert git("log", "-1", "--format=%an|%s").strip() == f"张勇|{PASS} release"
    shown = cli("show", PASS, "--lang", "en", env=AFTERNOON).out
    assert shown.split("\nhistory:")[0] == (
        f"{PASS}  ({PATH})\n"
        "  status       released\n"
        f"  unit         {UNIT}\n"
        "  goods        冰箱, 双人沙发\n"
        "  owner        张三\n"
        "  carried by   顺达搬家 王五\n"
        "  issued by    王芳\n"
        "  issued       2026-11-22 09:14\n"
        "  valid until  2026-11-22 23:59\n"
        "  released     2026-11-22 15:40\n"
        "  released by  张勇\n"
        "  gate         南门\n"
        "\n"
        "timeline:\n"
        "at                by    action    note\n"
        "----------------  ----  --------  ---------\n"
        "2026-11-22 09:14  王芳  open\n"
        "2026-11-22 15:40  张勇  release   gate 南门\n")
    # the unit's page lists it (the pass names the unit through `refs`)
    related = json.loads(cli("show", UNIT, "-o", "json", "--as", "王芳").out)["related"]
    assert [p["id"] for p in related["passes"]] == [PASS]
    assert cli("get", "passes", "-o", "csv", "--lang", "en", env=AFTERNOON).out == (
        "\ufeffrelease passes,as of 2026-11-22 15:40+08:00,filter all\r\n"
        "\r\n"
        "ID,status,unit,goods,owner,tenant,owner's written consent,carried by,fees cleared (confirmed by),issued by,"
        "issued,valid until,released,released by,gate,expired\r\n"
        f"{PASS},released,{UNIT},\"冰箱, 双人沙发\",张三,,,顺达搬家 王五,,王芳,2026-11-22 09:14,2026-11-22 23:59,"
        "2026-11-22 15:40,张勇,南门,no\r\n")
    assert cli("validate").code == 0
    assert cli("audit", "-o", "json").out.strip() == "[]"


@pytest.mark.lang("en")
def test_bad_passes_are_one_line_and_write_nothing(cli, git, guard, refused):
    head = git("rev-parse", "HEAD")

    assert refused("log", "pass", "--unit", "9-9-909", "--goods", "冰箱", "--owner", "张三", "--as", "王芳") == (
        4, "wuyectl: unit 9-9-909 has no household record (owners/9/9-9-909.yaml)\n")
    assert refused("log", "pass", "--unit", UNIT, "--goods", "冰箱", "--owner", "李四", "--as", "王芳") == (
        5, f"wuyectl: 李四 is not named as an owner on the household record of {UNIT} (owners: 张三); "
           "a release pass is authorised by the owner\n")
    assert refused("log", "pass", "--unit", UNIT, "--goods", "冰箱", "--owner", "张三", "--tenant", "赵六",
                   "--as", "王芳") == (
        5, "wuyectl: a tenant takes goods out with the owner's written consent: --owner-consent TEXT "
           "(what it is and when the owner signed it)\n")
    assert refused("log", "pass", "--unit", UNIT, "--goods", " ", "--owner", "张三", "--as", "王芳") == (
        3, "wuyectl: a release pass lists the goods leaving: --goods ITEM (once per item)\n")
    code, err = refused("log", "pass", "--unit", UNIT, "--owner", "张三", "--as", "王芳")
    assert code == 2 and "--goods" in err
    assert git("rev-parse", "HEAD") == head

    assert issue(cli).code == 0
    head = git("rev-parse", "HEAD")
    assert refused("release", PASS, "--as", "王芳") == (
        6, f"wuyectl: 王芳 (clerk) may not release {PASS}: needs security guard\n")
    assert refused("release", PASS, "--as", guard, env=NEXT_DAY) == (
        5, f"wuyectl: {PASS}: the pass was valid until 2026-11-22 23:59; it has expired: the desk issues a new one\n")
    assert refused("void", PASS, "--as", "王芳") == (5, f"wuyectl: {PASS}: 'void' needs --note with the reason\n")
    assert refused("release", PASS, "--set", "goods=电视", "--as", guard) == (
        3, "wuyectl: cannot --set goods with 'release': it sets gate\n")
    assert git("rev-parse", "HEAD") == head
    assert cli("release", PASS, "--as", guard).code == 0
    assert refused("void", PASS, "--note", "x", "--as", "王芳") == (
        5, f"wuyectl: {PASS}: cannot void: the release pass is released; allowed now: nothing (it is finished)\n")


def test_a_tenant_moving_out_brings_the_owners_written_consent(cli, guard):
    made = issue(cli, "--tenant", "赵六", "--owner-consent", "业主张三2026-11-20签字的书面同意书（复印件存档）")
    assert made.code == 0, made.err
    shown = json.loads(cli("show", PASS, "-o", "json", "--as", "王芳").out)
    assert (shown["owner"], shown["tenant"], shown["owner_consent"]) == (
        "张三", "赵六", "业主张三2026-11-20签字的书面同意书（复印件存档）")


def test_the_policy_may_ask_that_fees_are_cleared_and_how_long_a_pass_is_valid(cli, git):
    assert kind_named("pass").setting({}, "require_fees_cleared") is False
    assert kind_named("pass").setting({}, "valid_days") == 1
    assert cli("policy", "set", "pass.require_fees_cleared", "true", "--as", "刘主任").code == 0
    assert cli("policy", "set", "pass.valid_days", "2", "--as", "刘主任").code == 0
    bad = cli("policy", "set", "pass.valid_days", "0", "--as", "刘主任")
    assert bad.code != 0 and "valid_days" in bad.err
    head = git("rev-parse", "HEAD")
    refused = issue(cli, "--lang", "en")
    assert (refused.code, refused.err) == (5, "wuyectl: the office's policy (pass.require_fees_cleared) asks that "
                                              "the unit has no unpaid fees: --fees-cleared-by NAME (who confirmed it)\n")
    assert git("rev-parse", "HEAD") == head
    assert issue(cli, "--fees-cleared-by", "陈会计").code == 0
    shown = json.loads(cli("show", PASS, "-o", "json", "--as", "王芳").out)
    assert (shown["fees_cleared_by"], shown["expires_at"]) == ("陈会计", "2026-11-23T23:59:59+08:00")


def test_an_unused_pass_expires_and_is_voided(cli, git, guard):
    assert issue(cli).code == 0
    listed = cli("get", "passes", "--overdue", env=NEXT_DAY).out
    assert listed.splitlines()[2].startswith(f"{PASS}  已过期  {UNIT}")
    assert json.loads(cli("show", PASS, "-o", "json", env=NEXT_DAY).out)["expired"] is True
    voided = cli("void", PASS, "--note", "业主改期搬家，过期作废", "--as", "王芳", env=NEXT_DAY)
    assert (voided.code, voided.err) == (0, "")
    assert cli("get", "passes", "--overdue", env=NEXT_DAY).out == "(0 条)\n"
    assert cli("get", "passes", "-o", "ids", "--where", "status=已作废").out == f"{PASS}\n"
    assert cli("audit", "-o", "json").out.strip() == "[]"


def test_the_front_desk_report_counts_passes(cli, guard):
    assert issue(cli, env={"WUYECTL_NOW": "2026-11-20T10:00:00+08:00"}).code == 0              # R-20261120-A001, released
    assert cli("release", "R-20261120-A001", "--as", guard, env={"WUYECTL_NOW": "2026-11-20T14:00:00+08:00"}).code == 0
    assert issue(cli, env={"WUYECTL_NOW": "2026-11-21T10:00:00+08:00"}).code == 0              # expired unused
    assert issue(cli, env={"WUYECTL_NOW": "2026-11-21T11:00:00+08:00"}).code == 0              # voided the same day
    assert cli("void", "R-20261121-A002", "--note", "搬家取消", "--as", "王芳",
               env={"WUYECTL_NOW": "2026-11-21T12:00:00+08:00"}).code == 0
    assert issue(cli).code == 0                                                                 # still valid
    report = json.loads(cli("report", "frontdesk", "--month", "2026-11", "-o", "json", "--lang", "en").out)
    assert [(r["key"], r["value"]) for r in report["sections"]["pass"]["rows"]] == [
        ("issued", 4), ("released", 1), ("expired", 1), ("voided", 1)]
    assert report["sections"]["pass"]["title"] == "release passes"
    assert report["sections"]["pass.issued"]["rows"] == [
        {"id": "R-20261120-A001", "state": "released", "unit": UNIT, "goods": "冰箱, 双人沙发", "owner": "张三",
         "tenant": "", "issued_at": "2026-11-20 10:00", "expires_at": "2026-11-20 23:59",
         "released_at": "2026-11-20 14:00", "released_by": "张勇"},
        {"id": "R-20261121-A001", "state": "expired", "unit": UNIT, "goods": "冰箱, 双人沙发", "owner": "张三",
         "tenant": "", "issued_at": "2026-11-21 10:00", "expires_at": "2026-11-21 23:59",
         "released_at": "", "released_by": ""},
        {"id": "R-20261121-A002", "state": "void", "unit": UNIT, "goods": "冰箱, 双人沙发", "owner": "张三",
         "tenant": "", "issued_at": "2026-11-21 11:00", "expires_at": "2026-11-21 23:59",
         "released_at": "", "released_by": ""},
        {"id": PASS, "state": "issued", "unit": UNIT, "goods": "冰箱, 双人沙发", "owner": "张三",
         "tenant": "", "issued_at": "2026-11-22 09:14", "expires_at": "2026-11-22 23:59",
         "released_at": "", "released_by": ""}]
    # as it stood before the release
    earlier = json.loads(cli("report", "frontdesk", "--month", "2026-11", "-o", "json",
                             env={"WUYECTL_NOW": "2026-11-20T12:00:00+08:00"}).out)
    assert [(r["key"], r["value"]) for r in earlier["sections"]["pass"]["rows"]] == [
        ("issued", 1), ("released", 0), ("expired", 0), ("voided", 0)]
    helped = " ".join(cli("report", "frontdesk", "--help", "--lang", "en").out.split())   # (as click wraps it)
    assert ("expired unused (过期未用) = passes issued in the period whose validity ended by the as-of time without a "
            "release (and not voided before it ended)") in helped


@pytest.mark.lang("en")
def test_validate_and_audit_catch_a_hand_edit(cli, git, office, guard):
    assert issue(cli).code == 0
    text = (office / PATH).read_text(encoding="utf-8")
    (office / PATH).write_text(text.replace("status: issued", "status: released")
                               .replace("carried_by: 顺达搬家 王五\n", "carried_by: 顺达搬家 王五\ntenant: 赵六\n"),
                               encoding="utf-8")
    checked = cli("validate", "-o", "json")
    assert checked.code == 7
    assert sorted((p["code"], p["message"]) for p in json.loads(checked.out)["problems"]) == [
        ("W-pass-consent", "a tenant's release pass records the owner's written consent"),
        ("W-pass-release", "a released pass records released_at"),
        ("W-pass-release", "a released pass records released_by")]
    git("commit", "-q", "--no-verify", "-am", "手工放行")
    found = json.loads(cli("audit", "-o", "json").out)
    assert {(f["code"], f["path"]) for f in found} == {("A-hand-edit", PATH), ("A-invalid", PATH)}


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)), st.integers(1, 30))
def test_a_pass_is_valid_to_the_end_of_its_last_day(moment, days):
    expiry = importlib.import_module("wuyectl.domain.kinds.pass").expiry   # (`pass` is a keyword)

    tz = timezone(timedelta(hours=8))
    issued = moment.replace(tzinfo=tz, microsecond=0)
    until = datetime.fromisoformat(expiry(issued.isoformat(), days))
    assert until > issued and (until.date() - issued.date()).days == days - 1
    assert (until.hour, until.minute, until.second) == (23, 59, 59) and until.utcoffset() == tz.utcoffset(None)
