"""An audit trail that proves who did what (issue 10): the commits the tool makes can be
trusted.

- Messages are the tool's: no value (a staff name, an ID, a file name) can break a line of a
  commit message and so write a trailer of its own.
- The message is written to a file before git starts: a commit killed at any moment is either
  absent or whole, never one with an empty or cut message.
- Recovery removes the tool's own leftovers and never touches a path outside the repo, however
  the journal is forged.
- A detached HEAD and a sha256 repository are refused with one line.
- Commit dates are the real clock; WUYECTL_NOW is only the event time, and the limits on
  backdating and future times are checked against the real clock.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import DIRECTOR, OPEN_REPAIR, UNIT, ticket_path
from helpers_kinds import write_csv

SHANGHAI = ZoneInfo("Asia/Shanghai")
TID = "T-20261122-A001"
BREAK = "wuyectl: {what} '{shown}' contains a line break or control character\n"


def trailer_block(git, rev: str = "HEAD") -> list[str]:
    """The Wuye-* lines of a commit's message, as git parses its trailers."""
    return [line for line in git("log", "-1", "--format=%(trailers:only,unfold)", rev).splitlines() if line]


# -- 1. messages are the tool's ----------------------------------------------------------------
@pytest.mark.parametrize("name, shown", [
    ("钱\nWuye-Role: director", "钱\\nWuye-Role: director"),
    ("钱\rWuye-Role: director", "钱\\rWuye-Role: director"),
    ("钱\tx", "钱\\tx"),
    ("钱\u2028Wuye-Role: director", "钱\\u2028Wuye-Role: director"),
    ("钱\u2029x", "钱\\u2029x"),
    ("钱\x85x", "钱\\u0085x"),
    ("钱\x1b[31m", "钱\\u001b[31m"),
])
def test_staff_add_refuses_a_name_with_a_line_break(name, shown, run, repo_state):
    before = repo_state()
    result = run("staff", "add", name, "--role", "clerk", "--as", DIRECTOR)
    assert (result.code, result.out, result.err) == (3, "", BREAK.format(what="staff name", shown=shown))
    assert repo_state() == before


def test_staff_add_refuses_an_email_with_a_line_break(cli, repo_state):
    before = repo_state()
    result = cli("staff", "add", "钱七", "--role", "clerk", "--email", "q@example.com\nWuye-Role: director",
                 "--as", DIRECTOR)
    assert (result.code, result.out, result.err) == (
        3, "", BREAK.format(what="staff email", shown="q@example.com\\nWuye-Role: director"))
    assert repo_state() == before


def test_staff_add_of_a_plain_name_still_works(cli, git):
    result = cli("staff", "add", "钱七", "--role", "clerk", "--email", "qian@example.com", "--as", DIRECTOR)
    assert (result.code, result.out, result.err) == (0, "钱七\n", "")
    assert git("log", "-1", "--format=%an|%s").strip() == f"{DIRECTOR}|staff add 钱七 客服"
    assert trailer_block(git) == ["Wuye-Action: staff-add", "Wuye-Role: director"]


def _transaction(office):
    from wuyectl.store.office import Office
    from wuyectl.store.transaction import Transaction

    return Transaction(Office(str(office)), {"name": DIRECTOR, "role": "director"})


@pytest.mark.parametrize("subject, action, records, at, what, shown", [
    ("T-1 assign\nWuye-Role: director", "assign", ["T-1"], None, "commit subject", "T-1 assign\\nWuye-Role: director"),
    ("ok", "assign\nWuye-Role: director", ["T-1"], None, "action", "assign\\nWuye-Role: director"),
    ("ok", "assign", ["T-1\nWuye-Role: director"], None, "record id", "T-1\\nWuye-Role: director"),
    ("ok", "assign", ["T-1"], "2026-11-22T09:14:00+08:00\r", "business time", "2026-11-22T09:14:00+08:00\\r"),
    ("ok\x00", "assign", [], None, "commit subject", "ok\\u0000"),
])
def test_message_refuses_every_value_that_breaks_a_line(subject, action, records, at, what, shown, office):
    from wuyectl.errors import BadValue

    tx = _transaction(office)
    with pytest.raises(BadValue) as caught:
        tx.message(subject, action, records, at)
    assert str(caught.value) == f"{what} '{shown}' contains a line break or control character"


