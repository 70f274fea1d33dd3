"""The commit path without git's index (store/objects.py, Transaction._commit_journalled).

The tree built from HEAD's trees and the changed paths must be exactly the one git builds from
its index (`git add -A && git write-tree`) — a property over random changes; the objects must
pass `git fsck`; the branch must never overwrite a commit made meanwhile; a big index is split.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import OPEN_REPAIR, ticket_path

pytestmark = pytest.mark.lang("en")


def _git(repo: Path, *args: str, input: bytes | None = None) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo,
                          input=input, capture_output=True, check=True).stdout.decode()


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    for rel in ("a0", "a.b", "a-b/x.yaml", "a/b/c.yaml", "a/z.yaml", "票/一.yaml", "t/2026-11/T-1.yaml"):
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{rel}\n", encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    return repo


# Names chosen to stress git's tree order (a folder sorts as if its name ended in "/").
NAMES = ["a", "a.b", "a-b", "a0", "b", "票", "t", "2026-11", "x.yaml", "T-2.yaml", "c.yaml", "z.yaml"]
paths = st.lists(st.sampled_from(NAMES), min_size=1, max_size=3).map("/".join)
changes = st.lists(st.tuples(paths, st.sampled_from(["write", "delete", "exec"])), min_size=1, max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=changes)
def test_the_tree_is_the_one_git_builds_from_its_index(tmp_path_factory, changes):
    from wuyectl.store import objects

    repo = _repo(tmp_path_factory.mktemp("prop"))
    base = _git(repo, "rev-parse", "HEAD").strip()
    touched = []
    for rel, what in changes:
        path = repo / rel
        # a path through an existing file, or a file where a folder is: skip (no such change exists)
        if any((repo / Path(*Path(rel).parts[:i])).is_file() for i in range(1, len(Path(rel).parts))):
            continue
        if path.is_dir():
            continue
        if what == "delete":
            if path.exists():
                path.unlink()
                touched.append(rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{rel} {what}\n", encoding="utf-8")
        os.chmod(path, 0o755 if what == "exec" else 0o644)
        touched.append(rel)
    if not touched:
        return
    ours = objects.tree_with_files(str(repo), str(repo / ".git"), base, sorted(set(touched)))
    _git(repo, "add", "-A")
    assert ours == _git(repo, "write-tree").strip()
    assert subprocess.run(["git", "fsck", "--strict", "--no-dangling"], cwd=repo, capture_output=True).returncode == 0


def test_an_action_commits_one_file_and_leaves_git_status_clean(cli, git, office):
    tid = cli(*OPEN_REPAIR, "--as", "王芳").out.strip()
    assert git("show", "--name-only", "--format=%s", "HEAD").split("\n")[:3] == \
        [f"{tid} open 报修 3-2-1201", "", ticket_path(tid)]
    assert git("status", "--porcelain", "--untracked-files=all") == ""
    assert git("reflog", "-1", "--format=%gs").startswith(f"commit: {tid} open 报修")
    fsck = subprocess.run(["git", "fsck", "--strict", "--no-dangling"], cwd=office, capture_output=True)
    assert fsck.returncode == 0, fsck.stderr.decode()
    # git's own commands work between ours
    (office / "notes.txt").write_text("交接\n", encoding="utf-8")
    git("add", "notes.txt")
    git("commit", "-q", "-m", "hand note")
    assert cli("assign", tid, "--to", "李明", "--as", "王芳").code == 0
    assert git("status", "--porcelain", "--untracked-files=all") == ""
    assert git("log", "-3", "--format=%s").splitlines()[1] == "hand note"


def test_a_commit_made_meanwhile_is_never_overwritten(cli, git, office, fault_hook):
    """Someone commits with git between the tool's commit object and its branch move (past the
    pre-commit hook, which would wait for the tool's lock): the tool refuses (nothing of its
    change stays), the other commit is kept."""
    tid = cli(*OPEN_REPAIR, "--as", "王芳").out.strip()
    before = git("rev-parse", "HEAD").strip()

    def meanwhile(point):
        if point == "after-index":
            (office / "notes.txt").write_text("交接\n", encoding="utf-8")
            git("add", "notes.txt")
            git("commit", "-q", "--no-verify", "-m", "hand note", "--", "notes.txt")

    fault_hook(meanwhile)
    result = cli("assign", tid, "--to", "李明", "--as", "王芳")
    assert (result.code, result.err) == (8, "wuyectl: the branch moved while this change was being written (a commit "
                                            "made with git meanwhile?); nothing was changed, run the command again\n")
    assert git("log", "-1", "--format=%s") == "hand note\n"
    assert git("rev-parse", "HEAD~1").strip() == before
    assert git("status", "--porcelain", "--untracked-files=all") == ""
    assert "李明" not in (office / ticket_path(tid)).read_text(encoding="utf-8")


def test_a_big_index_is_split_once_and_stays_usable(cli, git, office, monkeypatch):
    from wuyectl.store import transaction

    monkeypatch.setattr(transaction, "SPLIT_INDEX_FROM", 0)
    cli(*OPEN_REPAIR, "--as", "王芳")
    shared = list((office / ".git").glob("sharedindex.*"))
    assert len(shared) == 1
    assert (office / ".git" / "index").read_bytes()[:8] == b"DIRC\0\0\0\x04"
    assert git("status", "--porcelain", "--untracked-files=all") == ""
    cli(*OPEN_REPAIR, "--as", "王芳")
    assert b"link" in (office / ".git" / "index").read_bytes()           # still split (its link extension)
    git("config", "core.splitIndex", "false")   # the office's own choice is kept (git unsplits it)
    git("update-index", "--no-split-index")
    cli(*OPEN_REPAIR, "--as", "王芳")
    assert git("status", "--porcelain", "--untracked-files=all") == ""
    assert git("ls-files", "-s").count("\n") > 3


def test_core_filemode_false_keeps_the_mode_head_has(cli, git, office):
    tid = cli(*OPEN_REPAIR, "--as", "王芳").out.strip()
    git("config", "core.fileMode", "false")
    os.chmod(office / ticket_path(tid), 0o755)          # a shared folder that shows every file as x
    assert cli("assign", tid, "--to", "李明", "--as", "王芳").code == 0
    assert git("ls-tree", "HEAD", "--", ticket_path(tid)).split()[0] == "100644"


def test_loose_objects_are_read_only_and_fsynced_only_when_git_would(tmp_path):
    from wuyectl.store import objects

    repo = _repo(tmp_path)
    writer = objects.ObjectWriter(str(repo / ".git"))
    assert writer.sync is False
    oid = writer.write(b"blob", "物业\n".encode("utf-8"))
    assert oid == _git(repo, "hash-object", "--stdin", input="物业\n".encode("utf-8")).strip()
    path = repo / ".git" / "objects" / oid[:2] / oid[2:]
    assert path.stat().st_mode & 0o222 == 0
    assert _git(repo, "cat-file", "-p", oid) == "物业\n"
    assert not list((repo / ".git" / "objects" / oid[:2]).glob("tmp_obj_*"))
    _git(repo, "config", "core.fsync", "objects")
    assert objects.ObjectWriter(str(repo / ".git")).sync is True


def test_head_read_from_the_files_is_what_git_says(tmp_path):
    """git.head reads .git's files (no process): it must agree with git for an unborn
    branch, a loose ref, packed refs, a detached HEAD and a linked work tree."""
    from wuyectl.store import git as store_git

    repo = tmp_path / "r"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    assert store_git.head(str(repo)) is None

    def agrees(where: Path) -> None:
        said = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=where, capture_output=True,
                              text=True).stdout.strip() or None
        assert store_git.head(str(where)) == said

    _git(repo, "commit", "-q", "--allow-empty", "-m", "one")
    agrees(repo)
    _git(repo, "pack-refs", "--all")
    assert not (repo / ".git" / "refs" / "heads" / "main").exists()
    agrees(repo)
    _git(repo, "commit", "-q", "--allow-empty", "-m", "two")     # loose again, newer than packed
    agrees(repo)
    _git(repo, "checkout", "-q", "--detach", "HEAD~1")
    agrees(repo)
    _git(repo, "checkout", "-q", "main")
    _git(repo, "worktree", "add", "-q", str(tmp_path / "w"), "HEAD~1")
    agrees(tmp_path / "w")
