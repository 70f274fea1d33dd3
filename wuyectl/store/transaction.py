"""All-or-nothing writes: lock, re-read, validate, atomic write, one git commit, rollback.

    with Transaction(office, actor) as tx:
        loaded = tx.load("T-20261122-A001")     # refused if it has uncommitted hand edits
        ... change loaded.rt ...
        tx.stage(loaded)
        tx.commit(subject, action="assign", records=["T-20261122-A001"])

If anything raises before `commit` returns, every file written is put back as it was and the
index entries for those paths are reset.  A journal (`.git/wuyectl/journal.json`) records the
paths before any file is touched, so if the process is killed half-way, the next transaction
(under the lock) puts those paths back to what HEAD has, removes a stale `index.lock` and the
tool's own temporary files (`recover`; a journal's paths are confined to the work tree).

The commit message is the tool's: every value in it is one line (`message`), and it is written
to `.git/wuyectl/message-PID.txt` in full before `git commit -F` starts. The commit's dates are
the computer's clock (`identity`); a detached HEAD is refused when the transaction starts.

Files the caller writes itself (`init`'s wuye.yaml and .gitkeep files, the result of a `git
merge --no-commit` in `sync`) are committed with `tx.commit_paths(relpaths, subject, ...)`:
the same journal, rollback, message and identity, without the staging and validation.

The fault tests reach into the commit path through one seam, `set_fault_hook` (see
"test seams" below): `commit` only calls the hook at each step and runs `git commit` through it.
"""
from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Callable, Iterable

from ..errors import BadValue, Conflict, Invalid, Problem, Refused, RepoError, WuyeError
from ..i18n import _
from . import fastyaml, git, objects, shared, yamlio
from .gitconfig import config_values
from .shared import atomic_write  # noqa: F401  (written where file modes are: store/shared.py)
from .lock import RepoLock
from .office import CONFIG, Loaded, Office

BATCH_SYNC_AFTER = 20
SPLIT_INDEX_FROM = 4 << 20   # bytes of git's index from which it is split (10,000-odd files)


# -- test seams ---------------------------------------------------------------------------
# The steps of a write at which the hook is called, in order. `after-add`: the objects are
# written (or new files added, for `git commit`); `after-index`: git's index has the new
# entries, the branch has not moved yet (the commit path without git's index,
# store/objects.py); `during-commit`: git's part is over (see EnvFaults).
POINTS = ("before-write", "after-write", "after-add", "after-index", "during-commit", "after-commit")
# The git commands that land a commit, in order, as the hook's `run_git` sees them: `commit`
# (`git commit-tree`; or `git commit` for a first commit or a merge, the only step then),
# `index` (`git update-index` for the paths), `ref` (`git update-ref` moves the branch: the
# commit has landed).
STEPS = ("commit", "index", "ref")


class FaultHook:
    """The seam of the commit path. `point(name)` is called at each step of a write (the
    names in POINTS); `run_git(step, …)` runs each git command that lands the commit (the
    steps in STEPS; the `commit` step reads the message from `message_file` with `-F`: it is
    written in full before git starts). This default does nothing and just runs git."""

    def point(self, name: str) -> None:
        pass

    def run_git(self, step: str, top: str, args: list[str], env: dict, message_file: str,
                input: bytes | None = None):
        return git.run(top, args, env=env, input=input)


class _PointFunction(FaultHook):
    """A plain function `fn(point)` as a hook (git is run as usual)."""

    def __init__(self, fn: Callable[[str], None]):
        self.fn = fn

    def point(self, name: str) -> None:
        self.fn(name)


