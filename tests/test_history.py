"""Importing a ticket history (issue 5): the San Francisco 311 sample, and time across DST.

The expected figures are computed here independently of the tool: straight from the CSV with
the csv module and zoneinfo, so a mistake in the importer's time handling shows up as a
difference in seconds. (Issue 11: the sample's US dates are read with --date-order mdy;
positions are file lines; durations are seconds — tests/test_import.py has the rest.)
"""
from __future__ import annotations

import csv
import json
import math
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

# Messages are asserted in English here (the default is Chinese: tests/test_messages.py).
pytestmark = pytest.mark.lang("en")


ROOT = Path(__file__).resolve().parent.parent
SF = ROOT.parent / "shared" / "data" / "sf311_cases_sample_10000.csv"
MAPS = ["--category-map", str(ROOT / "tests/data/sf311-categories.yaml"),
        "--channel-map", str(ROOT / "tests/data/sf311-channels.yaml")]
COLUMNS = ["--date-order", "mdy", "--map", "CaseID=source_id", "--map", "Opened=received_at", "--map", "Closed=closed_at",
           "--map", "Category=category", "--map", "Request.Type=description", "--map", "Request.Details=description",
           "--map", "Address=place", "--map", "Source=channel", "--map", "Status.Notes=result"]
LA = ZoneInfo("America/Los_Angeles")
US = "%m/%d/%Y %I:%M:%S %p"

needs_sf = pytest.mark.skipif(not SF.exists(), reason="the shared SF 311 sample is not beside this checkout")


IGNORED = "Updated, Status, Responsible.Agency, Supervisor.District, Neighborhood, Point, Media.URL"


def _import(cli, path, *extra):
    return cli("import", "tickets", str(path), "--timezone", "America/Los_Angeles", *COLUMNS, *MAPS,
               "--as", "刘主任", "--lang", "en", *extra)


