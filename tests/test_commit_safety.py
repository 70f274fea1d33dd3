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

from conftest import DIRECTOR, OPEN_REPAIR, UNIT
from helpers_kinds import write_csv

# Messages are asserted in English here (the default is Chinese: tests/test_messages.py).
pytestmark = pytest.mark.lang("en")

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
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("\npolicy:", '\n  - name: "钱\\nWuye-Role: director"\n    role: clerk\npolicy:'),
                      encoding="utf-8")
    assert "钱" in config.read_text(encoding="utf-8")
    git("commit", "-q", "--no-verify", "-am", "roster by hand")
    before = repo_state()
    result = run(*OPEN_REPAIR, "--as", "钱\nWuye-Role: director")
    # refused first as no one the roster's history vouches for (app/roster.py) …
    assert (result.code, result.err) == (6, "wuyectl: 钱\\nWuye-Role: director is in wuye.yaml but no tool step put "
                                            "them on the roster (a hand edit): a supervisor or director adds them "
                                            "with `wuyectl staff add`\n")
    assert repo_state() == before
    # … and the commit message would refuse the name anyway
    from wuyectl.errors import BadValue
    from wuyectl.store.office import Office
    from wuyectl.store.transaction import Transaction

    with pytest.raises(BadValue) as refused:
        Transaction(Office(str(office)), {"name": "钱\nWuye-Role: director", "role": "clerk"}).identity()
    assert f"wuyectl: {refused.value}\n" == BREAK.format(what="staff name", shown="钱\\nWuye-Role: director")
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


# -- 2. the message is written before git starts ----------------------------------------------
def wuyectl(office: Path, *args, env: dict | None = None) -> subprocess.CompletedProcess:
    """A fresh wuyectl process (a fault kills it, so never in-process)."""
    return subprocess.run([sys.executable, "-m", "wuyectl", *args], cwd=office, env={**os.environ, **(env or {})},
                          capture_output=True, timeout=120, check=False)


def leftovers(office: Path) -> list[str]:
    """Lock files, temporary files and message files a write may leave if nobody cleans up."""
    gitdir = office / ".git"
    found = [p.name for p in gitdir.glob("*.lock")] + [p.name for p in gitdir.glob("refs/heads/*.lock")]
    found += [p.relative_to(office).as_posix() for p in office.rglob(".wuyectl-*.tmp")]
    found += [p.name for p in (gitdir / "wuyectl").glob("message-*")]
    return found


def test_git_reads_the_message_from_a_file_written_before_it_starts(cli, git, office, fault_hook):
    from wuyectl.store import git as store_git
    from wuyectl.store.transaction import FaultHook

    seen = []

    class Look(FaultHook):
        def run_git(self, step, top, args, env, message_file, input=None):
            if step == "commit":
                seen.append((list(args), message_file, Path(message_file).read_text(encoding="utf-8")))
            return store_git.run(top, args, env=env, input=input)

    fault_hook(Look())
    tid = cli(*OPEN_REPAIR, "--as", "王芳").out.strip()
    [(args, path, text)] = seen
    assert Path(path).parent == office / ".git" / "wuyectl" and Path(path).name == f"message-{os.getpid()}.txt"
    assert args[args.index("-F") + 1] == path
    assert "--allow-empty-message" not in args and "-" not in args
    assert text == git("log", "-1", "--format=%B")[:-1]          # (git adds a line feed)
    assert text.endswith(f"\n\nWuye-Action: open\nWuye-Record: {tid}\nWuye-Role: clerk\n"
                         f"Wuye-At: 2026-11-22T09:14:00+08:00\n")
    assert not Path(path).exists()                                  # removed after the commit
    assert leftovers(office) == []


def test_the_message_file_is_removed_when_the_commit_fails(cli, office, fault_hook, repo_state):
    from wuyectl.errors import RepoError
    from wuyectl.store.transaction import FaultHook

    class GitFails(FaultHook):
        def run_git(self, step, top, args, env, message_file, input=None):
            assert Path(message_file).exists()
            raise RepoError("git commit failed: simulated")

    before = repo_state()
    fault_hook(GitFails())
    result = cli(*OPEN_REPAIR, "--as", "王芳")
    assert (result.code, result.err) == (9, "wuyectl: git commit failed: simulated\n")
    assert repo_state() == before
    assert leftovers(office) == []


