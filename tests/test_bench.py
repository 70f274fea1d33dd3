"""bench/bench_scale.py's own arithmetic and bookkeeping (no timing is asserted here).

1. the action target by office size: issue 13's 1.0× at 20,000 tickets and 0.4× at 100,000;
2. a row's verdict: the ratio is the median of each run ÷ the floor run made beside it;
3. the import measurement puts the office back exactly as it was (HEAD, work tree, objects,
   reflogs), so that one run leaves nothing that would make the next one cheaper.
"""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
GIT_ID = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]


@pytest.fixture
def scale():
    """bench_scale, imported with the environment left as it was (bench_actions isolates git
    and clears WUYECTL_* in os.environ when imported)."""
    saved = dict(os.environ)
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("bench_scale")
    finally:
        sys.path.remove(str(BENCH))
        os.environ.clear()
        os.environ.update(saved)


@pytest.mark.parametrize("tickets, limit", [(2_000, 1.0), (20_000, 1.0), (50_000, 0.66), (100_000, 0.4),
                                            (200_000, 0.4)])
def test_the_action_target_tightens_with_the_office(scale, tickets, limit):
    assert scale.action_ratio(tickets) == limit


def test_the_action_target_never_loosens_as_the_office_grows(scale):
    limits = [scale.action_ratio(n) for n in range(10_000, 120_001, 5_000)]
    assert limits == sorted(limits, reverse=True)


def _run(seconds: float, rss_mb: float = 50):
    return type("FakeRun", (), {"seconds": seconds, "maxrss_kb": int(rss_mb * 1024), "tree_kb": 0, "procs": 1})()


def test_a_ratio_is_the_median_of_the_pairs_not_of_the_medians(scale):
    floor = scale.Op("floor", None, "floor")
    op = scale.Op("op", None, "wuyectl", floor=floor, ratio=0.5)
    # A burst of load doubles both runs of the second pair: its ratio does not move.
    for mine, theirs in ((0.2, 0.5), (0.4, 1.0), (0.2, 0.5)):
        op.runs.append(_run(mine))
        op.pairs.append((mine, theirs))
    assert op.measured_ratio == pytest.approx(0.4)
    assert op.floor_median == 0.5
    assert scale.target_of(op) == ("≤0.5× floor, ≤200 MB", True)
    op.runs.append(_run(0.2, rss_mb=250))
    op.pairs.append((0.2, 0.5))
    assert scale.target_of(op)[1] is False          # over 200 MB: a miss whatever the time


def test_a_floor_has_no_verdict_and_a_missing_row_says_why(scale):
    floor = scale.Op("floor", None, "floor")
    floor.runs.append(_run(0.3))
    assert scale.target_of(floor) == ("(floor)", None)
    audit = scale.Op("audit", None, "wuyectl", limit=120)
    audit.skipped = "give --audit-history DIR"
    assert "not measured: give --audit-history DIR" in scale.table([floor, audit])


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *GIT_ID, *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def test_an_import_is_taken_away_exactly(scale, tmp_path):
    repo = tmp_path / "office"
    (repo / "tickets" / "2026-11").mkdir(parents=True)
    _git(tmp_path, "init", "-q", str(repo))
    (repo / "tickets" / "2026-11" / "T-1.yaml").write_text("status: received\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "office")
    _git(repo, "repack", "-d", "-q")
    state = scale.RepoState(str(repo))
    objects, head = state.objects, _git(repo, "rev-parse", "HEAD")
    logs = {p: Path(p).read_bytes() for p in state.logs}

    for batch in range(2):      # an import: new folders, two commits
        folder = repo / "tickets" / f"2008-0{batch + 1}"
        folder.mkdir()
        for k in range(3):
            (folder / f"T-{batch}-{k}.yaml").write_text(f"status: closed\nn: {batch}-{k}\n")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", f"import {batch}")
    assert state._objects() != objects
    state.restore()

    assert _git(repo, "rev-parse", "HEAD") == head
    assert _git(repo, "status", "--porcelain") == ""
    assert state._objects() == objects
    assert {p: Path(p).read_bytes() for p in state.logs} == logs
    assert sorted(os.listdir(repo / "tickets")) == ["2026-11"]
    assert not (repo / ".git" / "ORIG_HEAD").exists()
    _git(repo, "fsck", "--no-dangling")
