"""Twenty processes acting at once on one office repo (issue 6, SPEC §5 "Nothing lost").

Opens, assigns (several IDs per command), workflow updates and escalations on overlapping
tickets, all started together. Every command either succeeds (exit 0) or is refused with one
clear line and a documented exit code; the history holds exactly the successful ones — one
commit each, nothing lost, nothing doubled — and each success's effect (its unique note) is
in HEAD's files, each refusal's is nowhere; `validate` is clean after.
"""
from __future__ import annotations

import pytest

import os
import subprocess
import sys
import time

import yaml

from conftest import OPEN_REPAIR, ticket_path

# Messages are asserted in English here (the default is Chinese: tests/test_messages.py).
pytestmark = pytest.mark.lang("en")

A1, A2, A3 = "T-20261122-A001", "T-20261122-A002", "T-20261122-A003"
REFUSAL_CODES = {5, 6, 8}      # refused by the workflow, not permitted, conflict (lock busy…)


def _commands() -> list[tuple[list[str], set[str]]]:
    """(arguments, records it touches when it succeeds); the note `c{i}` marks command i."""
    cmds: list[tuple[list[str], set[str]]] = []
    for _ in range(6):
        cmds.append(([*OPEN_REPAIR, "--as", "王芳"], set()))       # records: the printed ID
    for targets, to in [([A1], "陈洁"), ([A2, A3], "李明"), ([A1, A2], "李明"), ([A3], "陈洁"),
                        ([A2], "陈洁"), ([A1, A3], "李明")]:
        cmds.append((["assign", *targets, "--to", to, "--as", "王芳"], set(targets)))
    for tid, action in [(A1, "progress"), (A1, "contact"), (A2, "contact"), (A3, "progress"), (A2, "resolve")]:
        cmds.append((["update", tid, "--action", action, "--as", "李明"], {tid}))
    for tid in (A1, A2, A3):
        cmds.append((["escalate", tid, "--as", "赵强"], {tid}))
    assert len(cmds) == 20
    out = []
    for i, (args, records) in enumerate(cmds):
        flag = "--reason" if args[0] == "escalate" else "--note"
        out.append(([*args, flag, f"c{i}"], records))
    return out


def _notes(office) -> dict[str, list[tuple[str, str, str]]]:
    """note → [(record, action, by)] over every ticket's timeline in the work tree."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    for path in sorted((office / "tickets").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for event in data.get("timeline") or []:
            note = event.get("note") or ""
            if note.startswith("c") and note[1:].isdigit():
                found.setdefault(note, []).append((data["id"], event["action"], event["by"]))
    return found


def test_twenty_processes_at_once(office, cli, git, new_ticket):
    for expected in (A1, A2, A3):
        assert new_ticket() == expected
    assert cli("assign", A1, "--to", "李明", "--as", "王芳").code == 0
    start_head = git("rev-parse", "HEAD").strip()
    start = int(git("rev-list", "--count", "HEAD"))

    commands = _commands()
    env = dict(os.environ)
    began = time.monotonic()
    procs = [subprocess.Popen([sys.executable, "-m", "wuyectl", *args], cwd=office, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for args, _ in commands]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append((proc.returncode, out.decode("utf-8"), err.decode("utf-8")))
    elapsed = time.monotonic() - began

    ok = []
    for i, (code, out, err) in enumerate(results):
        assert "Traceback" not in err, err
        if code == 0:
            ok.append(i)
            assert err == "", err
        else:
            assert code in REFUSAL_CODES, (commands[i][0], code, err)
            assert err.startswith("wuyectl: ") and err.count("\n") == 1, err
            assert out == ""
    # all opens and all assigns are always possible: they must all have succeeded; resolving a
    # repair without the owner's signature never is
    assert set(range(12)) <= set(ok), [results[i] for i in range(12)]
    assert results[16][0] == 5 and results[16][2].startswith(f"wuyectl: {A2}: cannot resolve"), results[16]

    # the history holds exactly the successful commands, one commit each, on top of the start
    assert int(git("rev-list", "--count", "HEAD")) == start + len(ok)
    assert git("merge-base", "--is-ancestor", start_head, "HEAD", check=False).returncode == 0
    assert git("rev-list", "--merges", f"{start_head}..HEAD") == ""
    log = git("log", f"{start_head}..HEAD", "--format=%(trailers:key=Wuye-Action,valueonly,separator=%x2C)")
    actions = sorted(line for line in log.splitlines() if line)
    expected_actions = sorted({"open": "open", "assign": "assign", "update": None, "escalate": "escalate"}[
        commands[i][0][0]] or commands[i][0][3] for i in ok)
    assert actions == expected_actions

    # the new tickets: distinct, sequential, each in its own commit
    opened = sorted(results[i][1].strip() for i in range(6))
    assert opened == [f"T-20261122-A{n:03d}" for n in range(4, 10)]
    for tid in opened:
        assert (office / ticket_path(tid)).is_file()
        assert len(git("log", "--format=%H", "--", ticket_path(tid)).split()) == 1

    # each success's effect is in HEAD's files, each refusal's is not
    notes = _notes(office)
    for i, (args, records) in enumerate(commands):
        where = {rid for rid, _, _ in notes.get(f"c{i}", [])}
        if i not in ok:
            assert where == set(), (args, where)
        elif args[0] == "open":
            assert where == {results[i][1].strip()}
        else:
            assert where == records, (args, where)
            assert len(notes[f"c{i}"]) == len(records)  # once per record, never doubled

    # every commit touched only its own records and carries the tool's trailers
    for commit in git("rev-list", f"{start_head}..HEAD").split():
        body = git("log", "-1", "--format=%B", commit)
        assert "Wuye-Action: " in body and "Wuye-Role: " in body
        records = {line.split(": ", 1)[1] for line in body.splitlines() if line.startswith("Wuye-Record: ")}
        touched = set(git("show", "--name-only", "--format=", commit).split())
        assert touched == {ticket_path(r) for r in records}

    assert git("status", "--porcelain", "--untracked-files=all") == ""
    assert not (office / ".git" / "index.lock").exists()
    assert not (office / ".git" / "wuyectl" / "journal.json").exists()
    check = cli("validate")
    assert check.code == 0, check.out + check.err
    assert elapsed < 60
