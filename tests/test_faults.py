"""Faults (issue 6, SPEC §5 "Nothing lost"): a writer killed at each step of a write, a full
disk, a read-only repo.

`WUYECTL_FAULT=POINT` makes `wuyectl` SIGKILL itself at that step of a write (see
`wuyectl.store.transaction.EnvFaults`, the commit path's hook while the variable is set): before-write, after-write, after-add,
after-index, during-commit (the git command running after WUYECTL_FAULT_DELAY seconds is
killed with it), after-commit. `enospc:POINT` raises a
full disk there. For each point, an `open ticket` and an `assign` of an existing ticket are
killed; then the *next* command (a read, then a write) must find a consistent repo:

- the change fully there (one commit with the tool's trailers, the file as committed) or fully
  absent (no file, no index entry, HEAD unchanged);
- `git status` clean, no `.git/index.lock` (nor git's `next-index-*.lock`), no temporary
  file and no commit message file left behind, no journal left once the next command ran;
- the lock recovered: the next write succeeds at once (WUYECTL_LOCK_TIMEOUT=1);
- nothing else lost: every other file in HEAD and in the work tree is as before.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import OPEN_REPAIR, ticket_path

# Messages are asserted in English here (the default is Chinese: tests/test_messages.py).
pytestmark = pytest.mark.lang("en")

TID = "T-20261122-A001"      # made before every fault
NEW = "T-20261122-A002"      # what the killed `open` would have made
KILLED = -9                  # subprocess returncode of a SIGKILLed process

OPEN = [*OPEN_REPAIR, "--as", "王芳"]
ASSIGN = ["assign", TID, "--to", "李明", "--as", "王芳"]


# -- helpers ------------------------------------------------------------------------------
def wuyectl(office: Path, *args, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """A fresh wuyectl process (a fault kills the process, so never in-process)."""
    full = dict(os.environ)
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "wuyectl", *args], cwd=office, env=full,
                          capture_output=True, timeout=timeout)


def worktree(office: Path) -> dict[str, str]:
    """Every file outside .git → sha1 of its bytes."""
    out = {}
    for path in office.rglob("*"):
        rel = path.relative_to(office).as_posix()
        if rel == ".git" or rel.startswith(".git/") or not path.is_file():
            continue
        out[rel] = hashlib.sha1(path.read_bytes()).hexdigest()
    return out


def snapshot(git, office: Path) -> dict:
    return {
        "head": git("rev-parse", "HEAD").strip(),
        "count": int(git("rev-list", "--count", "HEAD")),
        "tree": git("ls-tree", "-r", "HEAD"),
        "index": git("ls-files", "-s"),
        "files": worktree(office),
    }


def leftovers(office: Path) -> list[str]:
    gitdir = office / ".git"
    found = [p.name for p in gitdir.glob("*.lock")]
    found += [p.name for p in gitdir.glob("refs/heads/*.lock")]
    found += [p.relative_to(office).as_posix() for p in office.rglob(".wuyectl-*.tmp")]
    found += [p.name for p in (gitdir / "wuyectl").glob("message-*")]    # the commit message file
    return found


def trailers(git, rev="HEAD") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in git("log", "-1", "--format=%(trailers:only,unfold)", rev).splitlines():
        if ": " in line:
            key, value = line.split(": ", 1)
            out.setdefault(key, []).append(value)
    return out


def assert_consistent(git, office: Path, before: dict, action: str, rid: str) -> bool:
    """The change is fully there or fully absent; returns True when it is there."""
    after = snapshot(git, office)
    assert git("status", "--porcelain", "--untracked-files=all") == ""
    assert leftovers(office) == []
    assert not (office / ".git" / "wuyectl" / "journal.json").exists()
    path = ticket_path(rid)
    if after["head"] == before["head"]:
        # fully absent: same HEAD, same index, same files
        assert after == before
        if action == "open":
            assert not (office / path).exists()
            assert path not in git("ls-files")
        return False
    # fully there: exactly one new commit, made by the tool, touching only the record
    assert after["count"] == before["count"] + 1
    assert git("rev-parse", "HEAD~1").strip() == before["head"]
    facts = trailers(git)
    assert facts["Wuye-Action"] == [action] and facts["Wuye-Record"] == [rid] and facts["Wuye-Role"] == ["clerk"]
    assert git("show", "--name-only", "--format=", "HEAD").split() == [path]
    assert (office / path).read_bytes() == subprocess.run(
        ["git", "show", f"HEAD:{path}"], cwd=office, capture_output=True, check=True).stdout
    text = (office / path).read_text(encoding="utf-8")
    if action == "assign":
        assert "assignee: 李明" in text and "status: assigned" in text
    else:
        assert f"id: {rid}" in text and "status: received" in text
    # nothing else changed
    others = {k: v for k, v in after["files"].items() if k != path}
    assert others == {k: v for k, v in before["files"].items() if k != path}
    strip = lambda tree: [line for line in tree.splitlines() if not line.endswith("\t" + path)]  # noqa: E731
    assert strip(after["tree"]) == strip(before["tree"])
    return True


def _next_commands(cli, git, office, before, action, rid, there_expected):
    """The next read and the next write after a fault; returns whether the change is there."""
    read = cli("get", "tickets", "-o", "ids")
    assert read.code == 0, read.err
    there = assert_consistent(git, office, before, action, rid)
    if there_expected is not None:
        assert there is there_expected
    ids = [NEW, TID] if (action == "open" and there) else [TID]      # the open tickets, newest first
    assert read.out.split() == ids
    # the lock is free at once, and the next write works and is one clean commit
    count = int(git("rev-list", "--count", "HEAD"))
    write = cli("assign", TID, "--to", "陈洁", "--as", "赵强", env={"WUYECTL_LOCK_TIMEOUT": "1"})
    assert write.code == 0, write.err
    assert int(git("rev-list", "--count", "HEAD")) == count + 1
    assert git("status", "--porcelain", "--untracked-files=all") == ""
    assert leftovers(office) == []
    assert cli("validate").code == 0
    return there


# -- SIGKILL at each step ----------------------------------------------------------------
# (point, delay, expected: True = change there, False = absent, None = either)
KILLS = [
    ("before-write", None, False),
    ("after-write", None, False),
    ("after-add", None, False),          # (the objects are written)
    ("after-index", None, False),        # the index has the new entries, the branch has not moved
    ("during-commit", "0", None),        # git killed as it starts
    ("during-commit", "0.003", None),    # … in the middle of its work (timing decides)
    ("during-commit", "0.3", None),      # … after it finished (the usual outcome: there)
    ("after-commit", None, True),
]


@pytest.mark.parametrize("action", ["open", "assign"])
@pytest.mark.parametrize("point,delay,expected", KILLS,
                         ids=[p + (f"-{d}s" if d else "") for p, d, _ in KILLS])
def test_killed_writer_leaves_all_or_nothing(point, delay, expected, action, cli, git, office, ticket):
    before = snapshot(git, office)
    env = {"WUYECTL_FAULT": point}
    if delay is not None:
        env["WUYECTL_FAULT_DELAY"] = delay
    killed = wuyectl(office, *(OPEN if action == "open" else ASSIGN), env=env)
    assert killed.returncode == KILLED, killed.stderr.decode()
    assert b"Traceback" not in killed.stderr
    # the killed writer left its journal (the next command must finish its work)
    assert (office / ".git" / "wuyectl" / "journal.json").exists()
    rid = NEW if action == "open" else TID
    _next_commands(cli, git, office, before, action, rid, expected)


@pytest.mark.parametrize("point", ["after-write", "during-commit"])
def test_next_write_recovers_without_a_read_first(point, run, git, office, ticket):
    """The next command is a write in a fresh process (recovery inside the transaction)."""
    before = snapshot(git, office)
    killed = wuyectl(office, *OPEN, env={"WUYECTL_FAULT": point, "WUYECTL_FAULT_DELAY": "0"})
    assert killed.returncode == KILLED
    again = run(*OPEN, env={"WUYECTL_LOCK_TIMEOUT": "1"})
    assert again.code == 0, again.err
    # the killed open left nothing; or its commit landed and the new one is next
    landed = git("rev-parse", "HEAD~1").strip() != before["head"]
    assert again.out == ("T-20261122-A003\n" if landed else f"{NEW}\n")
    assert int(git("rev-list", "--count", "HEAD")) == before["count"] + 1 + landed
    assert git("status", "--porcelain", "--untracked-files=all") == ""
    assert leftovers(office) == []
    assert run("validate").code == 0


@pytest.mark.parametrize("point", ["after-add", "during-commit"])
def test_recovery_touches_only_the_killed_writers_files(point, cli, git, office, ticket):
    """Other work in progress — a hand edit not yet committed, a new file — survives the
    recovery of a killed writer and the next write."""
    owner = office / "owners" / "3" / "3-2-1201.yaml"
    edited = owner.read_text(encoding="utf-8") + "# 业主要求周末上门\n"
    owner.write_text(edited, encoding="utf-8")
    (office / "notes.txt").write_text("交接：3-2-1201 周末\n", encoding="utf-8")
    status = git("status", "--porcelain", "--untracked-files=all")
    killed = wuyectl(office, *OPEN, env={"WUYECTL_FAULT": point, "WUYECTL_FAULT_DELAY": "0"})
    assert killed.returncode == KILLED
    assert cli("get", "tickets", "-o", "ids").code == 0
    assert git("status", "--porcelain", "--untracked-files=all") == status
    assert cli(*ASSIGN).code == 0
    assert git("status", "--porcelain", "--untracked-files=all") == status
    assert owner.read_text(encoding="utf-8") == edited
    assert (office / "notes.txt").read_text(encoding="utf-8") == "交接：3-2-1201 周末\n"
    assert leftovers(office) == []


def test_a_reader_waits_for_a_live_writer_and_does_not_undo_it(cli, git, office, ticket):
    """Recovery runs under the lock: a slow but live writer is waited for, never rolled back."""
    before = snapshot(git, office)
    slow = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(office)], cwd=office,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        journal = office / ".git" / "wuyectl" / "journal.json"
        for _ in range(400):
            if journal.exists() or slow.poll() is not None:
                break
            import time

            time.sleep(0.01)
        read = cli("get", "tickets", "-o", "ids")          # waits for the writer's lock
        assert read.code == 0, read.err
    finally:
        out, err = slow.communicate(timeout=60)
    assert slow.returncode == 0, err.decode()
    assert assert_consistent(git, office, before, "assign", TID)


# A writer that holds the lock with its journal written for a moment (a fault hook pauses
# between the file write and the commit), then finishes normally.
_SLOW_WRITER = r"""
import sys, time
from wuyectl.store import transaction
def slow(point):
    if point == "after-write":
        time.sleep(0.8)