class EnvFaults(FaultHook):
    """Failpoints for the fault tests, in effect while WUYECTL_FAULT is set (the tests run
    wuyectl in a child process): WUYECTL_FAULT=POINT kills this process there (SIGKILL), as a
    power cut or a killed terminal would; WUYECTL_FAULT=enospc:POINT raises a full disk.
    Points: POINTS. With `during-commit`, git's commands (STEPS) run as usual until
    WUYECTL_FAULT_DELAY seconds (default 0.01) after the first started; then the one running
    is killed, and this process with it (or this process once they all ended)."""

    started: float | None = None

    def point(self, name: str) -> None:
        wanted = os.environ.get("WUYECTL_FAULT")
        if not wanted:
            return
        if wanted == name:
            import signal

            os.kill(os.getpid(), signal.SIGKILL)
        if wanted == f"enospc:{name}":
            import errno

            raise OSError(errno.ENOSPC, "No space left on device")

    def run_git(self, step: str, top: str, args: list[str], env: dict, message_file: str,
                input: bytes | None = None):
        if os.environ.get("WUYECTL_FAULT") != "during-commit":
            return super().run_git(step, top, args, env, message_file, input)
        # The terminal is killed while git works: git and wuyectl die together, git perhaps
        # holding a lock, perhaps after it moved the branch.
        import subprocess
        import time

        if self.started is None:
            self.started = time.monotonic()
        left = self.started + float(os.environ.get("WUYECTL_FAULT_DELAY", "0.01")) - time.monotonic()
        child = subprocess.Popen(["git", "-c", "core.quotepath=off", *args], cwd=top,
                                 env=git.environment(env), stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = child.communicate(input, timeout=max(left, 0.0))
        except subprocess.TimeoutExpired:
            child.kill()
            self.point("during-commit")
            raise
        return git.checked(subprocess.CompletedProcess(args, child.returncode, out, err), args)


_NO_FAULTS = FaultHook()
_ENV_FAULTS = EnvFaults()
_installed: FaultHook | None = None


def set_fault_hook(hook: FaultHook | Callable[[str], None] | None) -> FaultHook | None:
    """Install the commit path's hook: a FaultHook, or a function called with each point's
    name. None goes back to the default: WUYECTL_FAULT's failpoints while that variable is
    set, else nothing. Returns the hook installed before (to put it back)."""
    global _installed
    previous = _installed
    if hook is not None and not isinstance(hook, FaultHook):
        hook = _PointFunction(hook)
    _installed = hook
    return previous


def fault_hook() -> FaultHook:
    """The hook in effect now (looked up at each step: the environment may change)."""
    if _installed is not None:
        return _installed
    return _ENV_FAULTS if os.environ.get("WUYECTL_FAULT") else _NO_FAULTS


# -- one-line values -----------------------------------------------------------------------
def _breaks_lines(ch: str) -> bool:
    """A control character (Cc: line feed, carriage return, tab, NUL, NEL …) or a Unicode line
    or paragraph separator (U+2028, U+2029): anything that may end or hide a line."""
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp")


def escape_controls(text: str) -> str:
    """`text` with each control character written as an escape (\\n, \\r, \\t, \\uXXXX), the
    rest as is: a user's text (a file name) made safe to put into one line."""
    if not any(_breaks_lines(ch) for ch in text):
        return text
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return "".join(named.get(ch) or (f"\\u{ord(ch):04x}" if _breaks_lines(ch) else ch) for ch in text)


def check_one_line(what: str, value) -> None:
    """Refuse a value that would not stay one line in a commit message (BadValue, naming it)."""
    text = str(value)
    if text.isprintable():   # (every character that breaks a line is unprintable: the usual case, at C speed)
        return
    if any(_breaks_lines(ch) for ch in text):
        raise BadValue(_("{what} '{text}' contains a line break or control character").format(
            what=what, text=escape_controls(text)))


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
            _require_branch(self.office)
        except BaseException:
            self.lock.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.lock.__exit__(*exc)

    # -- reading under the lock ----------------------------------------------------------
    def check_clean(self, relpaths: list[str]) -> None:
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
            raise Conflict(_("{path}: has changes not committed (a hand edit?); commit or discard them first "
                             "(git diff -- {git_path})").format(path=rel, git_path=dirty[0]))

    def load(self, record_id: str):
        from .validate import check_schema, located

        kind, loaded = self.office.load(record_id)
        if loaded.relpath in self.staged:
            return kind, self.staged[loaded.relpath]
        self.check_clean([loaded.relpath])
        # Acting on a record that is not valid would build on sand: say what is wrong with it.
        found = check_schema(kind, loaded.relpath, loaded.data, None)
        if found:
            raise Invalid(located(loaded.relpath, loaded.rt, found))
        return kind, loaded

    def load_path(self, relpath: str) -> Loaded:
        if relpath in self.staged:
            return self.staged[relpath]
        self.check_clean([relpath])
        return self.office.read(relpath)

    def create(self, relpath: str, rt) -> Loaded:
        """Stage a new file: a round-trip tree (`yamlio.new_map(record)`), or the record's plain
        data itself (dicts, lists, str, int, float, bool, None): written as its tree would be,
        without building the tree unless someone asks for `.rt` (a bulk import makes thousands)."""
        if os.path.lexists(self.office.abspath(relpath)) or relpath in self.staged:
            raise Conflict(_("{path}: already exists").format(path=relpath))
        if type(rt) is dict:
            loaded = Loaded(relpath, None, rt, tree=lambda: yamlio.new_map(rt))
        else:
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

    def stage_rendered(self, relpath: str, raw: bytes, data: dict) -> None:
        """Stage a file the caller has already written out (`raw`, whose plain data is `data`):
        validated like any other, written byte for byte. For a bulk change (`migrate encrypt`)
        that must not hold thousands of round-trip trees at once."""
        self.staged[relpath] = Loaded(relpath, None, data, raw)
        self.verbatim[relpath] = raw

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
    def commit(self, subject: str, *, action: str, records: list[str], at: str | None = None) -> str:
        """Validate, write and commit every staged file; returns the new commit id."""
        if not self.staged:
            raise RepoError(_("nothing to commit"))
        texts = self._render()
        rels = sorted(texts)
        old = {rel: _read(self.office.abspath(rel)) for rel in rels}
        paths = [self.office.git_path(r) for r in rels]
        base = git.head(self.office.top)

        def write() -> None:
            batch = len(rels) > BATCH_SYNC_AFTER
            for rel in rels:
                if old[rel] is None:   # new: written in place (the journal has it removed if need be)
                    shared.write_new(self.office.abspath(rel), texts[rel], sync=not batch)
                else:
                    atomic_write(self.office.abspath(rel), texts[rel], sync=not batch)
            if batch:
                os.sync()   # one flush for a bulk import, not one per file

        commit = self._commit_journalled(
            base, paths, {p: old[r] is not None for p, r in zip(paths, rels)},
            subject, action, records, at, write=write,
            add=[p for p, r in zip(paths, rels) if old[r] is None],
            undo=lambda: self._rollback(rels, old, paths, base))
        self.staged.clear()
        return commit

    def commit_paths(self, relpaths: Iterable[str], subject: str, *, action: str, records: list[str],
                     at: str | None = None) -> str:
        """Commit exactly `relpaths` (office-relative), which the caller has already written
        (or deleted), as one commit with this transaction's message and identity; returns the
        new commit id. Use it inside `with Transaction(...) as tx:` (under the lock).

        The caller validates what it wrote; each path must have been as HEAD has it (or absent)
        before the caller wrote it: if the commit fails, or the process is killed before it
        lands, the paths are put back to HEAD (files HEAD lacks are removed).

        - No HEAD yet (a fresh repo, `init`): the first commit, of the whole index.
        - A merge in progress (the caller ran `git merge --no-commit`, `sync`): the merge's
          commit, with both parents, of the whole index (git allows no other; `relpaths` may
          then be empty); every path the merge changed is journalled too, and a failure also
          ends the merge (`merge --quit` after the paths are put back: `merge --abort`, but
          only on those paths).
        """
        if self.staged:
            raise RepoError(_("records are staged: commit them with commit(), not commit_paths()"))
        rels = sorted(dict.fromkeys([relpaths] if isinstance(relpaths, str) else relpaths))
        top = self.office.top
        base = git.head(top)
        merge_head = None
        if base:
            merge_head = git.commit_of(top, "MERGE_HEAD")
        if not rels and not merge_head:   # (a merge is committed even if its tree is HEAD's)
            raise RepoError(_("nothing to commit"))
        paths = [self.office.git_path(r) for r in rels]
        journalled = list(paths)
        if merge_head:
            merged = git.out(top, ["diff", "--cached", "--no-renames", "--name-only", "-z", base, "--"])
            journalled += [p for p in merged.split("\0") if p and p not in paths]
        in_base = git.in_tree(top, base, journalled) if base and journalled else set()
        # New files need adding (`commit --only` takes tracked ones from the work tree); in a
        # merge, every given path that exists, so the commit has them as written.
        add = [p for r, p in zip(rels, paths)
               if (merge_head or p not in in_base) and os.path.lexists(self.office.abspath(r))]

        def undo() -> bool:
            try:
                _put_back(self.office, journalled, merge=bool(merge_head))
            except OSError:
                return False
            return True

        return self._commit_journalled(base, paths, {p: p in in_base for p in journalled},
                                       subject, action, records, at, add=add, undo=undo,
                                       merge_head=merge_head)

    def _render(self) -> dict[str, bytes]:
        """The bytes of every staged file; raises Invalid if any is not valid. Records are
        validated as given (a personal number is checked in clear), then, in an encrypted
        office, their personal values are sealed before anything is written."""
        from .validate import Context, validate_staged

        for rel, loaded in self.staged.items():
            if rel not in self.verbatim and not self._as_data(rel, loaded):
                loaded.rt = _normalise(loaded.rt)
                loaded.data = yamlio.to_plain(loaded.rt)
        context = Context(self.office, self.staged)   # one for all: the roster is read once
        problems: list[Problem] = []
        for rel, loaded in self.staged.items():
            problems.extend(validate_staged(self.office, rel, loaded, self.staged,
                                            as_written=rel in self.verbatim and loaded.rt is not None,
                                            context=context))
        if problems:
            raise Invalid(problems)
        sealed = self._seal()
        texts: dict[str, bytes] = {}
        for rel, loaded in self.staged.items():
            if rel in self.verbatim and rel not in sealed:
                texts[rel] = self.verbatim[rel]
                continue
            if self._as_data(rel, loaded):
                # a new record staged as plain data whose tree nobody built: the same bytes
                texts[rel] = fastyaml.dump(loaded.data).encode("utf-8")
                continue
            # A new file has no comments to keep: the fast writer gives the same bytes
            # (tests/test_fastyaml.py); an edited one keeps its comments through ruamel.
            text = fastyaml.dump(loaded.rt) if rel in self.created else yamlio.dump(loaded.rt)
            texts[rel] = text.encode("utf-8")
            loaded.data = yamlio.to_plain(loaded.rt)
        return texts

    def _as_data(self, rel: str, loaded: Loaded) -> bool:
        """A new record staged as plain data whose tree nobody made: its data is what gets written."""
        return rel in self.created and not loaded.tree_made

    def encrypting(self) -> bool:
        """Personal values are sealed in this office (wuye.yaml `encrypted: true`, as staged)."""
        staged = self.staged.get(CONFIG)
        config = staged.data if staged is not None else self.office.config
        return bool((config or {}).get("encrypted"))

    def _seal(self) -> set[str]:
        """Seal every clear personal value of the staged records (store/keys.py); the paths
        whose tree changed."""
        if not self.encrypting():
            return set()
        from ..domain.kinds import kind_of_path, subject_of
        from ..domain.privacy import is_sealed, personal_values
        from .keys import Keystore, Sealer

        changed: set[str] = set()
        sealer = None
        for rel, loaded in self.staged.items():
            kind = kind_of_path(rel)
            if kind is None or not kind.personal or loaded.rt is None:   # (rendered: sealed by its maker)
                continue
            clear = [(box, key, sort) for box, key, sort, _path in personal_values(kind, loaded.rt)
                     if not is_sealed(box[key])]
            if not clear:
                continue
            if sealer is None:
                store = Keystore(self.gitdir)
                if not store.exists():
                    # A new office key here would seal for keys no other copy has: the office's
                    # own come with `sync` (or a copy of the folder). `migrate encrypt` makes the first.
                    raise Refused(_("{path}: this copy of the office has no keys to seal personal numbers with "
                                    "(.git/wuyectl/keys): sync with the office (wuyectl sync) or copy the folder "
                                    "from the office computer").format(path=rel))
                sealer = Sealer(store, self.office.now().isoformat(timespec="seconds"))
            subject = subject_of(kind, loaded.data)
            for box, key, sort in clear:
                box[key] = sealer.seal(subject, sort, str(box[key]))
            changed.add(rel)
        return changed

    def _commit_journalled(self, base: str | None, paths: list[str], journalled: dict[str, bool],
                           subject: str, action: str, records: list[str], at: str | None, *,
                           add: list[str], undo: Callable[[], bool], write: Callable[[], None] | None = None,
                           merge_head: str | None = None) -> str:
        """Journal `journalled` (git path → in HEAD/existed), write (`write`), add the new
        files, commit `paths`; on a failure before the commit landed, `undo` puts everything
        back (False: not all of it, the journal is kept for the next command to finish)."""
        top = self.office.top
        # Both before anything is touched: a value that breaks the message is refused here.
        text = self.message(subject, action, records, at)
        env = self.identity()
        # The message goes to git as a file written in full before git starts: git never reads
        # a message cut short (from a pipe whose writer was killed), so a commit that lands
        # has all its trailers; an empty message is refused by git (no --allow-empty-message).
        message_file = os.path.join(self.state_dir, f"message-{os.getpid()}.txt")
        from . import signing   # refused here too (a missing key), before anything is written
        sign_with, sign = signing.commit_args(self.office.config, self.actor)
        # A commit on a branch, not a merge: built without git's index (store/objects.py), whose
        # every rewrite costs what the whole office holds. A first commit and a merge go
        # through `git commit` (their tree is the index's).
        plumbing = bool(base) and merge_head is None
        message = None
        keep_journal = False
        try:
            self._write_journal(base, journalled, merge=merge_head is not None)
            if write is not None:
                self._fault("before-write")
                write()
            self._fault("after-write")
            if plumbing:
                tree = objects.tree_with_files(top, self.gitdir, base, paths)
            elif add:
                git.run_paths(top, ["add"], add)
            self._fault("after-add")
            atomic_write(message_file, text.encode("utf-8"), sync=False)
            message = text
            if plumbing:
                made = self._git("commit", [*sign_with, "commit-tree", tree, "-p", base, "-F", message_file, *sign],
                                 env, message_file)
                commit = made.stdout.decode().strip()
                # The index first: if git's index is locked (a git command of someone's running),
                # nothing has landed yet and everything is put back.
                self._git("index", ["update-index", "-z", "--add", "--remove", *self._index_options(), "--stdin"],
                          {}, message_file, input=b"".join(os.fsencode(p) + b"\0" for p in paths))
                self._fault("after-index")
                self._move_branch(commit, base, subject, env, message_file)
            else:
                self._git("commit", [*sign_with, "commit", "-q", "--no-verify", "-F", message_file, *sign],
                          env, message_file)
            self._fault("during-commit")
            self._fault("after-commit")
        except BaseException as exc:
            landed = self._landed(base, message, merge_head)
            if landed and isinstance(exc, (OSError, WuyeError)):
                # The commit is made: the change is whole; undoing its files would break it.
                error = exc.strerror or exc if isinstance(exc, OSError) else exc
                raise RepoError(_("the change was committed ({commit}), but then: {error}").format(
                    commit=landed[:10], error=error)) from None
            if not landed and not undo():
                keep_journal = True   # the next command finishes putting the files back
            if isinstance(exc, WuyeError):
                raise
            if isinstance(exc, OSError):
                raise RepoError(_("could not write the records ({error}); nothing was changed").format(
                    error=exc.strerror or exc)) from None
            raise
        finally:
            _unlink(message_file)   # (before the journal: a kill in between leaves both to recovery)
            if not keep_journal:
                self._drop_journal()
        if plumbing:
            if objects.gc_due(self.gitdir):
                # what `git commit` does after committing (detached: the command does not wait)
                git.run(top, ["maintenance", "run", "--auto", "--quiet"], check=False)
            return commit
        return git.head(top) or ""

    def _move_branch(self, commit: str, base: str, subject: str, env: dict, message_file: str) -> None:
        """Point the branch at `commit` if it is still at `base` (git checks and moves it under
        its ref lock): a commit someone made meanwhile is never overwritten."""
        try:
            self._git("ref", ["update-ref", "-m", f"commit: {subject}", "HEAD", commit, base], env, message_file)
        except RepoError:
            if git.head(self.office.top) != base:
                raise Conflict(_("the branch moved while this change was being written (a commit made with git "
                                 "meanwhile?); nothing was changed, run the command again")) from None
            raise

    def _index_options(self) -> list[str]:
        """A large index is written in version 4 and split once (core.splitIndex): then each
        action rewrites a small file, not the whole 18 MB of a big office's index — unless the
        repository says core.splitIndex=false. (git splits an index only when its version is
        not changing in the same write: the version goes first, by itself, once.)"""
        index = os.path.join(self.gitdir, "index")
        try:
            size = os.stat(index).st_size
        except OSError:
            return []
        if size < SPLIT_INDEX_FROM:
            return []
        setting = config_values(os.path.join(self.gitdir, "config"), "core", "splitindex")
        if setting and (setting[-1] or "true").lower() in ("false", "no", "off", "0"):
            return []
        with open(index, "rb") as fh:
            header = fh.read(8)
        if header[:4] == b"DIRC" and int.from_bytes(header[4:8], "big") < 4:
            git.run(self.office.top, ["update-index", "--index-version", "4"])
        return ["--split-index"]

    def _fault(self, point: str) -> None:
        fault_hook().point(point)

    def _git(self, step: str, args: list[str], env: dict, message_file: str, input: bytes | None = None):
        return fault_hook().run_git(step, self.office.top, args, env, message_file, input)

    def _landed(self, base: str | None, message: str | None, merge_head: str | None = None) -> str | None:
        """The commit id if this transaction's commit is HEAD (it landed before the failure)."""
        head = git.head(self.office.top)
        if message is None or head is None or head == base:
            return None
        proc = git.run(self.office.top, ["log", "-1", "--format=%P%x00%B", "HEAD"], check=False)
        parents, _, body = proc.stdout.decode("utf-8", "replace").partition("\0")
        expected = " ".join(p for p in (base, merge_head) if p)
        if parents.strip() != expected or body.rstrip("\n") != message.rstrip("\n"):
            return None
        return head

    def message(self, subject: str, action: str, records: list[str], at: str | None = None) -> str:
        """The commit message of an action: the subject, then the Wuye-* trailers.

        The message is the tool's: every value is one line, so no value (a name, an ID, a file
        name) can end a line and write a trailer of its own (`Wuye-Role: director`). A value
        with a line break or other control character is refused (BadValue), never cleaned up:
        callers that put a user's text into the subject (a file name) escape it first."""
        check_one_line(_("commit subject"), subject)
        if not subject.strip():
            raise BadValue(_("a commit subject must not be empty"))
        check_one_line(_("action"), action)
        label = _("record id")   # (once: an import names thousands)
        for rid in records:
            check_one_line(label, rid)
        check_one_line(_("role"), self.actor["role"])
        if at:
            check_one_line(_("business time"), at)
        lines = [subject, ""]
        lines.append(f"Wuye-Action: {action}")
        for rid in records:
            lines.append(f"Wuye-Record: {rid}")
        lines.append(f"Wuye-Role: {self.actor['role']}")
        if at:
            lines.append(f"Wuye-At: {at}")
        return "\n".join(lines) + "\n"

    def identity(self) -> dict:
        """The environment that makes the acting person git's author and committer. The
        commit's dates are always the computer's clock: WUYECTL_NOW is the event time (the
        Wuye-At trailer), never when it was recorded, and dates set in the caller's shell
        (GIT_AUTHOR_DATE, GIT_COMMITTER_DATE) are removed (None: see git.environment)."""
        name = self.actor["name"]
        email = self.actor.get("email") or ""
        check_one_line(_("staff name"), name)
        check_one_line(_("staff email"), email)
        env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
               "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
               "GIT_AUTHOR_DATE": None, "GIT_COMMITTER_DATE": None}
        return env


    def _write_journal(self, base: str | None, journalled: dict[str, bool], *, merge: bool = False) -> None:
        entry = {"pid": os.getpid(), "head": base,
                 "paths": [{"path": p, "existed": existed} for p, existed in journalled.items()]}
        if merge:
            entry["merge"] = True
        atomic_write(self.journal, json.dumps(entry, ensure_ascii=False).encode("utf-8"))

    def _drop_journal(self) -> None:
        _unlink(self.journal)

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