def records_with_lines(path):
    """(file line the record starts on, cells) of each record after the header."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        out, start = [], 1
        for row in reader:
            out.append((start, row))
            start = reader.line_num + 1
    return out[1:]


@needs_sf
def test_the_whole_sample_dry_run_names_exactly_the_rows_it_cannot_take(cli, office):
    expected = []
    for line, row in records_with_lines(SF):
        opened, closed = row[2], row[3]
        if closed and datetime.strptime(closed, US) < datetime.strptime(opened, US):
            expected.append((line, f"closes ({closed}) before it opens ({opened})"))
    assert len(expected) == 129
    result = _import(cli, SF, "--dry-run")
    assert result.code == 7        # a bad row, and no --skip-bad: the real run would write nothing
    lines = result.err.splitlines()
    assert lines[0] == f"{SF}: columns not imported: {IGNORED}"
    assert lines[1:11] == [f"{SF}:{line}: {message}" for line, message in expected[:10]]
    shown = ", ".join(str(line) for line, _ in expected[:5])
    assert lines[11:] == ["… 119 more row(s) not taken; all 129 by reason:",
                          f"  closes before it opens: 129 (lines {shown}, …)"]
    assert result.out == ("dry run: 129 bad row(s); nothing would be written (fix them, or --skip-bad: would import "
                          "9871 ticket(s) in 5 commit(s))\n")
    skipping = _import(cli, SF, "--dry-run", "--skip-bad")
    assert skipping.code == 0
    assert skipping.out == "dry run: would import 9871 ticket(s) in 5 commit(s); 129 bad row(s) skipped\n"


@needs_sf
def test_import_and_resolution_times_right_to_the_second(cli, git, office, tmp_path):
    part = tmp_path / "sf-part.csv"
    # the header and 1,500 cases (quoted fields with line breaks are rare; keep whole records)
    reader = list(csv.reader(SF.open(encoding="utf-8", newline="")))
    with part.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(reader[:1501])
    before = int(git("rev-list", "--count", "HEAD"))
    result = _import(cli, part, "--batch", "600", "--skip-bad")
    bad = [r for r in reader[1:1501] if r[3] and datetime.strptime(r[3], US) < datetime.strptime(r[2], US)]
    taken = 1500 - len(bad)
    assert result.code == 0, result.err
    assert result.out == f"imported {taken} ticket(s) in 3 commit(s); skipped {len(bad)} bad row(s)\n"
    assert int(git("rev-list", "--count", "HEAD")) == before + 3
    assert git("log", "-1", "--format=%(trailers:key=Wuye-Action,valueonly)").strip() == "import"
    assert git("status", "--porcelain") == ""

    # expected: per mapped category, seconds from opened to closed, in absolute time
    categories = {}
    for line in (ROOT / "tests/data/sf311-categories.yaml").read_text(encoding="utf-8").splitlines():
        key, value = line.rsplit(":", 1)
        categories[key.strip().strip('"')] = value.strip()
    per: dict[str, list[int]] = {}
    for r in reader[1:1501]:
        if not r[3] or r in bad:
            continue
        # to UTC first: Python subtracts two times of one tzinfo as wall-clock times, which is
        # an hour off across a daylight-saving change (the very mistake this test guards against)
        opened = datetime.strptime(r[2], US).replace(tzinfo=LA).astimezone(timezone.utc)
        closed = datetime.strptime(r[3], US).replace(tzinfo=LA).astimezone(timezone.utc)
        category = categories.get(r[8], categories["*"])
        per.setdefault(category, []).append(int((closed - opened).total_seconds()))

    report = cli("report", "resolution", "--from", "2008-01-01", "--to", "2016-12-31", "-o", "json")
    rows = {row["key"]: row for row in json.loads(report.out)["sections"]["by_category"]["rows"]}
    for category, values in per.items():
        values.sort()
        n = len(values)
        median = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
        p90 = values[math.ceil(0.9 * n) - 1]
        within = lambda hours: f"{sum(v <= hours * 3600 for v in values) * 100 / n:.1f}%"  # noqa: E731
        row = rows[category]
        assert row["resolved"] == n, category
        assert row["median_seconds"] == (int(median) if float(median).is_integer() else median), category
        assert row["p90_seconds"] == p90, category
        assert (row["within_24h"], row["within_72h"]) == (within(24), within(72)), category
        assert row["within_72h_count"] == sum(v <= 72 * 3600 for v in values), category
    assert cli("validate").code == 0
    # importing the same file again takes nothing: every source ID is already there
    again = _import(cli, part, "--skip-bad")
    assert again.code == 7
    assert again.err.splitlines()[-1] == "1500 bad row(s) and no good one; nothing written"
    assert f"  already imported: {taken} " in again.err


def test_across_the_daylight_saving_change(cli, office, tmp_path):
    # 2014-11-02 02:00 PDT → 01:00 PST: the clock on the wall gains an hour.
    # opened 11-01 12:00 PDT (19:00Z), closed 11-02 12:00 PST (20:00Z) = 25 h = 1,500 minutes;
    # 2015-03-08 02:00 PST → 03:00 PDT: opened 03-07 12:00 PST (20:00Z), closed 03-08 12:00 PDT
    # (19:00Z) = 23 h = 1,380 minutes.
    path = tmp_path / "dst.csv"
    path.write_text("CaseID,Opened,Closed,Category,Request.Type,Request.Details,Address,Source,Status.Notes\n"
                    "1,11/01/2014 12:00:00 PM,11/02/2014 12:00:00 PM,Noise Report,Noise,,\"1 MAIN ST\",Voice In,done\n"
                    "2,03/07/2015 12:00:00 PM,03/08/2015 12:00:00 PM,Noise Report,Noise,,\"2 MAIN ST\",Voice In,done\n",
                    encoding="utf-8")
    assert _import(cli, path).code == 0
    report = cli("report", "resolution", "--from", "2014-01-01", "--to", "2015-12-31", "-o", "json")
    row = {r["key"]: r for r in json.loads(report.out)["sections"]["by_category"]["rows"]}["complaint"]
    assert (row["resolved"], row["median_seconds"]) == (2, (1500 + 1380) / 2 * 60)
    assert row["within_24h"] == "50.0%"          # 23 h is within a day, 25 h is not
    stored = cli("get", "tickets", "--all", "--where", "source_id=1", "-o", "json")   # closed: --all
    ticket = json.loads(stored.out)[0]
    # stored in the office's timezone, each time with its own offset
    assert ticket["received_at"] == "2014-11-02T03:00:00+08:00"
    assert ticket["timeline"][-1]["at"] == "2014-11-03T04:00:00+08:00"


def test_bad_rows_and_mapping_errors(cli, office, tmp_path):
    from wuyectl.app.spreadsheet import DATE_HELP

    path = tmp_path / "bad.csv"
    path.write_text("CaseID,Opened,Closed,Category,Request.Type,Request.Details,Address,Source,Status.Notes\n"
                    ",11/01/2014 12:00:00 PM,,Noise Report,Noise,,A,Voice In,\n"
                    "7,someday,,Noise Report,Noise,,A,Voice In,\n"
                    "8,11/01/2014 12:00:00 PM,,Noise Report,Noise,,A,Voice In,\n"
                    "8,11/01/2014 12:00:00 PM,,Noise Report,Noise,,A,Voice In,\n", encoding="utf-8")
    result = _import(cli, path, "--skip-bad")
    assert result.err.splitlines() == [f"{path}:2: no source ID",
                                       f"{path}:3: received_at: cannot read the time 'someday' (not a date); "
                                       f"use {DATE_HELP}",
                                       f"{path}:5: source ID 8 repeats line 4"]
    assert result.out == "imported 1 ticket(s) in 1 commit(s); skipped 3 bad row(s)\n"
    wrong = cli("import", "tickets", str(path), "--timezone", "America/Los_Angeles", "--map", "CaseID=source_idd",
                "--as", "刘主任")
    assert (wrong.code, wrong.err) == (3, "wuyectl: --map CaseID=source_idd: unknown field 'source_idd'; fields: "
                                          "source_id, received_at, closed_at, category, channel, description, place, "
                                          "building, unit, reporter, phone, department, result, status "
                                          "(did you mean 'source_id'?)\n")
    no_zone = cli("import", "tickets", str(path), *COLUMNS, "--as", "刘主任")
    assert no_zone.code == 2
