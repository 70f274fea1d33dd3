"""The git command line (fast: git's own index, not GitPython's pure-Python one).

GitPython (a declared dependency) was measured for the jobs here and is slower for each, so
git's command line stays (wall time of the whole `wuyectl` process, median of paired runs; the
machine was shared, so ratios): importing GitPython alone costs ~70–90 ms, a git call ~2–5 ms.
- Finding the repo (`Repo(search_parent_directories=True)` instead of `git rev-parse
  --show-toplevel`, its config reader instead of `git config`): `wuyectl show ID` 1.19x slower.
  GitPython's reader also ignores GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM and `git -c`, and
  GitPython does not apply git's safe.directory check: git's answers are the ones to keep.
- The persistent `git cat-file --batch` reader (`Repo.git.get_object_data`): as fast per object
  (~50 µs), but `wuyectl log ID` 1.29x and `wuyectl audit` 1.08x slower on the sample office
  (the import); `Repo.rev_parse("rev:path")` costs ~0.9 ms an object against cat-file's own
  resolution. `CatFile` below keeps that one process by hand, and always ends it.
Where a command talks to another repository anyway (`sync`: fetch, merge, push), 80 ms are
nothing: there `repo()` gives GitPython's handle for the questions about refs, branches and
remotes, and the writes still run git's command line through `run()`.
"""
from __future__ import annotations

import os
import subprocess
from typing import Sequence

from ..errors import RepoError
from ..i18n import _

# Commands run with a fixed, predictable environment: no pager, no prompts, C messages.
# GIT_OPTIONAL_LOCKS=0: reads (`git status`) never take index.lock to refresh the index, so a
# reader cannot make a concurrent writer's `git commit` fail, and reads work on a full disk.
_BASE_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C", "LANGUAGE": "C",
             "GIT_OPTIONAL_LOCKS": "0"}


def environment(env: dict | None = None) -> dict:
    """The environment git runs with: ours, the fixed settings above, then `env` (a value of
    None removes that variable: a GIT_COMMITTER_DATE of the caller's shell, say)."""
    full_env = dict(os.environ)
    full_env.update(_BASE_ENV)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    return full_env


def run(cwd: str, args: Sequence[str], *, env: dict | None = None, input: bytes | None = None,
        check: bool = True) -> subprocess.CompletedProcess:
    if any("\0" in str(a) for a in args):
        from ..errors import BadValue

        raise BadValue(_("a value given contains a NUL character"))
    full_env = environment(env)
    try:
        proc = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=cwd, env=full_env,
                              input=input, capture_output=True, **_umask(cwd))
    except FileNotFoundError:
        raise RepoError(_("git is not installed (wuyectl needs the git command)")) from None
    return checked(proc, args) if check else _safe(proc)


