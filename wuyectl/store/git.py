"""The git command line (fast: git's own index, not GitPython's pure-Python one)."""
from __future__ import annotations

import os
import subprocess
from typing import Sequence

from ..errors import RepoError

# Commands run with a fixed, predictable environment: no pager, no prompts, C messages.
# GIT_OPTIONAL_LOCKS=0: reads (`git status`) never take index.lock to refresh the index, so a
# reader cannot make a concurrent writer's `git commit` fail, and reads work on a full disk.
_BASE_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C", "LANGUAGE": "C",
             "GIT_OPTIONAL_LOCKS": "0"}


def run(cwd: str, args: Sequence[str], *, env: dict | None = None, input: bytes | None = None,
        check: bool = True) -> subprocess.CompletedProcess:
    if any("\0" in str(a) for a in args):
        from ..errors import BadValue

        raise BadValue("a value given contains a NUL character")
    full_env = dict(os.environ)
    full_env.update(_BASE_ENV)
    if env:
        full_env.update(env)
    try:
        proc = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=cwd, env=full_env,
                              input=input, capture_output=True)
    except FileNotFoundError:
        raise RepoError("git is not installed (wuyectl needs the git command)") from None
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = next((m for m in message if m.startswith(("fatal", "error"))), message[-1] if message else "")
        raise RepoError(f"git {args[0]} failed: {detail}")
    return proc


def out(cwd: str, args: Sequence[str], **kw) -> str:
    return run(cwd, args, **kw).stdout.decode("utf-8", "replace")


def toplevel(path: str) -> str | None:
    proc = run(path, ["rev-parse", "--show-toplevel"], check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode().strip()


def git_dir(top: str) -> str:
    path = out(top, ["rev-parse", "--git-common-dir"]).strip()
    return os.path.normpath(os.path.join(top, path))


def head(top: str) -> str | None:
    proc = run(top, ["rev-parse", "-q", "--verify", "HEAD"], check=False)
    return proc.stdout.decode().strip() or None


def blob_id(data: bytes) -> str:
    """git's object id of `data` as a blob (sha-1 repositories)."""
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