# git and wuyectl killed together, at moments spread over git's run: before it reads the
# message, while it writes objects and the index, while it moves the branch, after it ended.
# The list is fixed (what happens at each moment depends on the machine, what is asserted not).
DELAYS = ["0", "0.0005", "0.001", "0.002", "0.003", "0.005", "0.007", "0.01", "0.015", "0.02", "0.03", "0.05",
          "0.1", "0.3"]


def test_a_commit_killed_at_any_moment_is_absent_or_whole(git, office, ticket, run):
    for delay in DELAYS:
        head = git("rev-parse", "HEAD").strip()
        count = int(git("rev-list", "--count", "HEAD"))
        killed = wuyectl(office, *OPEN_REPAIR, "--as", "王芳",
                         env={"WUYECTL_FAULT": "during-commit", "WUYECTL_FAULT_DELAY": delay})
        assert killed.returncode == -9, (delay, killed.stderr.decode())
        after = int(git("rev-list", "--count", "HEAD"))
        assert after in (count, count + 1), delay
        if after == count + 1:
            assert git("rev-parse", "HEAD~1").strip() == head
            rid = git("show", "--name-only", "--format=", "HEAD").strip().rsplit("/", 1)[1][:-5]
            assert git("log", "-1", "--format=%B") == (
                f"{rid} open 报修 {UNIT}\n\nWuye-Action: open\nWuye-Record: {rid}\nWuye-Role: clerk\n"
                "Wuye-At: 2026-11-22T09:14:00+08:00\n\n"), delay
        else:
            assert git("rev-parse", "HEAD").strip() == head
        # the next command recovers: the repo is clean and valid
        check = run("validate")
        assert check.code == 0 and check.out.startswith("ok: "), (delay, check.err)
        assert git("status", "--porcelain", "--untracked-files=all") == "", delay
        assert leftovers(office) == [], delay
        assert not (office / ".git" / "wuyectl" / "journal.json").exists()
    assert all(m.strip() for m in git("log", "--format=%B%x00").split("\0")[:-1])   # no empty message


# -- 3. recovery: the tool's own leftovers, and nothing outside the repo ------------------------
def forge_journal(office: Path, paths: list[str], **extra) -> Path:
    journal = office / ".git" / "wuyectl" / "journal.json"
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_text(json.dumps({"pid": 4242, "head": None, **extra,
                                   "paths": [{"path": p, "existed": False} for p in paths]}), encoding="utf-8")
    return journal


def test_recovery_removes_the_tools_temporary_files_and_only_those(cli, git, office, ticket):
    folder = office / "tickets" / "2026-11"
    half = folder / "T-20261122-A009.yaml"                      # a killed writer's new record
    half.write_text("id: T-20261122-A009\n", encoding="utf-8")
    (folder / ".wuyectl-abc123.tmp").write_bytes(b"id: T-20261122-A0")   # its atomic_write, cut short
    state = office / ".git" / "wuyectl"
    (state / ".wuyectl-journal.tmp").write_bytes(b"{")
    (state / "message-4242.txt").write_text("T-20261122-A009 open\n", encoding="utf-8")
    mine = office / "owners" / ".wuyectl-notes.txt"              # not the tool's: another name
    mine.write_text("x", encoding="utf-8")
    elsewhere = office / "visits" / ".wuyectl-xyz.tmp"          # a folder the journal does not name
    elsewhere.parent.mkdir(exist_ok=True)
    elsewhere.write_bytes(b"x")
    forge_journal(office, ["tickets/2026-11/T-20261122-A009.yaml"])
    assert cli("get", "tickets", "-o", "ids").out == f"{TID}\n"  # the next command recovers
    assert not half.exists()
    assert sorted(p.name for p in folder.iterdir()) == [f"{TID}.yaml"]
    assert sorted(p.name for p in state.iterdir() if p.name.startswith((".wuyectl-", "message-"))) == []
    assert mine.exists() and elsewhere.exists()                  # not walked
    assert not (state / "journal.json").exists()


