"""One office on a folder several people share (issue 11, "The shared folder").

- Modes: files take the umask's mode and what `core.sharedRepository` adds, exactly as git
  gives its own files (git itself is the oracle here); a rewrite keeps a file's mode.
- git's safe.directory refusal is said as what it is, with the fix.
- The pre-commit hook finds wuyectl as the shell does, and refuses when it cannot.
- `init` inside another repository is refused; a hook that is not ours is kept.
- The lock records host, pid and user: another computer's live record is waited for, then
  refused; a dead writer's record is taken over.
- Two OS users of one group on one `init --shared` office, in turn and at once (as root).
"""
from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import OPEN_REPAIR, ticket_path

EN = {"WUYECTL_LANG": "en"}


@contextlib.contextmanager
def umask(mask: int):
    before = os.umask(mask)
    try:
        yield
    finally:
        os.umask(before)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def git_in(path, *args, env=None, check=True) -> str:
    proc = subprocess.run(["git", "-c", "user.name=王芳", "-c", "user.email=wf@example.com", *args], cwd=str(path),
                          capture_output=True, text=True, env={**os.environ, **(env or {})})
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc.stdout if check else proc


# -- modes -------------------------------------------------------------------------------
@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077], ids=lambda m: f"umask{m:03o}")
def test_files_and_folders_take_the_umask_mode(cli, office, mask):
    with umask(mask):
        result = cli(*OPEN_REPAIR, "--as", "王芳")
    assert result.code == 0, result.err
    tid = result.out.strip()
    record = office / ticket_path(tid)
    assert mode(record) == 0o666 & ~mask
    assert mode(record.parent) == 0o777 & ~mask        # the month's folder, new
    state = office / ".git" / "wuyectl"
    assert sorted(p.name for p in state.iterdir() if p.name.startswith(("message-", "journal", ".wuyectl-"))) == []


@pytest.mark.parametrize("setting", ["group", "all", "0640", "0660", "true", "umask"])
@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077], ids=lambda m: f"umask{m:03o}")
def test_a_shared_repository_gives_the_modes_git_gives(tmp_path, setting, mask):
    """What the tool writes in a repository with core.sharedRepository=SETTING is what git
    writes there itself (a ref file and its new folder, made by `git update-ref`)."""
    from wuyectl.store import shared
    from wuyectl.store.transaction import atomic_write

    repo = tmp_path / "repo"
    with umask(mask):
        subprocess.run(["git", "init", "-q", f"--shared={setting}", str(repo)], check=True)
        git_in(repo, "commit", "-q", "--allow-empty", "-m", "x")
        git_in(repo, "update-ref", "refs/heads/new/branch", "HEAD")
        atomic_write(str(repo / ".git" / "wuyectl" / "new" / "state.json"), b"{}")
        atomic_write(str(repo / "tickets" / "2026-11" / "T.yaml"), b"id: T\n")
        shared.create_file(str(repo / "owners" / ".gitkeep"))
    by_git = (mode(repo / ".git/refs/heads/new/branch"), mode(repo / ".git/refs/heads/new"))
    assert (mode(repo / ".git/wuyectl/new/state.json"), mode(repo / ".git/wuyectl/new")) == by_git
    assert (mode(repo / "tickets/2026-11/T.yaml"), mode(repo / "tickets/2026-11")) == by_git
    assert mode(repo / "owners/.gitkeep") == by_git[0]
    if setting == "group":
        assert by_git == ((0o660 if mask == 0o077 else 0o664), (0o2770 if mask == 0o077 else 0o2775))


def test_a_rewrite_keeps_the_files_mode(cli, office, new_ticket):
    tid = new_ticket()
    assert cli("assign", tid, "--to", "李明", "--as", "王芳").code == 0
    record = office / ticket_path(tid)
    for kept in (0o644, 0o640, 0o600):
        os.chmod(record, kept)
        with umask(0o077):
            result = cli("update", tid, "--action", "progress", "--note", f"{kept:o}", "--as", "李明")
        assert result.code == 0, result.err
        assert mode(record) == kept
    # in a group-shared repository a rewrite opens the file to the group, as git would
    subprocess.run(["git", "config", "core.sharedRepository", "group"], cwd=office, check=True)
    with umask(0o022):
        assert cli("update", tid, "--action", "progress", "--note", "shared", "--as", "李明").code == 0
    assert mode(record) == 0o660


