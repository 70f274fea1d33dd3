"""The README's tour runs as written on sample-records/, and shows what the tool prints."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
NOW = "2026-11-25T09:00:00+08:00"


def tour_commands() -> list[str]:
    tour = README.split("## A five-minute tour", 1)[1].split("A day at the front desk", 1)[0]
    lines = [line.split("  #", 1)[0].strip() for line in tour.splitlines()]
    return [line for line in lines if line.startswith(("wuyectl --repo sample-records", "wuyectl validate sample-records"))]


def wuyectl(args: list[str]) -> subprocess.CompletedProcess:
    # COLUMNS would fit the tables to the terminal the tests run in: the README shows a pipe's output.
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUYECTL_") and k != "COLUMNS"}
    env["WUYECTL_NOW"] = NOW
    return subprocess.run([sys.executable, "-m", "wuyectl", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_tour_lists_its_commands():
    assert len(tour_commands()) >= 12


@pytest.mark.parametrize("command", tour_commands())
def test_each_tour_command_runs(command):
    result = wuyectl(shlex.split(command)[1:])
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.strip()


def test_the_overdue_listing_in_the_readme_is_what_the_tool_prints():
    shown = README.split("get tickets --overdue", 1)[1].split("```\n", 2)[2].split("```", 1)[0]
    assert wuyectl(["--repo", "sample-records", "get", "tickets", "--overdue"]).stdout == shown


def test_the_kpi_figures_in_the_readme_are_what_the_tool_prints():
    shown = README.split("`report kpi --month 2026-11` on the sample:\n```\n", 1)[1].split("\n…", 1)[0]
    printed = wuyectl(["--repo", "sample-records", "report", "kpi", "--month", "2026-11"]).stdout
    assert printed.startswith(shown)


def test_the_sample_office_is_valid_and_its_history_has_every_kind():
    assert wuyectl(["validate", "sample-records"]).stdout.startswith("正常：")
    log = subprocess.run(["git", "log", "--format=%B", "--", "sample-records"], cwd=ROOT, capture_output=True,
                         text=True).stdout
    for prefix in ("T-", "V-", "W-", "A-2026-"):
        assert re.search(rf"^Wuye-Record: {prefix}", log, re.M), prefix
    assert "Wuye-Action: sample" in log and "Wuye-Action: import" in log


def test_the_error_examples_in_the_readme_are_what_the_tool_prints():
    """The README's example errors (both languages) are lines of the tested error catalogue."""
    section = README.split("### Exit codes", 1)[1].split("## The audit trail", 1)[0]
    blocks = section.split("```\n")[1::2]
    shown = [line for block in blocks for line in block.splitlines() if line.strip()]
    assert len(shown) == 4
    printed = set()
    for case in (ROOT / "tests" / "errors").iterdir():
        for name in ("expected", "expected.zh"):
            if (case / name).exists():
                printed.update((case / name).read_text(encoding="utf-8").splitlines()[1:])
    assert [line for line in shown if line not in printed] == []