transaction.set_fault_hook(slow)
from wuyectl.cli.main import main
main(["assign", "T-20261122-A001", "--to", "李明", "--as", "王芳"])
"""


# -- a full disk (the failpoint, then a real one) -------------------------------------------
ENOSPC_MESSAGE = "wuyectl: could not write the records (No space left on device); nothing was changed\n"


@pytest.mark.parametrize("action", ["open", "assign"])
@pytest.mark.parametrize("point", ["before-write", "after-write", "after-add"])
def test_disk_full_at_a_step_is_a_clear_error_and_changes_nothing(point, action, cli, git, office, ticket):
    before = snapshot(git, office)
    result = cli(*(OPEN if action == "open" else ASSIGN), env={"WUYECTL_FAULT": f"enospc:{point}"})
    assert (result.code, result.out, result.err) == (9, "", ENOSPC_MESSAGE)
    assert snapshot(git, office) == before
    assert leftovers(office) == []
    assert not (office / ".git" / "wuyectl" / "journal.json").exists()
    assert cli(*ASSIGN).code == 0


def test_disk_full_after_the_commit_keeps_the_commit(cli, git, office, ticket):
    """A failure once the commit has landed must not undo the files under it."""
    before = snapshot(git, office)
    result = cli(*ASSIGN, env={"WUYECTL_FAULT": "enospc:after-commit"})
    assert result.code == 9
    assert result.err.count("\n") == 1 and "committed" in result.err
    assert assert_consistent(git, office, before, "assign", TID)


def _mount(*args) -> bool:
    proc = subprocess.run(["mount", *args], capture_output=True)
    return proc.returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _fill(folder: Path) -> None:
    """Fill the file system holding `folder` to the last byte."""
    with open(folder / "filler", "wb") as fh:
        chunk = b"\0" * 65536
        while True:
            try:
                fh.write(chunk)
                fh.flush()
            except OSError:
                break
    for size in (4096, 512, 1):
        try:
            with open(folder / f"filler-{size}", "wb") as fh:
                while True:
                    fh.write(b"\0" * size)
                    fh.flush()
        except OSError:
            pass


@pytest.fixture
def small_disk(tmp_path, office):
    """The office copied onto a real 2 MB tmpfs (skipped where mounting is not permitted)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if not shutil.which("mount") or not _mount("-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(mnt)):
        pytest.skip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)")
    try:
        shutil.copytree(office, mnt / "office", symlinks=True)
        yield mnt / "office"
    finally:
        _umount(mnt)


