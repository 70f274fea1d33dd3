"""The index's warm path never serves stale data.

A warm read asks git only about the tracked files (`git status --untracked-files=no`) and
lists again only the folders whose stat changed since the last read (store/cache.py `_walk`),
instead of git's scan of every folder for untracked files. Whatever a person or git does
between two reads, the index must hold exactly the record files of the work tree: the tracked
ones and the untracked ones git does not ignore, each with the blob id of its content now.

Each case runs twice: with the real clock, where a folder changed within RACY_NS of being
listed is listed again on every read (what happens when reads follow changes closely), and
"settled", where no folder counts as racy and a short pause before each change lets the file
system's clock move on, so that only the folders' stats say what changed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import HAND, ticket_path

TICKETS = "tickets"


def _git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", *HAND, *args], cwd=str(root), capture_output=True, check=True)
    return proc.stdout.decode("utf-8")


def truth(root: Path) -> dict[str, str]:
    """What the index must hold, asked of git the slow way: tracked files present in the work
    tree, and untracked ones git does not ignore; each with the blob id of its bytes now."""
    from wuyectl.store.git import blob_id

    names = set(_git(root, "ls-files", "-z", "--", f"{TICKETS}/").split("\0"))
    names |= set(_git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", f"{TICKETS}/").split("\0"))
    out = {}
    for rel in names:
        path = root / rel
        if rel.endswith(".yaml") and path.is_file():
            out[rel] = blob_id(path.read_bytes())
    return out


def indexed(root: Path) -> dict[str, str]:
    from wuyectl.domain.kinds import kind_named
    from wuyectl.store.office import Office

    return {e.relpath: e.blob for e in Office(str(root)).index(kind_named("ticket")).entries()}


@pytest.fixture(params=["racy", "settled"])
def clock(request, monkeypatch):
    """`clock.tick()` before each change: a pause, when folders are taken as settled."""
    from wuyectl.store import cache

    class Clock:
        settled = request.param == "settled"

        def tick(self):
            if self.settled:
                time.sleep(0.03)   # past a tick of the file system's coarse clock

    if Clock.settled:
        monkeypatch.setattr(cache, "RACY_NS", -10 ** 18)   # every folder's stat is kept
    return Clock()


def _first(root: Path, new_ticket) -> tuple[str, str]:
    tid = new_ticket()
    return tid, (root / ticket_path(tid)).read_text(encoding="utf-8")


def test_new_untracked_file_then_edited_in_place_then_deleted(office, new_ticket, clock):
    tid, text = _first(office, new_ticket)
    assert indexed(office) == truth(office)
    clock.tick()
    loose = office / ticket_path("T-20261122-A050")
    loose.write_text(text.replace(tid, "T-20261122-A050"), encoding="utf-8")
    assert "tickets/2026-11/T-20261122-A050.yaml" in indexed(office)
    assert indexed(office) == truth(office)
    # an edit in place changes no folder: an untracked file is looked at on every read
    clock.tick()
    with open(loose, "r+b") as fh:
        fh.seek(0)
        fh.write(fh.read().replace("卫生间漏水".encode(), "厨房漏水啊".encode()))
    assert indexed(office) == truth(office)
    clock.tick()
    loose.unlink()
    assert indexed(office) == truth(office)
    assert list(indexed(office)) == [ticket_path(tid)]


def test_tracked_file_edited_in_place_and_replaced_within_the_same_second(office, new_ticket, clock):
    tid, text = _first(office, new_ticket)
    path = office / ticket_path(tid)
    assert indexed(office) == truth(office)
    clock.tick()
    path.write_text(text.replace("卫生间漏水", "厨房漏水啊"), encoding="utf-8")   # same size, same second
    assert indexed(office) == truth(office)
    clock.tick()
    other = path.with_name(".swap.yaml.tmp")
    other.write_text(text.replace("卫生间漏水", "阳台漏水啊"), encoding="utf-8")
    os.replace(other, path)   # as an editor saves: a new file renamed over the old
    assert indexed(office) == truth(office)
    clock.tick()
    path.unlink()
    assert indexed(office) == truth(office) == {}


def test_ignored_file_is_no_record_until_git_stops_ignoring_it(office, new_ticket, clock):
    tid, text = _first(office, new_ticket)
    clock.tick()
    (office / ".gitignore").write_text("T-20261122-A060.yaml\n", encoding="utf-8")
    ignored = office / ticket_path("T-20261122-A060")
    ignored.write_text(text.replace(tid, "T-20261122-A060"), encoding="utf-8")
    assert ticket_path("T-20261122-A060") not in indexed(office)
    assert indexed(office) == truth(office)
    clock.tick()
    (office / ".gitignore").write_text("", encoding="utf-8")   # no folder of the kind changes
    assert ticket_path("T-20261122-A060") in indexed(office)
    assert indexed(office) == truth(office)
    clock.tick()
    (office / ".gitignore").write_text("*.yaml\n", encoding="utf-8")   # an untracked record becomes ignored
    assert indexed(office) == truth(office) == {ticket_path(tid): truth(office)[ticket_path(tid)]}


def test_file_taken_out_of_git_index_stays_and_is_followed(office, new_ticket, git, clock):
    tid, text = _first(office, new_ticket)
    other = new_ticket()
    assert indexed(office) == truth(office)
    clock.tick()
    git("rm", "-q", "--cached", ticket_path(tid))
    git("commit", "-q", "--no-verify", "-m", "untrack")
    assert indexed(office) == truth(office)
    assert ticket_path(tid) in indexed(office)
    clock.tick()
    with open(office / ticket_path(tid), "r+b") as fh:   # now untracked: edited in place
        fh.write(b"# hand\n" + fh.read())
    assert indexed(office) == truth(office)
    clock.tick()
    git("add", ticket_path(tid))
    assert indexed(office) == truth(office)
    clock.tick()
    git("commit", "-q", "--no-verify", "-m", "tracked again")
    (office / ticket_path(other)).write_text(text.replace(tid, other).replace("卫生间", "厨房的"), encoding="utf-8")
    assert indexed(office) == truth(office)
    clock.tick()
    git("checkout", "-q", "--", ticket_path(other))
    assert indexed(office) == truth(office)


def test_folders_made_and_removed_by_hand(office, new_ticket, git, clock):
    tid, text = _first(office, new_ticket)
    assert indexed(office) == truth(office)
    clock.tick()
    month = office / TICKETS / "2027-01"
    month.mkdir()
    (month / "T-20270105-A001.yaml").write_text(text.replace(tid, "T-20270105-A001"), encoding="utf-8")
    (month / "deeper").mkdir()
    (month / "deeper" / "T-20270105-A002.yaml").write_text(text, encoding="utf-8")
    assert indexed(office) == truth(office)
    assert len(indexed(office)) == 3
    clock.tick()
    shutil.rmtree(month / "deeper")
    assert indexed(office) == truth(office)
    clock.tick()
    shutil.rmtree(month)
    assert indexed(office) == truth(office)
    clock.tick()
    shutil.rmtree(office / TICKETS)   # the kind's own folder gone, then back with git
    assert indexed(office) == truth(office) == {}
    clock.tick()
    git("checkout", "-q", "--", TICKETS)
    assert indexed(office) == truth(office)
    assert list(indexed(office)) == [ticket_path(tid)]


def test_commits_checkouts_and_resets_made_with_git(office, new_ticket, git, clock):
    tid, text = _first(office, new_ticket)
    assert indexed(office) == truth(office)
    clock.tick()
    git("checkout", "-q", "-b", "side")
    extra = office / ticket_path("T-20261122-A070")
    extra.write_text(text.replace(tid, "T-20261122-A070"), encoding="utf-8")
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", "on the side")
    assert indexed(office) == truth(office)
    clock.tick()
    git("checkout", "-q", "-")
    assert indexed(office) == truth(office)
    assert ticket_path("T-20261122-A070") not in indexed(office)
    clock.tick()
    git("merge", "-q", "--ff-only", "side")
    assert indexed(office) == truth(office)
    clock.tick()
    git("reset", "-q", "--hard", "HEAD~1")
    assert indexed(office) == truth(office)


# -- any sequence of changes --------------------------------------------------------------
NAMES = [f"T-20261122-A{n:03d}" for n in range(1, 5)] + ["T-20270101-A001"]
STEPS = st.lists(st.tuples(st.sampled_from(["write", "edit", "replace", "delete", "add", "commit", "rm_cached",
                                            "ignore", "unignore", "checkout", "rmdir", "read"]),
                           st.sampled_from(NAMES), st.booleans()), min_size=1, max_size=10)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_of_changes_leaves_the_index_equal_to_the_work_tree(office_template, tmp_path_factory, steps):
    from wuyectl.store import cache

    root = tmp_path_factory.mktemp("seq") / "office"
    shutil.copytree(office_template, root, symlinks=True)
    # half the examples with every folder's stat kept (changes made a tick apart), half racy
    settled = len(steps) % 2 == 0
    racy_ns = cache.RACY_NS
    if settled:
        cache.RACY_NS = -10 ** 18
    try:
        body = "id: {id}\nstatus: received\ndescription: {text}\n"
        for action, name, flag in steps:
            if settled:
                time.sleep(0.02)
            rel = ticket_path(name)
            path = root / rel
            if action == "write":
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(body.format(id=name, text="一" if flag else "二"), encoding="utf-8")
            elif action in ("edit", "replace") and path.exists():
                data = path.read_bytes()
                new = data.replace("一".encode(), "三".encode()) if flag else data + b"# more\n"
                if action == "edit":
                    with open(path, "r+b") as fh:
                        fh.write(new)
                        fh.truncate()
                else:
                    (root / "swap.tmp").write_bytes(new)
                    os.replace(root / "swap.tmp", path)
            elif action == "delete" and path.exists():
                path.unlink()
            elif action == "add" and path.exists():
                _git(root, "add", "--", rel)
            elif action == "commit":
                _git(root, "add", "-A", "--", TICKETS) if flag else None
                _git(root, "commit", "-q", "--no-verify", "--allow-empty", "-m", "hand")
            elif action == "rm_cached":
                subprocess.run(["git", "rm", "-q", "--cached", "--ignore-unmatch", "--", rel], cwd=root,
                               capture_output=True)
            elif action == "ignore":
                with open(root / ".gitignore", "a", encoding="utf-8") as fh:
                    fh.write(f"{name}.yaml\n")
            elif action == "unignore":
                (root / ".gitignore").write_text("", encoding="utf-8")
            elif action == "checkout":
                subprocess.run(["git", "checkout", "-q", "--", TICKETS], cwd=root, capture_output=True)
            elif action == "rmdir" and path.parent.exists():
                shutil.rmtree(path.parent)
            if action == "read" or flag:
                assert indexed(root) == truth(root), steps
        assert indexed(root) == truth(root), steps
    finally:
        cache.RACY_NS = racy_ns