def _require_branch(office: Office) -> None:
    """Refuse to write on a detached HEAD (a checkout of an old commit, a rebase stopped half
    way): the commit would belong to no branch, and the next checkout would leave it behind.
    An unborn branch (a fresh repo, `init`) is a branch. Reads HEAD itself where it can (no
    git process per write); git answers for a linked work tree."""
    dot_git = os.path.join(office.top, ".git")
    if os.path.isdir(dot_git):
        try:
            with open(os.path.join(dot_git, "HEAD"), encoding="utf-8", errors="replace") as fh:
                if fh.read(5) == "ref: ":
                    return
        except OSError:
            pass
    if git.run(office.top, ["symbolic-ref", "-q", "HEAD"], check=False).returncode == 0:
        return
    head = git.head(office.top) or ""
    branches = git.out(office.top, ["for-each-ref", "--format=%(refname:short)", "--points-at", head or "HEAD",
                                    "refs/heads"], check=False).split()
    if not branches:
        every = git.out(office.top, ["for-each-ref", "--format=%(refname:short)", "refs/heads"], check=False).split()
        branches = [b for b in ("main", "master") if b in every] + every
    switch = f"git switch {branches[0]}" if branches else "git switch -c main"
    raise RepoError(_("HEAD is detached (at {commit}): switch to a branch before writing ({switch})").format(
        commit=head[:7], switch=switch))


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        return None