def test_a_transaction_removes_leftovers_in_the_state_folder_without_a_journal(cli, office, ticket):
    state = office / ".git" / "wuyectl"
    (state / ".wuyectl-journal.tmp").write_bytes(b"{\"pid\"")   # the journal's write was killed
    assert cli("assign", ticket, "--to", "李明", "--as", "王芳").code == 0
    assert not (state / ".wuyectl-journal.tmp").exists()


@pytest.fixture
def outside(tmp_path, office):
    """Files outside the office repo a forged journal may name: their contents, to compare."""
    files = {tmp_path / "outside.txt": "keep me\n", tmp_path / ".wuyectl-1.tmp": "keep me too\n",
             tmp_path / "elsewhere" / "secret.yaml": "id: x\n"}
    for path, text in files.items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (office / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    return files


FORGED = ["../outside.txt", "../.wuyectl-1.tmp", "/etc/hostname", None, "{tmp}/outside.txt",
          "tickets/../../outside.txt", "tickets/./../../outside.txt", "./../outside.txt", "tickets//x.yaml",
          ".git/config", ".git/HEAD", ".git/wuyectl/lock", "tickets/.git/x", ".GIT/config", "link/secret.yaml",
          "tickets", "owners", "*", ":(glob)**", "", 42]


def test_a_forged_journal_touches_nothing_outside_the_repo(cli, git, office, ticket, outside, tmp_path):
    owner = office / "owners" / "3" / "3-2-1201.yaml"
    edited = owner.read_text(encoding="utf-8") + "# 业主要求周末上门\n"
    owner.write_text(edited, encoding="utf-8")                   # a hand edit in progress
    status = git("status", "--porcelain", "--untracked-files=all")
    config = (office / ".git" / "config").read_bytes()
    head = (office / ".git" / "HEAD").read_bytes()
    forged = [p.format(tmp=tmp_path) if isinstance(p, str) else p for p in FORGED]
    for merge in (False, True):
        forge_journal(office, forged, merge=merge)
        read = cli("get", "tickets", "-o", "ids")
        assert (read.code, read.out) == (0, f"{TID}\n"), read.err
        assert not (office / ".git" / "wuyectl" / "journal.json").exists()
        for path, text in outside.items():
            assert path.read_text(encoding="utf-8") == text, path
        assert (office / ".git" / "config").read_bytes() == config
        assert (office / ".git" / "HEAD").read_bytes() == head
        assert owner.read_text(encoding="utf-8") == edited
        assert git("status", "--porcelain", "--untracked-files=all") == status
    # a journal that is not even a list of paths is dropped too
    for text in ("[1, 2]", '{"paths": "../outside.txt"}', '{"paths": [["../outside.txt"]]}', "null"):
        (office / ".git" / "wuyectl" / "journal.json").write_text(text, encoding="utf-8")
        assert cli("get", "tickets", "-o", "ids").code == 0
        assert not (office / ".git" / "wuyectl" / "journal.json").exists()
    assert owner.read_text(encoding="utf-8") == edited


def test_confined_keeps_the_files_of_the_repo(office, git):
    from wuyectl.store.office import Office
    from wuyectl.store.transaction import confined

    api_office = Office(str(office))
    kept = ["wuye.yaml", "tickets/2026-11/T-20261122-A001.yaml", "owners/3/3-2-1201.yaml", "new/folder/file.yaml",
            "name with spaces.yaml", "a\\b.yaml"]
    assert confined(api_office, str(office / ".git"), kept + ["../x", ".git/config", "tickets", "a/../b"]) == kept


# -- 4. a detached HEAD ----------------------------------------------------------------------
def test_a_write_on_a_detached_head_is_refused(run, git, office, ticket, repo_state):
    branch = git("symbolic-ref", "--short", "HEAD").strip()
    git("checkout", "-q", "--detach")
    head = git("rev-parse", "--short=7", "HEAD").strip()
    before = repo_state()
    result = run("assign", ticket, "--to", "李明", "--as", "王芳")
    assert (result.code, result.out, result.err) == (
        9, "", f"wuyectl: HEAD is detached (at {head}): switch to a branch before writing (git switch {branch})\n")
    assert repo_state() == before
    assert run("get", "tickets", "-o", "ids").out == f"{ticket}\n"           # reads still work
    # detached at an older commit no branch points at: the usual branch is suggested
    git("checkout", "-q", "HEAD~1")
    old = git("rev-parse", "--short=7", "HEAD").strip()
    again = run(*OPEN_REPAIR, "--as", "王芳")
    assert (again.code, again.err) == (
        9, f"wuyectl: HEAD is detached (at {old}): switch to a branch before writing (git switch {branch})\n")
    git("switch", "-q", branch)
    assert run("assign", ticket, "--to", "李明", "--as", "王芳").code == 0


def test_init_in_a_fresh_repo_with_an_unborn_branch_works(run, tmp_path):
    target = tmp_path / "fresh"
    target.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "trunk"], cwd=target, check=True)
    result = run("init", str(target), "--name", "幸福花园", "--as", DIRECTOR, cwd=tmp_path)
    assert result.code == 0, result.err
    log = subprocess.run(["git", "log", "--format=%D|%s"], cwd=target, capture_output=True, text=True,
                         check=True).stdout
    assert log == "HEAD -> trunk|init office 幸福花园\n"


