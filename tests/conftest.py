"""Fixtures: an isolated office repo per test, and two ways to run the CLI.

- `office`  — a fresh office repo in `tmp_path/office` with a roster of every role we need
  and one household (3-2-1201).  Built once per session through the Python API and copied
  per test (a copy of a git repo is a git repo), so each test starts in milliseconds.
- `run`     — the CLI in a subprocess (`python -m wuyectl …`, cwd = the office): a fresh
  process per call, exactly as a clerk's shell runs it.  For end-to-end assertions.
- `cli`     — the same CLI in-process (click's CliRunner isolation around `main()`), for setup
  and for the many small checks where a process start would only cost time.
- `git`     — git in the office, with a hand identity (`-c user.name=…`).

Nothing reads the developer's home or git config: HOME is a temp folder,
GIT_CONFIG_GLOBAL=/dev/null, GIT_CONFIG_NOSYSTEM=1, and WUYECTL_* come only from the test.

Language: labels and messages are Chinese by default (WUYECTL_LANG unset), as a clerk sees
them. A test (or a module, with `pytestmark`) marked `@pytest.mark.lang("en")` runs with
WUYECTL_LANG=en — the tests written to assert English messages; tests/test_messages.py and the
error catalogue assert both languages.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

NOW = "2026-11-22T09:14:00+08:00"
DIRECTOR = "刘主任"
STAFF = [  # name, role, department; added by the director in this order
    ("王芳", "clerk", "service"),
    ("赵强", "supervisor", "service"),
    ("李明", "technician", "maintenance"),
    ("陈洁", "cleaner", "cleaning"),
    ("孙审", "auditor", None),
]
TEMPLATE_POLICY = {"backdate_limit_days": 36500}
UNIT = "3-2-1201"
OWNER_PHONE = "13900139000"
PHONE = "13800138000"
MASKED = "138****8000"
HAND = ["-c", "user.name=王芳", "-c", "user.email=wangfang@example.com"]

_CLEAN_ENV = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "WUYECTL_NOW": NOW,
    "LC_ALL": "C.UTF-8",
    "PYTHONIOENCODING": "utf-8",
}
_DROP_ENV = ("COLUMNS", "WUYECTL_USER", "WUYECTL_REPO", "WUYECTL_LANG", "WUYECTL_LOCK_TIMEOUT", "EDITOR", "VISUAL",
             "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
             "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE")


def _isolate(mp: pytest.MonkeyPatch, home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    mp.setenv("HOME", str(home))
    for key, value in _CLEAN_ENV.items():
        mp.setenv(key, value)
    for key in _DROP_ENV:
        mp.delenv(key, raising=False)
    # The pre-commit hook finds wuyectl as a clerk's shell does: this venv is the activated one.
    mp.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))


@pytest.fixture(autouse=True)
def isolated_env(request, tmp_path, monkeypatch):
    _isolate(monkeypatch, tmp_path / "home")
    marker = request.node.get_closest_marker("lang")
    if marker is not None:
        monkeypatch.setenv("WUYECTL_LANG", marker.args[0])
    yield


def pytest_configure(config):
    config.addinivalue_line("markers", "lang(code): run the test with WUYECTL_LANG=code (zh is the default)")


@pytest.fixture(scope="session")
def office_template(tmp_path_factory):
    """The office every test starts from, built once through the API."""
    from wuyectl import api

    base = tmp_path_factory.mktemp("template")
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, base / "home")
        root = base / "office"
        # Events are dated WUYECTL_NOW (2026-11-22), commits by the real clock: a backdating
        # limit of 100 years keeps every test passing on any later date. Tests of the limit
        # itself date their events from the real clock (datetime.now()).
        office = api.init_office(str(root), name="幸福花园", director=DIRECTOR, policy=TEMPLATE_POLICY)
        for name, role, dept in STAFF:
            api.add_staff(office, DIRECTOR, name, role, dept)
        office = api.Office(str(root))
        api.open_owner(office, "王芳", unit=UNIT, name="张三", phone=OWNER_PHONE)
    return root


@dataclass
class Result:
    code: int
    out: str
    err: str

    def __iter__(self):  # (code, out, err) = run(...)
        return iter((self.code, self.out, self.err))


@pytest.fixture
def office(office_template, tmp_path, monkeypatch) -> Path:
    root = tmp_path / "office"
    shutil.copytree(office_template, root, symlinks=True)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def run(office):
    """The CLI in a fresh process, cwd = the office: returns Result(code, out, err)."""

    def _run(*args, input=None, env=None, cwd=None) -> Result:
        full_env = dict(os.environ)
        full_env.update(env or {})
        proc = subprocess.run([sys.executable, "-m", "wuyectl", *map(str, args)], cwd=str(cwd or office),
                              env=full_env, input=input.encode("utf-8") if isinstance(input, str) else input,
                              capture_output=True, timeout=120)
        result = Result(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))
        assert "Traceback" not in result.err, result.err
        return result

    return _run


@pytest.fixture
def cli(office):
    """The CLI in-process (same `main()`, same exit codes), cwd = the office."""
    from click.testing import CliRunner

    from wuyectl import i18n
    from wuyectl.cli.main import main

    def _cli(*args, input=None, env=None) -> Result:
        runner = CliRunner()
        code = 0
        with runner.isolation(input=input, env=env) as streams:
            try:
                main([str(a) for a in args])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            finally:
                i18n.use(None)   # as when the process ends: the next call chooses its language anew
            out, err = streams[0].getvalue(), streams[1].getvalue()
        result = Result(code, out.decode("utf-8"), err.decode("utf-8"))
        assert "Traceback" not in result.err, result.err
        return result

    return _cli


@pytest.fixture
def git(office):
    """git in the office; returns stdout as text (raises on failure unless check=False)."""

    def _git(*args, check=True, input=None):
        proc = subprocess.run(["git", *HAND, *args], cwd=str(office), capture_output=True,
                              input=input.encode("utf-8") if isinstance(input, str) else input)
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr.decode()}")
        if not check:
            return proc
        return proc.stdout.decode("utf-8")

    return _git


@pytest.fixture
def repo_state(git):
    """A snapshot of HEAD, the commit count and `git status`, to show nothing changed."""

    def _state():
        return (git("rev-parse", "HEAD").strip(), int(git("rev-list", "--count", "HEAD")),
                git("status", "--porcelain", "--untracked-files=all"))

    return _state


@pytest.fixture
def refused(cli, repo_state):
    """A command that must be refused: run it, check it printed nothing but one line and
    changed nothing (HEAD, the commit count, `git status`), and give (exit code, that line)."""

    def _refused(*args, env=None):
        before = repo_state()
        result = cli(*args, env=env)
        assert result.out == "" and result.err.count("\n") == 1, result
        assert repo_state() == before, args
        return result.code, result.err

    return _refused


@pytest.fixture
def write(office):
    """Write dedented YAML (or any text) from the test into the office; returns the path."""

    def _write(relpath: str, text: str) -> Path:
        path = office / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def keygen(tmp_path):
    """`keygen(name, type="ed25519", *ssh_keygen_options)`: a new SSH key pair without a
    passphrase in tmp_path/keys; returns the private key's path (the public half is PATH.pub)."""
    folder = tmp_path / "keys"
    folder.mkdir(exist_ok=True)

    def _make(name: str, kind: str = "ed25519", *extra: str) -> Path:
        path = folder / name
        subprocess.run(["ssh-keygen", "-q", "-t", kind, *extra, "-N", "", "-C", f"{name}@test", "-f", str(path)],
                       check=True, capture_output=True)
        return path

    return _make