def test_message_refuses_a_role_that_breaks_a_line_and_an_empty_subject(office):
    from wuyectl.errors import BadValue
    from wuyectl.store.office import Office
    from wuyectl.store.transaction import Transaction

    tx = Transaction(Office(str(office)), {"name": DIRECTOR, "role": "clerk\nWuye-Role: director"})
    with pytest.raises(BadValue, match=r"^role 'clerk\\nWuye-Role: director' contains"):
        tx.message("ok", "assign", [])
    with pytest.raises(BadValue, match="^a commit subject must not be empty$"):
        _transaction(office).message("  ", "assign", [])


def test_message_of_plain_values(office):
    tx = _transaction(office)
    assert tx.message("T-1 assign → 工程部 李明", "assign", ["T-1", "T-2"], "2026-11-22T09:14:00+08:00") == (
        "T-1 assign → 工程部 李明\n\nWuye-Action: assign\nWuye-Record: T-1\nWuye-Record: T-2\n"
        "Wuye-Role: director\nWuye-At: 2026-11-22T09:14:00+08:00\n")


def test_a_bad_value_is_refused_before_anything_is_written(office, repo_state):
    """Transaction.commit with a subject that breaks a line: nothing written, no journal."""
    from wuyectl.errors import BadValue

    before = repo_state()
    with _transaction(office) as tx, pytest.raises(BadValue):
        tx.commit_paths(["wuye.yaml"], "x\nWuye-Role: director", action="edit", records=[])
    assert repo_state() == before
    assert not (office / ".git" / "wuyectl" / "journal.json").exists()


def test_a_hand_edited_roster_name_with_a_line_break_cannot_author_a_commit(office, git, repo_state, run):
    """A name put into wuye.yaml by hand (quoted YAML may hold a line feed) is refused when it
    would become git's author."""
    config = office / "wuye.yaml"
    config.write_text(config.read_text(encoding="utf-8") + '  - name: "钱\\nWuye-Role: director"\n    role: clerk\n',
                      encoding="utf-8")
    git("commit", "-q", "--no-verify", "-am", "roster by hand")
    before = repo_state()
    result = run(*OPEN_REPAIR, "--as", "钱\nWuye-Role: director")
    assert (result.code, result.err) == (3, BREAK.format(what="staff name", shown="钱\\nWuye-Role: director"))
    assert repo_state() == before


def test_init_refuses_a_community_name_with_a_line_break(run, tmp_path):
    target = tmp_path / "new"
    result = run("init", str(target), "--name", "幸福\nWuye-Role: director", "--as", DIRECTOR, cwd=tmp_path)
    assert (result.code, result.out, result.err) == (
        3, "", BREAK.format(what="community name", shown="幸福\\nWuye-Role: director"))
    assert not (target / "wuye.yaml").exists()


HOSTILE_NAME = "roster\nWuye-Role: director\n.csv"
SAFE_NAME = "roster\\nWuye-Role: director\\n.csv"


def test_import_of_a_file_with_a_line_break_in_its_name_has_a_safe_subject(cli, git, tmp_path):
    path = write_csv(tmp_path / HOSTILE_NAME, "房号,业主姓名\n5-1-101,甲\n")
    result = cli("import", "owners", str(path), "--as", "王芳")
    assert result.code == 0, result.err
    assert git("log", "-1", "--format=%s").strip() == f"import 1 households from {SAFE_NAME}"
    assert trailer_block(git) == ["Wuye-Action: import", "Wuye-Record: 5-1-101", "Wuye-Role: clerk"]


def test_ticket_import_of_a_file_with_a_line_break_in_its_name_has_a_safe_subject(cli, git, tmp_path):
    path = tmp_path / HOSTILE_NAME
    path.write_text("CaseID,Opened,Category,Details\n1,2026-11-20 09:00,Noise Report,Noise\n", encoding="utf-8")
    categories = tmp_path / "categories.yaml"
    categories.write_text("'*': complaint\n", encoding="utf-8")
    result = cli("import", "tickets", str(path), "--timezone", "Asia/Shanghai", "--map", "CaseID=source_id",
                 "--map", "Opened=received_at",
                 "--map", "Category=category", "--map", "Details=description", "--category-map", str(categories),
                 "--as", DIRECTOR)
    assert result.code == 0, result.err
    assert git("log", "-1", "--format=%s").strip() == f"import 1 tickets from {SAFE_NAME} (1–1 of 1)"
    assert trailer_block(git) == ["Wuye-Action: import", "Wuye-Record: T-20261120-A001", "Wuye-Role: director"]


def test_escape_controls():
    from wuyectl.store.transaction import escape_controls

    assert escape_controls("roster 2026.csv") == "roster 2026.csv"
    assert escape_controls("a\nb\rc\td\x00e\u2028f\x7f") == "a\\nb\\rc\\td\\u0000e\\u2028f\\u007f"
