"""Helpers for the tests of the other record kinds (issue 3) and the reports (issue 4).

- `clock(mp)` — a function that moves "now" (WUYECTL_NOW) for in-process API calls, so a
  fixture can build months of history through `wuyectl.api` in a second.
- `commits(git)` / `bodies(git)` — the commit count and every commit message, for "one
  command = one commit" and "no personal data in commit messages".
- `report_json`, `rows`, `assert_xlsx_matches_json` — reading a report's documented JSON and
  the workbook `-o xlsx` writes.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import DIRECTOR, _isolate

ARCHIVIST = "钱档"


def clock(mp: pytest.MonkeyPatch):
    """`now("2026-11-02 09:00")` sets WUYECTL_NOW (office time, +08:00), and, in this process
    only, the computer's clock that event times are checked against (`timeutil.real_now`): a
    history built through the API may then run ahead of today (commit dates stay real)."""
    from wuyectl import timeutil

    def now(stamp: str) -> str:
        text = stamp.replace(" ", "T")
        if len(text) == 16:
            text += ":00"
        if "+" not in text[10:]:
            text += "+08:00"
        mp.setenv("WUYECTL_NOW", text)
        mp.setattr(timeutil, "real_now", lambda tz, _text=text: timeutil.parse_time(_text, tz))
        return text

    return now


def commits(git) -> int:
    return int(git("rev-list", "--count", "HEAD"))


def bodies(git) -> str:
    """Every commit message (subject, body, trailers) of the repo."""
    return git("log", "--format=%B")


def touched(git, rev: str = "HEAD") -> list[str]:
    return sorted(git("show", "--name-only", "--format=", rev).split())


def copy_office(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def module_office(tmp_path_factory, office_template, name: str, build):
    """A copy of the session's office template, with an archivist, extended by
    `build(root, now)` once for a test module, in its own isolated environment (HOME, git
    config, WUYECTL_*). Returns (root, what build returned)."""
    from wuyectl import api

    base = tmp_path_factory.mktemp(name)
    root = copy_office(office_template, base / "office")
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, base / "home")
        now = clock(mp)
        now("2026-11-01 08:00")
        api.add_staff(api.Office(str(root)), DIRECTOR, ARCHIVIST, "archivist")
        made = build(root, now)
    return root, made


def report_json(cli, *args, env=None) -> dict:
    result = cli("report", *args, "-o", "json", env=env)
    assert result.code == 0, result.err
    assert result.err == ""
    return json.loads(result.out)


def rows(report: dict, section: str) -> dict:
    """A keyed section's rows as {key: row without 'key'}."""
    out = {}
    for row in report["sections"][section]["rows"]:
        row = dict(row)
        out[row.pop("key")] = row
    return out


def plain_rows(report: dict, section: str) -> list[list]:
    """A section's rows as lists of values in column order."""
    sec = report["sections"][section]
    return [[row[c] for c in sec["columns"]] for row in sec["rows"]]


def assert_xlsx_matches_json(path: Path, report: dict, headings: dict[str, list[str]] | None = None) -> None:
    """The workbook has a sheet per section, in order, each with the report's title row (title,
    period, as-of time), a header row, then the same figures as the JSON (empty cells read back
    as None; a rate is a number formatted 0.0% that shows as the JSON's text)."""
    import re

    from openpyxl import load_workbook

    book = load_workbook(path)
    sections = report["sections"]
    assert len(book.worksheets) == len(sections)
    period = report["period"]
    as_of = report["as_of"][:16].replace("T", " ") + report["as_of"][19:]
    title = [report["title"]] + ([f"统计期间 {period['from']} – {period['to']}"] if period else []) + [f"计算时点 {as_of}"]
    for sheet, (name, sec) in zip(book.worksheets, sections.items()):
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert [v for v in values[0] if v is not None] == title, name
        width = len(sec["columns"])     # the title row may be wider than a section's table
        assert all(v is None for row in values[1:] for v in row[width:]), name
        header, body = values[1][:width], [row[:width] for row in values[2:]]
        assert len(header) == len(sec["columns"]), (name, header)
        assert all(h not in (None, "") for h in header), (name, header)
        assert sheet["A1"].font.bold and sheet["A2"].font.bold, name
        if headings and name in headings:
            assert header == headings[name]
        shown = []
        for row in sheet.iter_rows(min_row=3, max_col=width):
            line = []
            for cell in row:
                if cell.number_format == "0.0%":
                    assert isinstance(cell.value, (int, float)), (name, cell.coordinate)
                    line.append(f"{cell.value * 100:.1f}%")
                else:
                    line.append(cell.value)
            shown.append(line)
        expected = [[None if v == "" else v for v in (row[c] for c in sec["columns"])] for row in sec["rows"]]
        assert shown == expected, name
        assert not any(isinstance(v, str) and re.fullmatch(r"\d+\.\d%", v) for line in body for v in line), name


def env_now(stamp: str) -> dict:
    return {"WUYECTL_NOW": stamp}


def write_csv(path: Path, text: str, bom: bool = True) -> Path:
    path.write_bytes(("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8"))
    return path


def unit_list(n: int) -> list[str]:
    """n distinct units: 1-1-101 … 1-1-111, 1-2-101 …, 2-1-101 …"""
    return [f"{1 + i // 33}-{1 + (i // 11) % 3}-{101 + i % 11}" for i in range(n)]


__all__ = ["ARCHIVIST", "clock", "commits", "bodies", "touched", "module_office", "report_json", "rows",
           "plain_rows", "assert_xlsx_matches_json", "env_now", "write_csv", "unit_list", "os"]