def _safe(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    if proc.returncode != 0:
        refuse_unsafe(proc.stderr)
    return proc


def checked(proc: subprocess.CompletedProcess, args: Sequence[str]) -> subprocess.CompletedProcess:
    """`proc` if git succeeded; else a RepoError with git's own reason (its fatal/error line)."""
    if _safe(proc).returncode != 0:
        message = (proc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        detail = next((m for m in message if m.startswith(("fatal", "error"))), message[-1] if message else "")
        command = next((a for a in args if not a.startswith("-") and "=" not in a), args[0])
        raise RepoError(_("git {command} failed: {detail}").format(command=command, detail=detail))
    return proc


def _umask(cwd: str) -> dict:
    """In a shared repository (core.sharedRepository), git runs with a umask that keeps the
    shared bits open (`shared.umask_for`): what git writes the others can rewrite."""
    from . import shared

    try:
        mask = shared.umask_for(cwd)
    except OSError:
        return {}
    return {} if mask is None else {"umask": mask}


def refuse_unsafe(stderr: bytes) -> None:
    """git's safe.directory refusal ("detected dubious ownership") as what it is, with the fix
    (a RepoError), instead of "not a git repository"."""
    text = stderr.decode("utf-8", "replace")
    if "detected dubious ownership" not in text:
        return
    import re
    import shlex

    found = re.search(r"dubious ownership in repository at '(.*)'", text)
    path = found.group(1) if found else "?"
    owner = "?"
    try:
        import pwd

        uid = os.stat(path).st_uid
        try:
            owner = pwd.getpwuid(uid).pw_name
        except KeyError:
            owner = str(uid)
    except (ImportError, OSError):
        pass
    raise RepoError(_("git refuses to work in {path}: the folder belongs to another account ({owner}), and git "
                      "works only in folders you own or have declared safe (safe.directory). If this is the "
                      "office's shared folder, declare it once: git config --global --add safe.directory {quoted}")
                    .format(path=path, owner=owner, quoted=shlex.quote(path)))


def out(cwd: str, args: Sequence[str], **kw) -> str:
    return run(cwd, args, **kw).stdout.decode("utf-8", "replace")


def toplevel(path: str) -> str | None:
    """The top of the work tree `path` is in; None outside any repository (a repository git
    refuses for its owner, safe.directory, is a RepoError saying so: `refuse_unsafe`)."""
    proc = run(path, ["rev-parse", "--show-toplevel"], check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode().strip()


def git_dir(top: str) -> str:
    path = out(top, ["rev-parse", "--git-common-dir"]).strip()
    return os.path.normpath(os.path.join(top, path))


def run_paths(cwd: str, args: Sequence[str], paths: Sequence[str], **kw) -> subprocess.CompletedProcess:
    """`git ARGS` for many paths: given on standard input, so no number of them is too many
    for the command line (a sync may merge tens of thousands of records)."""
    return run(cwd, [*args, "--pathspec-from-file=-", "--pathspec-file-nul"],
               input="\0".join(paths).encode("utf-8"), **kw)


# Paths given to git as they are: no `*`, `[…]` or `:(magic)` read as a pattern (a recovery
# that checks out "*" would put back every file of the repo).
LITERAL = {"GIT_LITERAL_PATHSPECS": "1"}


def in_tree(top: str, rev: str, paths: Sequence[str]) -> set[str]:
    """Those of `paths` that `rev`'s tree has (ls-tree takes no pathspec file: for many
    paths, list the tree and keep those)."""
    many = len(paths) > 500
    listing = out(top, ["ls-tree", "-r", "--name-only", "-z", rev, *([] if many else ["--", *paths])], check=False,
                  env=LITERAL)
    return (set(listing.split("\0")) - {""}) & set(paths)   # (a folder given lists its files: not those)


def repo(top: str):
    """GitPython's handle on the repository (imported here: it costs ~80 ms), running git with
    the same fixed environment as `run()`."""
    from git import Repo

    handle = Repo(top)
    handle.git.update_environment(**_BASE_ENV)
    return handle


def head(top: str) -> str | None:
    """The commit HEAD is at (None before the first commit). Read from the files where git
    keeps it (HEAD, the branch's loose ref or packed-refs: a git process costs more than the
    rest of a small read); git answers for anything else (a linked work tree, GIT_DIR, a ref
    format it may have that this does not know)."""
    found = _head_from_files(top)
    if found is not None:
        return found or None
    proc = run(top, ["rev-parse", "-q", "--verify", "HEAD"], check=False)
    return proc.stdout.decode().strip() or None


_OID = frozenset("0123456789abcdef")


def _head_from_files(top: str) -> str | None:
    """HEAD's commit from .git's files; "" for an unborn branch; None when not sure."""
    if os.environ.get("GIT_DIR") or os.environ.get("GIT_COMMON_DIR"):
        return None
    gitdir = os.path.join(top, ".git")
    try:
        with open(os.path.join(gitdir, "HEAD"), encoding="utf-8") as fh:
            text = fh.read().strip()
        if not text.startswith("ref: "):
            return text if len(text) == 40 and set(text) <= _OID else None
        ref = text[5:].strip()
        if not ref.startswith("refs/heads/") or ".." in ref:
            return None
        try:
            with open(os.path.join(gitdir, *ref.split("/")), encoding="utf-8") as fh:
                value = fh.read().strip()
            return value if len(value) == 40 and set(value) <= _OID else None
        except FileNotFoundError:
            pass
        try:
            with open(os.path.join(gitdir, "packed-refs"), encoding="utf-8") as fh:
                for line in fh:
                    if line.endswith(f" {ref}\n") and len(line) > 41 and set(line[:40]) <= _OID:
                        return line[:40]
        except FileNotFoundError:
            pass
        return "" if not os.path.exists(os.path.join(gitdir, "reftable")) else None
    except (OSError, UnicodeDecodeError):   # (a .git file: a linked work tree)
        return None


def commit_of(top: str, ref: str) -> str | None:
    """The commit `ref` names (a ref, an id, HEAD), or None when it names none."""
    proc = run(top, ["rev-parse", "-q", "--verify", f"{ref}^{{commit}}"], check=False)
    return (proc.stdout.decode().strip() or None) if proc.returncode == 0 else None


def is_ancestor(top: str, older: str, newer: str) -> bool:
    """Whether `older` is in the history of `newer` (or is it)."""
    return run(top, ["merge-base", "--is-ancestor", older, newer], check=False).returncode == 0


class CatFile:
    """One `git cat-file --batch` process for the work tree at `top`, for reading many objects
    (`rev:path`) without a process each. A context manager: the process is ended when the block
    is left, on errors too (`close()` may be called any number of times)."""

    def __init__(self, top: str):
        env = environment()
        try:
            self.proc: subprocess.Popen | None = subprocess.Popen(
                ["git", "cat-file", "--batch"], cwd=top, env=env, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except FileNotFoundError:
            raise RepoError(_("git is not installed (wuyectl needs the git command)")) from None

    def read(self, spec: str) -> tuple[str, bytes] | None:
        """(type, content) of the object `spec` names (`rev:path`, an id); None when missing."""
        if self.proc is None:
            raise RepoError(_("git cat-file: read after close"))
        if "\n" in spec or "\0" in spec:   # one request is one line: a line feed would desync the replies
            return None
        try:
            self.proc.stdin.write(spec.encode("utf-8") + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise RepoError(_("git cat-file stopped answering")) from None
        header = self.proc.stdout.readline().decode("utf-8", "replace").split()
        if len(header) != 3 or not header[2].isdigit():   # "<spec> missing", "… ambiguous", or git gone
            if not header:
                raise RepoError(_("git cat-file stopped answering"))
            return None
        size = int(header[2])
        data = self.proc.stdout.read(size)
        self.proc.stdout.read(1)   # the line feed after the content
        if len(data) != size:
            raise RepoError(_("git cat-file stopped answering"))
        return header[1], data

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        # stdout first: a process still writing an object nobody reads gets a broken pipe
        # instead of waiting for a reader forever; then end of input lets it exit.
        for stream in (proc.stdout, proc.stdin):
            try:
                stream.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def __enter__(self) -> "CatFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def object_format(gitdir: str) -> str:
    """The repository's object format, `extensions.objectformat` ("sha1" when unset)."""
    from .gitconfig import config_values

    values = config_values(os.path.join(gitdir, "config"), "extensions", "objectformat")
    return (values[-1] or "sha1").lower() if values else "sha1"


def require_sha1(gitdir: str, where: str) -> None:
    """Refuse a repository whose objects are not named by sha1 (`git init
    --object-format=sha256`): the tool computes blob ids itself (blob_id) and keys its index
    by them."""
    found = object_format(gitdir)
    if found != "sha1":
        raise RepoError(_("{path} is a {format} git repository (extensions.objectformat); wuyectl works with sha1 "
                          "repositories only (git init --object-format=sha1)").format(path=where, format=found))


def blob_id(data: bytes) -> str:
    """git's object id of `data` as a blob (sha-1 repositories)."""
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
