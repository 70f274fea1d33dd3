"""All-or-nothing writes: lock, re-read, validate, atomic write, one git commit, rollback.

    with Transaction(office, actor) as tx:
        loaded = tx.load("T-20261122-A001")     # refused if it has uncommitted hand edits
        ... change loaded.rt ...
        tx.stage(loaded)
        tx.commit(subject, action="assign", records=["T-20261122-A001"])

If anything raises before `commit` returns, every file written is put back as it was and the
index entries for those paths are reset.  A journal (`.git/wuyectl/journal.json`) records the
paths before any file is touched, so if the process is killed half-way, the next transaction
(under the lock) puts those paths back to what HEAD has and removes a stale `index.lock`.
"""
from __future__ import annotations

import json
import os
import tempfile

from ..errors import Conflict, Invalid, Problem, RepoError, WuyeError
from .. import timeutil
from . import fastyaml, git, yamlio
from .lock import RepoLock

BATCH_SYNC_AFTER = 20
from .office import Loaded, Office


def fault(point: str) -> None:
    """Failpoints for the fault tests: WUYECTL_FAULT=POINT kills this process there (SIGKILL),
    as a power cut or a killed terminal would; WUYECTL_FAULT=enospc:POINT raises a full disk.
    Points: before-write, after-write, after-add, during-commit, after-commit."""
    wanted = os.environ.get("WUYECTL_FAULT")
    if not wanted:
        return
    if wanted == point:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
    if wanted == f"enospc:{point}":
        import errno

        raise OSError(errno.ENOSPC, "No space left on device")


def atomic_write(path: str, data: bytes, *, sync: bool = True) -> None:
    """Write via a temporary file in the same folder and rename; `sync=False` leaves the
    flush to disk to the caller (a batch syncs once for all its files)."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".wuyectl-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if not sync:
        return
    try:
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def _normalise(node, key=None):
    """Plain dicts and lists added by the tool become round-trip nodes; times are written as
    plain YAML timestamps (not quoted strings), like the rest of the file."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        for k in list(node.keys()):
            node[k] = _normalise(node[k], k)
        return node
    if isinstance(node, dict):
        return yamlio.new_map(node)
    if isinstance(node, CommentedSeq):
        for i, value in enumerate(node):
            node[i] = _normalise(value, key)
        return node
    if isinstance(node, list):
        seq = CommentedSeq()
        seq.extend(_normalise(v, key) for v in node)
        return seq
    if type(node) is str:
        return yamlio.as_yaml_scalar(key, node)
    return node


