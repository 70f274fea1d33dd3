"""Offices that sync (issue 6): a bare remote (the NAS or git server) and two clones.

Clone `a` is the office fixture (station A, from wuye.yaml); clone `b` is a `git clone` of the
remote with `git config wuyectl.station B`. Records made in both never collide; the same
ticket changed in different fields in both merges (timeline from both, in time order); the
same field set differently is refused (exit 8) with both values shown, nothing pushed, and the
clone left exactly as before the sync.
"""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import OPEN_REPAIR, ticket_path

# Messages are asserted in English here (the default is Chinese: tests/test_messages.py).
pytestmark = pytest.mark.lang("en")

TID = "T-20261122-A001"


def sh_git(repo: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True)
    if check and proc.returncode:
        raise AssertionError(f"git {' '.join(args)}: {proc.stderr.decode()}")
    return proc.stdout.decode("utf-8")


def files(repo: Path) -> dict[str, str]:
    return {p.relative_to(repo).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in repo.rglob("*") if p.is_file() and ".git" not in p.relative_to(repo).parts}


def state(repo: Path) -> tuple:
    return (sh_git(repo, "rev-parse", "HEAD"), sh_git(repo, "status", "--porcelain", "--untracked-files=all"),
            files(repo), (repo / ".git" / "MERGE_HEAD").exists())


def load(repo: Path, tid: str) -> dict:
    return yaml.safe_load((repo / ticket_path(tid)).read_text(encoding="utf-8"))