def test_a_real_full_disk(ticket, small_disk):
    office = small_disk
    # (git status would refresh the index and fail on the full disk: optional locks off)
    g = lambda *a: subprocess.run(["git", "--no-optional-locks", *a], cwd=office, capture_output=True,  # noqa: E731
                                  check=True).stdout.decode()
    before = {"head": g("rev-parse", "HEAD"), "status": g("status", "--porcelain", "--untracked-files=all"),
              "files": worktree(office)}
    _fill(office.parent)
    try:
        for args in (ASSIGN, OPEN):
            result = wuyectl(office, *args)
            err = result.stderr.decode()
            assert result.returncode == 9, err
            assert err.startswith("wuyectl: ") and err.count("\n") == 1, err
            assert "No space left on device" in err or "Out of diskspace" in err, err
            assert result.stdout == b""
            assert g("rev-parse", "HEAD") == before["head"]
            assert g("status", "--porcelain", "--untracked-files=all") == before["status"]
            assert worktree(office) == before["files"]
        # reads still work on a full disk
        read = wuyectl(office, "get", "tickets", "-o", "ids")
        assert (read.returncode, read.stdout.decode().split()) == (0, [TID]), read.stderr.decode()
    finally:
        for filler in office.parent.glob("filler*"):
            filler.unlink()
    # space again: the next write just works, nothing was left half-done
    result = wuyectl(office, *ASSIGN, env={"WUYECTL_LOCK_TIMEOUT": "1"})
    assert result.returncode == 0, result.stderr.decode()
    assert g("status", "--porcelain", "--untracked-files=all") == ""
    assert leftovers(office) == []