def test_a_detached_linked_work_tree_is_refused_too(run, git, office, ticket, tmp_path):
    """In a linked work tree `.git` is a file and HEAD is its own: git answers."""
    git("worktree", "add", "-q", "--detach", str(tmp_path / "wt"))
    head = git("rev-parse", "--short=7", "HEAD").strip()
    result = run("assign", ticket, "--to", "李明", "--as", "王芳", cwd=tmp_path / "wt")
    branch = git("symbolic-ref", "--short", "HEAD").strip()
    assert (result.code, result.err) == (
        9, f"wuyectl: HEAD is detached (at {head}): switch to a branch before writing (git switch {branch})\n")


# -- 5. sha256 repositories ------------------------------------------------------------------
SHA256 = ("wuyectl: {top} is a sha256 git repository (extensions.objectformat); wuyectl works with sha1 "
          "repositories only (git init --object-format=sha1)\n")


def test_init_refuses_a_sha256_repository(run, tmp_path):
    target = tmp_path / "sha256"
    target.mkdir()
    subprocess.run(["git", "init", "-q", "--object-format=sha256"], cwd=target, check=True)
    result = run("init", str(target), "--name", "幸福花园", "--as", DIRECTOR, cwd=tmp_path)
    assert (result.code, result.out, result.err) == (9, "", SHA256.format(top=target.resolve()))
    assert sorted(p.name for p in target.iterdir()) == [".git"]          # nothing written


def test_a_command_in_a_sha256_repository_is_refused(run, office, tmp_path):
    target = tmp_path / "sha256"
    target.mkdir()
    subprocess.run(["git", "init", "-q", "--object-format=sha256"], cwd=target, check=True)
    (target / "wuye.yaml").write_bytes((office / "wuye.yaml").read_bytes())
    subprocess.run(["git", "-c", "user.name=x", "-c", "user.email=x@example.com", "add", "."], cwd=target, check=True)
    subprocess.run(["git", "-c", "user.name=x", "-c", "user.email=x@example.com", "commit", "-q", "-m", "hand"],
                   cwd=target, check=True)
    for args in (["get", "tickets"], ["validate"], [*OPEN_REPAIR, "--as", "王芳"]):
        result = run(*args, cwd=target)
        assert (result.code, result.out, result.err) == (9, "", SHA256.format(top=target.resolve())), args


def test_init_makes_a_sha1_repository_whatever_the_default(run, tmp_path):
    target = tmp_path / "new"
    result = run("init", str(target), "--name", "幸福花园", "--as", DIRECTOR, cwd=tmp_path,
                 env={"GIT_DEFAULT_HASH": "sha256"})
    assert result.code == 0, result.err
    assert subprocess.run(["git", "rev-parse", "--show-object-format"], cwd=target, capture_output=True,
                          text=True, check=True).stdout == "sha1\n"