@pytest.fixture
def clones(office, tmp_path, cli):
    """(a, b, remote): the office pushed to a bare remote, and a second clone at station B."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    sh_git(office, "remote", "add", "origin", str(remote))
    first = cli("sync", "--as", "王芳")
    assert first.code == 0, first.err
    b = tmp_path / "b"
    subprocess.run(["git", "clone", "-q", str(remote), str(b)], check=True, capture_output=True)
    sh_git(b, "config", "wuyectl.station", "B")
    return office, b, remote


def at(stamp: str) -> dict:
    return {"WUYECTL_NOW": f"2026-11-22T{stamp}:00+08:00"}


def test_records_made_in_both_clones_never_collide(clones, cli):
    a, b, remote = clones
    made_a = [cli(*OPEN_REPAIR, "--as", "王芳", env=at("09:20")).out.strip() for _ in range(2)]
    made_b = [cli(*OPEN_REPAIR, "--as", "王芳", "--repo", b, env=at("09:21")).out.strip() for _ in range(2)]
    assert made_a == ["T-20261122-A001", "T-20261122-A002"]
    assert made_b == ["T-20261122-B001", "T-20261122-B002"]
    # a pushes, b merges and pushes, a catches up (a fast-forward), then nothing more to do
    outputs = []
    for repo in (a, b, a, b, a):
        result = cli("sync", "--as", "王芳", "--repo", repo, env=at("09:30"))
        assert result.code == 0, result.err
        outputs.append(result.out.split(":")[0])
    assert outputs == ["pushed", "merged and pushed", "up to date", "pushed", "pushed"]
    head = sh_git(remote, "rev-parse", "HEAD")
    assert sh_git(a, "rev-parse", "HEAD") == head == sh_git(b, "rev-parse", "HEAD")
    assert len(sh_git(a, "rev-list", "--merges", "HEAD").split()) == 1     # syncs settle: one merge
    for repo in (a, b):
        ids = cli("get", "tickets", "-o", "ids", "--repo", repo).out.split()
        assert ids == sorted(made_a + made_b, reverse=True)     # newest first (B at 09:21, A at 09:20)
        assert cli("validate", "--repo", repo).code == 0
        assert sh_git(repo, "status", "--porcelain") == ""
    # the station letter keeps numbering apart after the sync too
    assert cli(*OPEN_REPAIR, "--as", "王芳", "--repo", b, env=at("09:40")).out.strip() == "T-20261122-B003"
    assert cli(*OPEN_REPAIR, "--as", "王芳", env=at("09:40")).out.strip() == "T-20261122-A003"


def test_changes_to_different_fields_merge(clones, cli):
    a, b, remote = clones
    assert cli(*OPEN_REPAIR, "--as", "王芳", env=at("09:15")).out.strip() == TID
    assert cli("sync", "--as", "王芳", env=at("09:15")).code == 0
    assert cli("sync", "--as", "王芳", "--repo", b, env=at("09:15")).code == 0
    assert (b / ticket_path(TID)).is_file()
    # a dispatches at 09:20; b (not yet knowing) escalates at 09:17 and records a note later
    assert cli("assign", TID, "--to", "李明", "--as", "王芳", env=at("09:20")).code == 0
    assert cli("escalate", TID, "--reason", "业主催促", "--as", "赵强", "--repo", b, env=at("09:17")).code == 0
    assert cli("sync", "--as", "王芳", env=at("09:25")).code == 0
    result = cli("sync", "--as", "王芳", "--repo", b, env=at("09:26"))
    assert result.code == 0, result.err
    assert result.out.startswith("merged and pushed: master ")
    merged = load(b, TID)
    assert merged["assignee"] == "李明" and merged["status"] == "assigned"        # from a
    assert merged["escalation_level"] == 1                                      # from b
    events = [(e["action"], str(e["at"])[11:16], e["by"]) for e in merged["timeline"]]
    assert events == [("receive", "09:15", "王芳"), ("escalate", "09:17", "赵强"), ("assign", "09:20", "王芳")]
    # the merge is pushed, b is clean and valid, a gets the same record
    assert sh_git(remote, "rev-parse", "HEAD") == sh_git(b, "rev-parse", "HEAD")
    assert sh_git(b, "status", "--porcelain", "--untracked-files=all") == ""
    assert cli("validate", "--repo", b).code == 0
    assert cli("sync", "--as", "王芳", env=at("09:30")).code == 0
    assert load(a, TID) == merged
    body = sh_git(b, "log", "-1", "--format=%B")
    assert "Wuye-Action: sync" in body


def test_a_conflict_on_one_field_is_refused_and_nothing_changes(clones, cli):
    a, b, remote = clones
    assert cli(*OPEN_REPAIR, "--as", "王芳", env=at("09:15")).out.strip() == TID
    assert cli("assign", TID, "--to", "李明", "--as", "王芳", env=at("09:16")).code == 0
    assert cli("sync", "--as", "王芳", env=at("09:16")).code == 0
    assert cli("sync", "--as", "王芳", "--repo", b, env=at("09:16")).code == 0
    # each clone promises a different completion time
    assert cli("update", TID, "--action", "progress", "--set", "promised_at=2026-11-23 10:00", "--as", "李明",
               env=at("09:20")).code == 0
    assert cli("update", TID, "--action", "progress", "--set", "promised_at=2026-11-24 12:00", "--as", "李明",
               "--repo", b, env=at("09:21")).code == 0
    assert cli("sync", "--as", "王芳", env=at("09:22")).code == 0
    remote_before = sh_git(remote, "rev-parse", "HEAD")
    before = state(b)
    result = cli("sync", "--as", "王芳", "--repo", b, env=at("09:23"))
    assert result.code == 8
    assert result.out == ""
    assert result.err == ("wuyectl: sync refused, nothing pushed: the same field was changed in both places: "
                          f"{ticket_path(TID)}: promised_at: here '2026-11-24T12:00:00+08:00', "
                          "there '2026-11-23T10:00:00+08:00'\n")
    assert sh_git(remote, "rev-parse", "HEAD") == remote_before                   # nothing pushed
    assert state(b) == before                                                     # b as before
    assert not (b / ".git" / "wuyectl" / "journal.json").exists()
    # b keeps working, and a second try is refused the same way (idempotent, nothing left over)
    assert cli("get", "tickets", "-o", "ids", "--repo", b).out.split() == [TID]
    assert cli("sync", "--as", "王芳", "--repo", b, env=at("09:24")).code == 8    # refused again, same state
    assert state(b) == before


def test_sync_without_the_remote_is_a_clear_error(office, cli, repo_state):
    before = repo_state()
    result = cli("sync", "nas", "--as", "王芳")
    assert (result.code, result.err) == (9, "wuyectl: no remote 'nas' (git remote add nas URL)\n")
    assert repo_state() == before


# -- a history is only added to (issue 10) ---------------------------------------------------
def test_a_rewritten_local_history_is_not_pushed(clones, cli):
    a, b, remote = clones
    assert cli(*OPEN_REPAIR, "--as", "王芳", env=at("09:15")).out.strip() == TID
    assert cli("assign", TID, "--to", "李明", "--as", "王芳", env=at("09:16")).code == 0
    assert cli("sync", "--as", "王芳", env=at("09:16")).code == 0
    pushed = sh_git(a, "rev-list", "--reverse", "HEAD~2..HEAD").split()
    # both pushed commits dropped here, and a different one made in their place
    sh_git(a, "reset", "-q", "--hard", "HEAD~2")
    assert cli(*OPEN_REPAIR, "--as", "王芳", env=at("09:20")).out.strip() == TID
    remote_before, before = sh_git(remote, "rev-parse", "HEAD"), state(a)
    result = cli("sync", "--as", "王芳", env=at("09:21"))
    assert (result.code, result.out) == (8, "")
    assert result.err == ("wuyectl: sync refused, nothing pushed: the local history was rewritten: 2 commits on "
                          f"origin/master are not in it ({pushed[0][:10]}, {pushed[1][:10]}); fetch and reset to "
                          "origin/master, don't push\n")
    assert sh_git(remote, "rev-parse", "HEAD") == remote_before and state(a) == before
    # amended in place: one commit gone
    sh_git(a, "reset", "-q", "--hard", pushed[1])
    assert cli("sync", "--as", "王芳", env=at("09:22")).code == 0            # back in step: syncs again
    sh_git(a, "-c", "user.name=王芳", "-c", "user.email=w@example.com", "commit", "-q", "--amend", "--no-verify",
           "-m", "assign (again)")
    result = cli("sync", "--as", "王芳", env=at("09:23"))
    assert result.err == ("wuyectl: sync refused, nothing pushed: the local history was rewritten: 1 commit on "
                          f"origin/master is not in it ({pushed[1][:10]}); fetch and reset to origin/master, "
                          "don't push\n")


def test_a_rewritten_server_history_is_not_merged(clones, cli):
    a, b, remote = clones
    assert cli(*OPEN_REPAIR, "--as", "王芳", env=at("09:15")).out.strip() == TID
    assert cli("sync", "--as", "王芳", env=at("09:15")).code == 0
    synced = sh_git(a, "rev-parse", "HEAD").strip()
    # someone with the NAS's disk puts its branch back a commit (no hooks there to refuse it)
    sh_git(remote, "update-ref", "refs/heads/master", f"{synced}~1")
    before = state(a)
    tracking = sh_git(a, "rev-parse", "origin/master")
    result = cli("sync", "--as", "王芳", env=at("09:20"))
    assert (result.code, result.out) == (8, "")
    assert result.err == ("wuyectl: sync refused, nothing pushed: the history on origin/master was rewritten: 1 commit "
                          f"this clone synced is not in it ({synced[:10]}); the server's history must be put back\n")
    assert sh_git(remote, "rev-parse", "HEAD").strip() == f"{sh_git(a, 'rev-parse', f'{synced}~1').strip()}"
    assert state(a) == before and sh_git(a, "rev-parse", "origin/master") == tracking   # as before the sync
    assert cli("sync", "--as", "王芳", env=at("09:21")).code == 8                         # and refused again


def test_a_clone_that_only_fetched_is_not_taken_for_a_rewrite(clones, cli):
    a, b, remote = clones
    assert cli(*OPEN_REPAIR, "--as", "王芳", env=at("09:15")).code == 0
    assert cli("sync", "--as", "王芳", env=at("09:15")).code == 0
    # b (cloned, never synced) fetches by hand, and has a record of its own: merged, not refused
    sh_git(b, "fetch", "-q", "origin")
    assert cli(*OPEN_REPAIR, "--as", "王芳", "--repo", b, env=at("09:16")).code == 0
    result = cli("sync", "--as", "王芳", "--repo", b, env=at("09:17"))
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith("merged and pushed: master ")


def test_a_push_the_server_refuses_is_reported_with_its_reasons(clones, cli):
    a, b, remote = clones
    assert cli("server", "install", remote).code == 0
    (a / "wuye.yaml").write_text((a / "wuye.yaml").read_text(encoding="utf-8") + "# 手改\n", encoding="utf-8")
    sh_git(a, "-c", "user.name=王芳", "-c", "user.email=w@example.com", "commit", "-q", "--no-verify", "-am", "hand")
    hand = sh_git(a, "rev-parse", "HEAD").strip()
    remote_before = sh_git(remote, "rev-parse", "HEAD")
    result = cli("sync", "--as", "王芳", env=at("09:20"))
    assert (result.code, result.out) == (5, "")
    assert result.err.startswith(f"wuyectl: push to origin refused by the server, nothing pushed: {hand[:10]} "
                                 "A-hand-edit wuye.yaml: ")
    assert result.err.count("\n") == 1
    assert sh_git(remote, "rev-parse", "HEAD") == remote_before
