"""The duty log (值班日志, issue 14 point 6): rounds and security patrols item by item, an
abnormal item's ticket opened in the same commit and linked both ways, the shift taken from the
time, patrol gaps longer than the policy's interval (`get duty --overdue`, the handover sheet,
the month's report), the next shift's handover, validation and audit."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from wuyectl.domain.kinds import kind_named

ENTRY = "D-20261122-A001"
PATH = "duty/2026-11/D-20261122-A001.yaml"
NIGHT = {"WUYECTL_NOW": "2026-11-22T21:10:00+08:00"}


def at(stamp: str) -> dict:
    return {"WUYECTL_NOW": f"2026-11-{stamp}:00+08:00"}


@pytest.fixture
def guards(cli):
    for name in ("张勇", "马俊"):
        assert cli("staff", "add", name, "--role", "security", "--as", "刘主任").code == 0
    return "张勇", "马俊"


def test_an_abnormal_item_opens_a_linked_ticket_in_the_same_commit(cli, git, office, guards):
    made = cli("log", "duty", "--type", "patrol", "--area", "3栋、4栋", "--ok", "doors", "--ok", "照明",
               "--abnormal", "fire=3栋2单元灭火器压力不足", "--as", "张勇", env=NIGHT)
    assert (made.code, made.out, made.err) == (0, f"{ENTRY}\nT-20261122-A001\n", "")
    assert git("log", "-1", "--format=%an|%s").strip() == f"张勇|{ENTRY} open duty → T-20261122-A001"
    assert git("show", "--stat", "--format=", "HEAD").count("|") == 2
    assert (office / PATH).read_text(encoding="utf-8") == (
        f"id: {ENTRY}\n"
        "status: recorded\n"
        "shift: night\n"
        "type: patrol\n"
        "area: 3栋、4栋\n"
        "logged_at: 2026-11-22T21:10:00+08:00\n"
        "seen:\n"
        "  - point: doors\n"
        "    normal: true\n"
        "  - point: lighting\n"
        "    normal: true\n"
        "  - point: fire\n"
        "    normal: false\n"
        "    note: 3栋2单元灭火器压力不足\n"
        "    ticket: T-20261122-A001\n"
        "timeline:\n"
        "  - at: 2026-11-22T21:10:00+08:00\n"
        "    by: 张勇\n"
        "    action: open\n")
    ticket = json.loads(cli("show", "T-20261122-A001", "-o", "json", "--as", "王芳", env=NIGHT).out)
    assert {k: ticket[k] for k in ("status", "channel", "category", "urgency", "reporter", "location", "description",
                                   "department", "origin")} == {
        "status": "received", "channel": "patrol", "category": "repair", "urgency": "urgent",
        "reporter": {"name": "张勇"}, "location": {"place": "3栋、4栋"},
        "description": "夜班巡逻发现消防器材异常：3栋2单元灭火器压力不足", "department": "maintenance",
        "origin": ENTRY}
    assert cli("get", "duty", env=NIGHT).out == (
        "编号             状态    班次    类型    记录时间          值班员    区域      正常项    异常项    工单             距上次巡逻\n"
        "---------------  ------  ------  ------  ----------------  --------  --------  --------  --------  ---------------  ------------\n"
        f"{ENTRY}  已记录  夜班    巡逻    2026-11-22 21:10  张勇      3栋、4栋  2         消防器材  T-20261122-A001\n"
        "(1 条)\n")
    assert cli("show", ENTRY, env=NIGHT).out.split("\n修改历史:")[0] == (
        f"{ENTRY}  ({PATH})\n"
        "  状态      已记录\n"
        "  班次      夜班\n"
        "  类型      巡逻\n"
        "  记录时间  2026-11-22 21:10\n"
        "  值班员    张勇\n"
        "  区域      3栋、4栋\n"
        "\n"
        "查看项目:\n"
        "检查项    正常    说明                    工单\n"
        "--------  ------  ----------------------  ---------------\n"
        "门窗      是\n"
        "照明      是\n"
        "消防器材  否      3栋2单元灭火器压力不足  T-20261122-A001\n"
        "\n"
        "处理记录:\n"
        "时间              经办人    动作    说明\n"
        "----------------  --------  ------  ------\n"
        "2026-11-22 21:10  张勇      登记\n")
    assert cli("validate").code == 0
    assert cli("audit", "-o", "json").out.strip() == "[]"


def test_the_shift_and_the_type_follow_the_time_and_the_role(cli, guards):
    assert cli("log", "duty", "--ok", "cleanliness", "--ok", "lifts", "--as", "王芳").out == f"{ENTRY}\n"   # 09:14
    assert cli("log", "duty", "--ok", "barriers", "--as", "马俊", env=at("22T23:30")).code == 0
    assert cli("log", "duty", "--shift", "day", "--note", "大堂香薰机已补液", "--as", "王芳", env=at("22T20:05")).code == 0
    rows = json.loads(cli("get", "duty", "-o", "json").out)
    assert [(r["id"], r["shift"], r["type"], r.get("note")) for r in rows] == [
        (ENTRY, "day", "round", None), ("D-20261122-A003", "day", "round", "大堂香薰机已补液"),
        ("D-20261122-A002", "night", "patrol", None)]
    assert cli("get", "duty", "-o", "csv", "--lang", "en", "--where", "type=round").out == (
        "\ufeffduty log,as of 2026-11-22 09:14+08:00,filter --where type=round\r\n"
        "\r\n"
        "ID,status,shift,type,logged,on duty,area,normal,abnormal,tickets,previous patrol,previous patrol at,"
        "gap (min),patrol gap,taken over by,note\r\n"
        f"{ENTRY},recorded,day,round,2026-11-22 09:14,王芳,,2,,,,,,,,\r\n"
        "D-20261122-A003,recorded,day,round,2026-11-22 20:05,王芳,,0,,,,,,,,大堂香薰机已补液\r\n")


@pytest.mark.lang("en")
def test_bad_entries_are_one_line_and_write_nothing(cli, git, guards, refused):
    head = git("rev-parse", "HEAD")

    def entry(*args, env=None):
        return refused("log", "duty", *args, env=env)

    assert entry("--type", "patrol", "--ok", "doors", "--as", "王芳") == (
        6, "wuyectl: 王芳 (clerk) may not log a patrol: patrols are the security guards' (a round is --type round)\n")
    assert entry("--as", "张勇") == (
        3, "wuyectl: a duty log entry records what was seen: --ok ITEM, --abnormal ITEM=NOTE or --note TEXT\n")
    assert entry("--abnormal", "灭火器压力不足", "--as", "张勇") == (
        3, "wuyectl: --abnormal '灭火器压力不足': give ITEM=what is wrong (fire=3栋2单元灭火器压力不足)\n")
    code, err = entry("--abnormal", "firee=灭火器压力不足", "--as", "张勇")
    assert code == 3 and err.startswith("wuyectl: unknown --abnormal 'firee'") and "did you mean" in err
    assert entry("--ok", "fire", "--abnormal", "消防器材=灭火器过期", "--as", "张勇") == (
        3, "wuyectl: fire equipment: an item is either --ok or --abnormal, once\n")
    code, err = entry("--ok", "roof", "--as", "张勇")
    assert code == 3 and err.startswith("wuyectl: ") and "roof" in err
    assert git("rev-parse", "HEAD") == head
    # a shift's patrols are logged in the order they happened
    assert cli("log", "duty", "--ok", "doors", "--as", "张勇", env=at("23T01:30")).code == 0
    head = git("rev-parse", "HEAD")
    assert entry("--ok", "doors", "--as", "马俊", env=at("22T23:00")) == (
        5, "wuyectl: a shift's patrols are logged in the order they happened: D-20261123-A001 was logged at "
           "2026-11-23 01:30, after 2026-11-22 23:00\n")
    assert git("rev-parse", "HEAD") == head


def test_a_patrol_gap_longer_than_the_policy_is_overdue(cli, guards):
    for stamp, who in (("22T20:10", "张勇"), ("22T22:05", "马俊"), ("23T01:40", "张勇"), ("23T03:30", "马俊")):
        assert cli("log", "duty", "--ok", "doors", "--ok", "lighting", "--as", who, env=at(stamp)).code == 0
    # the next day's day shift starts afresh
    assert cli("log", "duty", "--ok", "barriers", "--as", "张勇", env=at("23T14:00")).code == 0
    rows = json.loads(cli("get", "duty", "-o", "json", env=at("23T15:00")).out)
    assert [(r["id"], r.get("previous_patrol"), r.get("gap_minutes"), r.get("patrol_gap")) for r in rows] == [
        ("D-20261122-A001", None, None, None), ("D-20261122-A002", "D-20261122-A001", 115, False),
        ("D-20261123-A001", "D-20261122-A002", 215, True), ("D-20261123-A002", "D-20261123-A001", 110, False),
        ("D-20261123-A003", None, None, None)]
    late = cli("get", "duty", "--overdue", env=at("23T15:00"))
    assert late.out.splitlines()[2] == \
        "D-20261123-A001  已记录  夜班    巡逻    2026-11-23 01:40  张勇              2                           3:35 超时"
    assert late.out.splitlines()[3] == "(1 条)"
    assert cli("policy", "set", "duty.patrol_hours", "4", "--as", "刘主任").code == 0
    assert cli("get", "duty", "--overdue", env=at("23T15:00")).out == "(0 条)\n"
    assert kind_named("duty").setting({}, "patrol_hours") == 2
    bad = cli("policy", "set", "duty.patrol_hours", "0", "--as", "刘主任")
    assert bad.code != 0 and "patrol_hours" in bad.err


def test_the_next_shift_hands_the_log_over(cli, git, guards):
    assert cli("log", "duty", "--ok", "doors", "--as", "张勇", env=at("22T20:10")).code == 0
    assert cli("log", "duty", "--ok", "doors", "--as", "张勇", env=at("22T22:10")).code == 0
    head = git("rev-parse", "HEAD")
    own = cli("handover", ENTRY, "--as", "张勇", "--lang", "en", env=at("23T08:00"))
    assert (own.code, own.err) == (5, f"wuyectl: {ENTRY}: the next shift takes a duty log entry over: 张勇 wrote it\n")
    assert git("rev-parse", "HEAD") == head
    done = cli("handover", ENTRY, "D-20261122-A002", "--as", "王芳", env=at("23T08:00"))
    assert (done.code, done.err) == (0, "")
    assert git("log", "-1", "--format=%s").strip() == f"{ENTRY}, D-20261122-A002 handover"
    rows = json.loads(cli("get", "duty", "-o", "json").out)
    assert {r["status"] for r in rows} == {"handed_over"}
    assert cli("get", "duty", "-o", "csv", "--lang", "en").out.splitlines()[3].split(",")[-2] == "王芳"
    again = cli("handover", ENTRY, "--as", "马俊", "--lang", "en", env=at("23T09:00"))
    assert (again.code, again.err) == (5, f"wuyectl: {ENTRY}: cannot hand over: the duty log entry is handed over; "
                                          "allowed now: nothing (it is finished)\n")
    assert cli("audit", "-o", "json").out.strip() == "[]"


def _night(cli):
    """A night: three patrols (one after a gap of 3 h 35), a lobby round, an abnormal item."""
    assert cli("log", "duty", "--ok", "doors", "--ok", "lighting", "--as", "张勇", env=at("22T20:10")).code == 0
    assert cli("log", "duty", "--ok", "cleanliness", "--abnormal", "lifts=2号客梯按钮失灵", "--note", "已张贴暂停使用告示",
               "--as", "王芳", env=at("22T20:40")).code == 0
    assert cli("log", "duty", "--ok", "doors", "--abnormal", "barriers=北门道闸不抬杆", "--area", "北门",
               "--as", "马俊", env=at("22T22:05")).code == 0
    assert cli("log", "duty", "--ok", "doors", "--ok", "fire", "--as", "张勇", env=at("23T01:40")).code == 0


def test_the_handover_sheet_and_the_month_show_entries_abnormal_items_and_gaps(cli, guards):
    _night(cli)
    sheet = json.loads(cli("report", "handover", "--date", "2026-11-22", "-o", "json", env=at("23T09:00")).out)
    assert sheet["sections"]["duty.entries"]["rows"] == [
        {"logged_at": "20:10", "id": "D-20261122-A001", "shift": "夜班", "type": "巡逻", "logged_by": "张勇",
         "area": "", "normal_items": 2, "abnormal_items": "", "note": ""},
        {"logged_at": "20:40", "id": "D-20261122-A002", "shift": "夜班", "type": "查看", "logged_by": "王芳",
         "area": "", "normal_items": 1, "abnormal_items": "电梯", "note": "已张贴暂停使用告示"},
        {"logged_at": "22:05", "id": "D-20261122-A003", "shift": "夜班", "type": "巡逻", "logged_by": "马俊",
         "area": "北门", "normal_items": 1, "abnormal_items": "道闸", "note": ""}]
    assert sheet["sections"]["duty.abnormal"]["rows"] == [
        {"logged_at": "2026-11-22 20:40", "id": "D-20261122-A002", "shift": "夜班", "type": "查看", "point": "电梯",
         "note": "2号客梯按钮失灵", "ticket": "T-20261122-A001"},
        {"logged_at": "2026-11-22 22:05", "id": "D-20261122-A003", "shift": "夜班", "type": "巡逻", "point": "道闸",
         "note": "北门道闸不抬杆", "ticket": "T-20261122-A002"}]
    assert sheet["sections"]["duty.gaps"]["rows"] == []
    after = json.loads(cli("report", "handover", "--date", "2026-11-23", "-o", "json", "--lang", "en",
                           env=at("23T09:00")).out)
    assert after["sections"]["duty.gaps"]["title"] == "Patrol gaps"
    assert after["sections"]["duty.gaps"]["rows"] == [
        {"previous_patrol_at": "2026-11-22 22:05", "logged_at": "2026-11-23 01:40", "id": "D-20261123-A001",
         "gap_minutes": 215, "logged_by": "张勇"}]
    month = json.loads(cli("report", "frontdesk", "--month", "2026-11", "-o", "json", env=at("23T09:00")).out)
    assert month["sections"]["duty"]["title"] == "值班日志"
    assert [(r["key"], r["figure"], r["value"]) for r in month["sections"]["duty"]["rows"]] == [
        ("entries", "值班记录", 4), ("patrols", "巡逻", 3), ("abnormal", "异常项", 2), ("tickets", "开单", 2),
        ("gaps", "巡逻超时", 1)]
    assert [r["ticket"] for r in month["sections"]["duty.abnormal"]["rows"]] == ["T-20261122-A001", "T-20261122-A002"]
    assert [r["id"] for r in month["sections"]["duty.gaps"]["rows"]] == ["D-20261123-A001"]
    helped = " ".join(cli("report", "frontdesk", "--help", "--lang", "en").out.split())
    assert "patrol gaps (巡逻超时) = patrols in the period logged more than policy duty.patrol_hours" in helped
    assert cli("audit", "-o", "json").out.strip() == "[]"


@pytest.mark.lang("en")
def test_validate_and_audit_catch_a_hand_edit(cli, git, office, guards):
    assert cli("log", "duty", "--abnormal", "fire=灭火器过期", "--as", "张勇", env=NIGHT).code == 0
    text = (office / PATH).read_text(encoding="utf-8")
    (office / PATH).write_text(text.replace("    ticket: T-20261122-A001\n", ""), encoding="utf-8")
    checked = cli("validate", "-o", "json")
    assert checked.code == 7
    assert [(p["code"], p["message"]) for p in json.loads(checked.out)["problems"]] == [
        ("W-duty-ticket", "an abnormal item names the ticket it opened")]
    git("commit", "-q", "--no-verify", "-am", "删掉工单号")
    found = json.loads(cli("audit", "-o", "json").out)
    assert {(f["code"], f["path"]) for f in found} == {("A-hand-edit", PATH), ("A-invalid", PATH)}


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)))
def test_an_entry_belongs_to_the_shift_running_at_its_time(moment):
    from wuyectl.domain.kinds.duty import shift_key, shift_of

    when = moment.replace(tzinfo=timezone(timedelta(hours=8)), microsecond=0)
    shift = shift_of(when)
    assert shift == ("day" if 8 <= when.hour < 20 else "night")
    name, began = shift_key({"logged_at": when.isoformat(), "shift": shift})
    # a shift starts on the day it is named by: 08:00 for the day shift, 20:00 for the night's
    start = datetime.fromisoformat(f"{began}T{'08' if shift == 'day' else '20'}:00:00+08:00")
    assert name == shift and start <= when < start + timedelta(hours=12)