@pytest.mark.parametrize("config, expected", [
    ("", "sha1"),
    ("[core]\n\trepositoryformatversion = 0\n", "sha1"),
    ("[core]\n\trepositoryformatversion = 1\n[extensions]\n\tobjectformat = sha256\n", "sha256"),
    ("[Extensions]\n\tobjectFormat = SHA256 # a comment\n", "sha256"),
    ('[extensions] objectformat = "sha256"\n', "sha256"),
    ("[extensions]\n\tobjectformat = sha1\n", "sha1"),
    ("[core]\n\tobjectformat = sha256\n", "sha1"),                          # not in [extensions]
    ("[extensions]\n\t# objectformat = sha256\n", "sha1"),
])
def test_object_format_is_read_from_the_config_file(config, expected, tmp_path):
    from wuyectl.store.git import object_format

    (tmp_path / "config").write_text(config, encoding="utf-8")
    assert object_format(str(tmp_path)) == expected


# -- 6. time you can trust ------------------------------------------------------------------------
def real(days: float = 0, minutes: float = 0) -> datetime:
    """The computer's clock in the office's zone, moved by `days`/`minutes`, to the minute."""
    return (datetime.now(SHANGHAI) + timedelta(days=days, minutes=minutes)).replace(second=0, microsecond=0)