def _put_back(office: Office, paths: list[str], *, merge: bool = False) -> None:
    """Put git `paths` back to what HEAD has (index and work tree; removed where HEAD lacks
    them); `merge`: then forget the merge in progress (its other paths are among `paths`)."""
    if merge and git.run(office.top, ["merge", "--abort"], check=False).returncode == 0:
        return   # the merge's index and files are as HEAD has them again
    if paths:
        head = git.head(office.top)
        tracked = git.in_tree(office.top, "HEAD", paths) if head else set()
        if tracked:
            git.run_paths(office.top, ["checkout", "-q", "HEAD"], sorted(tracked), check=False, env=git.LITERAL)
        untracked = [p for p in paths if p not in tracked]
        if untracked:
            git.run_paths(office.top, ["rm", "-q", "--cached", "--ignore-unmatch"], untracked, check=False,
                          env=git.LITERAL)
            for path in untracked:
                absolute = os.path.join(office.top, *path.split("/"))
                if os.path.lexists(absolute) and not os.path.isdir(absolute):
                    os.unlink(absolute)
        if head:
            git.run_paths(office.top, ["reset", "-q"], paths, check=False, env=git.LITERAL)
    if merge:
        git.run(office.top, ["merge", "--quit"], check=False)


def confined(office: Office, gitdir: str, paths) -> list[str]:
    """Those of the journal's `paths` that name a file of the work tree: relative, no `.`,
    `..` or empty segment, not into a `.git` folder, their folder inside the work tree (after
    symbolic links) and not inside the git directory, not a folder. A journal is a file anyone can write:
    a forged one must not make recovery touch anything else."""
    top = os.path.realpath(office.top)
    real_gitdir = os.path.realpath(gitdir)
    out = []
    for path in paths:
        if not isinstance(path, str) or not path or "\0" in path or path.startswith("/"):
            continue
        parts = path.split("/")
        if any(part in ("", ".", "..") or part.lower() == ".git" for part in parts):
            continue
        folder = os.path.realpath(os.path.join(top, *parts[:-1]))
        if not shared.within(folder, top) or shared.within(folder, real_gitdir):
            continue
        if os.path.isdir(os.path.join(folder, parts[-1])):
            continue   # a journal names files; a folder would put back every file in it
        out.append(path)
    return out