@pytest.fixture
def api_office(office):
    """The office as a `wuyectl.api.Office` (re-open after CLI writes to re-read wuye.yaml)."""
    from wuyectl import api

    return api.Office(str(office))


@pytest.fixture
def fault_hook():
    """Install a hook in the commit path for this test (`transaction.set_fault_hook`: a
    FaultHook or a function called with each step's name); the one before is put back after."""
    from wuyectl.store import transaction

    before = []

    def _install(hook):
        previous = transaction.set_fault_hook(hook)
        if not before:
            before.append(previous)

    yield _install
    if before:
        transaction.set_fault_hook(before[0])


def ticket_path(tid: str) -> str:
    return f"tickets/{tid[2:6]}-{tid[6:8]}/{tid}.yaml"


def visit_path(vid: str) -> str:
    return f"visits/{vid[2:6]}-{vid[6:8]}/{vid}.yaml"


OPEN_REPAIR = ["open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT,
               "--reporter", "张先生", "--phone", PHONE, "--description", "卫生间漏水", "-o", "ids"]


@pytest.fixture
def ticket(new_ticket):
    """The office's first ticket (a repair of 3-2-1201), opened by 王芳."""
    tid = new_ticket()
    assert tid == "T-20261122-A001"
    return tid


@pytest.fixture
def new_ticket(cli):
    """Open a ticket in-process as 王芳; returns its ID. Defaults: the issue's repair."""

    def _new(category="repair", *extra, at=None, env=None, who="王芳"):
        args = ["open", "ticket", "--channel", "phone", "--category", category, "--unit", UNIT,
                "--reporter", "张先生", "--phone", PHONE, "--description", "卫生间漏水", "-o", "ids",
                "--as", who, *extra]
        if at:
            args += ["--at", at]
        result = cli(*args, env=env)
        assert result.code == 0, result.err
        return result.out.strip()

    return _new


# Property tests explore at random on a developer's machine; in CI (CI=true) they run
# derandomized, so a submission's result does not depend on the luck of the draw.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")
