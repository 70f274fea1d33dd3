"""The server's hooks behind a real gitolite3 over sshd on 127.0.0.1 (issue 10), end to end.

What it sets up (as root; skipped, saying why, without root, gitolite3 or sshd):
1. an account of its own for gitolite (`wuyegl…`, home in /var/tmp, removed at the end) —
   Debian's package makes `gitolite3` only when given an admin key at install time, and a
   test must not take over a real server's account;
2. a Python that account can run with wuyectl importable: the test's own when the account
   can reach it, else a venv made from the system's python3 of the same version whose
   site-packages point at this checkout's (a checkout under /root is out of its reach);
3. `gitolite setup` with an admin key; sshd on a free port with its own host key, config, pid
   file and log, letting in that account only;
4. through the admin repo: the repo `office` (RW+ for liu and wang: gitolite itself would let
   them force-push and delete — the refusals below are wuyectl's) and the keys of `liu`
   (刘主任, director) and `wang` (王芳, clerk);
5. the office's history (with both logins on the roster, `wuyectl staff key … --login`)
   pushed by liu, then `wuyectl server install` run *as the gitolite account*, then one more
   admin push (gitolite re-links its hooks on every compile: ours must survive it).

Then over ssh: 王芳's tool-made change synced by wang is accepted and its receipt (pusher
wang) can be fetched; a hand-edited record is refused with A-hand-edit; liu pushing 王芳's
commits is refused (a director may push others' merges only, and these are plain commits);
wang pushing commits made as 刘主任 is refused; a force push and a branch deletion are refused.
"""
from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import pytest

from conftest import OPEN_REPAIR, ticket_path

import wuyectl

NEEDS = "gitolite3 not installed: .ci/run installs it (apt-get install gitolite3 openssh-server)"
SSHD = "/usr/sbin/sshd"


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root: it makes an account for gitolite and runs sshd (.ci/run runs as root)"
    if not shutil.which("gitolite") or not os.path.exists(SSHD):
        return NEEDS
    for tool in ("ssh", "ssh-keygen", "useradd", "userdel", "su"):
        if not shutil.which(tool):
            return f"{tool} not found (apt-get install openssh-client passwd)"
    return None


def sh(*args, cwd=None, env=None, input=None, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env={**os.environ, **(env or {})}, input=input,
                          capture_output=True, timeout=120)
    if check and proc.returncode:
        raise AssertionError(f"{' '.join(map(str, args))}: {proc.stderr.decode('utf-8', 'replace')}")
    return proc


def remote_lines(proc: subprocess.CompletedProcess) -> list[str]:
    return [line[len("remote: "):].rstrip() for line in proc.stderr.decode("utf-8").splitlines()
            if line.startswith("remote: ")]


def codes(proc: subprocess.CompletedProcess) -> list[str]:
    return [line.split()[3].rstrip(":") for line in remote_lines(proc) if line.startswith("wuyectl: refused: ")]


