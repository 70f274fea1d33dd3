"""The server's hooks, the fast way (issue 10): a plain bare repository reached by its path,
with `wuyectl server install`ed hooks; the office fixture pushes to it with git.

A pushed ref is never deleted or moved but forward; what the history replay flags is refused
with its code; every accepted push leaves a receipt (the server's clock, the pusher, ref, old,
new) as a note in refs/notes/wuyectl-received. gitolite's GL_USER is what a local-path push
does not have: these tests set it in the pusher's environment (the hook inherits it) to play
gitolite's part; tests/test_server_gitolite.py has the real thing.
"""
from __future__ import annotations

import os
import pwd
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import HAND, OPEN_REPAIR, ticket_path

from wuyectl.app import server as serving
from wuyectl.errors import RepoError
from wuyectl.store.office import Office

# Messages are asserted in English here (the default is Chinese: tests/test_messages.py).
pytestmark = pytest.mark.lang("en")

RECEIPT = re.compile(r"received-at: (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00)\npusher: (\S+)\nref: (\S+)\n"
                     r"old: ([0-9a-f]{40})\nnew: ([0-9a-f]{40})\n")
ME = pwd.getpwuid(os.geteuid()).pw_name


def sh(repo: Path, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(["git", *HAND, *args], cwd=repo, capture_output=True, env={**os.environ, **(env or {})})
    if check and proc.returncode:
        raise AssertionError(f"git {' '.join(args)}: {proc.stderr.decode()}")
    return proc


def out(repo: Path, *args: str) -> str:
    return sh(repo, *args).stdout.decode("utf-8").strip()


def remote_lines(proc: subprocess.CompletedProcess) -> list[str]:
    """What the hooks said to the pusher (git shows it as `remote: …`, padded with blanks)."""
    return [line[len("remote: "):].rstrip() for line in proc.stderr.decode("utf-8").splitlines()
            if line.startswith("remote: ")]


def codes(proc: subprocess.CompletedProcess) -> list[str]:
    """The finding codes of the refusal lines `wuyectl: refused: COMMIT CODE[ PATH]: …`."""
    return [line.split()[3].rstrip(":") for line in remote_lines(proc)]


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def bare(tmp_path, cli):
    """A bare repository with the wuyectl hooks, the office's remote `origin`, holding its
    history so far (pushed before the hooks were there, as a server set up for an existing
    office is)."""
    path = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


@pytest.fixture
def server(bare, office, cli):
    sh(office, "remote", "add", "origin", str(bare))
    sh(office, "push", "-q", "origin", "HEAD:master")
    result = cli("server", "install", bare)
    assert result.code == 0, result.err
    return bare


def push(office: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return sh(office, "push", "origin", *args, env=env, check=False)


# -- install -----------------------------------------------------------------------------
def test_install_writes_two_hooks_that_run_this_python(cli, bare):
    result = cli("server", "install", bare)
    assert (result.code, result.err) == (0, "")
    assert result.out == f"{bare}/hooks: pre-receive, post-receive (run by {sys.executable})\n"
    for name in ("pre-receive", "post-receive"):
        hook = bare / "hooks" / name
        assert os.access(hook, os.X_OK)
        text = hook.read_text()
        assert text.startswith("#!/bin/sh\n# Installed by `wuyectl server install`")
        assert text.endswith(f"\nexec {sys.executable} -m wuyectl server {name}\n")
    # installing again replaces its own hooks
    assert cli("server", "install", bare).code == 0


def test_install_refuses_what_is_not_a_bare_repository(cli, office, tmp_path):
    result = cli("server", "install", tmp_path / "nowhere.git")
    assert (result.code, result.out, result.err) == (9, "", f"wuyectl: {tmp_path}/nowhere.git: no such repository\n")
    result = cli("server", "install", office)
    assert (result.code, result.out) == (9, "")
    assert result.err == (f"wuyectl: {office} is a work tree, not a bare repository (install into the server's "
                          "bare repository, e.g. /var/lib/gitolite3/repositories/office.git)\n")
    (tmp_path / "plain").mkdir()
    result = cli("server", "install", tmp_path / "plain")
    assert result.err == (f"wuyectl: {tmp_path}/plain is not a git repository (install into the server's "
                          "bare repository, e.g. /var/lib/gitolite3/repositories/office.git)\n")
    assert not (office / ".git" / "hooks" / "pre-receive").exists()


def test_install_leaves_a_hook_it_did_not_write(cli, bare):
    theirs = bare / "hooks" / "pre-receive"
    theirs.write_text("#!/bin/sh\nexit 0\n")
    result = cli("server", "install", bare)
    assert (result.code, result.out) == (9, "")
    assert result.err == (f"wuyectl: {theirs}: a pre-receive hook not made by wuyectl is there; move it away "
                          "first (docs/server.md: chaining hooks)\n")
    assert theirs.read_text() == "#!/bin/sh\nexit 0\n"
    assert not (bare / "hooks" / "post-receive").exists()


# -- what is refused ---------------------------------------------------------------------
def test_deleting_a_branch_is_refused(server, office):
    before = out(server, "rev-parse", "master")
    proc = push(office, ":master")
    assert proc.returncode != 0
    assert remote_lines(proc) == ["wuyectl: refused: refs/heads/master: deleting a branch is refused "
                                  "(history is never deleted)"]
    assert out(server, "rev-parse", "master") == before


def test_a_non_fast_forward_is_refused(server, office, cli):
    assert cli(*OPEN_REPAIR, "--as", "王芳").code == 0
    assert push(office, "HEAD:master").returncode == 0
    pushed = out(office, "rev-parse", "HEAD")
    sh(office, "reset", "-q", "--hard", "HEAD~1")
    proc = push(office, "--force", "HEAD:master")
    assert proc.returncode != 0
    assert remote_lines(proc) == [f"wuyectl: refused: refs/heads/master: not a fast-forward: {pushed[:10]} would "
                                  "be dropped from the history (a rewritten history is refused; fetch, merge, push "
                                  "again)"]
    assert out(server, "rev-parse", "master") == pushed


def test_receipts_cannot_be_pushed_and_tags_never_move(server, office):
    proc = push(office, "HEAD:refs/notes/wuyectl-received")
    assert remote_lines(proc) == ["wuyectl: refused: refs/notes/wuyectl-received: receipts are written by the "
                                  "server only"]
    assert push(office, "HEAD:refs/tags/v1").returncode == 0
    proc = push(office, "--force", "HEAD~1:refs/tags/v1")
    assert remote_lines(proc) == ["wuyectl: refused: refs/tags/v1: moving a tag is refused"]
    proc = push(office, ":refs/tags/v1")
    assert remote_lines(proc) == ["wuyectl: refused: refs/tags/v1: deleting a tag is refused "
                                  "(history is never deleted)"]


def test_a_hand_edit_is_refused_with_its_code(server, office, cli):
    assert cli(*OPEN_REPAIR, "--as", "王芳").code == 0
    path = office / ticket_path("T-20261122-A001")
    path.write_text(path.read_text(encoding="utf-8").replace("卫生间漏水", "厨房漏水"), encoding="utf-8")
    sh(office, "commit", "-q", "--no-verify", "-am", "fix the description")
    hand = out(office, "rev-parse", "HEAD")
    before = out(server, "rev-parse", "master")
    proc = push(office, "HEAD:master")
    assert proc.returncode != 0
    lines = remote_lines(proc)
    assert lines and all(line.startswith(f"wuyectl: refused: {hand[:10]} A-") for line in lines), lines
    # (the message is the replay's: replay.py)
    assert [line.split(": ", 3)[2] for line in lines] == [f"{hand[:10]} A-hand-edit {ticket_path('T-20261122-A001')}"]
    assert out(server, "rev-parse", "master") == before
    assert out(server, "notes", "--ref=wuyectl-received", "list") == ""   # no receipt of a refused push


def test_a_new_branch_is_checked_from_where_it_leaves_the_servers_history(server, office, cli):
    assert push(office, "HEAD:refs/heads/copy").returncode == 0           # nothing new: nothing to replay
    assert cli(*OPEN_REPAIR, "--as", "王芳").code == 0
    assert push(office, "HEAD:refs/heads/draft").returncode == 0
    (office / "wuye.yaml").write_text((office / "wuye.yaml").read_text(encoding="utf-8") + "# x\n", encoding="utf-8")
    sh(office, "commit", "-q", "--no-verify", "-am", "hand")
    proc = push(office, "HEAD:refs/heads/other")
    assert codes(proc) == ["A-hand-edit"]


# -- the pusher (gitolite's GL_USER, played by the environment here) ----------------------
@pytest.fixture
def logins(server, office, cli):
    """刘主任 is `liu` on the server, 王芳 `wang`; pushed without a server user (the pusher is
    checked against the roster as it was *before* the push: the first logins cannot vouch for
    themselves)."""
    for name, login in (("刘主任", "liu"), ("王芳", "wang")):
        result = cli("staff", "key", name, "--login", login, "--as", "刘主任")
        assert result.code == 0, result.err
    assert push(office, "HEAD:master").returncode == 0
    return server


def test_commits_made_by_someone_else_than_the_pusher_are_refused(logins, office, cli):
    assert cli(*OPEN_REPAIR, "--as", "刘主任").code == 0
    his = out(office, "rev-parse", "HEAD")
    proc = push(office, "HEAD:master", env={"GL_USER": "wang"})
    assert proc.returncode != 0
    assert remote_lines(proc) == [f"wuyectl: refused: {his[:10]} A-not-pusher: made by 刘主任, pushed by 王芳 (wang)"]
    # a director pushing a clerk's (plain) commits is refused too: only merges are a director's to push
    assert cli(*OPEN_REPAIR, "--as", "王芳").code == 0
    hers = out(office, "rev-parse", "HEAD")
    proc = push(office, "HEAD:master", env={"GL_USER": "liu"})
    assert remote_lines(proc) == [f"wuyectl: refused: {hers[:10]} A-not-pusher: made by 王芳, pushed by 刘主任 (liu)"]


def test_a_login_not_on_the_roster_is_refused(logins, office, cli):
    assert cli(*OPEN_REPAIR, "--as", "王芳").code == 0
    proc = push(office, "HEAD:master", env={"GL_USER": "admin"})
    assert codes(proc) == ["A-not-pusher"]
    assert "'admin' is no one on the office roster" in remote_lines(proc)[0]


# -- receipts ----------------------------------------------------------------------------
def test_each_accepted_push_leaves_a_receipt_on_its_tip(server, office, cli):
    first = out(server, "rev-parse", "master")
    assert cli(*OPEN_REPAIR, "--as", "王芳").code == 0
    assert cli("assign", "T-20261122-A001", "--to", "李明", "--as", "王芳").code == 0
    before = now()
    proc = push(office, "HEAD:master")
    after = now()
    assert proc.returncode == 0, proc.stderr.decode()
    assert remote_lines(proc) == []
    tip = out(office, "rev-parse", "HEAD")
    note = out(server, "notes", "--ref=wuyectl-received", "show", tip) + "\n"
    at, pusher, ref, old, new = RECEIPT.fullmatch(note).groups()
    assert before <= datetime.fromisoformat(at) <= after       # the server's clock, not WUYECTL_NOW
    assert (pusher, ref, old, new) == (ME, "refs/heads/master", first, tip)
    # the same tip pushed to a second branch: the note gets a second receipt
    assert push(office, "HEAD:refs/heads/copy").returncode == 0
    note = out(server, "notes", "--ref=wuyectl-received", "show", tip) + "\n"
    blocks = note.split("\n\n")
    assert len(blocks) == 2 and RECEIPT.fullmatch(blocks[1]).group(3, 4) == ("refs/heads/copy", "0" * 40)

    receipts = serving.received(str(server))
    assert [(r.ref, r.old, r.new, r.pusher) for r in receipts] == [
        ("refs/heads/master", first, tip, ME), ("refs/heads/copy", None, tip, ME)]
    assert receipts[0].commits == out(office, "rev-list", "--first-parent", f"{first}..{tip}").split()
    assert len(receipts[0].commits) == 2
    assert receipts[1].commits == out(office, "rev-list", "--first-parent", tip).split()
    assert receipts[0].as_dict()["at"] == receipts[0].at


def test_the_receipt_names_the_gitolite_user(logins, office, cli):
    assert cli(*OPEN_REPAIR, "--as", "王芳").code == 0
    assert push(office, "HEAD:master", env={"GL_USER": "wang"}).returncode == 0
    receipts = serving.received(str(logins))
    assert [r.pusher for r in receipts] == [ME, "wang"]


def test_a_sync_through_the_hooks(server, office, cli):
    assert cli(*OPEN_REPAIR, "--as", "王芳").code == 0
    result = cli("sync", "--as", "王芳")
    assert result.code == 0, result.err
    assert serving.received(str(server))[-1].new == out(office, "rev-parse", "HEAD")


def test_no_receipts_is_an_empty_list(bare):
    assert serving.received(str(bare)) == []


# -- the comparison for `audit --remote` --------------------------------------------------
@pytest.fixture
def clone_b(server, tmp_path):
    b = tmp_path / "b"
    subprocess.run(["git", "clone", "-q", str(server), str(b)], check=True, capture_output=True)
    sh(b, "config", "wuyectl.station", "B")
    return b


def compare(path: Path, remote: str = "origin") -> list[tuple[str, str]]:
    return [(f.commit, f.code) for f in serving.compare_with_remote(Office(str(path)), remote)]


def test_a_clone_in_step_behind_or_ahead_has_no_findings(server, clone_b, office, cli):
    assert cli("sync", "--as", "王芳").code == 0
    assert compare(office) == []
    assert cli(*OPEN_REPAIR, "--as", "王芳", "--repo", clone_b).code == 0
    assert cli("sync", "--as", "王芳", "--repo", clone_b).code == 0          # b pushed: a is behind
    assert cli(*OPEN_REPAIR, "--as", "王芳").code == 0                       # and a has a commit not pushed
    assert compare(office) == []
    assert compare(clone_b) == []
    # the comparison fetched into its own refs: what sync reads as the last-seen remote did not move
    assert out(office, "rev-parse", "origin/master") != out(office, "rev-parse", "refs/wuyectl/remote/origin/master")
    assert "received-at:" in out(office, "log", "-1", "--notes=wuyectl-received-origin",
                                 "refs/wuyectl/remote/origin/master")


def test_a_rewritten_local_history_is_found(server, office, cli):
    assert cli(*OPEN_REPAIR, "--as", "王芳").code == 0
    assert cli("sync", "--as", "王芳").code == 0
    pushed = out(office, "rev-parse", "HEAD")
    # the pushed commit replaced by another: amended, as a hand would
    sh(office, "commit", "-q", "--amend", "--no-verify", "-m", "open T-20261122-A001 (again)")
    amended = out(office, "rev-parse", "HEAD")
    found = serving.compare_with_remote(Office(str(office)), "origin")
    assert [(f.commit, f.code) for f in found] == [(pushed[:10], "A-not-local"), (amended[:10], "A-not-on-server")]
    assert found[0].message.startswith("received by origin at 20")
    assert found[0].message.endswith(f"from {ME}, in the history this clone synced ({pushed[:10]}), and no "
                                     "longer in the local history: it was rewritten")
    assert found[1].message == (f"never received by origin, and not built on {pushed[:10]} (the last commit synced "
                                "with origin): it replaced history the server has")
    assert (found[1].author, found[1].path) == ("王芳", "")


def test_a_clone_that_never_synced_or_a_bad_remote(server, office, cli, tmp_path):
    # pushed with git, never synced, and no remote-tracking ref: nothing agreed on to compare with
    subprocess.run(["git", "update-ref", "-d", "refs/remotes/origin/master"], cwd=office, check=True)
    assert compare(office) == []
    with pytest.raises(RepoError) as raised:
        serving.compare_with_remote(Office(str(office)), "nas")
    assert str(raised.value) == "no remote 'nas' (git remote add nas URL)"
    empty = tmp_path / "empty.git"
    subprocess.run(["git", "init", "-q", "--bare", str(empty)], check=True)
    sh(office, "remote", "add", "empty", str(empty))
    with pytest.raises(RepoError) as raised:
        serving.compare_with_remote(Office(str(office)), "empty")
    assert str(raised.value) == "empty has no branch master"


def test_the_pre_receive_command_exits_5_with_a_line_per_problem(server, run, office):
    tip = out(server, "rev-parse", "master")
    result = run("server", "pre-receive", input=f"{tip} {'0' * 40} refs/heads/master\n{tip} {'0' * 40} refs/tags/x\n",
                 env={"GIT_DIR": str(server)})
    assert (result.code, result.out) == (5, "")
    assert result.err == ("wuyectl: refused: refs/heads/master: deleting a branch is refused (history is never deleted)\n"
                          "wuyectl: refused: refs/tags/x: deleting a tag is refused (history is never deleted)\n")
    assert run("server", "pre-receive", input=f"{tip} {tip} refs/heads/master\n", env={"GIT_DIR": str(server)}).code == 0


def test_a_server_that_lost_synced_commits_is_found(server, office, cli):
    assert cli(*OPEN_REPAIR, "--as", "王芳").code == 0
    assert cli("sync", "--as", "王芳").code == 0
    synced = out(office, "rev-parse", "HEAD")
    sh(server, "update-ref", "refs/heads/master", f"{synced}~1")          # by hand on the server's disk
    found = serving.compare_with_remote(Office(str(office)), "origin")
    assert [(f.commit, f.code, f.message) for f in found] == [
        (synced[:10], "A-not-on-server", f"synced with origin ({synced[:10]}) and no longer on origin/master: the "
                                         "server's history was rewritten")]


def test_event_times_are_bounded_by_the_servers_receipt(server, office, cli):
    # a commit whose author and committer dates were set back with its event time: the replay
    # (on the server too) sees them agree; only the server's own clock says when it arrived
    assert cli("policy", "set", "backdate_limit_days", "20000", "--as", "刘主任").code == 0   # 54 years
    (office / "notes.txt").write_text("补录\n", encoding="utf-8")
    sh(office, "add", "notes.txt")
    old = "1971-01-01T09:00:00+08:00"
    message = "notes\n\nWuye-Action: edit\nWuye-Record: T-19710101-A001\nWuye-Role: clerk\nWuye-At: " + old + "\n"
    sh(office, "commit", "-q", "--no-verify", "-m", message,
       env={"GIT_AUTHOR_DATE": old, "GIT_COMMITTER_DATE": old})
    commit = out(office, "rev-parse", "HEAD")
    assert cli("sync", "--as", "王芳").code == 0
    found = serving.compare_with_remote(Office(str(office)), "origin")
    assert [(f.commit, f.code) for f in found] == [(commit[:10], "A-backdated")]
    assert re.fullmatch(r"business time 1971-01-01T09:00:00\+08:00 is more than 20000 days before origin received "
                        r"the commit \(20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00\)", found[0].message)