def test_nothing_is_written_0600_under_umask_022(cli, office, new_ticket, tmp_path):
    with umask(0o022):
        tid = new_ticket()
        assert cli("assign", tid, "--to", "李明", "--as", "王芳").code == 0
        assert cli("get", "tickets").code == 0
        assert cli("staff", "add", "周六", "--role", "clerk", "--as", "刘主任").code == 0
        made = tmp_path / "new-office"
        assert cli("init", str(made), "--name", "新小区", "--as", "张主任").code == 0
    for root in (office, made):
        narrow = [str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and ".git/objects" not in str(p) and mode(p) & 0o044 != 0o044]
        assert narrow == []


def test_init_shared_makes_a_group_shared_repository(run, tmp_path):
    target = (tmp_path / "共享").resolve()
    result = run("init", str(target), "--name", "幸福花园", "--shared", "--as", "刘主任", cwd=tmp_path, env=EN)
    assert result.code == 0, result.err
    group = __import__("grp").getgrgid(os.stat(target).st_gid).gr_name
    assert result.out == (f"{target}: office 幸福花园, station A, director 刘主任\n"
                          f"shared with the group {group}: each other account of the group declares the folder "
                          f"safe for git once: git config --global --add safe.directory {shlex.quote(str(target))}\n")
    assert git_in(target, "config", "core.sharedRepository").strip() in ("1", "group")
    for path in [target, *target.rglob("*")]:
        m = mode(path)
        if path.is_dir():
            assert m & 0o2070 == 0o2070, (path, oct(m))          # setgid, group rwx
        elif "objects" in path.relative_to(target).parts:
            assert m & 0o040, (path, oct(m))                      # git's objects are read-only
        else:
            assert m & 0o060 == 0o060, (path, oct(m))
        assert os.stat(path).st_gid == os.stat(target).st_gid
    for state in ("lock", "config.checked"):
        assert mode(target / ".git" / "wuyectl" / state) & 0o060 == 0o060


def test_the_index_database_is_made_with_the_shared_mode(cli, office):
    subprocess.run(["git", "config", "core.sharedRepository", "group"], cwd=office, check=True)
    index = office / ".git" / "wuyectl" / "index.sqlite"
    index.unlink(missing_ok=True)
    with umask(0o022):
        assert cli("get", "tickets").code == 0
    assert mode(index) == 0o664