def _remove_leftovers(folders) -> None:
    """The tool's own temporary files (atomic_write's `.wuyectl-*.tmp`, the commit message
    files) in `folders`: only those, only there (never a walk of the tree: 100,000 records)."""
    import glob

    for folder in dict.fromkeys(folders):
        found = glob.glob(os.path.join(glob.escape(folder), ".wuyectl-*.tmp"))
        if os.path.basename(folder) == "wuyectl":
            found += glob.glob(os.path.join(glob.escape(folder), "message-*.txt"))
        for leftover in found:
            try:
                if not os.path.isdir(leftover):
                    os.unlink(leftover)
            except OSError:
                pass


def recover(office: Office, gitdir: str) -> None:
    """Finish what a killed writer left: put its paths back to HEAD unless its commit landed,
    and remove its temporary files.

    Runs under the repo lock. The writer refused paths with uncommitted changes before it
    touched them, so any difference from HEAD on a journalled path is its own half-write."""
    state_dir = os.path.join(gitdir, "wuyectl")
    journal = os.path.join(state_dir, "journal.json")
    try:
        with open(journal, encoding="utf-8") as fh:
            entry = json.load(fh)
    except FileNotFoundError:
        _remove_leftovers([state_dir])   # (a journal killed while being written)
        return
    except (OSError, ValueError):
        entry = {"paths": []}
    if not isinstance(entry, dict):
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
    listed = entry.get("paths")
    paths = confined(office, gitdir, [p.get("path") for p in listed if isinstance(p, dict)]
                     if isinstance(listed, list) else [])
    # A killed merge commit (commit_paths in sync): landed or not, the merge is over.
    _put_back(office, paths, merge=entry.get("merge") is True)
    _remove_leftovers([state_dir, *(os.path.dirname(os.path.join(office.top, *p.split("/"))) for p in paths)])
    os.unlink(journal)