# -- a read-only repo ---------------------------------------------------------------------
@pytest.fixture
def read_only(office):
    """Make the office read-only; yields the environment of the commands to run against it.

    Not root: chmod. Root (chmod does not stop root): a read-only bind mount of the office onto
    itself. Where mounting is not permitted either, the read-only repo is *simulated* with the
    enospc:before-write failpoint — the same path (an OSError on the first write), but without
    the real EROFS from the kernel."""
    if os.geteuid() != 0:
        modes = {}
        for path in [office, *office.rglob("*")]:
            if not path.is_symlink():
                modes[path] = path.stat().st_mode
                path.chmod(modes[path] & ~0o222)
        yield {}
        for path, mode in modes.items():
            path.chmod(mode)
        return
    if not shutil.which("mount") or not _mount("--bind", str(office), str(office)):
        yield {"WUYECTL_FAULT": "enospc:before-write"}          # simulated (see above)
        return
    try:
        if not _mount("-o", "remount,bind,ro", str(office)):
            pytest.skip("cannot remount read-only here")
        yield {}
    finally:
        _umount(office)


def test_a_read_only_repo_is_a_clear_error(office, git, ticket, read_only):
    before = snapshot(git, office)
    for args in (ASSIGN, OPEN):
        result = wuyectl(office, *args, env=read_only)
        err = result.stderr.decode()
        assert result.returncode == 9, err
        assert err.startswith("wuyectl: ") and err.count("\n") == 1 and "Traceback" not in err, err
        assert ("ead-only file system" in err or "ermission denied" in err
                or read_only and "No space left on device" in err), err
        assert err.endswith("nothing was changed\n"), err
        assert snapshot(git, office) == before
    read = wuyectl(office, "get", "tickets", "-o", "ids")
    assert (read.returncode, read.stdout.decode().split()) == (0, [TID]), read.stderr.decode()


# -- files the caller wrote: Transaction.commit_paths (init, sync) --------------------------
DIRECTOR_ACTOR = {"name": "刘主任", "role": "director"}
INIT_PATHS = ["wuye.yaml", "tickets/.gitkeep"]

# Commits the paths given on its command line through commit_paths, in a child process (the
# failpoints of WUYECTL_FAULT kill it): argv = office, action, subject, paths…
_COMMIT_PATHS = r"""
import sys
from wuyectl.store.office import Office
from wuyectl.store.transaction import Transaction
office = Office(sys.argv[1])
with Transaction(office, {"name": "刘主任", "role": "director"}) as tx:
    print(tx.commit_paths(sys.argv[4:], sys.argv[3], action=sys.argv[2], records=[]))
"""


