"""Dates as spreadsheets write them (dateutil), calendar arithmetic, and the audit trail's
`git cat-file --batch` reader that must end on errors too.

- `timeutil.parse_loose`: the forms strptime does not read ('22 Nov 2026', 'Nov 22, 2026',
  '2026-11-22 00:00:00'), and the slips it refuses instead of guessing (a partial date, a
  two-digit year, day/month swapped, a zone by name).
- `spreadsheet.read_day` and the roster import; `ticket_import.parse_local` and the ticket
  history import (US month/day order under --date-order mdy; tests/test_import.py has the rest).
- `timeutil.add_years` from 29 February.
- `replay.Reader` / `store.git.CatFile`: a missing path is None, bad YAML the marker, and the
  process is ended when an exception leaves `audit` or `record_log` half-way.
"""
from __future__ import annotations

import json
import subprocess
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from conftest import DIRECTOR, UNIT
from helpers_kinds import write_csv

from wuyectl import timeutil
from wuyectl.app.spreadsheet import read_day
from wuyectl.app.ticket_import import parse_local

# Messages are asserted in English here (the default is Chinese: tests/test_messages.py).
pytestmark = pytest.mark.lang("en")

LA = ZoneInfo("America/Los_Angeles")
SHANGHAI = ZoneInfo("Asia/Shanghai")


# -- dates in spreadsheets -------------------------------------------------------------------
@pytest.mark.parametrize("text", ["22 Nov 2026", "2026-11-22 00:00:00", "Nov 22, 2026", "November 22, 2026",
                                  "22nd of November 2026", "11/22/2026", "Sun, 22 Nov 2026", "2026-11-22T09:14:00+08:00"])
def test_read_date_takes_the_forms_dateutil_reads(text):
    assert read_day(text) == "2026-11-22"


@pytest.mark.parametrize("text, expected", [
    ("2026-11-22", "2026-11-22"), ("2026/11/22", "2026-11-22"), ("2026.11.22", "2026-11-22"),
    ("20261122", "2026-11-22"), ("2026年11月22日", "2026-11-22"), ("2020年5月4日", "2020-05-04"),
    (datetime(1980, 1, 2, 13, 5), "1980-01-02"), (date(1980, 1, 2), "1980-01-02"),
    ("22/11/2026", "2026-11-22"), ("22.11.2026", "2026-11-22"),   # the year last: the numbers tell the order
    ("22 11 2026", "2026-11-22"), ("11/22/2026", "2026-11-22"),
    ("2028-02-29", "2028-02-29"),
])
def test_read_date_keeps_the_forms_it_read(text, expected):
    assert read_day(text) == expected


@pytest.mark.parametrize("text", [
    "2020-13-45",      # the Chinese-office forms are read by their own pattern: no guess
    "2026/22/11", "2027-02-29", "很大", "someday", "", "1.5",
    "Nov 2026", "2026", "Monday", "12:30",             # not a whole date
    "11/22/26", "261122", "44197",                     # a two-digit year; a bare number
    "03/04/2026", "03.04.2026",                        # 3 April or March 4: refused, never guessed
])
def test_read_date_refuses_what_is_not_a_whole_date(text):
    with pytest.raises(ValueError):
        read_day(text)


def test_parse_loose_keeps_a_written_offset_and_refuses_zone_names():
    assert timeutil.parse_loose("Sat, 22 Nov 2026 09:14:00 +0800") == datetime(2026, 11, 22, 9, 14,
                                                                              tzinfo=timezone(timedelta(hours=8)))
    assert timeutil.parse_loose("1 Nov 2014 15:05 UTC").utcoffset() == timedelta(0)
    assert timeutil.parse_loose("Nov 22, 2026 3:05 PM") == datetime(2026, 11, 22, 15, 5)   # naive
    for text in ("11/01/2014 12:00 PM PST", "11/01/2014 12:00 PM EST", "Nov 22, 2026 CST"):
        with pytest.raises(ValueError):
            timeutil.parse_loose(text)


