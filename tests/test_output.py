"""What people read: labels (zh default, en), masked personal numbers, aligned Chinese tables,
filters; the roster and households."""
from __future__ import annotations

import csv
import io
import json

import pytest
from wcwidth import wcswidth

from conftest import MASKED, OWNER_PHONE, PHONE, UNIT


def _table_lines(out: str) -> list[str]:
    """The lines of the first table in `out` (header, dashes, rows), without the count line."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("--")) - 1
    end = start + 2
    while end < len(lines) and lines[end].strip() and not lines[end].startswith("("):
        end += 1
    return lines[start:end]


def _display_columns(line: str) -> list[int]:
    """Display columns (a Chinese character counts 2) where each cell of a 2-space-separated
    row begins."""
    starts, col, prev_spaces = [], 0, 2
    for ch in line:
        if ch != " " and prev_spaces >= 2:
            starts.append(col)
        prev_spaces = prev_spaces + 1 if ch == " " else 0
        col += max(wcswidth(ch), 0)
    return starts


def assert_aligned(out: str) -> None:
    lines = _table_lines(out)
    header, dashes, rows = lines[0], lines[1], lines[2:]
    assert rows
    full = wcswidth(dashes)
    for line in [header, *rows]:
        # tabulate trims trailing blanks, so a line may be shorter, never wider
        assert wcswidth(line) <= full, f"{line!r} is {wcswidth(line)} columns wide, more than {full}"
    column_starts = _display_columns(dashes)
    assert _display_columns(header) == column_starts
    for line in rows:
        # every cell starts at a column start (empty cells leave gaps)
        assert set(_display_columns(line)) <= set(column_starts), line


@pytest.fixture
def tickets(cli, new_ticket):
    """Three tickets: received, assigned, in progress (with Chinese text everywhere)."""
    a = new_ticket()
    b = new_ticket("complaint")
    c = cli("open", "ticket", "--channel", "在线", "--category", "求助", "--building", "3栋", "--place", "地下车库B区",
            "--description", "车库灯不亮，很暗，老人小孩走路不安全，请尽快处理", "-o", "ids", "--as", "王芳").out.strip()
    assert cli("assign", b, c, "--to", "陈洁", "--as", "王芳").code == 0
    assert cli("update", c, "--action", "contact", "--as", "陈洁").code == 0
    return a, b, c


def test_default_labels_are_chinese_and_the_table_is_aligned(run, tickets):
    result = run("get", "tickets")
    assert result.code == 0, result.err
    lines = _table_lines(result.out)
    assert lines[0].split() == ["编号", "状态", "类别", "渠道", "房号/位置", "报告人", "电话", "处理人", "升级",
                                "受理时间", "下一时限", "内容"]
    a, b, c = tickets
    row_a = next(line for line in lines if line.startswith(a))
    assert row_a.split()[:7] == [a, "已受理", "报修", "电话", UNIT, "张先生", MASKED]
    row_c = next(line for line in lines if line.startswith(c))
    assert "处理中" in row_c and "求助" in row_c and "在线" in row_c and "3栋 地下车库B区" in row_c
    assert result.out.splitlines()[-1] == "(3 条)"
    assert_aligned(result.out)


def test_english_labels_by_option_or_environment(run, cli, tickets):
    by_option = run("get", "tickets", "--lang", "en")
    assert by_option.code == 0
    lines = _table_lines(by_option.out)
    assert lines[0].split()[:4] == ["ID", "status", "category", "channel"]
    a, b, c = tickets
    row_b = next(line for line in lines if line.startswith(b))
    assert row_b.split()[:4] == [b, "assigned", "complaint", "phone"]
    assert by_option.out.splitlines()[-1] == "(3 records)"
    assert_aligned(by_option.out)
    # global option before the verb, and WUYECTL_LANG, give the same
    assert cli("--lang", "en", "get", "tickets").out == by_option.out
    assert cli("get", "tickets", env={"WUYECTL_LANG": "en"}).out == by_option.out


def test_chinese_and_english_input_labels_are_accepted(cli):
    zh = cli("open", "ticket", "--channel", "电话", "--category", "报修", "--unit", UNIT, "--urgency", "紧急",
             "--description", "漏水", "-o", "json", "--as", "王芳")
    assert zh.code == 0, zh.err
    data = json.loads(zh.out)
    assert (data["channel"], data["category"], data["urgency"]) == ("phone", "repair", "urgent")
    en = cli("open", "ticket", "--channel", "Walk-In", "--category", "paid repair", "--unit", UNIT,
             "--description", "换锁", "-o", "json", "--as", "王芳")
    assert en.code == 0, en.err
    data = json.loads(en.out)
    assert (data["channel"], data["category"]) == ("walk_in", "paid_repair")
    # the department by its Chinese label, on assign
    tid = data["id"]
    assert cli("assign", tid, "--to", "李明", "--dept", "工程部", "--as", "王芳").code == 0
    assert json.loads(cli("show", tid, "-o", "json").out)["department"] == "maintenance"


def test_phone_numbers_are_masked_everywhere(run, cli, git, tickets):
    a = tickets[0]
    outputs = {
        "table": cli("get", "tickets").out,
        "json": cli("get", "tickets", "-o", "json").out,
        "yaml": cli("get", "tickets", "-o", "yaml").out,
        "csv": run("get", "tickets", "-o", "csv").out,
        "show": run("show", a).out,
        "show json": cli("show", a, "-o", "json").out,
        "show yaml": cli("show", a, "-o", "yaml").out,
        "owners": cli("get", "owners").out,
        "owners json": cli("get", "owners", "-o", "json").out,
        "owner show": cli("show", UNIT).out,
    }
    for name, out in outputs.items():
        assert PHONE not in out and OWNER_PHONE not in out, name
    for name in ("table", "json", "yaml", "csv", "show", "show json", "show yaml"):
        assert MASKED in outputs[name], name
    for name in ("owners", "owners json", "owner show"):
        assert "139****9000" in outputs[name], name
    assert json.loads(outputs["show json"])["reporter"] == {"name": "张先生", "phone": MASKED}
    rows = list(csv.reader(io.StringIO(outputs["csv"].lstrip("\ufeff"))))[2:]   # under the title row
    assert rows[0][6] == "电话" and {r[6] for r in rows[1:] if r[5] == "张先生"} == {MASKED}
    # the record itself keeps the number; commit messages never carry it
    assert PHONE in (git("show", f"HEAD:{'tickets/2026-11/' + a + '.yaml'}"))
    messages = git("log", "--format=%B")
    assert PHONE not in messages and OWNER_PHONE not in messages


@pytest.mark.lang("en")
def test_where_filters_by_code_or_label(run, cli, tickets):
    a, b, c = tickets
    by_code = run("get", "tickets", "--where", "status=assigned", "-o", "ids")
    assert (by_code.code, by_code.out) == (0, f"{b}\n")
    assert cli("get", "tickets", "--where", "status=已派单", "-o", "ids").out == f"{b}\n"
    assert cli("get", "tickets", "--where", "category=报修", "-o", "ids").out == f"{a}\n"
    assert cli("get", "tickets", "--where", "assignee=陈洁", "-o", "ids").out == f"{c}\n{b}\n"    # newest first
    assert cli("get", "tickets", "--where", "assignee=陈洁", "--where", "status=in_progress", "-o", "ids").out == f"{c}\n"
    assert cli("get", "tickets", "--where", "reporter.name=张先生", "-o", "ids").out == f"{b}\n{a}\n"
    assert cli("get", "tickets", "--mine", "--as", "陈洁", "-o", "ids").out == f"{c}\n{b}\n"
    bad = cli("get", "tickets", "--where", "status=asigned")
    assert bad.code == 3
    assert bad.err == ("wuyectl: unknown status 'asigned': use one of received, assigned, in progress, resolved, "
                       "closed, cancelled (did you mean 'assigned'?)\n")


def test_get_json_and_yaml_are_data(cli, tickets):
    rows = json.loads(cli("get", "tickets", "-o", "json").out)
    assert [r["id"] for r in rows] == list(reversed(tickets))    # received at one time: the newest ID first
    assert [r["status"] for r in rows] == ["in_progress", "assigned", "received"]
    assert all({"sla", "next_due", "overdue"} <= set(r) for r in rows)
    assert rows[-1]["next_due"] == "2026-11-22T09:19:00+08:00"


def test_get_owners(run, cli):
    assert cli("open", "owner", "--unit", "1-1-101", "--name", "李四", "--phone", "13712345678",
               "--occupancy", "出租", "--as", "王芳").out == "1-1-101\n"
    result = run("get", "owners")
    assert result.code == 0
    lines = _table_lines(result.out)
    assert lines[0].split() == ["编号", "姓名", "电话", "居住状态"]
    assert lines[2].split() == ["1-1-101", "李四", "137****5678", "出租"]
    assert lines[3].split() == [UNIT, "张三", "139****9000"]
    assert_aligned(result.out)
    assert run("get", "owners", "-o", "ids").out == f"1-1-101\n{UNIT}\n"
    data = json.loads(cli("get", "owners", "-o", "json").out)
    assert data[0]["owners"] == [{"name": "李四", "phone": "137****5678"}]
    assert data[0]["occupancy"] == "rented"


def test_staff_add_and_list(run, cli, git):
    added = run("staff", "add", "周七", "--role", "安保员", "--dept", "security", "--as", "赵强")
    assert (added.code, added.out, added.err) == (0, "周七\n", "")
    assert git("log", "-1", "--format=%an|%s").strip() == "赵强|staff add 周七 安保员"
    assert git("log", "-1", "--format=%(trailers:key=Wuye-Action,valueonly)").strip() == "staff-add"
    assert git("show", "--name-only", "--format=", "HEAD").split() == ["wuye.yaml"]

    listed = run("staff", "list")
    assert listed.code == 0
    lines = _table_lines(listed.out)
    assert lines[0].split() == ["姓名", "角色", "部门", "邮箱"]
    assert [line.split()[:3] for line in lines[2:]] == [
        ["刘主任", "管理处主任", "客服部"], ["王芳", "客服", "客服部"], ["赵强", "客服主管", "客服部"],
        ["李明", "维修工", "工程部"], ["陈洁", "保洁员", "保洁部"], ["孙审", "品质部"], ["周七", "安保员", "安保部"],
    ]
    assert_aligned(listed.out)
    people = json.loads(cli("staff", "list", "-o", "json").out)
    assert people[-1] == {"name": "周七", "role": "security", "department": "security"}
    en = cli("staff", "list", "--lang", "en").out
    assert "security guard" in en and "maintenance" in en


@pytest.mark.lang("en")
def test_staff_add_refuses_a_name_already_on_the_roster(cli, repo_state):
    before = repo_state()
    result = cli("staff", "add", "王芳", "--role", "clerk", "--as", "赵强")
    assert (result.code, result.err) == (3, "wuyectl: '王芳' is already on the roster\n")
    assert repo_state() == before


def test_show_renders_timeline_and_history(run, git, tickets):
    c = tickets[2]
    out = run("show", c).out
    assert out.splitlines()[0] == f"{c}  (tickets/2026-11/{c}.yaml)"
    assert "处理记录:" in out and "时限:" in out and "修改历史:" in out
    assert "派单 → 陈洁" in out
    history = out.split("修改历史:")[1]
    # the history's times are when each change was recorded: the commit dates (the real clock),
    # in the office's timezone whatever the computer's
    from datetime import datetime
    from zoneinfo import ZoneInfo

    stamp = git("log", "-1", "--format=%aI", "--", f"tickets/2026-11/{c}.yaml").strip()
    recorded = datetime.fromisoformat(stamp).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert f"{c} contact" in history and "陈洁" in history and recorded in history