def commit_paths_child(root: Path, action: str, subject: str, paths: list[str], env: dict | None = None):
    return subprocess.run([sys.executable, "-c", _COMMIT_PATHS, str(root), action, subject, *paths],
                          cwd=root, env=dict(os.environ, **(env or {})), capture_output=True, timeout=60,
                          check=False)


@pytest.fixture
def fresh(tmp_path, office):
    """A new git repo with no commit yet, holding an office's wuye.yaml and one .gitkeep,
    written but not committed (what `init` has before its first commit)."""
    root = tmp_path / "fresh"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    shutil.copy(office / "wuye.yaml", root / "wuye.yaml")
    (root / "tickets").mkdir()
    (root / "tickets" / ".gitkeep").write_bytes(b"")
    return root


def _git_in(root: Path, *args) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, check=True).stdout.decode("utf-8")


def has_head(root: Path) -> bool:
    return subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=root, capture_output=True,
                          check=False).returncode == 0


def test_commit_paths_makes_the_first_commit_of_a_fresh_repo(fresh):
    from wuyectl.store.office import Office
    from wuyectl.store.transaction import Transaction

    with Transaction(Office(str(fresh)), DIRECTOR_ACTOR) as tx:
        commit = tx.commit_paths(INIT_PATHS, "init office 幸福花园", action="init", records=[])
    assert _git_in(fresh, "rev-parse", "HEAD").strip() == commit
    assert _git_in(fresh, "rev-list", "--count", "HEAD").strip() == "1"
    assert sorted(_git_in(fresh, "show", "--name-only", "--format=", "HEAD").split()) == sorted(INIT_PATHS)
    body = _git_in(fresh, "log", "-1", "--format=%an|%B")
    assert body.startswith("刘主任|init office 幸福花园\n") and "Wuye-Action: init" in body
    assert "Wuye-Role: director" in body
    assert _git_in(fresh, "status", "--porcelain", "--untracked-files=all") == ""
    assert not (fresh / ".git" / "wuyectl" / "journal.json").exists()


def test_a_failed_first_commit_takes_the_callers_files_back(fresh, fault_hook):
    """A full disk in the commit path (an in-process hook): no commit, nothing left staged,
    the files the caller wrote for it removed (so `init` can simply be run again)."""
    from wuyectl.errors import RepoError
    from wuyectl.store.office import Office
    from wuyectl.store.transaction import Transaction

    def full(point):
        if point == "after-add":
            raise OSError(28, "No space left on device")

    fault_hook(full)
    with Transaction(Office(str(fresh)), DIRECTOR_ACTOR) as tx, \
            pytest.raises(RepoError, match="No space left on device.*nothing was changed"):
        tx.commit_paths(INIT_PATHS, "init office 幸福花园", action="init", records=[])
    assert not has_head(fresh)
    assert _git_in(fresh, "ls-files") == ""
    assert not (fresh / "wuye.yaml").exists() and not (fresh / "tickets" / ".gitkeep").exists()
    assert not (fresh / ".git" / "wuyectl" / "journal.json").exists()


@pytest.mark.parametrize("point", ["after-write", "after-add", "during-commit", "after-commit"])
def test_a_killed_first_commit_is_all_or_nothing(point, fresh):
    from wuyectl.store.office import Office

    killed = commit_paths_child(fresh, "init", "init office 幸福花园", INIT_PATHS,
                                env={"WUYECTL_FAULT": point, "WUYECTL_FAULT_DELAY": "0.3"})
    assert killed.returncode == KILLED, killed.stderr.decode()
    assert (fresh / ".git" / "wuyectl" / "journal.json").exists()
    Office(str(fresh))                                   # the next command recovers
    assert not (fresh / ".git" / "wuyectl" / "journal.json").exists()
    assert leftovers(fresh) == []
    assert _git_in(fresh, "status", "--porcelain", "--untracked-files=all") == ""
    landed = has_head(fresh)
    if point == "after-commit":
        assert landed
    if point in ("after-write", "after-add"):
        assert not landed
    if landed:
        assert sorted(_git_in(fresh, "ls-files").split()) == sorted(INIT_PATHS)
    else:
        assert _git_in(fresh, "ls-files") == "" and not (fresh / "wuye.yaml").exists()


OWNER_FILE = "owners/3/3-2-1201.yaml"