def test_roster_import_reads_the_new_forms(cli, office, tmp_path):
    path = write_csv(tmp_path / "roster.csv",
                     "房号,业主姓名,出生日期,入伙日期,入住日期\n"
                     "5-1-101,甲,2 Jan 1980,2019-06-01 00:00:00,\"Oct 1, 2019\"\n"
                     "5-1-102,乙,1981年2月3日,2019/06/02,20191002\n"
                     "5-1-103,丙,03/04/1980,2019-06-03,2019-10-03\n")
    refused = cli("import", "owners", str(path), "--as", "王芳", "--lang", "en")
    assert refused.code == 7
    assert refused.err.splitlines()[0] == f"{path}:4: 出生日期: '03/04/1980' is not a date"
    done = cli("import", "owners", str(path), "--skip-bad", "--as", "王芳")
    assert done.code == 0, done.err
    first = json.loads(cli("show", "5-1-101", "-o", "json", "--reveal", "--as", DIRECTOR).out)
    assert (first["handover_date"], first["move_in_date"]) == ("2019-06-01", "2019-10-01")
    assert first["owners"] == [{"name": "甲", "birth_date": "1980-01-02"}]
    second = json.loads(cli("show", "5-1-102", "-o", "json", "--reveal", "--as", DIRECTOR).out)
    assert (second["handover_date"], second["move_in_date"]) == ("2019-06-02", "2019-10-02")


# -- times in a ticket history ---------------------------------------------------------------
def _office_time(year, month, day, hour, minute, tz=LA) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(SHANGHAI)


@pytest.mark.parametrize("text, expected", [
    ("11/01/2014 12:00:00 PM", _office_time(2014, 11, 1, 12, 0)),          # the US forms, as before
    ("03/04/2015 12:00 PM", _office_time(2015, 3, 4, 12, 0)),              # month first
    ("2014-11-01 12:00", _office_time(2014, 11, 1, 12, 0)),
    ("Nov 1, 2014 12:00 PM", _office_time(2014, 11, 1, 12, 0)),            # dateutil from here on
    ("November 1st, 2014 3:05pm", _office_time(2014, 11, 1, 15, 5)),
    ("2014-11-01 3:05 PM", _office_time(2014, 11, 1, 15, 5)),
    ("11/01/2014 15:05:00.750", _office_time(2014, 11, 1, 15, 5)),         # fractions dropped
    ("1 Nov 2014", _office_time(2014, 11, 1, 0, 0)),
    ("Mar 8, 2015 12:00 PM", _office_time(2015, 3, 8, 12, 0)),             # PDT by the IANA zone
    ("Nov 1, 2014 12:00 PM +0000", datetime(2014, 11, 1, 20, 0, tzinfo=SHANGHAI)),   # a written offset wins
])
def test_parse_local_reads_us_and_dateutil_forms(text, expected):
    value = parse_local(text, LA, SHANGHAI, "mdy")
    assert value == expected
    assert value.utcoffset() == timedelta(hours=8) and value.microsecond == 0


def test_parse_local_in_the_repeated_hour_is_read_as_strptime_reads_it():
    # 2014-11-02 01:30 happens twice in Los Angeles; both readers take the first (PDT, fold=0)
    assert parse_local("Nov 2, 2014 1:30 AM", LA, SHANGHAI) == parse_local("11/02/2014 01:30 AM", LA, SHANGHAI, "mdy")


@pytest.mark.parametrize("text", ["someday", "13/01/2014 12:00 PM", "11/01/14 12:00 PM", "11/01/2014 12:00 PM EST",
                                  "Nov 2014", "12:00 PM", "x" * 100])
def test_parse_local_refuses_with_the_same_message(text):
    from wuyectl.app.spreadsheet import DATE_HELP

    with pytest.raises(ValueError) as caught:
        parse_local(text, LA, SHANGHAI, "mdy")
    assert str(caught.value).startswith(f"cannot read the time '{text}' (")
    assert str(caught.value).endswith(f"); use {DATE_HELP}")