class Gitolite:
    """gitolite3 under its own account, behind its own sshd on 127.0.0.1."""

    def __init__(self, keys: Path, run: Path):
        self.account = f"wuyegl{secrets.token_hex(4)}"
        self.home = Path(tempfile.mkdtemp(prefix="wuyectl-gitolite-", dir="/var/tmp"))
        self.keys, self.run, self.sshd_pid = keys, run, None
        self.timings: dict[str, float] = {}

    # -- the account and its Python -------------------------------------------------------
    def make_account(self) -> None:
        os.chmod(self.home, 0o755)
        sh("useradd", "--system", "--home-dir", self.home, "--no-create-home", "--shell", "/bin/sh",
           "--user-group", "--password", "*", self.account)     # '*': no password, yet not locked for sshd
        entry = pwd.getpwnam(self.account)
        os.chown(self.home, entry.pw_uid, entry.pw_gid)

    def as_account(self, command: str, check: bool = True) -> subprocess.CompletedProcess:
        return sh("su", "-", self.account, "-c", command, check=check)

    def python(self) -> str | None:
        """A Python the account can run wuyectl with, or None."""
        probe = "{} -c 'import wuyectl' 2>&1"
        if self.as_account(probe.format(sys.executable), check=False).returncode == 0:
            return sys.executable
        base = f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}"
        if not os.access(base, os.X_OK):
            return None
        venv = self.home / "python"
        if sh(base, "-m", "venv", "--without-pip", venv, check=False).returncode:
            return None
        site = next(venv.glob("lib/python*/site-packages"))
        checkout = Path(wuyectl.__file__).resolve().parent.parent
        (site / "wuyectl-checkout.pth").write_text(
            f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n{checkout}\n")
        python = str(venv / "bin" / "python")
        return python if self.as_account(probe.format(python), check=False).returncode == 0 else None

    # -- gitolite and sshd ----------------------------------------------------------------
    def key(self, name: str) -> Path:
        path = self.keys / name
        if not path.exists():
            sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path)
        return path

    def setup(self) -> None:
        admin = self.home / "admin.pub"
        shutil.copy(f"{self.key('admin')}.pub", admin)
        os.chmod(admin, 0o644)
        self.as_account(f"gitolite setup -pk {admin}")

    def start_sshd(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        host_key = self.run / "host_key"
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key)
        config = self.run / "sshd_config"
        config.write_text(f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
                          f"PidFile {self.run / 'sshd.pid'}\nUsePAM no\nPasswordAuthentication no\n"
                          f"KbdInteractiveAuthentication no\nStrictModes no\nAllowUsers {self.account}\n")
        os.makedirs("/run/sshd", exist_ok=True)
        sh(SSHD, "-f", config, "-E", self.run / "sshd.log")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.sshd_pid = int((self.run / "sshd.pid").read_text())
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except (OSError, ValueError):
                time.sleep(0.05)
        raise AssertionError(f"sshd did not start: {(self.run / 'sshd.log').read_text()}")

    def env(self, user: str) -> dict:
        """git over ssh as `user` (their key)."""
        return {"GIT_SSH_COMMAND": f"ssh -i {self.key(user)} -p {self.port} -o StrictHostKeyChecking=no "
                                   "-o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes "
                                   "-o LogLevel=ERROR"}

    def url(self, repo: str) -> str:
        return f"{self.account}@127.0.0.1:{repo}"

    def repo(self, name: str) -> Path:
        return self.home / "repositories" / f"{name}.git"

    def stop(self) -> None:
        if self.sshd_pid:
            try:
                os.kill(self.sshd_pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        sh("userdel", self.account, check=False)
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture
def gitolite(tmp_path):
    reason = _missing()
    if reason:
        pytest.skip(reason)
    (tmp_path / "keys").mkdir()
    (tmp_path / "run").mkdir()
    server = Gitolite(tmp_path / "keys", tmp_path / "run")
    try:
        started = time.perf_counter()
        server.make_account()
        server.python_path = server.python()
        if server.python_path is None:
            pytest.skip(f"the gitolite account cannot run a Python that imports wuyectl from {wuyectl.__file__} "
                        f"(no /usr/bin/python{sys.version_info[0]}.{sys.version_info[1]} for a venv of its own)")
        server.setup()
        server.start_sshd()
        server.timings["account, python, gitolite setup, sshd"] = time.perf_counter() - started
        yield server
    finally:
        server.stop()


def admin_push(server: Gitolite, tmp_path: Path, conf: str, users: tuple[str, ...]) -> None:
    admin = tmp_path / "gitolite-admin"
    if not admin.exists():
        sh("git", "clone", "-q", server.url("gitolite-admin"), admin, env=server.env("admin"))
    (admin / "conf" / "gitolite.conf").write_text(conf)
    for user in users:
        shutil.copy(f"{server.key(user)}.pub", admin / "keydir" / f"{user}.pub")
    sh("git", "-c", "user.name=admin", "-c", "user.email=admin@example.com", "-C", admin, "add", "-A")
    sh("git", "-c", "user.name=admin", "-c", "user.email=admin@example.com", "-C", admin, "commit", "-q",
       "-m", "office repo and its users")
    sh("git", "-C", admin, "push", "-q", "origin", "HEAD", env=server.env("admin"))


CONF = """repo gitolite-admin
    RW+     =   admin

repo office
    RW+     =   liu wang
"""


@pytest.mark.lang("en")
def test_gitolite_refuses_what_audit_would_flag(gitolite, office, cli, tmp_path):
    server = gitolite
    timings = server.timings
    step = time.perf_counter()
    admin_push(server, tmp_path, CONF, ("liu", "wang"))
    assert server.repo("office").is_dir()
    info = sh(*server.env("wang")["GIT_SSH_COMMAND"].split(), f"{server.account}@127.0.0.1", "info").stdout.decode()
    assert info.startswith("hello wang, ") and " R W\toffice\n" in info and "gitolite-admin" not in info

    # the office's history, with the logins on the roster, is the repo's start
    for name, login in (("刘主任", "liu"), ("王芳", "wang")):
        assert cli("staff", "key", name, "--login", login, "--as", "刘主任").code == 0
    sh("git", "remote", "add", "origin", server.url("office"), cwd=office)
    sh("git", "push", "-q", "origin", "HEAD:master", cwd=office, env=server.env("liu"))
    installed = server.as_account(f"{server.python_path} -m wuyectl server install {server.repo('office')}")
    # (the server's account has no WUYECTL_LANG: the hooks speak the default, Chinese)
    assert installed.stdout.decode() == (f"{server.repo('office')}/hooks：pre-receive, post-receive"
                                         f"（由 {server.python_path} 运行）\n")
    # a compile (any admin push) re-links gitolite's own hooks; ours stay
    admin_push(server, tmp_path, CONF + "\nrepo scratch\n    RW+     =   liu\n", ())
    hooks = server.repo("office") / "hooks"
    assert "wuyectl server pre-receive" in (hooks / "pre-receive").read_text()
    assert "wuyectl server post-receive" in (hooks / "post-receive").read_text()
    assert (hooks / "update").is_symlink()                                    # gitolite's access check
    timings["admin pushes, seed push, install"] = time.perf_counter() - step

    wang, liu = server.env("wang"), server.env("liu")
    tip = lambda: sh("git", "ls-remote", "origin", "refs/heads/master", cwd=office,  # noqa: E731
                     env=wang).stdout.decode().split()[0]

    # 1. 王芳's tool-made change, synced by wang: accepted, with a receipt naming wang
    step = time.perf_counter()
    assert cli(*OPEN_REPAIR, "--as", "王芳").out.strip() == "T-20261122-A001"
    synced = cli("sync", "--as", "王芳", env=wang)
    assert synced.code == 0, synced.err
    head = sh("git", "rev-parse", "HEAD", cwd=office).stdout.decode().strip()
    assert tip() == head
    sh("git", "fetch", "-q", "origin", "refs/notes/wuyectl-received:refs/notes/wuyectl-received-origin",
       cwd=office, env=wang)
    note = sh("git", "notes", "--ref=wuyectl-received-origin", "show", head, cwd=office).stdout.decode()
    assert "\npusher: wang\nref: refs/heads/master\n" in note and f"\nnew: {head}\n" in note
    timings["accepted sync by wang + receipt fetched"] = time.perf_counter() - step

    # 2. a hand-edited record: refused with its code
    step = time.perf_counter()
    path = office / ticket_path("T-20261122-A001")
    path.write_text(path.read_text(encoding="utf-8").replace("卫生间漏水", "厨房漏水"), encoding="utf-8")
    sh("git", "-c", "user.name=王芳", "-c", "user.email=w@example.com", "commit", "-q", "--no-verify", "-am",
       "fix", cwd=office)
    proc = sh("git", "push", "origin", "HEAD:master", cwd=office, env=wang, check=False)
    assert proc.returncode != 0 and codes(proc) == ["A-hand-edit"], proc.stderr.decode()
    assert tip() == head
    sh("git", "reset", "-q", "--hard", head, cwd=office)
    timings["refused: hand edit"] = time.perf_counter() - step

    # 3. liu pushing 王芳's commits: refused (a director is excused for merges only)
    step = time.perf_counter()
    assert cli("assign", "T-20261122-A001", "--to", "李明", "--as", "王芳").code == 0
    hers = sh("git", "rev-parse", "HEAD", cwd=office).stdout.decode().strip()
    proc = sh("git", "push", "origin", "HEAD:master", cwd=office, env=liu, check=False)
    assert remote_lines(proc) == [f"wuyectl: refused: {hers[:10]} A-not-pusher: 由 王芳 提交，却由 刘主任（liu）推送"]
    timings["refused: liu pushing 王芳's commit"] = time.perf_counter() - step

    # 4. wang pushing commits made as 刘主任: refused
    step = time.perf_counter()
    sh("git", "reset", "-q", "--hard", head, cwd=office)
    assert cli(*OPEN_REPAIR, "--as", "刘主任").code == 0
    his = sh("git", "rev-parse", "HEAD", cwd=office).stdout.decode().strip()
    proc = sh("git", "push", "origin", "HEAD:master", cwd=office, env=wang, check=False)
    assert remote_lines(proc) == [f"wuyectl: refused: {his[:10]} A-not-pusher: 由 刘主任 提交，却由 王芳（wang）推送"]
    # … and through sync, the same reason
    result = cli("sync", "--as", "刘主任", env=wang)
    assert (result.code, result.err) == (5, f"wuyectl: push to origin refused by the server, nothing pushed: "
                                            f"{his[:10]} A-not-pusher: 由 刘主任 提交，却由 王芳（wang）推送\n")
    # liu pushes his own: accepted
    assert cli("sync", "--as", "刘主任", env=liu).code == 0
    assert tip() == his
    timings["refused: wang pushing 刘主任's commit; accepted from liu"] = time.perf_counter() - step

    # 5. a force push and a branch deletion: refused, though gitolite's RW+ would allow both
    step = time.perf_counter()
    proc = sh("git", "push", "--force", "origin", f"{head}:master", cwd=office, env=liu, check=False)
    assert remote_lines(proc) == [f"wuyectl: refused: refs/heads/master：不是快进：{his[:10]} 将从历史中丢失"
                                  "（不接受改写过的历史；请 fetch、合并后再推送）"]
    proc = sh("git", "push", "origin", ":master", cwd=office, env=liu, check=False)
    assert remote_lines(proc) == ["wuyectl: refused: refs/heads/master：不允许删除分支（历史从不删除）"]
    assert tip() == his
    timings["refused: force push, deletion"] = time.perf_counter() - step

    receipts = sh("git", "fetch", "-q", "origin", "+refs/notes/wuyectl-received:refs/notes/wuyectl-received-origin",
                  cwd=office, env=wang)
    assert receipts.returncode == 0
    from wuyectl.app.server import received

    assert [(r.pusher, r.new) for r in received(str(office), "refs/notes/wuyectl-received-origin")] == \
        [("wang", head), ("liu", his)]
    print(f"\nhooks run by {server.python_path}\n" + "\n".join(f"{seconds:6.2f}s  {what}" for what, seconds in timings.items()))