@pytest.fixture
def merging(git, office, ticket):
    """A merge in progress, as `sync` makes it (`git merge --no-commit --no-ff`): here the
    ticket, there a hand note in the household record. Yields (HEAD, MERGE_HEAD, snapshot)."""
    base = git("rev-parse", "HEAD~1").strip()
    git("branch", "there", base)
    git("checkout", "-q", "there")
    with open(office / OWNER_FILE, "a", encoding="utf-8") as fh:
        fh.write("# 业主要求周末上门\n")
    git("commit", "-q", "-am", "note")
    there = git("rev-parse", "HEAD").strip()
    git("checkout", "-q", "-")
    before = snapshot(git, office)
    git("merge", "--no-commit", "--no-ff", "-q", "there")
    assert (office / ".git" / "MERGE_HEAD").exists()
    return before["head"], there, before


def test_commit_paths_commits_a_merge_in_progress(merging, git, office):
    from wuyectl.store.office import Office
    from wuyectl.store.transaction import Transaction

    here, there, _ = merging
    with Transaction(Office(str(office)), DIRECTOR_ACTOR) as tx:
        commit = tx.commit_paths([OWNER_FILE], "sync with origin/main", action="sync", records=[])
    assert git("rev-parse", "HEAD").strip() == commit
    assert git("log", "-1", "--format=%P").split() == [here, there]
    assert trailers(git)["Wuye-Action"] == ["sync"]
    assert not (office / ".git" / "MERGE_HEAD").exists()
    assert git("status", "--porcelain", "--untracked-files=all") == ""
    assert "周末上门" in (office / OWNER_FILE).read_text(encoding="utf-8")


def test_a_failed_merge_commit_ends_the_merge_and_changes_nothing(merging, git, office, fault_hook):
    from wuyectl.errors import RepoError
    from wuyectl.store.office import Office
    from wuyectl.store.transaction import FaultHook, Transaction

    class GitFails(FaultHook):
        def run_git(self, step, top, args, env, message, input=None):
            raise RepoError("git commit failed: simulated")

    before = merging[2]
    fault_hook(GitFails())
    with Transaction(Office(str(office)), DIRECTOR_ACTOR) as tx, pytest.raises(RepoError, match="simulated"):
        tx.commit_paths([OWNER_FILE], "sync with origin/main", action="sync", records=[])
    assert snapshot(git, office) == before
    assert not (office / ".git" / "MERGE_HEAD").exists()
    assert git("status", "--porcelain", "--untracked-files=all") == ""
    assert leftovers(office) == []


@pytest.mark.parametrize("point", ["after-add", "during-commit", "after-commit"])
def test_a_killed_merge_commit_is_all_or_nothing(point, merging, cli, git, office):
    here, there, before = merging
    killed = commit_paths_child(office, "sync", "sync with origin/main", [OWNER_FILE],
                                env={"WUYECTL_FAULT": point, "WUYECTL_FAULT_DELAY": "0"})
    assert killed.returncode == KILLED, killed.stderr.decode()
    assert cli("get", "tickets", "-o", "ids").code == 0          # the next command recovers
    assert not (office / ".git" / "wuyectl" / "journal.json").exists()
    assert not (office / ".git" / "MERGE_HEAD").exists()
    assert leftovers(office) == []
    assert git("status", "--porcelain", "--untracked-files=all") == ""
    if git("rev-parse", "HEAD").strip() == here:
        assert point != "after-commit"
        assert snapshot(git, office) == before
    else:
        assert git("log", "-1", "--format=%P").split() == [here, there]
        assert trailers(git)["Wuye-Action"] == ["sync"]
    assert cli(*ASSIGN).code == 0



def test_a_merge_that_changes_no_file_is_still_committed(git, office, ticket):
    """Both sides diverged but the merge's tree is HEAD's: commit_paths([]) still records the
    merge (else the clones would never settle)."""
    from wuyectl.store.office import Office
    from wuyectl.store.transaction import Transaction

    here = git("rev-parse", "HEAD").strip()
    git("branch", "there", "HEAD~1")
    git("checkout", "-q", "there")
    git("commit", "-q", "--allow-empty", "-m", "nothing")
    there = git("rev-parse", "HEAD").strip()
    git("checkout", "-q", "-")
    git("merge", "--no-commit", "--no-ff", "-q", "there")
    with Transaction(Office(str(office)), DIRECTOR_ACTOR) as tx:
        tx.commit_paths([], "sync with origin/main", action="sync", records=[])
    assert git("log", "-1", "--format=%P").split() == [here, there]
    assert git("status", "--porcelain", "--untracked-files=all") == ""
    assert not (office / ".git" / "MERGE_HEAD").exists()
