"""Imports that forgive real spreadsheets (issue 11).

1. Dates: `--date-order ymd|dmy|mdy`; 13/03/2017, 2017/03/13 10:00, 2017年3月13日 10:00 read;
   04/03/2017 refused under the default with both readings named; unreadable times name the
   forms that are read.
2. `import tickets` and `import owners` exit alike (7 on a refused row unless --skip-bad);
   every problem of a row on its line; past ten rows, a summary by reason and of the values
   no map covers.
3. Status (`--map COL=status`, `--status-map`), cancelled tickets out of resolution figures,
   the source's own category (`source_category`, `report resolution --by source_category`).
4. Durations in seconds: 72 h 0 min 40 s is not within 72 h; counts beside the percentages.
5. Positions are file lines (a quoted cell may span lines); xlsx rows are rows.
6. A dry run counts the commits the batch size gives.
7. The office's 业主信息统计表 (title rows, 房屋地址, 建筑面积(m2), 5栋1单元101), co-owners in
   one cell, tenants from the 租住人员信息登记表, people added from the command line.
8. KPIs of imported history: what its source cannot support is "n/a (imported)", not 0%.

The real San Francisco 311 sample is used where it is beside the checkout (skipped if not).
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from conftest import DIRECTOR
from helpers_kinds import commits, report_json, rows, write_csv

from wuyectl.app.households import read_unit
from wuyectl.app.spreadsheet import DATE_HELP, AmbiguousDate, read_datetime

ROOT = Path(__file__).resolve().parent.parent
SF = ROOT.parent / "shared" / "data" / "sf311_cases_sample_10000.csv"
needs_sf = pytest.mark.skipif(not SF.exists(), reason="the shared SF 311 sample is not beside this checkout")

MAP = ["--map", "id=source_id", "--map", "opened=received_at", "--map", "closed=closed_at", "--map", "type=category",
       "--map", "type=description"]


def categories(tmp_path, text="'*': help\n") -> str:
    path = tmp_path / "categories.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def tickets(cli, tmp_path, path, *extra, zone="Asia/Shanghai"):
    return cli("import", "tickets", str(path), "--timezone", zone, *MAP, "--category-map", categories(tmp_path),
               "--as", DIRECTOR, "--lang", "en", *extra)


def stored(cli, source_id) -> dict:
    found = json.loads(cli("get", "tickets", "--all", "--where", f"source_id={source_id}", "-o", "json").out)
    assert len(found) == 1, source_id
    return found[0]


# -- 1. dates ------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, order, expected", [
    ("13/03/2017", "ymd", datetime(2017, 3, 13)),                  # day > 12: no doubt which is the day
    ("03/13/2017", "ymd", datetime(2017, 3, 13)),
    ("2017/03/13 10:00", "ymd", datetime(2017, 3, 13, 10, 0)),     # common in Chinese Excel
    ("2017年3月13日 10:00", "ymd", datetime(2017, 3, 13, 10, 0)),
    ("2017年3月13日下午3点05分", "ymd", datetime(2017, 3, 13, 15, 5)),
    ("2017.3.13", "ymd", datetime(2017, 3, 13)),
    ("04/03/2017", "dmy", datetime(2017, 3, 4)),
    ("04/03/2017 10:00", "mdy", datetime(2017, 4, 3, 10, 0)),
    ("2017/04/03", "dmy", datetime(2017, 4, 3)),                   # the year first is always y-m-d
    ("04/30/2014 02:51:52 PM", "mdy", datetime(2014, 4, 30, 14, 51, 52)),
])
def test_dates_are_read_in_the_order_given(text, order, expected):
    assert read_datetime(text, order) == expected


@pytest.mark.lang("en")
def test_numbers_that_read_both_ways_are_refused_under_the_default():
    with pytest.raises(AmbiguousDate) as caught:
        read_datetime("04/03/2017")
    assert str(caught.value) == "2017-03-04 (--date-order dmy) or 2017-04-03 (--date-order mdy)?"
    with pytest.raises(ValueError, match="^no such day in --date-order dmy$"):
        read_datetime("03/13/2017", "dmy")


def test_ticket_times_follow_date_order_and_errors_name_the_forms(cli, tmp_path):
    path = write_csv(tmp_path / "history.csv", "id,opened,closed,type\n"
                                                "1,04/03/2017 10:00,05/03/2017 10:00,Noise\n"
                                                "2,someday,,Noise\n")
    refused = tickets(cli, tmp_path, path)
    assert refused.code == 7
    assert refused.err.splitlines() == [
        f"{path}:2: received_at: cannot read the time '04/03/2017 10:00': 2017-03-04 (--date-order dmy) or "
        "2017-04-03 (--date-order mdy)?; closed_at: cannot read the time '05/03/2017 10:00': 2017-03-05 "
        "(--date-order dmy) or 2017-05-03 (--date-order mdy)?",
        f"{path}:3: received_at: cannot read the time 'someday' (not a date); use {DATE_HELP}",
        "2 bad row(s); nothing written (fix them, or --skip-bad)"]
    assert "2017年3月13日 10:00" in DATE_HELP and "13/03/2017" in DATE_HELP and "2017/03/13 10:00" in DATE_HELP
    done = tickets(cli, tmp_path, path, "--date-order", "dmy", "--skip-bad")
    assert done.code == 0, done.err
    ticket = stored(cli, "1")
    assert ticket["received_at"] == "2017-03-04T10:00:00+08:00"
    assert ticket["timeline"][-1]["at"] == "2017-03-05T10:00:00+08:00"


def test_roster_dates_follow_date_order(cli, tmp_path):
    path = write_csv(tmp_path / "roster.csv", "房号,业主姓名,入伙日期\n5-1-101,甲,04/03/2017\n5-1-102,乙,03/13/2017\n")
    refused = cli("import", "owners", path, "--as", "王芳", "--lang", "en")
    assert (refused.code, refused.err.splitlines()[0]) == (7, f"{path}:2: 入伙日期: '04/03/2017' is not a date")
    assert cli("import", "owners", path, "--date-order", "mdy", "--as", "王芳").code == 0
    first = json.loads(cli("show", "5-1-101", "-o", "json").out)
    second = json.loads(cli("show", "5-1-102", "-o", "json").out)
    assert (first["handover_date"], second["handover_date"]) == ("2017-04-03", "2017-03-13")


# -- 2. exit codes, every problem, summaries ----------------------------------------------------
def test_both_imports_refuse_alike_and_write_nothing_without_skip_bad(cli, git, tmp_path):
    roster = write_csv(tmp_path / "roster.csv", "房号,业主姓名\n5-1-101,甲\n5-1-102,\n")
    history = write_csv(tmp_path / "history.csv", "id,opened,closed,type\n1,2017-03-13 10:00,,Noise\n2,,,Noise\n")
    start = commits(git)
    for result in (cli("import", "owners", roster, "--as", "王芳", "--lang", "en"), tickets(cli, tmp_path, history)):
        assert result.code == 7
        assert result.err.splitlines()[-1] == "1 bad row(s); nothing written (fix them, or --skip-bad)"
    assert commits(git) == start
    owners = cli("import", "owners", roster, "--skip-bad", "--as", "王芳", "--lang", "en")
    history_done = tickets(cli, tmp_path, history, "--skip-bad")
    assert (owners.code, history_done.code) == (0, 0)
    assert history_done.out == "imported 1 ticket(s) in 1 commit(s); skipped 1 bad row(s)\n"
    assert commits(git) == start + 2
    # all refused, --skip-bad or not: nothing to write is a failure for both
    again = [cli("import", "owners", roster, "--skip-bad", "--as", "王芳"), tickets(cli, tmp_path, history, "--skip-bad")]
    assert [r.code for r in again] == [7, 7]


def test_every_problem_of_a_row_is_on_its_line(cli, tmp_path):
    history = write_csv(tmp_path / "history.csv", "id,opened,closed,type,dept\n,yesterday,2017-03-13,,水电部\n")
    result = cli("import", "tickets", str(history), "--timezone", "Asia/Shanghai", *MAP, "--map", "dept=department",
                 "--as", DIRECTOR, "--lang", "en")
    assert result.code == 7
    assert result.err.splitlines()[0] == (
        f"{history}:2: no source ID; received_at: cannot read the time 'yesterday' (not a date); use {DATE_HELP}; "
        "category '' is not mapped (add it to --category-map, or a '*' line); department '水电部' is not mapped "
        "(departments: maintenance, security, cleaning, landscaping, service); no description")
    roster = write_csv(tmp_path / "roster.csv", "房号,业主姓名,联系电话,入伙日期,建筑面积,性别\n"
                                                "5栋1单元,甲,1380x,2020-13-45,很大,男的\n")
    owners = cli("import", "owners", roster, "--as", "王芳", "--lang", "en")
    assert owners.err.splitlines()[0] == (
        f"{roster}:2: unit '5栋1单元' is not 3-2-1201 / 3栋2单元1201; 入伙日期: '2020-13-45' is not a date; "
        "建筑面积: '很大' is not a number; 联系电话: '*380x' is not a phone number; "
        "unknown 性别 '男的': use one of male, female (did you mean 'male'?)")
    # a phone or ID-card number is masked in an error, as wherever else it is shown
    card = write_csv(tmp_path / "card.csv", "房号,业主姓名,身份证号\n5-1-101,甲,11010119900101123A\n")
    masked = cli("import", "owners", card, "--as", "王芳", "--lang", "en")
    assert masked.err.splitlines()[0] == (f"{card}:2: id_card: not an ID-card number: 15 digits, or 18 with the "
                                          "check digit (0-9 or X) last")
    assert "11010119900101123A" not in masked.err


def test_many_refused_rows_are_summarised_by_reason_and_unmapped_value(cli, tmp_path):
    lines = ["id,opened,closed,type"]
    lines += [f"{i},2017-03-13 10:00,,Foo" for i in range(1, 9)]           # lines 2-9: category Foo ×8
    lines += [f"{i},2017-03-13 10:00,,Bar" for i in range(9, 13)]          # lines 10-13: Bar ×4
    lines += [f"{i},2017-13-13 10:00,,Noise" for i in range(13, 16)]       # lines 14-16: no such day ×3
    lines += ["16,2017-03-13 10:00,,Noise"]                                # line 17: taken
    path = write_csv(tmp_path / "many.csv", "\n".join(lines) + "\n")
    result = cli("import", "tickets", str(path), "--timezone", "Asia/Shanghai", *MAP, "--category-map",
                 categories(tmp_path, "Noise: complaint\n"), "--as", DIRECTOR, "--lang", "en")
    assert result.code == 7
    err = result.err.splitlines()
    assert err[:8] == [f"{path}:{n}: category 'Foo' is not mapped (add it to --category-map, or a '*' line)"
                       for n in range(2, 10)]
    assert err[8] == f"{path}:10: category 'Bar' is not mapped (add it to --category-map, or a '*' line)"
    assert err[10:] == [
        "… 5 more row(s) not taken; all 15 by reason:",
        "  category not mapped: 12 (lines 2, 3, 4, 5, 6, …)",
        "  cannot read the time: 3 (lines 14, 15, 16)",
        "values not mapped:",
        "  category 'Foo': 8",
        "  category 'Bar': 4",
        "15 bad row(s); nothing written (fix them, or --skip-bad)",
    ]


# -- 3. status, cancelled, source category -----------------------------------------------------
LA_LIKE = ("SRNumber,CreatedDate,ClosedDate,Status,RequestType\n"
           "1-1,2017/03/13 10:00,2017/03/14 10:00,Closed,Bulky Items\n"
           "1-2,2017/03/13 10:00,2017/03/13 12:00,Cancelled,Bulky Items\n"
           "1-3,2017/03/13 10:00,2017/03/13 11:00,Referred Out,Graffiti Removal\n"
           "1-4,2017/03/13 10:00,,Open,Graffiti Removal\n"
           "1-5,2017/03/14 10:00,2017/03/15 10:00,Forward,Graffiti Removal\n"
           "1-6,2017/03/14 10:00,2017/03/15 12:00,已完成,Illegal Dumping\n"
           "1-7,2017/03/14 10:00,,Closed,Illegal Dumping\n")
LA_MAP = ["--map", "SRNumber=source_id", "--map", "CreatedDate=received_at", "--map", "ClosedDate=closed_at",
          "--map", "Status=status", "--map", "RequestType=category", "--map", "RequestType=description"]


def la_import(cli, tmp_path, *extra):
    path = write_csv(tmp_path / "la.csv", LA_LIKE)
    return path, cli("import", "tickets", str(path), "--timezone", "Asia/Shanghai", *LA_MAP, "--category-map",
                     categories(tmp_path), "--as", DIRECTOR, "--lang", "en", *extra)


def test_status_is_imported_and_unknown_statuses_refused(cli, tmp_path):
    path, refused = la_import(cli, tmp_path)
    assert refused.code == 7
    assert refused.err.splitlines() == [
        f"{path}:6: status 'Forward' is not mapped (add it: --status-map 'Forward=closed', or received, resolved, "
        "cancelled)",
        f"{path}:8: status 'Closed' is closed but the row has no closing time (closed_at)",
        "2 bad row(s); nothing written (fix them, or --skip-bad)"]
    wrong = la_import(cli, tmp_path, "--status-map", "Forward=assigned")[1]
    assert (wrong.code, wrong.err) == (3, "wuyectl: unknown --status-map status 'assigned': use one of received, "
                                          "resolved, closed, cancelled\n")
    path, done = la_import(cli, tmp_path, "--status-map", "Forward=closed", "--skip-bad")
    assert done.code == 0, done.err
    assert done.out == "imported 6 ticket(s) in 1 commit(s); skipped 1 bad row(s)\n"
    statuses = {sid: stored(cli, sid)["status"] for sid in ("1-1", "1-2", "1-3", "1-4", "1-5", "1-6")}
    assert statuses == {"1-1": "closed", "1-2": "cancelled", "1-3": "cancelled", "1-4": "received", "1-5": "closed",
                        "1-6": "closed"}
    referred = stored(cli, "1-3")
    assert [(e["action"], e["at"], e.get("note")) for e in referred["timeline"]] == [
        ("receive", "2017-03-13T10:00:00+08:00", "imported from la.csv"),
        ("cancel", "2017-03-13T11:00:00+08:00", "Referred Out")]
    assert referred["source_category"] == "Graffiti Removal" and referred["category"] == "help"
    assert cli("validate").code == 0


def test_cancelled_tickets_stay_out_of_resolution_and_source_categories_group_it(cli, tmp_path):
    la_import(cli, tmp_path, "--status-map", "Forward=closed", "--skip-bad")
    rep = report_json(cli, "resolution", "--from", "2017-03-01", "--to", "2017-03-31")
    total = rows(rep, "by_category")["total"]
    assert total["resolved"] == 3          # 1-1, 1-5, 1-6: not the cancelled 1-2 and 1-3, nor the open 1-4
    by_source = report_json(cli, "resolution", "--from", "2017-03-01", "--to", "2017-03-31", "--by", "source_category")
    assert {k: r["resolved"] for k, r in rows(by_source, "by_source_category").items()} == {
        "Bulky Items": 1, "Graffiti Removal": 1, "Illegal Dumping": 1, "total": 3}
    assert rows(by_source, "by_source_category")["Illegal Dumping"]["median_seconds"] == 26 * 3600
    kpi = rows(report_json(cli, "kpi", "--from", "2017-03-01", "--to", "2017-03-31"), "figures")
    assert (kpi["completion"]["numerator"], kpi["completion"]["denominator"]) == (3, 4)   # the cancelled left out


# -- 4. durations in seconds -------------------------------------------------------------------
def test_within_72_hours_is_to_the_second_and_counts_stand_beside(cli, tmp_path):
    path = write_csv(tmp_path / "durations.csv", "id,opened,closed,type\n"
                                                 "1,2017-03-01 08:00:00,2017-03-04 08:00:40,Noise\n"   # 72:00:40
                                                 "2,2017-03-01 08:00:00,2017-03-04 07:59:59,Noise\n"   # 71:59:59
                                                 "3,2017-03-01 08:00:00,2017-03-02 08:00:00,Noise\n"   # 24:00:00
                                                 "4,2017-03-01 08:00:00,2017-03-01 08:01:30,Noise\n")  # 0:01:30
    assert tickets(cli, tmp_path, path).code == 0
    rep = report_json(cli, "resolution", "--from", "2017-03-01", "--to", "2017-03-31")
    row = rows(rep, "by_category")["help"]
    assert row["resolved"] == 4
    assert row["median_seconds"] == (86400 + 259199) / 2           # not floored to minutes first
    assert (row["within_24h_count"], row["within_24h"]) == (2, "50.0%")
    assert (row["within_72h_count"], row["within_72h"]) == (3, "75.0%")   # 72 h 0 min 40 s is not within
    assert (row["p90_seconds"], row["p90"]) == (259240, "72:01")          # rounded only for display
    assert row["median"] == "48:00"
    table = cli("report", "resolution", "--from", "2017-03-01", "--to", "2017-03-31", "--lang", "en").out
    assert re.search(r"help\s+4\s+172799\.5\s+48:00\s+259240\s+72:01\s+2\s+50\.0%\s+3\s+75\.0%", table)


# -- 5. positions ------------------------------------------------------------------------------
def test_positions_are_the_lines_where_records_start(cli, tmp_path):
    path = write_csv(tmp_path / "notes.csv", 'id,opened,closed,type\n'
                                             '1,2017-03-01 08:00,,"Noise\nat night\nagain"\n'
                                             '2,someday,,Noise\n')
    result = tickets(cli, tmp_path, path)
    assert result.err.splitlines()[0].startswith(f"{path}:5: received_at: cannot read the time 'someday'")


def test_positions_in_a_workbook_are_its_rows(cli, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["历史工单"])                                     # a title row
    sheet.append(["id", "opened", "closed", "type"])
    sheet.append(["1", datetime(2017, 3, 1, 8, 0), None, "Noise"])
    sheet.append(["2", "someday", None, "Noise"])
    path = tmp_path / "history.xlsx"
    book.save(path)
    result = tickets(cli, tmp_path, path, "--skip-bad")
    assert result.code == 0, result.err
    assert result.err.splitlines()[0].startswith(f"{path}:4: received_at: cannot read the time 'someday'")
    assert stored(cli, "1")["received_at"] == "2017-03-01T08:00:00+08:00"


def test_imported_files_are_what_the_round_trip_writer_writes(cli, office, git, tmp_path):
    """An import writes each ticket with the fast writer: the bytes must be what an edit of it
    would write back (yamlio.dump), for texts YAML would otherwise read as something else."""
    from wuyectl.store import yamlio

    texts = ["no", "0301", "true", "it's", 'say "hi"', "a: b", "x #y", "# note", "- dash", "2017-03-01",
             "客厅墙面出现裂缝", "'quoted'", "@home", "1:20", "~", "  padded  "]
    lines = "".join(f'{i},2017-03-{i:02d} 08:00,,"{t.replace(chr(34), chr(34) * 2)}"\n'
                    for i, t in enumerate(texts, start=1))
    path = write_csv(tmp_path / "tricky.csv", "id,opened,closed,type\n" + lines)
    result = tickets(cli, tmp_path, path)
    assert result.code == 0, result.err
    files = sorted((office / "tickets").rglob("*.yaml"))
    assert len(files) == len(texts)
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert yamlio.dump(yamlio.new_map(yamlio.to_plain(yamlio.load_roundtrip(text)))) == text, file
    assert {stored(cli, str(i))["description"] for i in range(1, len(texts) + 1)} == {t.strip() for t in texts}
    # and the source IDs written are seen as imported, however the file spells them
    again = tickets(cli, tmp_path, path, "--skip-bad")
    assert again.code == 7
    assert f"already imported: {len(texts)} (lines 2, 3, 4, 5, 6, …)" in again.err
    assert git("status", "--porcelain") == ""


def test_source_ids_are_found_however_the_file_writes_them(office):
    """Already-imported source IDs are looked for with git grep: a file that does not write
    `source_id: VALUE` on one line of its own is parsed whole, and a mention elsewhere is not one."""
    from wuyectl import api
    from wuyectl.app.ticket_import import imported_ids

    folder = office / "tickets" / "2017-03"
    folder.mkdir(parents=True)
    files = {"T-20170301-A001": "id: T-20170301-A001\nsource_id: '0301'\n",
             "T-20170301-A002": "id: T-20170301-A002\n'source_id': quoted-key\n",
             "T-20170301-A003": "id: T-20170301-A003\nsource_id: |-\n  block\n",
             "T-20170301-A004": "id: T-20170301-A004\ndescription: 'source_id: not-a-key'\n",
             "T-20170301-A005": "{id: T-20170301-A005, source_id: flow}\n",
             "T-20170301-A006": "id: T-20170301-A006\nsource_id: 17\n"}
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    (office / "notes").mkdir()
    (office / "notes" / "x.yaml").write_text("source_id: not-a-ticket\n", encoding="utf-8")
    assert imported_ids(api.Office(str(office))) == {"0301", "quoted-key", "block", "flow"}


# -- 6. dry run -------------------------------------------------------------------------------
def test_dry_run_counts_the_commits_the_batch_size_gives(cli, git, tmp_path):
    path = write_csv(tmp_path / "five.csv", "id,opened,closed,type\n" + "".join(
        f"{i},2017-03-0{i} 08:00,,Noise\n" for i in range(1, 6)))
    start = commits(git)
    dry = tickets(cli, tmp_path, path, "--batch", "2", "--dry-run")
    assert (dry.code, dry.out) == (0, "dry run: would import 5 ticket(s) in 3 commit(s)\n")
    assert commits(git) == start
    done = tickets(cli, tmp_path, path, "--batch", "2")
    assert done.out == "imported 5 ticket(s) in 3 commit(s)\n"
    assert commits(git) == start + 3


@needs_sf
def test_the_sf_sample_dry_run_counts_its_commits(cli):
    result = cli("import", "tickets", str(SF), "--timezone", "America/Los_Angeles", "--date-order", "mdy",
                 "--map", "CaseID=source_id", "--map", "Opened=received_at", "--map", "Closed=closed_at",
                 "--map", "Status=status", "--map", "Category=category", "--map", "Request.Type=description",
                 "--category-map", str(ROOT / "tests/data/sf311-categories.yaml"), "--dry-run", "--skip-bad",
                 "--as", DIRECTOR, "--lang", "en")
    # 129 cases close before they open; the status column agrees with the closing times
    assert (result.code, result.out) == (0, "dry run: would import 9871 ticket(s) in 5 commit(s); "
                                            "129 bad row(s) skipped\n")


# -- 7. the office's own roster, members and tenants -------------------------------------------
SEED_ROSTER = ("业主信息统计表,,,,,,,\n"
               "编号：001,,,,管理处：幸福花园,,,\n"
               "序号,房屋地址,业主姓名,联系电话,层数,占地面积（m2）,建筑面积（m2）,备注\n"
               "1,5栋1单元101,李四,13700137001,6,,89.5,\n"
               "2,5栋1单元102,王五、赵六,13700137002、13700137003,6,,100,二人共有\n"
               "3,幸福花园5幢2单元1201室,钱七,13700137004,18,,120.25,\n")


@pytest.mark.parametrize("text, unit", [("5栋1单元101", "5-1-101"), ("5幢2单元1201室", "5-2-1201"),
                                        ("幸福花园12号楼3单元502", "12-3-502"), ("3-2-1201", "3-2-1201"),
                                        ("A座1单元101", "A-1-101")])
def test_units_written_the_chinese_way(text, unit):
    assert read_unit(text) == unit


@pytest.mark.parametrize("text", ["5栋101", "5栋1单元", "1号5栋1单元101", "5栋1单元１０１"])
def test_what_is_not_a_unit(text):
    with pytest.raises(ValueError):
        read_unit(text)


def test_the_seed_roster_is_read_below_its_title_rows(cli, git, office, tmp_path):
    path = write_csv(tmp_path / "业主信息统计表.csv", SEED_ROSTER)
    result = cli("import", "owners", path, "--as", "王芳", "--lang", "en")
    assert result.code == 0, result.err
    assert result.err == f"{path}: columns not imported: 序号, 层数, 占地面积（m2）\n"
    assert result.out.startswith("imported 3 household(s) in commit ")
    shared = json.loads(cli("show", "5-1-102", "-o", "json", "--reveal", "--as", DIRECTOR).out)
    assert shared["owners"] == [{"name": "王五", "phone": "13700137002"}, {"name": "赵六", "phone": "13700137003"}]
    assert (shared["building_area"], shared["note"]) == (100, "二人共有")
    assert json.loads(cli("show", "5-2-1201", "-o", "json").out)["building_area"] == 120.25
    assert cli("validate").code == 0


def test_the_seed_roster_as_a_workbook(cli, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["业主信息统计表"])
    sheet.merge_cells("A1:H1")
    sheet.append(["编号：", None, None, None, "管理处："])
    sheet.append(["序号", "房屋地址", "业主姓名", "联系电话", "层数", "占地面积(m2)", "建筑面积(m2)", "备注"])
    sheet.append([1, "7栋2单元301", "孙九", 13700137009, 6, None, 95.5, None])
    sheet.append([2, "7栋2单元302", "周十", "13700137010", 6, None, "九十", None])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    result = cli("import", "owners", path, "--as", "王芳", "--lang", "en")
    assert result.code == 7
    assert result.err.splitlines()[1] == f"{path}:5: 建筑面积(m2): '九十' is not a number"
    assert cli("import", "owners", path, "--skip-bad", "--as", "王芳").code == 0
    record = json.loads(cli("show", "7-2-301", "-o", "json", "--reveal", "--as", DIRECTOR).out)
    assert (record["owners"], record["building_area"]) == ([{"name": "孙九", "phone": "13700137009"}], 95.5)


def test_map_finds_the_header_below_title_rows(cli, tmp_path):
    path = write_csv(tmp_path / "export.csv", "Owners 2026\n\nRoom,Owner,Tenant\n5-1-101,甲,乙\n")
    result = cli("import", "owners", path, "--map", "Room=unit", "--map", "Owner=owner.name",
                 "--map", "Tenant=tenant.name", "--as", "王芳")
    assert result.code == 0, result.err
    assert json.loads(cli("show", "5-1-101", "-o", "json").out)["tenants"] == [{"name": "乙"}]


TENANT_FORM = ("租住人员信息登记表,,,,,,,\n"
               "房号,业主及联系方式,租住人姓名,身份证地址及号码,联系方式,入住日期,租住期限,备注\n"
               "3-2-1201,张三 13900139000,周租,北京市东城区 110101199001011237,13900000001,2025-03-01,"
               "2025-03-01至2026-02-28,\n"
               "3栋2单元1201,张三,吴租,,13900000002,2025/4/1,2026-03-31,\n"
               "9-9-901,无,郑租,,13900000003,2025-04-01,一年,\n")


def test_tenants_from_the_seed_form_join_their_households(cli, git, tmp_path):
    path = write_csv(tmp_path / "租住人员信息登记表.csv", TENANT_FORM)
    refused = cli("import", "tenants", path, "--as", "王芳", "--lang", "en")
    assert refused.code == 7
    assert refused.err.splitlines()[1] == (f"{path}:5: 租住期限: '一年' is not a date; "
                                           "unit 9-9-901 has no household record")
    start = commits(git)
    done = cli("import", "tenants", path, "--skip-bad", "--as", "王芳", "--lang", "en")
    assert done.code == 0, done.err
    assert done.out.startswith("imported 2 tenant(s) into 1 household(s) in commit ")
    assert commits(git) == start + 1
    record = json.loads(cli("show", "3-2-1201", "-o", "json", "--reveal", "--as", DIRECTOR).out)
    assert record["tenants"] == [
        {"name": "周租", "id_card": "110101199001011237", "phone": "13900000001", "move_in_date": "2025-03-01",
         "lease_end": "2026-02-28"},
        {"name": "吴租", "phone": "13900000002", "move_in_date": "2025-04-01", "lease_end": "2026-03-31"}]
    again = cli("import", "tenants", path, "--skip-bad", "--as", "王芳", "--lang", "en")
    assert again.code == 7
    assert f"{path}:3: 周租 is already one of the tenants of 3-2-1201" in again.err
    assert cli("audit").code == 0


def test_members_by_map(cli, tmp_path):
    path = write_csv(tmp_path / "members.csv", "Unit,Member,Relation,Born\n3-2-1201,张小三,子,2010-05-06\n")
    result = cli("import", "members", path, "--map", "Unit=unit", "--map", "Member=name", "--map", "Born=birth_date",
                 "--as", "王芳")
    assert result.code == 0, result.err
    # unrevealed, a birth date shows its year only (whole, it would give the masked ID number away)
    assert json.loads(cli("show", "3-2-1201", "-o", "json").out)["members"] == [
        {"name": "张小三", "relation": "子", "birth_date": "2010-**-**"}]


def test_open_owner_takes_every_owner_member_and_tenant(cli, git):
    made = cli("open", "owner", "--unit", "6-1-101", "--name", "甲", "--phone", "13700000001",
               "--owner", "乙,phone=13700000002,身份证号=110101199001011237", "--member", "丙,relation=子,出生日期=2010-05-06",
               "--tenant", "丁,电话=13900000009,租期至=2027-06-30", "--as", "王芳")
    assert (made.code, made.out) == (0, "6-1-101\n"), made.err
    record = json.loads(cli("show", "6-1-101", "-o", "json", "--reveal", "--as", DIRECTOR).out)
    assert record["owners"] == [{"name": "甲", "phone": "13700000001"},
                                {"name": "乙", "phone": "13700000002", "id_card": "110101199001011237"}]
    assert record["members"] == [{"name": "丙", "relation": "子", "birth_date": "2010-05-06"}]
    assert record["tenants"] == [{"name": "丁", "phone": "13900000009", "lease_end": "2027-06-30"}]
    assert "13700000002" not in git("log", "-1", "--format=%B")


def test_people_are_added_to_a_household_on_file(cli, git):
    start = commits(git)
    added = cli("household", "add", "3-2-1201", "--tenant", "戊,phone=13900000010", "--member", "己,关系=女",
                "--as", "王芳", "--lang", "en")
    assert added.code == 0, added.err
    assert git("log", "-1", "--format=%s%n%(trailers:key=Wuye-Action,valueonly)").split("\n")[:2] == [
        "3-2-1201 edit: add 1 member, 1 tenant", "edit"]
    assert commits(git) == start + 1
    record = json.loads(cli("show", "3-2-1201", "-o", "json").out)
    assert record["members"] == [{"name": "己", "relation": "女"}]
    twice = cli("household", "add", "3-2-1201", "--tenant", "戊", "--as", "王芳", "--lang", "en")
    assert (twice.code, twice.err) == (3, "wuyectl: 戊 is already one of the tenants of 3-2-1201\n")
    unknown = cli("household", "add", "3-2-1201", "--tenant", "庚,shoe=42", "--as", "王芳", "--lang", "en")
    assert unknown.code == 3 and "unknown field 'shoe'" in unknown.err
    assert cli("audit").code == 0


# -- 8. KPIs of imported history ---------------------------------------------------------------
def test_kpis_a_source_cannot_support_are_na_imported(cli, tmp_path):
    path = write_csv(tmp_path / "october.csv", "id,opened,closed,type\n"
                                               "1,2026-10-02 08:00,2026-10-03 08:00,Noise\n"
                                               "2,2026-10-02 09:00,2026-10-02 10:00,Noise\n"
                                               "3,2026-10-03 09:00,,Noise\n")
    assert tickets(cli, tmp_path, path).code == 0
    rep = report_json(cli, "kpi", "--month", "2026-10", "--lang", "en")
    figures = {k: (r["value"], r["numerator"], r["denominator"]) for k, r in rows(rep, "figures").items()}
    chinese = report_json(cli, "kpi", "--month", "2026-10")
    assert rows(chinese, "figures")["dispatch_on_time"]["value"] == "不适用（导入）"
    assert figures == {
        "received": (3, 3, None),
        "dispatch_on_time": ("n/a (imported)", 0, 0),      # no dispatch in the source: not 0%
        "completion": ("66.7%", 2, 3),                     # resolution it does carry
        "callback": ("n/a (imported)", 0, 0),              # help needs a callback; the source has none
        "satisfaction": ("n/a (imported)", 0, 0),
        "problem_solving": ("n/a (imported)", 0, 0),
    }
    assert all(r["count"] == 0 for r in rows(rep, "breaches").values())
    stages = rows(report_json(cli, "sla", "--month", "2026-10"), "stages")
    assert all((r["due"], r["met"], r["breached"]) == (0, 0, 0) for r in stages.values())
    # handled in this office after the import, a ticket is judged like any other
    open_one = stored(cli, "3")["id"]
    assert cli("assign", open_one, "--to", "李明", "--as", "王芳").code == 0
    figures = rows(report_json(cli, "kpi", "--month", "2026-10"), "figures")
    assert (figures["dispatch_on_time"]["value"], figures["dispatch_on_time"]["denominator"]) == ("0.0%", 1)
    help_text = " ".join(cli("report", "kpi", "--help", "--lang", "en").out.split())
    assert "imported tickets with only their source's events are left out (n/a (imported) if none is left)" in help_text