class Transaction:
    def __init__(self, office: Office, actor: dict):
        self.office = office
        self.actor = actor
        self.gitdir = office.gitdir
        self.state_dir = os.path.join(self.gitdir, "wuyectl")
        self.journal = os.path.join(self.state_dir, "journal.json")
        self.lock = RepoLock(os.path.join(self.state_dir, "lock"), actor["name"])
        self.staged: dict[str, Loaded] = {}
        self.created: set[str] = set()
        self.verbatim: dict[str, bytes] = {}

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> "Transaction":
        self.lock.__enter__()
        try:
            recover(self.office, self.gitdir)
        except BaseException:
            self.lock.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.lock.__exit__(*exc)

    # -- reading under the lock ----------------------------------------------------------
    def _check_clean(self, relpaths: list[str]) -> None:
        """Refuse records whose file differs from HEAD (a hand edit not committed). Compares
        the file's blob id with HEAD's: git status would read the whole index (17 MB at
        100,000 records) for every action."""
        paths = [self.office.git_path(r) for r in relpaths]
        query = "".join(f"HEAD:{p}\n" for p in paths).encode("utf-8")
        answer = git.run(self.office.top, ["cat-file", "--batch-check=%(objectname)"], input=query,
                         check=False).stdout.decode("utf-8", "replace").splitlines()
        dirty = []
        for path, rel, line in zip(paths, relpaths, answer):
            try:
                with open(self.office.abspath(rel), "rb") as fh:
                    current = git.blob_id(fh.read())
            except FileNotFoundError:
                current = None
            committed = line.split()[0] if line and not line.endswith("missing") else None
            if current != committed:
                dirty.append(path)
        if dirty:
            rel = dirty[0][len(self.office.prefix):]
            raise Conflict(f"{rel}: has changes not committed (a hand edit?); commit or discard them first "
                           f"(git diff -- {dirty[0]})")

    def load(self, record_id: str):
        from . import schema
        from .validate import located

        kind, loaded = self.office.load(record_id)
        if loaded.relpath in self.staged:
            return kind, self.staged[loaded.relpath]
        self._check_clean([loaded.relpath])
        # Acting on a record that is not valid would build on sand: say what is wrong with it.
        found = schema.problems(loaded.data, kind.schema)
        if found:
            raise Invalid(located(loaded.relpath, loaded.rt, found))
        return kind, loaded

    def load_path(self, relpath: str) -> Loaded:
        if relpath in self.staged:
            return self.staged[relpath]
        self._check_clean([relpath])
        return self.office.read(relpath)

    def create(self, relpath: str, rt) -> Loaded:
        if os.path.lexists(self.office.abspath(relpath)) or relpath in self.staged:
            raise Conflict(f"{relpath}: already exists")
        loaded = Loaded(relpath, rt, yamlio.to_plain(rt), None)
        self.created.add(relpath)
        self.staged[relpath] = loaded
        return loaded

    def stage_text(self, relpath: str, text: str) -> Loaded:
        """Stage a file exactly as a person wrote it (`wuyectl edit`); validated like any other."""
        from .office import parse

        raw = text.encode("utf-8")
        loaded = parse(relpath, raw, yamlio.decode(raw))
        self.staged[relpath] = loaded
        self.verbatim[relpath] = raw
        return loaded

    def stage(self, loaded: Loaded) -> None:
        from ..domain.kinds import kind_of_path
        from . import schema

        kind = kind_of_path(loaded.relpath)
        if kind is not None:
            yamlio.place_new_keys(loaded.rt, loaded.original_keys,
                                  list(schema.schema(kind.schema).get("properties", {})))
        loaded.data = yamlio.to_plain(loaded.rt)
        self.staged[loaded.relpath] = loaded

    # -- writing -------------------------------------------------------------------------
    def commit(self, subject: str, *, action: str, records: list[str], at: str | None = None,
               validate=None) -> str:
        """Validate, write and commit every staged file; returns the new commit id."""
        from .validate import validate_staged

        if not self.staged:
            raise RepoError("nothing to commit")
        texts: dict[str, bytes] = {}
        for rel, loaded in self.staged.items():
            if rel in self.verbatim:
                texts[rel] = self.verbatim[rel]
                continue
            loaded.rt = _normalise(loaded.rt)
            # A new file has no comments to keep: the fast writer gives the same layout.
            text = fastyaml.dump(loaded.rt) if rel in self.created else yamlio.dump(loaded.rt)
            texts[rel] = text.encode("utf-8")
            loaded.data = yamlio.to_plain(loaded.rt)
        problems: list[Problem] = []
        for rel, loaded in self.staged.items():
            problems.extend(validate_staged(self.office, rel, loaded, self.staged, as_written=rel in self.verbatim))
        if problems:
            raise Invalid(problems)

        rels = sorted(texts)
        old: dict[str, bytes | None] = {}
        for rel in rels:
            try:
                with open(self.office.abspath(rel), "rb") as fh:
                    old[rel] = fh.read()
            except FileNotFoundError:
                old[rel] = None
        paths = [self.office.git_path(r) for r in rels]
        base = git.head(self.office.top)
        message = None
        keep_journal = False
        try:
            self._write_journal(base, paths, old)
            fault("before-write")
            batch = len(rels) > BATCH_SYNC_AFTER
            for rel in rels:
                atomic_write(self.office.abspath(rel), texts[rel], sync=not batch)
            if batch:
                os.sync()   # one flush for a bulk import, not one per file
            fault("after-write")
            # `commit --only -- paths` takes tracked files from the work tree itself; only new
            # files need adding first (each git call rewrites the whole index: at 100,000
            # records that is most of an action's time).
            new = [self.office.git_path(r) for r in rels if old[r] is None]
            if new:
                git.run(self.office.top, ["add", "--", *new])
            fault("after-add")
            message = self._message(subject, action, records, at)
            env = self._identity()
            args = ["commit", "-q", "--no-verify", "--allow-empty-message", "-F", "-"]
            if base:
                args += ["--only", "--", *paths]
            if os.environ.get("WUYECTL_FAULT") == "during-commit":
                # The terminal is killed while git commits: git and wuyectl die together, git
                # perhaps holding index.lock, perhaps after it moved HEAD.
                import subprocess
                import time

                child = subprocess.Popen(["git", "-c", "core.quotepath=off", *args], cwd=self.office.top,
                                         env=dict(os.environ, **env), stdin=subprocess.PIPE,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                child.stdin.write(message.encode("utf-8"))
                child.stdin.close()
                time.sleep(float(os.environ.get("WUYECTL_FAULT_DELAY", "0.01")))
                child.kill()
                fault("during-commit")
            git.run(self.office.top, args, env=env, input=message.encode("utf-8"))
            fault("after-commit")
        except BaseException as exc:
            landed = self._landed(base, message)
            if landed and isinstance(exc, OSError):
                # The commit is made: the change is whole; undoing its files would break it.
                raise RepoError(f"the change was committed ({landed[:10]}), but then: "
                                f"{exc.strerror or exc}") from None
            if not landed and not self._rollback(rels, old, paths, base):
                keep_journal = True   # the next command finishes putting the files back
            if isinstance(exc, WuyeError):
                raise
            if isinstance(exc, OSError):
                raise RepoError(f"could not write the records ({exc.strerror or exc}); nothing was changed") from None
            raise
        finally:
            if not keep_journal:
                self._drop_journal()
        commit = git.head(self.office.top) or ""
        self.staged.clear()
        return commit

    def _landed(self, base: str | None, message: str | None) -> str | None:
        """The commit id if this transaction's commit is HEAD (it landed before the failure)."""
        head = git.head(self.office.top)
        if message is None or head is None or head == base:
            return None
        proc = git.run(self.office.top, ["log", "-1", "--format=%P%x00%B", "HEAD"], check=False)
        parents, _, body = proc.stdout.decode("utf-8", "replace").partition("\0")
        if parents.strip() != (base or "") or body.rstrip("\n") != message.rstrip("\n"):
            return None
        return head

    def _message(self, subject: str, action: str, records: list[str], at: str | None) -> str:
        lines = [subject, ""]
        lines.append(f"Wuye-Action: {action}")
        for rid in records:
            lines.append(f"Wuye-Record: {rid}")
        lines.append(f"Wuye-Role: {self.actor['role']}")
        if at:
            lines.append(f"Wuye-At: {at}")
        return "\n".join(lines) + "\n"

    def _identity(self) -> dict:
        name = self.actor["name"]
        email = self.actor.get("email") or ""
        env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
               "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
        if os.environ.get("WUYECTL_NOW"):
            stamp = timeutil.iso(self.office.now())
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = stamp
        return env

    def _write_journal(self, base, paths, old) -> None:
        os.makedirs(self.state_dir, exist_ok=True)
        entry = {"pid": os.getpid(), "head": base,
                 "paths": [{"path": p, "existed": old[r] is not None} for p, r in zip(paths, sorted(old))]}
        atomic_write(self.journal, json.dumps(entry, ensure_ascii=False).encode("utf-8"))

    def _drop_journal(self) -> None:
        try:
            os.unlink(self.journal)
        except FileNotFoundError:
            pass

    def _rollback(self, rels, old, paths, base) -> bool:
        """Put the files and index entries back; False if a file could not be restored."""
        restored = True
        for rel in rels:
            path = self.office.abspath(rel)
            try:
                if old[rel] is None:
                    if os.path.exists(path):
                        os.unlink(path)
                else:
                    atomic_write(path, old[rel])
            except OSError:
                restored = False
        if base:
            git.run(self.office.top, ["reset", "-q", "--", *paths], check=False)
        else:
            git.run(self.office.top, ["rm", "-q", "--cached", "--ignore-unmatch", "--", *paths], check=False)
        return restored


def recover(office: Office, gitdir: str) -> None:
    """Finish what a killed writer left: put its paths back to HEAD unless its commit landed.

    Runs under the repo lock. The writer refused paths with uncommitted changes before it
    touched them, so any difference from HEAD on a journalled path is its own half-write."""
    journal = os.path.join(gitdir, "wuyectl", "journal.json")
    try:
        with open(journal, encoding="utf-8") as fh:
            entry = json.load(fh)
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        entry = {"paths": []}
    import glob

    # Left by a git commit that was killed with its wuyectl (`commit --only` also makes a
    # next-index-PID.lock; moving the branch takes HEAD.lock and the branch's ref lock); no
    # other wuyectl can be committing now (we hold the lock).
    branch = git.run(office.top, ["symbolic-ref", "-q", "HEAD"], check=False).stdout.decode().strip()
    stale_locks = [os.path.join(gitdir, "index.lock"), os.path.join(gitdir, "HEAD.lock"),
                   *glob.glob(os.path.join(gitdir, "next-index-*.lock"))]
    if branch.startswith("refs/"):
        stale_locks.append(os.path.join(gitdir, *branch.split("/")) + ".lock")
    for stale in stale_locks:
        try:
            os.unlink(stale)
        except OSError:
            pass
    paths = [p["path"] for p in entry.get("paths", []) if isinstance(p, dict) and "path" in p]
    if paths:
        tracked = git.out(office.top, ["ls-tree", "-r", "--name-only", "HEAD", "--", *paths],
                          check=False).splitlines() if git.head(office.top) else []
        for path in paths:
            absolute = os.path.join(office.top, *path.split("/"))
            if path in tracked:
                git.run(office.top, ["checkout", "-q", "HEAD", "--", path], check=False)
            else:
                git.run(office.top, ["rm", "-q", "--cached", "--ignore-unmatch", "--", path], check=False)
                if os.path.exists(absolute):
                    os.unlink(absolute)
        if git.head(office.top):
            git.run(office.top, ["reset", "-q", "--", *paths], check=False)
    os.unlink(journal)