def local(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def limit_31(office, cli):
    """The office with the manuals' backdating limit (31 days) instead of the test office's 100 years."""
    done = cli("policy", "set", "backdate_limit_days", "31", "--as", DIRECTOR)
    assert done.code == 0, done.err
    assert "backdate_limit_days: 31" in (office / "wuye.yaml").read_text(encoding="utf-8")


def test_the_test_office_allows_a_hundred_years_of_backdating(office):
    assert "policy:\n  backdate_limit_days: 36500\n" in (office / "wuye.yaml").read_text(encoding="utf-8")


def test_commit_dates_are_the_real_clock_and_wuye_at_is_wuyectl_now(run, git):
    before = datetime.now(SHANGHAI).replace(microsecond=0)
    result = run(*OPEN_REPAIR, "--as", "王芳",
                 env={"GIT_AUTHOR_DATE": "2001-01-01T00:00:00+08:00", "GIT_COMMITTER_DATE": "2001-01-01T00:00:00+08:00"})
    after = datetime.now(SHANGHAI).replace(microsecond=0) + timedelta(seconds=1)
    assert result.code == 0, result.err
    author, committer = (datetime.fromisoformat(d) for d in git("log", "-1", "--format=%aI %cI").split())
    assert before <= author <= after and before <= committer <= after
    assert "Wuye-At: 2026-11-22T09:14:00+08:00" in trailer_block(git)          # the event time: WUYECTL_NOW
    record = json.loads(run("show", result.out.strip(), "-o", "json").out)
    assert record["received_at"] == "2026-11-22T09:14:00+08:00"


def test_real_now_ignores_wuyectl_now(monkeypatch):
    from wuyectl import timeutil

    monkeypatch.setenv("WUYECTL_NOW", "2001-01-01T00:00:00+08:00")
    assert timeutil.now(SHANGHAI).isoformat() == "2001-01-01T00:00:00+08:00"
    assert abs(timeutil.real_now(SHANGHAI) - datetime.now(SHANGHAI)) < timedelta(minutes=5)


def _refused(run, repo_state, args, env, message):
    before = repo_state()
    result = run(*args, env=env)
    assert (result.code, result.out, result.err) == (3, "", f"wuyectl: {message}\n")
    assert repo_state() == before


def test_wuyectl_now_beyond_the_backdating_limit_is_refused(run, repo_state, limit_31):
    old = real(days=-40)
    _refused(run, repo_state, [*OPEN_REPAIR, "--as", "王芳"], {"WUYECTL_NOW": old.isoformat()},
             f"WUYECTL_NOW {old.isoformat()} is more than 31 days ago (policy backdate_limit_days in wuye.yaml)")


def test_at_beyond_the_backdating_limit_is_refused_against_the_real_clock(run, repo_state, limit_31):
    old = real(days=-40)
    # WUYECTL_NOW as far back does not make it "recent"
    _refused(run, repo_state, [*OPEN_REPAIR, "--as", "王芳", "--at", local(old)],
             {"WUYECTL_NOW": real(days=-39).isoformat()},
             f"--at {old.isoformat()} is more than 31 days ago (policy backdate_limit_days in wuye.yaml)")


def test_event_times_within_the_limit_are_taken(run, git, limit_31):
    recent = real(days=-30)                               # a day inside the limit (no race with the clock)
    opened = run(*OPEN_REPAIR, "--as", "王芳", env={"WUYECTL_NOW": recent.isoformat()})
    assert opened.code == 0, opened.err
    assert f"Wuye-At: {recent.isoformat()}" in trailer_block(git)
    tid = opened.out.strip()
    # --at is the event time; an old WUYECTL_NOW beside it is not checked
    at = real(days=-29)
    assigned = run("assign", tid, "--to", "李明", "--as", "王芳", "--at", local(at),
                   env={"WUYECTL_NOW": real(days=-400).isoformat()})
    assert assigned.code == 0, assigned.err
    assert f"Wuye-At: {at.isoformat()}" in trailer_block(git)


def test_a_future_event_time_is_refused_against_the_real_clock(run, repo_state, git):
    ahead = real(days=1)
    _refused(run, repo_state, [*OPEN_REPAIR, "--as", "王芳"], {"WUYECTL_NOW": ahead.isoformat()},
             f"WUYECTL_NOW {ahead.isoformat()} is in the future (by this computer's clock)")
    _refused(run, repo_state, [*OPEN_REPAIR, "--as", "王芳", "--at", local(ahead)], {},
             f"--at {ahead.isoformat()} is in the future (by this computer's clock)")
    # a minute ahead is a clock that differs a little (FUTURE_SLACK_S): taken
    soon = real(minutes=2)
    result = run(*OPEN_REPAIR, "--as", "王芳", "--at", local(soon), env={"WUYECTL_NOW": ""})
    assert result.code == 0, result.err
    assert f"Wuye-At: {soon.isoformat()}" in trailer_block(git)


def test_reads_take_any_wuyectl_now(run, ticket):
    for when in ("1990-01-01T09:00:00+08:00", "2999-01-01T09:00:00+08:00"):
        result = run("get", "tickets", "-o", "ids", env={"WUYECTL_NOW": when})
        assert (result.code, result.out) == (0, f"{ticket}\n"), result.err


def test_init_office_writes_the_policy_in_its_first_commit(tmp_path):
    from wuyectl import api
    from wuyectl.errors import BadValue

    made = api.init_office(str(tmp_path / "new"), name="幸福花园", director=DIRECTOR,
                           policy={"backdate_limit_days": 60, "sla_minutes": {"dispatch": 10}})
    assert made.config["policy"] == {"backdate_limit_days": 60, "sla_minutes": {"dispatch": 10}}
    committed = subprocess.run(["git", "show", "HEAD:wuye.yaml"], cwd=tmp_path / "new", capture_output=True,
                               text=True, check=True).stdout
    assert committed.endswith("policy:\n  backdate_limit_days: 60\n  sla_minutes:\n    dispatch: 10\n")
    with pytest.raises(BadValue) as caught:
        api.init_office(str(tmp_path / "bad"), name="幸福花园", director=DIRECTOR, policy={"backdate_limit_dayz": 60})
    assert str(caught.value) == "policy: unknown field 'backdate_limit_dayz' (did you mean 'backdate_limit_days'?)"
    assert not (tmp_path / "bad").exists()                      # checked before anything is made
    with pytest.raises(BadValue, match="minimum"):
        api.init_office(str(tmp_path / "bad"), name="幸福花园", director=DIRECTOR, policy={"backdate_limit_days": -1})