# -- git's safe.directory ----------------------------------------------------------------
def test_a_folder_git_refuses_for_its_owner_is_said_so_with_the_fix(run, office, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root: the office must belong to another account")
    other = tmp_path / "theirs"
    shutil.copytree(office, other, symlinks=True)
    os.chown(other, 65534, 65534)      # nobody's folder
    result = run("get", "tickets", cwd=other, env=EN)
    assert (result.code, result.out) == (9, "")
    assert result.err == (f"wuyectl: git refuses to work in {other}: the folder belongs to another account "
                          f"(nobody), and git works only in folders you own or have declared safe "
                          f"(safe.directory). If this is the office's shared folder, declare it once: "
                          f"git config --global --add safe.directory {other}\n")
    assert "not inside a git repository" not in result.err
    # the fix it names works
    config = tmp_path / "gitconfig"
    fix = subprocess.run(["git", "config", "--global", "--add", "safe.directory", str(other)],
                         env={**os.environ, "GIT_CONFIG_GLOBAL": str(config)}, capture_output=True)
    assert fix.returncode == 0
    fixed = run("get", "tickets", "-o", "ids", cwd=other, env={"GIT_CONFIG_GLOBAL": str(config)})
    assert fixed.code == 0, fixed.err


# -- the pre-commit hook -----------------------------------------------------------------
def _hand_commit(office, path_env: str):
    (office / "owners" / "note.txt").write_text("x\n", encoding="utf-8")
    bad = office / ticket_path("T-20261122-A009")
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text("id: T-20261122-A009\nstatus: [received\n", encoding="utf-8")
    git_in(office, "add", "-A")
    return git_in(office, "commit", "-m", "hand", env={"PATH": path_env}, check=False)


def test_the_hook_names_no_python_of_this_machine(office):
    hook = (office / ".git" / "hooks" / "pre-commit").read_text(encoding="utf-8")
    assert hook.splitlines()[1] == "# wuyectl-hook: pre-commit"
    assert sys.executable not in hook and os.path.realpath(sys.executable) not in hook
    assert "command -v wuyectl" in hook


def test_the_hook_without_wuyectl_refuses_and_says_why(office, tmp_path):
    bare_bin = tmp_path / "bin"          # git and sh, no wuyectl, no python that has it
    bare_bin.mkdir()
    for tool in ("git", "sh", "printf"):
        found = shutil.which(tool)
        if found:
            (bare_bin / tool).symlink_to(found)
    head = git_in(office, "rev-parse", "HEAD")
    proc = _hand_commit(office, str(bare_bin))
    assert proc.returncode == 1
    assert proc.stderr.startswith("wuyectl pre-commit 钩子：找不到 wuyectl（PATH 中没有 `wuyectl` 命令，也没有能导入它的 "
                                  "python3），无法检查本次提交的记录：拒绝提交。")   # in the office's language
    assert git_in(office, "rev-parse", "HEAD") == head


def test_the_hook_finds_python3_with_wuyectl_when_there_is_no_command(office, tmp_path):
    only_python = tmp_path / "bin"
    only_python.mkdir()
    python3 = only_python / "python3"     # this venv's python (it imports wuyectl), no wuyectl command
    python3.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python3.chmod(0o755)
    proc = _hand_commit(office, f"{only_python}{os.pathsep}/usr/bin{os.pathsep}/bin")
    assert proc.returncode == 1
    assert f"{ticket_path('T-20261122-A009')}:3:1: YAML 格式错误" in proc.stdout + proc.stderr   # the validator ran
    assert "cannot find wuyectl" not in proc.stderr


# -- init: inside another repository, hooks that are not ours ----------------------------
def test_init_inside_another_repository_is_refused(run, tmp_path):
    outer = tmp_path / "project"
    outer.mkdir()
    git_in(outer, "init", "-q")
    git_in(outer, "commit", "-q", "--allow-empty", "-m", "theirs")
    hook = outer / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho their own check\n", encoding="utf-8")
    before = (git_in(outer, "rev-parse", "HEAD"), git_in(outer, "status", "--porcelain", "--untracked-files=all"))
    target = outer / "docs" / "office"
    result = run("init", str(target), "--name", "幸福花园", "--as", "刘主任", cwd=tmp_path, env=EN)
    assert (result.code, result.out) == (9, "")
    assert result.err == (f"wuyectl: {target} is inside the git repository {outer}: the office would be committed "
                          f"into it. Choose a folder outside any repository, or make this folder a repository of "
                          f"its own first (git init {target}) and run init again\n")
    assert not (outer / "docs").exists()
    assert (git_in(outer, "rev-parse", "HEAD"), git_in(outer, "status", "--porcelain", "--untracked-files=all")) \
        == before
    assert hook.read_text(encoding="utf-8") == "#!/bin/sh\necho their own check\n"
    # deliberately: the office a folder of that repository; its hook is still theirs
    made = run("init", str(target), "--name", "幸福花园", "--as", "刘主任", "--in-enclosing-repo", cwd=tmp_path, env=EN)
    assert made.code == 0, made.err
    assert made.out == (f"{target}: office 幸福花园, station A, director 刘主任\n"
                        f"a pre-commit hook that is not wuyectl's is in place and was kept: {hook} (to check records "
                        f"in hand commits, have it run: wuyectl validate --staged)\n")
    assert hook.read_text(encoding="utf-8") == "#!/bin/sh\necho their own check\n"
    assert git_in(outer, "log", "-1", "--format=%s").strip() == "init office 幸福花园"
    # the folder made a repository of its own, as the message says: init works there
    own = tmp_path / "own"
    own.mkdir()
    git_in(own, "init", "-q")
    assert run("init", str(own), "--name", "幸福花园", "--as", "刘主任", cwd=tmp_path).code == 0


def test_init_keeps_a_hook_that_is_not_ours_and_replaces_its_own(run, tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    git_in(theirs, "init", "-q")
    hooks = theirs / "my-hooks"
    hooks.mkdir()
    git_in(theirs, "config", "core.hooksPath", "my-hooks")          # where git looks for hooks
    (hooks / "pre-commit").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    result = run("init", str(theirs), "--name", "幸福花园", "--as", "刘主任", cwd=tmp_path, env=EN)
    assert result.code == 0, result.err
    assert "a pre-commit hook that is not wuyectl's is in place and was kept: " \
           f"{hooks / 'pre-commit'}" in result.out
    assert (hooks / "pre-commit").read_text(encoding="utf-8") == "#!/bin/sh\nexit 0\n"
    assert not (theirs / ".git" / "hooks" / "pre-commit").exists()
    # a hook of an earlier wuyectl (this machine's python by its path) is ours: replaced
    ours = tmp_path / "ours"
    ours.mkdir()
    git_in(ours, "init", "-q")
    old = ours / ".git" / "hooks" / "pre-commit"
    old.write_text("#!/bin/sh\n# Installed by `wuyectl init`: keeps invalid records out of history (hand commits "
                   "too).\nexec \"/opt/old-venv/bin/python\" -m wuyectl validate --staged\n", encoding="utf-8")
    os.chmod(old, 0o750)
    result = run("init", str(ours), "--name", "幸福花园", "--as", "刘主任", cwd=tmp_path, env=EN)
    assert (result.code, result.out) == (0, f"{ours}: office 幸福花园, station A, director 刘主任\n")
    text = old.read_text(encoding="utf-8")
    assert "/opt/old-venv" not in text and text.splitlines()[1] == "# wuyectl-hook: pre-commit"
    assert mode(old) == 0o750      # its mode kept


# -- the lock across computers -----------------------------------------------------------
def _lock_file(office) -> Path:
    return office / ".git" / "wuyectl" / "lock"


def _record(office, **fields):
    record = {"host": "pc-front-desk-2", "pid": 4242, "user": "wangfang", "who": "王芳",
              "since": time.time(), "beat": time.time(), **fields}
    _lock_file(office).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return record


def test_the_lock_file_records_host_pid_and_user_while_held(office):
    from wuyectl.store.lock import HEARTBEAT, RepoLock

    assert HEARTBEAT < 60
    with RepoLock(str(_lock_file(office)), "王芳") as lock:
        held = json.loads(_lock_file(office).read_text(encoding="utf-8"))
        assert lock.fd is not None
    assert held["host"] == socket.gethostname() and held["pid"] == os.getpid() and held["who"] == "王芳"
    assert held["user"] == __import__("pwd").getpwuid(os.geteuid()).pw_name
    assert held["since"] == held["beat"] and abs(held["since"] - time.time()) < 60
    assert _lock_file(office).read_bytes() == b""       # released: no record


def test_the_holder_renews_its_record(office, monkeypatch):
    from wuyectl.store import lock

    monkeypatch.setattr(lock, "HEARTBEAT", 0.05)
    with lock.RepoLock(str(_lock_file(office)), "王芳"):
        first = json.loads(_lock_file(office).read_text(encoding="utf-8"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.05)
            # read as a waiting writer reads it (lock.read_record): a read between the heartbeat's
            # write and its cut may see the tail of the longer record before — unreadable, skipped
            fd = os.open(_lock_file(office), os.O_RDONLY)
            try:
                now = lock.read_record(fd) or first
            finally:
                os.close(fd)
            if now["beat"] > first["beat"]:
                break
        assert now["beat"] > first["beat"] and now["since"] == first["since"]


def test_a_live_writer_on_another_computer_is_waited_for_then_refused(run, office, repo_state):
    before = repo_state()
    record = _record(office)
    result = run(*OPEN_REPAIR, "--as", "王芳", env={**EN, "WUYECTL_LOCK_TIMEOUT": "0.5"})
    office_clock = ZoneInfo("Asia/Shanghai")   # the times are the office's, whatever this computer's zone
    since = datetime.fromtimestamp(record["since"], office_clock).strftime("%H:%M:%S")
    stale = datetime.fromtimestamp(record["beat"] + 300, office_clock).strftime("%H:%M:%S")
    assert (result.code, result.out) == (8, "")
    assert result.err == (f"wuyectl: the office repo is being written by 王芳 (user wangfang) on pc-front-desk-2, "
                          f"pid 4242, since {since}; waited 0.5 s — try again (file locks may not reach between "
                          f"computers on this shared folder; if that computer is off or wuyectl there has "
                          f"stopped, its record is taken over after 5 minutes without renewal ({stale}))\n")
    assert repo_state() == before
    assert json.loads(_lock_file(office).read_text(encoding="utf-8")) == record      # theirs, untouched


def test_a_writer_waits_until_the_other_computer_releases(cli, office):
    _record(office)
    release = threading.Timer(0.4, lambda: _lock_file(office).write_bytes(b""))
    release.start()
    try:
        began = time.monotonic()
        result = cli(*OPEN_REPAIR, "--as", "王芳", env={"WUYECTL_LOCK_TIMEOUT": "20"})
        waited = time.monotonic() - began
    finally:
        release.join()
    assert result.code == 0, result.err
    assert waited >= 0.4
    assert _lock_file(office).read_bytes() == b""


def test_a_dead_writers_record_is_taken_over(cli, office):
    # another computer's record not renewed for an hour
    _record(office, since=time.time() - 3600, beat=time.time() - 3600)
    assert cli(*OPEN_REPAIR, "--as", "王芳", env={"WUYECTL_LOCK_TIMEOUT": "0.5"}).code == 0
    # a record of this computer whose process is gone (killed: the record was not emptied)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    _record(office, host=socket.gethostname(), pid=gone.pid)
    assert cli(*OPEN_REPAIR, "--as", "王芳", env={"WUYECTL_LOCK_TIMEOUT": "0.5"}).code == 0
    # killed and not yet reaped by its parent (a zombie): gone too
    killed = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        killed.kill()
        deadline = time.monotonic() + 10
        while Path(f"/proc/{killed.pid}/stat").exists() and \
                Path(f"/proc/{killed.pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0] != b"Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        _record(office, host=socket.gethostname(), pid=killed.pid)
        assert cli(*OPEN_REPAIR, "--as", "王芳", env={"WUYECTL_LOCK_TIMEOUT": "0.5"}).code == 0
    finally:
        killed.wait()
    assert _lock_file(office).read_bytes() == b""


def test_a_live_process_of_this_computer_in_the_record_is_waited_for(run, office, repo_state):
    """The record of a running process on this computer while the flock is free: the file
    system does not lock (a share mounted without locks); nobody writes past it."""
    from wuyectl.store.lock import _start_time

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _record(office, host=socket.gethostname(), pid=sleeper.pid, start=_start_time(sleeper.pid))
        before = repo_state()
        result = run(*OPEN_REPAIR, "--as", "王芳", env={**EN, "WUYECTL_LOCK_TIMEOUT": "0.3"})
        assert result.code == 8
        assert f"on {socket.gethostname()}, pid {sleeper.pid}" in result.err
        assert "the lock file is not locked by the system here, yet that process still runs" in result.err
        assert repo_state() == before
    finally:
        sleeper.kill()
        sleeper.wait()
    # its pid reused by another process (another start time): a dead writer's record
    _record(office, host=socket.gethostname(), pid=os.getpid(), start="1")
    assert run(*OPEN_REPAIR, "--as", "王芳", env={"WUYECTL_LOCK_TIMEOUT": "0.3"}).code == 0


# -- two OS users of one group on one office ---------------------------------------------
GROUP = "wuyectl-test-staff"
USERS = ("wuyectl-test-a", "wuyectl-test-b")
SBIN = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def _ensure_accounts() -> tuple[int, dict[str, tuple[int, int]]]:
    """The group and its two users (made when missing: useradd/groupadd); (gid, name → (uid,
    primary gid)). Skips, saying why, where that cannot be done."""
    import grp
    import pwd

    if os.geteuid() != 0:
        pytest.skip("needs root: it makes two OS users and runs wuyectl as each")
    for tool in ("useradd", "groupadd", "usermod"):
        if not shutil.which(tool, path=SBIN):
            pytest.skip(f"needs {tool} to make the OS users {', '.join(USERS)}")
    try:
        grp.getgrnam(GROUP)
    except KeyError:
        subprocess.run([shutil.which("groupadd", path=SBIN), GROUP], capture_output=True)
    gid = grp.getgrnam(GROUP).gr_gid
    users = {}
    for name in USERS:
        try:
            pwd.getpwnam(name)
        except KeyError:   # (made by a run at the same moment: then it exists below)
            subprocess.run([shutil.which("useradd", path=SBIN), "-M", "-N", "-d", "/nonexistent", "-s", "/bin/sh",
                            "-G", GROUP, name], capture_output=True)
        entry = pwd.getpwnam(name)
        if name not in grp.getgrgid(gid).gr_mem and entry.pw_gid != gid:
            subprocess.run([shutil.which("usermod", path=SBIN), "-a", "-G", GROUP, name], check=True)
        users[name] = (entry.pw_uid, entry.pw_gid)
    return gid, users


class Accounts:
    """Runs commands as the two users (their own HOME, umask, the group as a supplementary
    group) and keeps a transcript of what they typed and what they were told."""

    def __init__(self, base: Path, gid: int, users: dict, python: list[str], pythonpath: str | None):
        self.base, self.gid, self.users = base, gid, users
        self.transcript: list[str] = []
        self.bin = base / "bin"
        self.bin.mkdir()
        env_line = f"PYTHONPATH={shlex.quote(pythonpath)} " if pythonpath else ""
        wrapper = self.bin / "wuyectl"       # the `wuyectl` command of the users' shells
        wrapper.write_text(f"#!/bin/sh\n{env_line}exec {' '.join(map(shlex.quote, python))} -m wuyectl \"$@\"\n",
                           encoding="utf-8")
        wrapper.chmod(0o755)
        self.note(f"the users' `wuyectl` command: {' '.join(python)} -m wuyectl"
                  + (f" (PYTHONPATH={pythonpath}: this venv's python is not reachable for them)" if pythonpath else ""))
        for name, (uid, primary) in users.items():
            home = base / f"home-{name}"
            home.mkdir()
            os.chown(home, uid, primary)
            home.chmod(0o700)
        self.shared = base / "shared"      # the office's shared folder: the group's, setgid
        self.shared.mkdir()
        os.chown(self.shared, 0, gid)
        self.shared.chmod(0o2775)

    def env(self, name: str) -> dict:
        return {"HOME": str(self.base / f"home-{name}"), "USER": name, "LOGNAME": name, "LC_ALL": "C.UTF-8",
                "PATH": f"{self.bin}:/usr/local/bin:/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1",
                "WUYECTL_LANG": "en", "PYTHONIOENCODING": "utf-8"}

    def run(self, name: str, *args: str, cwd=None, mask: int = 0o002, log: bool = True):
        uid, primary = self.users[name]
        proc = subprocess.run(list(args), cwd=str(cwd or self.shared), env=self.env(name), capture_output=True,
                              text=True, user=uid, group=primary, extra_groups=[self.gid], umask=mask, timeout=300)
        if log:
            where = "" if cwd is None else f" ({Path(cwd).name})"
            self.transcript.append(f"[{name}{where}, umask {mask:03o}]$ {shlex.join(args)}")
            self.transcript.extend(line for line in (proc.stdout + proc.stderr).splitlines())
            if proc.returncode:
                self.transcript.append(f"(exit {proc.returncode})")
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    def ok(self, name: str, *args: str, **kw) -> str:
        proc = self.run(name, *args, **kw)
        assert proc.returncode == 0, f"{shlex.join(args)} as {name}: {proc.stderr}"
        return proc.stdout

    def note(self, text: str) -> None:
        self.transcript.append(f"# {text}")


def _interpreter(accounts_probe) -> tuple[list[str], str | None]:
    """A python the test users can run wuyectl with: this one if they can reach it, else one
    of the same version on the system path with this venv's packages (nothing is copied)."""
    import site

    source = str(Path(__file__).resolve().parent.parent)
    packages = os.pathsep.join([source, *site.getsitepackages()])
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    tried = []
    candidates = [([sys.executable], None)]
    for folder in ("/usr/local/bin", "/usr/bin"):
        if os.path.exists(os.path.join(folder, version)):
            candidates.append(([os.path.join(folder, version)], packages))
    for python, pythonpath in candidates:
        problem = accounts_probe(python, pythonpath)
        if problem is None:
            return python, pythonpath
        tried.append(f"{python[0]}: {problem}")
    pytest.skip("the test users cannot run wuyectl with any python here (nothing is copied for them): "
                + "; ".join(tried))


@pytest.fixture
def accounts():
    gid, users = _ensure_accounts()
    base = Path(tempfile.mkdtemp(prefix="wuyectl-test-shared-", dir="/tmp"))
    base.chmod(0o755)
    try:
        def probe(python, pythonpath):
            env = {"PATH": "/usr/bin:/bin", "HOME": "/", **({"PYTHONPATH": pythonpath} if pythonpath else {})}
            uid, primary = users[USERS[0]]
            try:
                proc = subprocess.run([*python, "-c", "import wuyectl.cli.main"], env=env, capture_output=True,
                                      text=True, user=uid, group=primary, extra_groups=[gid], cwd="/")
            except OSError as exc:
                return f"{exc.strerror} (as {USERS[0]})"
            if proc.returncode == 0:
                return None
            return (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1]

        python, pythonpath = _interpreter(probe)
        made = Accounts(base, gid, users, python, pythonpath)
        yield made
        out = os.environ.get("WUYECTL_SHARED_TRANSCRIPT")
        if out:
            with open(out, "a", encoding="utf-8") as fh:
                fh.write("\n".join(made.transcript) + "\n\n")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _check_shared_modes(office: Path, gid: int) -> None:
    """Every folder setgid and group-writable, every file the group's and group-writable
    (git's object files: group-readable, as git makes them read-only)."""
    wrong = []
    for path in [office, *office.rglob("*")]:
        st = os.lstat(path)
        m = stat.S_IMODE(st.st_mode)
        if stat.S_ISDIR(st.st_mode):
            good = m & 0o2070 == 0o2070
        elif "objects" in path.relative_to(office).parts:
            good = m & 0o040 == 0o040
        else:
            good = m & 0o060 == 0o060
        if not good or st.st_gid != gid:
            wrong.append(f"{path.relative_to(office)} {oct(m)} gid {st.st_gid}")
    assert wrong == []


def _open_ticket(accounts, name, who, office, description, mask=0o002) -> str:
    return accounts.ok(name, "wuyectl", "open", "ticket", "--channel", "phone", "--category", "repair", "--unit",
                       "3-2-1201", "--reporter", "张先生", "--phone", "13800138000", "--description", description,
                       "-o", "ids", "--as", who, cwd=office, mask=mask).strip()


def _new_shared_office(accounts, a, b, mask) -> Path:
    office = accounts.shared / "office"
    accounts.note(f"{a} makes the office in the group's folder; {b} is in the same group ({GROUP})")
    out = accounts.ok(a, "wuyectl", "init", str(office), "--name", "幸福花园", "--shared", "--as", "刘主任", mask=mask)
    assert out == (f"{office}: office 幸福花园, station A, director 刘主任\n"
                   f"shared with the group {GROUP}: each other account of the group declares the folder safe for "
                   f"git once: git config --global --add safe.directory {office}\n")
    accounts.ok(a, "wuyectl", "staff", "add", "王芳", "--role", "clerk", "--dept", "service", "--as", "刘主任",
                cwd=office, mask=mask)
    accounts.ok(a, "wuyectl", "staff", "add", "李明", "--role", "technician", "--dept", "maintenance", "--as",
                "刘主任", cwd=office, mask=mask)
    accounts.ok(a, "wuyectl", "open", "owner", "--unit", "3-2-1201", "--name", "张三", "--phone", "13900139000",
                "--as", "刘主任", cwd=office, mask=mask)
    return office


@pytest.mark.parametrize("mask", [0o002, 0o022], ids=lambda m: f"umask{m:03o}")
def test_two_os_users_of_one_group_in_turn(accounts, mask):
    a, b = USERS
    office = _new_shared_office(accounts, a, b, mask)
    tid = _open_ticket(accounts, a, "刘主任", office, "卫生间漏水", mask)
    assert accounts.ok(a, "wuyectl", "get", "tickets", "-o", "ids", cwd=office, mask=mask) == f"{tid}\n"

    accounts.note(f"{b} opens the office for the first time: git does not yet trust a folder {a} owns")
    first = accounts.run(b, "wuyectl", "show", tid, "--as", "王芳", cwd=office, mask=mask)
    assert first.returncode == 9
    assert first.stderr == (f"wuyectl: git refuses to work in {office}: the folder belongs to another account ({a}), "
                            f"and git works only in folders you own or have declared safe (safe.directory). If "
                            f"this is the office's shared folder, declare it once: git config --global --add "
                            f"safe.directory {office}\n")
    accounts.ok(b, "git", "config", "--global", "--add", "safe.directory", str(office), mask=mask)
    accounts.note(f"{b} updates the ticket {a} opened")
    accounts.ok(b, "wuyectl", "assign", tid, "--to", "李明", "--as", "王芳", cwd=office, mask=mask)
    accounts.ok(b, "wuyectl", "update", tid, "--action", "contact", "--note", "约好下午上门", "--as", "李明",
                cwd=office, mask=mask)
    listed = json.loads(accounts.ok(b, "wuyectl", "get", "tickets", "-o", "json", cwd=office, mask=mask, log=False))
    assert [(t["id"], t["status"]) for t in listed] == [(tid, "in_progress")]   # through the index A made
    accounts.ok(b, "wuyectl", "get", "tickets", cwd=office, mask=mask)
    accounts.note(f"{a} reads it")
    accounts.ok(a, "wuyectl", "show", tid, "--as", "刘主任", cwd=office, mask=mask)
    shown = json.loads(accounts.ok(a, "wuyectl", "show", tid, "-o", "json", "--as", "刘主任", cwd=office, mask=mask,
                                   log=False))
    assert shown["status"] == "in_progress" and shown["assignee"] == "李明"
    assert [e["action"] for e in shown["timeline"]][-2:] == ["assign", "contact"]
    log = accounts.ok(a, "git", "log", "--format=%an: %s", cwd=office, mask=mask)
    latest = log.splitlines()[:3]        # the newest first: both accounts' commits
    assert [line.split(":")[0] for line in latest] == ["李明", "王芳", "刘主任"] and all(tid in x for x in latest)
    owners = accounts.ok(a, "stat", "-c", "%U:%G %A %n", "wuye.yaml", ticket_path(tid), ".git/wuyectl/lock",
                         ".git/wuyectl/index.sqlite", cwd=office, mask=mask)
    assert owners.splitlines() == [f"{a}:{GROUP} -rw-rw-r-- wuye.yaml",
                                   f"{b}:{GROUP} -rw-rw-r-- {ticket_path(tid)}",
                                   f"{a}:{GROUP} -rw-rw-r-- .git/wuyectl/lock",
                                   f"{a}:{GROUP} -rw-rw-r-- .git/wuyectl/index.sqlite"]
    # and back: A writes on the ticket B's account rewrote, B reads A's change
    accounts.note(f"{a} writes on the file {b}'s account rewrote; {b} reads it")
    accounts.ok(a, "wuyectl", "update", tid, "--action", "arrive", "--as", "李明", cwd=office, mask=mask)
    again = json.loads(accounts.ok(b, "wuyectl", "show", tid, "-o", "json", "--as", "王芳", cwd=office, mask=mask,
                                   log=False))
    accounts.transcript.append(f"# {b} sees it: the last event of {tid} is {again['timeline'][-1]['action']} "
                               f"by {again['timeline'][-1]['by']}")
    assert again["timeline"][-1]["action"] == "arrive"
    assert accounts.ok(b, "wuyectl", "validate", cwd=office, mask=mask).startswith("ok: ")
    assert accounts.ok(a, "git", "status", "--porcelain", cwd=office, mask=mask) == ""
    accounts.ok(a, "git", "fsck", "--no-progress", cwd=office, mask=mask)
    _check_shared_modes(office, accounts.gid)


def test_two_os_users_of_one_group_at_once(accounts):
    a, b = USERS
    office = _new_shared_office(accounts, a, b, 0o002)
    accounts.ok(b, "git", "config", "--global", "--add", "safe.directory", str(office))
    start = int(accounts.ok(a, "git", "rev-list", "--count", "HEAD", cwd=office))
    rounds = 6
    opened: dict[str, list[str]] = {a: [], b: []}
    failures: list[str] = []

    def loop(name, who):
        for i in range(rounds):
            proc = accounts.run(name, "wuyectl", "open", "ticket", "--channel", "phone", "--category", "repair",
                                "--unit", "3-2-1201", "--reporter", "张先生", "--description", f"{who} 第{i + 1}件",
                                "-o", "ids", "--as", who, cwd=office, log=False)
            if proc.returncode:
                failures.append(f"{name}: {proc.stderr}")
            else:
                opened[name].append(proc.stdout.strip())

    accounts.note(f"{a} and {b} each open {rounds} tickets at the same time, in two loops of "
                  f"`wuyectl open ticket … -o ids` (one as 刘主任, one as 王芳)")
    loops = [threading.Thread(target=loop, args=(a, "刘主任")), threading.Thread(target=loop, args=(b, "王芳"))]
    for thread in loops:
        thread.start()
    for thread in loops:
        thread.join()
    accounts.transcript.append(f"{a} opened: {' '.join(opened[a])}")
    accounts.transcript.append(f"{b} opened: {' '.join(opened[b])}")
    assert failures == []
    ids = opened[a] + opened[b]
    assert len(ids) == len(set(ids)) == 2 * rounds
    count = int(accounts.ok(a, "git", "rev-list", "--count", "HEAD", cwd=office))
    assert count == start + 2 * rounds                                 # every commit landed, none lost
    log = accounts.ok(b, "git", "log", f"-{2 * rounds}", "--format=%an: %s", cwd=office).splitlines()
    assert sorted(line.split(":")[0] for line in log) == sorted(["刘主任"] * rounds + ["王芳"] * rounds)
    listed = accounts.ok(a, "wuyectl", "get", "tickets", "-o", "ids", cwd=office).split()   # (all open)
    assert sorted(listed) == sorted(ids)
    for tid in ids:
        assert (office / ticket_path(tid)).is_file()
    assert accounts.ok(b, "wuyectl", "validate", cwd=office).startswith("ok: ")
    assert accounts.ok(a, "git", "status", "--porcelain", cwd=office) == ""
    accounts.ok(a, "git", "fsck", "--no-progress", "--strict", cwd=office)
    _check_shared_modes(office, accounts.gid)