def test_ticket_import_reads_a_dateutil_form(cli, office, tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("CaseID,Opened,Closed,Category,Details\n"
                    "1,\"Nov 1, 2014 12:00 PM\",2014-11-02 12:00 PM,Noise Report,Noise\n"
                    "2,03/01/2014 12:00 PM,,Noise Report,Noise\n", encoding="utf-8")
    result = cli("import", "tickets", str(path), "--timezone", "America/Los_Angeles", "--map", "CaseID=source_id",
                 "--map", "Opened=received_at", "--map", "Closed=closed_at", "--map", "Category=category",
                 "--map", "Details=description", "--category-map", str(_category_map(tmp_path)), "--skip-bad",
                 "--as", DIRECTOR, "--lang", "en")
    assert result.code == 0
    assert result.err.splitlines() == [
        f"{path}:3: received_at: cannot read the time '03/01/2014 12:00 PM': 2014-01-03 (--date-order dmy) or "
        "2014-03-01 (--date-order mdy)?"]
    ticket = json.loads(cli("get", "tickets", "--all", "--where", "source_id=1", "-o", "json").out)[0]
    assert ticket["received_at"] == "2014-11-02T03:00:00+08:00"     # 12:00 PDT
    assert ticket["timeline"][-1]["at"] == "2014-11-03T04:00:00+08:00"   # 12:00 PST, after the change


def _category_map(tmp_path):
    path = tmp_path / "categories.yaml"
    path.write_text("'*': complaint\n", encoding="utf-8")
    return path


# -- calendar arithmetic ---------------------------------------------------------------------
def test_add_years_from_29_february():
    assert timeutil.add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert timeutil.add_years(date(2028, 2, 29), 5) == date(2033, 2, 28)
    assert timeutil.add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert timeutil.add_years(date(2026, 11, 22), 1) == date(2027, 11, 22)


# -- the audit trail's object reader ---------------------------------------------------------
def _head(office) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=office, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_cat_file_reads_blobs_and_missing_paths(office, git, write):
    from wuyectl.store.git import CatFile

    head = _head(office)
    with CatFile(str(office)) as objects:
        kind, data = objects.read(f"{head}:wuye.yaml")
        assert kind == "blob" and data == (office / "wuye.yaml").read_bytes()
        assert objects.read(f"{head}:no/such.yaml") is None
        assert objects.read(f"{head}:name with spaces.yaml") is None
        assert objects.read(f"{head}:wuye.yaml\n{head}:wuye.yaml") is None     # one request is one line
        assert objects.read(f"{head}:")[0] == "tree"
        assert objects.read(f"{head}:wuye.yaml")[1] == data                    # still in step
        proc = objects.proc
    assert proc.returncode is not None and proc.stdin.closed and proc.stdout.closed
    objects.close()                                                              # twice is fine


def test_record_versions_missing_is_none_and_bad_yaml_is_the_marker(office, git, write, api_office):
    from wuyectl.app.replay import Reader

    write("owners/3/3-2-1201.yaml", "id: [unclosed\n")
    git("commit", "-q", "--no-verify", "-am", "broken by hand")
    head = _head(office)
    with Reader(api_office.top) as blobs:
        assert blobs.at(head, "owners/3/3-2-1201.yaml") == {"__unreadable__": True}
        assert blobs.at(f"{head}^", "owners/3/3-2-1201.yaml")["id"] == UNIT
        assert blobs.at(head, "owners/3/3-2-9999.yaml") is None
        root = subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], cwd=office, capture_output=True,
                              text=True, check=True).stdout.strip()
        assert blobs.at(f"{root}^", "wuye.yaml") is None                        # no parent


@pytest.fixture
def cat_files(monkeypatch):
    """Every CatFile opened during the test."""
    from wuyectl.store import git as store_git

    opened = []
    real_init = store_git.CatFile.__init__

    def spy(self, top):
        real_init(self, top)
        opened.append(self.proc)

    monkeypatch.setattr(store_git.CatFile, "__init__", spy)
    return opened


def _ended(proc) -> bool:
    return proc.returncode is not None and proc.stdin.closed and proc.stdout.closed


def test_blobs_are_closed_when_audit_fails_half_way(api_office, cat_files, monkeypatch):
    from wuyectl.app import audit as audit_module
    from wuyectl.store import validate

    def broken(*args, **kwargs):
        raise RuntimeError("a rule fails half-way")

    monkeypatch.setattr(validate, "findings", broken)
    with pytest.raises(RuntimeError, match="half-way"):
        audit_module.audit(api_office)
    assert len(cat_files) == 1 and _ended(cat_files[0])


def test_blobs_are_closed_when_record_log_fails_half_way(api_office, cat_files, monkeypatch):
    from wuyectl.app import audit as audit_module

    def broken(old, new):
        raise RuntimeError("a change cannot be shown")

    monkeypatch.setattr(audit_module, "changes", broken)
    with pytest.raises(RuntimeError, match="cannot be shown"):
        audit_module.record_log(api_office, UNIT)
    assert len(cat_files) == 1 and _ended(cat_files[0])


def test_blobs_are_closed_after_a_clean_audit(api_office, cat_files):
    from wuyectl.app import audit as audit_module

    assert audit_module.audit(api_office) == []
    assert audit_module.record_log(api_office, UNIT)
    assert len(cat_files) == 2 and all(_ended(p) for p in cat_files)
