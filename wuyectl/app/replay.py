"""The audit by replay: every commit on the first-parent line, checked against what the tool
would have done.

For each commit (a merge: its changes against its first parent) the replay asks:

1. **Is it the tool's?** Only a message that ends in the tool's full trailer block
   (`Wuye-Action`, `Wuye-Record`…, `Wuye-Role`, `Wuye-At`, nothing else) is; a trailer-looking
   line anywhere else counts for nothing. Anything else is a hand commit (`A-hand-edit`).
2. **Who acted, with which role?** The author must be on the roster *as the replay accepted
   it up to that commit* (`A-unknown-actor`), with the role the trailer claims (`A-role`).
   The roster is trusted only as far as tool steps changed it (`staff add`, `staff key`, by
   someone allowed to); a hand edit of wuye.yaml is reported (`A-roster`) and its roster
   changes are not honoured — a clerk who made herself director is still a clerk.
3. **Does a workflow step explain each record change?** A changed record is replayed: its
   new timeline events are taken, one by one, through the kind's workflow (`domain.workflow.
   apply`, the same engine the commands use) by the commit's actor, with the role and policy
   of that commit, and the result must be exactly the committed record (`A-unexplained`
   otherwise; `A-role` when the role may not take the step; `A-wrong-actor` when an event
   names someone else). `edit` may change only the kind's free-text fields. A new record must
   start in its kind's first state, with events by the actor.
4. **Time.** `Wuye-At` (the event time) is compared with the committer date (`A-backdated`,
   `A-event-time` for a time after the commit) and with the record's previous event.
5. **Signatures.** When the roster has SSH signing keys, each commit's signature is verified
   against the keys its actor had on the roster at that commit (`A-bad-signature`); policy
   `require_signatures` makes an unsigned commit a finding (`A-unsigned`).
6. **Merges** must be exactly git's own merge of their two parents (an "evil merge" that
   drops a record is `A-unexplained`), and the commits they bring in are replayed too.

A replay keeps a checkpoint (`.git/wuyectl/audit-*.json`: the last commit replayed, the
roster as trusted there and the findings so far), so the next audit replays only new commits;
a checkpoint whose commit is no longer in the history means the history was rewritten
(`A-rewritten`).
"""
from __future__ import annotations

import copy
import hashlib
import json
import marshal
import os
import pickle
import signal
import subprocess
import zlib
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from datetime import datetime, timedelta
from typing import Iterable, Iterator, Mapping

from ..domain.kinds import Kind, kind_of_path, locked_changes, subject_of
from ..domain.privacy import (ERASERS, is_sealed, mask_as, personal_values, sealed_parts,
                              subject_of_key)
from ..domain.findings import Finding
from ..domain.workflow import MANAGERS, POLICY_MAKERS, Change, apply
from .. import i18n
from ..domain import codes
from ..errors import NotPermitted, RepoError, WuyeError
from ..i18n import _
from ..store import git, yamlio
from ..store.office import CONFIG, FUTURE_SLACK_S, backdate_limit
from ..timeutil import read_iso
from . import sync

ENGINE = 6                         # bump when the replay's rules change: old checkpoints are dropped
TRAILERS = ("Wuye-Action", "Wuye-Record", "Wuye-Role", "Wuye-At")
CREATING = ("open", "import", "visit", "survey", "callback", "sample")   # actions that add records
ZERO = "0" * 40
PARALLEL_FROM = 2000               # commits replayed before the rest is shared with worker processes
BATCH = 128                        # commits read at a time (their blobs asked of git at once)
SEP, END = "\x1f", "\x1e"
FORMAT = f"{END}%H{SEP}%P{SEP}%an{SEP}%cI{SEP}%B{SEP}"
END_BYTES = END.encode()


# -- what a commit says ---------------------------------------------------------------------
def tool_trailers(body: str) -> dict[str, list[str]] | None:
    """The trailers of a message the tool wrote, or None for a hand commit: the last
    paragraph must be the tool's whole trailer block (known keys only, one action, one role,
    at most one time) after a subject."""
    paragraphs = body.strip("\n").split("\n\n")
    if len(paragraphs) < 2 or not paragraphs[0].strip():
        return None
    out: dict[str, list[str]] = {}
    for line in paragraphs[-1].split("\n"):
        key, sep, value = line.partition(": ")
        if not sep or key not in TRAILERS or not value.strip() or value != value.strip():
            return None
        out.setdefault(key, []).append(value)
    if len(out.get("Wuye-Action", ())) != 1 or len(out.get("Wuye-Role", ())) != 1 or len(out.get("Wuye-At", ())) > 1:
        return None
    return out


@dataclass
class Commit:
    id: str
    parents: list[str]
    author: str
    committed: str
    body: str
    changes: list[tuple[str, str, str, str]] = field(default_factory=list)   # (status, old blob, new blob, path)
    renamed: dict[str, str] = field(default_factory=dict)                      # new path → old path
    seq: int = 0                 # its place in the replay
    upto: str = ""               # the latest event time up to it
    encrypted: bool = False      # the office is encrypted at it (wuye.yaml, as trusted after it)

    @cached_property
    def facts(self) -> dict[str, list[str]] | None:
        """Its tool trailers (None: a hand commit), read once."""
        return tool_trailers(self.body)

    @property
    def action(self) -> str | None:
        """Its Wuye-Action (None: a hand commit)."""
        facts = self.facts
        return facts["Wuye-Action"][0] if facts else None

    @property
    def at(self) -> str | None:
        facts = self.facts
        return (facts.get("Wuye-At") or [None])[0] if facts else None


# How git reads the pack for the replay's long-running readers: through small windows and a
# small delta cache. By default git maps the whole pack and keeps a 96 MB delta cache; on a
# year's history (~170 MB of pack) each reader then held ~200–430 MB; so, ~30–50 MB, with the
# same CPU time.
LEAN_GIT = ("-c", "core.packedGitWindowSize=1m", "-c", "core.packedGitLimit=4m",
            "-c", "core.deltaBaseCacheLimit=4m")
CHUNK = 16_000    # commits per `git diff-tree` process (its memory grows with the commits it read)


class Log:
    """The first-parent commits of `revs` (oldest first) that change something in `paths`,
    each with its raw changes against its first parent (an iterator, used once).

    `git rev-list --first-parent --reverse` lists them (oldest first, ~40 bytes each kept
    here), and `git diff-tree --stdin` gives each one's message and changes as they come, a
    new process every CHUNK commits: one `git log --reverse` would hold every commit it
    walked until the end (~230 MB on a year's history), this holds a chunk's. diff-tree
    prints nothing for a commit that changes nothing in `paths`, as `git log -- PATHS`
    leaves it out.

    For the worker processes (`Replay.run`): `copy_to(fd)` also writes every byte read from
    then on to that pipe, and a forked worker's `follow(fd)` reads the rest of the stream from
    it instead of from git, so one reading of the history feeds them all."""

    def __init__(self, top: str, revs: list[str], paths: list[str]):
        self.top, self.paths = top, paths or ["."]
        proc = git.run(top, [*LEAN_GIT, "rev-list", "--first-parent", "--reverse", *revs, "--"], check=False)
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip()
            if "does not have any commits" not in err:
                raise RepoError(_("git log: {error}").format(error=err.splitlines()[-1] if err else _("failed")))
        self.ids = proc.stdout
        self.at = 0                       # where the next chunk of ids starts
        self.proc: subprocess.Popen | None = None
        self.feeder = None
        self.source = None
        self.buffer = b""
        self.pending: deque[bytes] = deque()
        self.copies: list[int] = []
        self.done = False

    def __iter__(self) -> "Log":
        return self

    def __next__(self) -> Commit:
        while not self.pending:
            if self.done:
                raise StopIteration
            chunk = self._read()
            for fd in self.copies:
                _write_all(fd, chunk)
            if not chunk:
                self.done = True
                if self.buffer:
                    self.pending.append(self.buffer)
                    self.buffer = b""
                continue
            self.buffer += chunk
            *whole, self.buffer = self.buffer.split(END_BYTES)
            self.pending.extend(item for item in whole if item)
        return _commit(self.pending.popleft().decode("utf-8", "replace"))

    def _read(self) -> bytes:
        """The next bytes of the stream; b"" at its end."""
        while True:
            if self.source is not None:
                chunk = self.source.read1(1 << 16)
                if chunk or self.proc is None:   # (a worker's pipe: its end is the stream's)
                    return chunk
                self._finish()
            if not self._start():
                return b""

    def _start(self) -> bool:
        """The next chunk's `git diff-tree`; False when all are read (or in a worker)."""
        if self.ids is None or self.at >= len(self.ids):
            return False
        end = self.ids.find(b"\n", self.at)
        for _i in range(CHUNK - 1):
            if end < 0:
                break
            end = self.ids.find(b"\n", end + 1)
        end = len(self.ids) if end < 0 else end + 1
        requests, self.at = self.ids[self.at:end], end
        args = ["git", *LEAN_GIT, "-c", "core.quotepath=off", "diff-tree", "--stdin", "--root", "-r", "-M", "--raw",
                "--no-abbrev", "--diff-merges=first-parent", f"--format={FORMAT}", "--", *self.paths]
        self.proc = subprocess.Popen(args, cwd=self.top, env=git.environment(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        import threading

        stdin = self.proc.stdin

        def send() -> None:
            try:
                stdin.write(requests)
            except (OSError, ValueError):   # git gone: its exit status says why
                pass
            finally:
                try:
                    stdin.close()
                except OSError:
                    pass

        self.feeder = threading.Thread(target=send, daemon=True)
        self.feeder.start()
        _widen(self.proc.stdout.fileno())
        self.source = self.proc.stdout
        return True

    def copy_to(self, fd: int) -> None:
        self.copies.append(fd)

    def follow(self, fd: int) -> None:
        """(In a forked worker) read the rest from pipe `fd`. git's pipes are the parent's:
        closed here, or git would wait for more input while this process holds the end its
        feeder writes to."""
        if self.proc is not None:
            _let_go(self.proc)
        self.proc, self.feeder, self.ids, self.copies = None, None, None, []
        self.source = os.fdopen(fd, "rb")

    def _finish(self) -> None:
        proc, self.proc, self.source = self.proc, None, None
        if proc is None:
            return
        proc.stdout.close()
        err = proc.stderr.read().decode("utf-8", "replace")
        proc.stderr.close()
        self.feeder.join()
        if proc.wait() != 0:
            raise RepoError(_("git log: {error}").format(error=err.strip().splitlines()[-1] if err.strip() else _("failed")))

    def close(self) -> None:
        """End git early (a replay that stopped on an error)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for stream in (proc.stdout, proc.stderr):
            stream.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if self.feeder is not None:
            self.feeder.join()


_INHERITED: list = []


def _let_go(proc: subprocess.Popen) -> None:
    """(In a forked worker) close its copies of a parent's process's pipes. By number: the
    parent's thread that was writing to one may hold its file object's lock, which nothing
    here would ever release; the objects are kept, so nothing closes those numbers again."""
    _INHERITED.append(proc)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            try:
                os.close(stream.fileno())
            except (OSError, ValueError):
                pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def commits(top: str, revs: list[str], paths: list[str]) -> Iterator[Commit]:
    """The first-parent commits of `revs` (oldest first), each with its raw changes against
    its first parent (`Log`)."""
    log = Log(top, revs, paths)
    try:
        yield from log
    finally:
        log.close()


def _commit(text: str) -> Commit:
    cid, parents, author, committed, body, raw = text.split(SEP, 5)
    commit = Commit(cid, parents.split(), author, committed, body)
    for line in raw.strip("\n").splitlines():
        if not line.startswith(":"):
            continue
        meta, *paths = line.split("\t")
        parts = meta.split()
        if parts[4].startswith("R") and len(paths) == 2:   # a rename: the old path's blob, then the new one
            commit.changes.append(("R", parts[2], parts[3], paths[1]))
            commit.renamed[paths[1]] = paths[0]
        else:
            commit.changes.append((parts[4][:1], parts[2], parts[3], paths[0]))
    return commit


def _fingerprints(keys: Iterable[str]) -> set[str]:
    """The fingerprints of key lines (a malformed line, typed into wuye.yaml by hand, has none)."""
    from ..errors import BadValue
    from ..store import signing

    out = set()
    for key in keys:
        try:
            out.add(signing.fingerprint(key))
        except BadValue:
            pass
    return out


# -- the roster as the replay trusts it -----------------------------------------------------
class Trust:
    """The office configuration as tool steps made it: roster and policy."""

    def __init__(self, config: Mapping | None):
        self.config = copy.deepcopy(dict(config)) if config else None

    def person(self, name: str) -> dict | None:
        for person in (self.config or {}).get("staff") or []:
            if person.get("name") == name:
                return person
        return None

    def role(self, name: str) -> str | None:
        person = self.person(name)
        return person.get("role") if person else None

    @property
    def policy(self) -> dict:
        return (self.config or {}).get("policy") or {}

    def keys(self, name: str) -> list[str]:
        person = self.person(name) or {}
        return [person["signing_key"]] if person.get("signing_key") else []


# The tool steps that change wuye.yaml beyond the roster, the top-level keys each may change,
# and the roles that may take them.
SETTINGS_STEPS = {"policy": ("policy",), "migrate-encrypt": ("encrypted",)}
SETTINGS_ROLES = {"policy": POLICY_MAKERS, "migrate-encrypt": MANAGERS}


def _encryption(old: Mapping, new: Mapping, action: str | None, role: str | None,
                how: str) -> tuple[bool, list[tuple[str, str]]]:
    """Whether a change of `encrypted` is accounted for here (explained, or reported), and its
    findings. Only `migrate encrypt` by a manager turns it on; nothing turns it off (the trusted
    configuration keeps it on: see `config_step`)."""
    was, now = bool(old.get("encrypted")), new.get("encrypted") is True
    if old.get("encrypted") == new.get("encrypted"):
        return False, []
    if was and not now:
        if action:
            return True, [("A-roster", _("encryption turned off by {how}; an encrypted office stays encrypted "
                                         "(not honoured)").format(how=how))]
        return True, [("A-hand-edit", _("encryption turned off without the tool; an encrypted office stays "
                                        "encrypted (not honoured)"))]
    if action == "migrate-encrypt" and now:
        if role in SETTINGS_ROLES[action]:
            return True, []
        return True, [("A-role", _("encryption turned on by {how}: needs {roles}").format(
            how=how, roles=codes.shown_or("role", sorted(SETTINGS_ROLES[action]))))]
    return False, []


def config_step(trust: Trust, old: Mapping | None, new: Mapping | None, action: str | None,
                actor: str) -> tuple[Trust, list[tuple[str, str]]]:
    """The roster after a commit changed wuye.yaml from `old` to `new` with `action` (None: a
    hand commit), and the findings (code, message) of what no tool step explains. A roster
    change not honoured keeps the trusted roster; settings (policy, names) are taken as
    written, and reported when no step of the director's changed them."""
    if not isinstance(new, dict):
        return trust, [("A-invalid", "wuye.yaml is not readable at this commit")]
    old = old if isinstance(old, dict) else {}
    before, after = old.get("staff") or [], new.get("staff") or []
    if trust.config is None:
        directors = [p.get("name") for p in after if p.get("role") == "director"]
        if action == "init" and len(after) == 1 and directors == [actor]:
            return Trust(new), []
        return Trust(new), [("A-roster", _("the office was not set up by `wuyectl init` (its first roster is taken "
                                           "as written)"))]
    role = trust.role(actor)
    how = (_("'{action}' by {actor} ({role})").format(action=action, actor=actor, role=codes.shown("role", role))
           if action else _("a hand commit"))
    found: list[tuple[str, str]] = []
    settings = [k for k in dict.fromkeys([*old, *new]) if k != "staff" and old.get(k) != new.get(k)]
    handled, found = _encryption(old, new, action, role, how)
    if handled:
        settings.remove("encrypted")
    if settings and not (set(settings) <= set(SETTINGS_STEPS.get(action or "", ()))
                         and role in SETTINGS_ROLES.get(action or "", ()) and before == after):
        if action:
            found.append(("A-roster", _("office configuration ({settings}) changed by {how}, which does "
                                        "not change it (taken as written)").format(settings=", ".join(settings), how=how)))
        else:
            found.append(("A-hand-edit", _("office configuration ({settings}) changed without the tool "
                                           "(taken as written)").format(settings=", ".join(settings))))
    elif not settings and before == after and not action and not handled:
        found.append(("A-hand-edit", _("office configuration changed without the tool (its layout or comments)")))
    trusted = Trust({**new, "staff": copy.deepcopy(trust.config.get("staff") or [])})
    if trust.config.get("encrypted") and not new.get("encrypted"):
        trusted.config["encrypted"] = True   # once on, personal values written in clear stay findings
    if before == after:
        return trusted, found
    # staff add appends one person (replacing a line written in by hand for that name, which
    # was never honoured)
    added = after[-1].get("name") if after and isinstance(after[-1], dict) else None
    if (action == "staff-add" and not settings and role in MANAGERS
            and after[:-1] == [p for p in before if not (isinstance(p, dict) and p.get("name") == added)]):
        entry = after[-1]
        if not trust.person(entry.get("name")):
            trusted.config["staff"].append(copy.deepcopy(entry))
            return trusted, found
    if action == "staff-key" and not settings and len(after) == len(before):
        changed = [(a, b) for a, b in zip(before, after) if a != b]
        if len(changed) == 1:
            was, now = changed[0]
            only_keys = {k: v for k, v in was.items() if k not in ("signing_key", "login")} == \
                        {k: v for k, v in now.items() if k not in ("signing_key", "login")}
            if only_keys and (role in MANAGERS or now.get("name") == actor) and trust.person(now.get("name")):
                person = trusted.person(now["name"])
                for key in ("signing_key", "login"):
                    if key in now:
                        person[key] = now[key]
                    else:
                        person.pop(key, None)
                return trusted, found
    # staff leave: a manager sets `active: false` on one other person's entry, nothing else
    # (a supervisor not on a director's; a person who left does not act)
    if action == "staff-leave" and not settings and len(after) == len(before):
        changed = [(a, b) for a, b in zip(before, after) if a != b]
        if len(changed) == 1 and all(isinstance(p, dict) for p in changed[0]):
            was, now = changed[0]
            target = trust.person(now.get("name"))
            if ({k: v for k, v in was.items() if k != "active"} == {k: v for k, v in now.items() if k != "active"}
                    and now.get("active") is False and was.get("active") is not False
                    and role in MANAGERS and (trust.person(actor) or {}).get("active") is not False
                    and target and target.get("active") is not False and now.get("name") != actor
                    and (target.get("role") != "director" or role == "director")):
                trusted.person(now["name"])["active"] = False
                return trusted, found
    names = {p.get("name"): p for p in before}
    what = [f"{p.get('name')}: {codes.shown('role', names[p.get('name')].get('role')) if p.get('name') in names else _('(new)')}"
            f" → {codes.shown('role', p.get('role'))}"
            for p in after if names.get(p.get("name")) != p]
    gone = [n for n in names if n not in {p.get("name") for p in after}]
    detail = "; ".join(what + [_("{name} removed").format(name=n) for n in gone]) or _("roster reordered")
    return trusted, found + [("A-roster", _("roster changed by {how}, not honoured: {detail}").format(how=how, detail=detail))]


def time_bounded(at: str, event: datetime, bound: datetime, limit: int, *, before: str,
                 after: str) -> list[tuple[str, str]]:
    """(code, message) when event time `at` (`event`) is later than what bounds it — the
    commit's date, or the server's receipt — or earlier than it by more than `limit` days."""
    out = []
    if bound - event > timedelta(days=limit):
        out.append(("A-backdated", _("business time {at} is more than {limit} days before {before}").format(
            at=at, limit=limit, before=before)))
    if (event - bound).total_seconds() > FUTURE_SLACK_S:
        out.append(("A-event-time", _("business time {at} is after {after}").format(at=at, after=after)))
    return out


def config_versions(top: str, reader: "Reader", revs: list[str], config_path: str) -> Iterator[tuple]:
    """(commit, wuye.yaml before, after) for each first-parent commit of `revs` that changed
    it, oldest first."""
    for commit in commits(top, revs, [config_path]):
        for _status, old_blob, new_blob, path in commit.changes:
            if path == config_path:
                yield commit, reader.data(old_blob), reader.data(new_blob)


def trusted_config(top: str, reader: "Reader", revs: list[str], config_path: str, trust: Trust) -> Trust:
    """The roster after the config commits of `revs`, from `trust` before them (their
    findings are the full replay's to report)."""
    for commit, old, new in config_versions(top, reader, revs, config_path):
        trust, _ = config_step(trust, old, new, commit.action, commit.author)
    return trust


# -- reading records at commits -------------------------------------------------------------
class Reader:
    """Record versions as plain data, read through one `git cat-file --batch` process
    (`store.git.CatFile`; GitPython's reader measured slower here, see store/git.py), by blob
    id or at a commit. A context manager, so the process is ended on errors too. A version
    that is not a readable YAML mapping is the marker `{"__unreadable__": True}`; an absent
    one None. Each call gives a fresh copy, which the caller may change.

    Each blob is parsed once: the versions last read are kept (marshalled: ~6× smaller than
    the parsed data, and loaded back ~50× faster than parsed again), up to `keep` bytes. A
    replay changes a record again a few thousand changes later at most, so a bounded cache
    serves it. `prefetch` asks git for many blobs at once, and does not wait for them: git
    reads them while the caller works, and the next read takes them in (`settle`)."""

    def __init__(self, top: str, keep: int = 48 << 20):
        self.objects = _Objects(top)
        self.cache: OrderedDict[str, bytes] = OrderedDict()   # blob id → marshalled data
        self.size = 0
        self.keep = keep

    def data(self, blob: str):
        """The version with blob id `blob`."""
        if not blob or blob == ZERO:
            return None
        packed = self.cache.get(blob)
        if packed is None and self.objects.asked:
            self.settle()
            packed = self.cache.get(blob)
        if packed is not None:
            self.cache.move_to_end(blob)
            return marshal.loads(packed)
        value = _parsed(self.objects.read(blob))
        self._keep(blob, value)
        return value

    def prefetch(self, blobs: Iterable[str]) -> None:
        """Ask git for the blobs not kept yet, all at once; they are parsed when first read
        (or by `settle`)."""
        self.settle()
        wanted = [b for b in dict.fromkeys(blobs) if b and b != ZERO and b not in self.cache]
        if len(wanted) <= _Objects.ASK_AT_MOST:
            self.objects.ask(wanted)
        else:   # more than the pipe holds: read them now
            for blob, found in self.objects.read_many(wanted):
                self._keep(blob, _parsed(found))

    def settle(self) -> None:
        """Take in the blobs asked for."""
        if self.objects.asked:
            for blob, found in self.objects.answers():
                self._keep(blob, _parsed(found))

    def _keep(self, blob: str, value) -> None:
        packed = marshal.dumps(value)
        self.cache[blob] = packed
        self.size += len(packed)
        while self.size > self.keep and len(self.cache) > 1:
            self.size -= len(self.cache.popitem(last=False)[1])

    def at(self, rev: str, path: str):
        """The version of `path` at `rev` (`git log ID` reads a record's past this way)."""
        self.settle()
        return _parsed(self.objects.read(f"{rev}:{path}"))

    def exists(self, rev: str, path: str) -> bool:
        self.settle()
        return self.objects.read(f"{rev}:{path}") is not None

    def close(self) -> None:
        self.objects.close()

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _widen(fd: int) -> None:
    """Let a pipe hold 1 MB (Linux; elsewhere it stays as it is): git then writes ahead
    while the replay works, instead of waiting for it."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass


class _Objects(git.CatFile):
    """`git cat-file --batch` reading the pack lean (`LEAN_GIT`), and many objects at a time:
    `ask` sends the requests and returns (a pipe holds them: at most ASK_AT_MOST), `answers`
    reads the replies later; `read_many` does both at once for any number."""

    ASK_AT_MOST = 1000   # ids of 41 bytes: well within the 64 KB a pipe holds at least

    OPTIONS = LEAN_GIT

    def __init__(self, top: str):
        super().__init__(top)
        _widen(self.proc.stdout.fileno())
        self.asked: list[str] = []
        self.asked: list[str] = []

    def read(self, spec: str):
        if self.asked:
            raise RepoError(_("git cat-file: read with answers pending"))
        return super().read(spec)

    def ask(self, ids: list[str]) -> None:
        ids = [i for i in ids if i and "\n" not in i and "\0" not in i]
        if not ids:
            return
        if self.proc is None:
            raise RepoError(_("git cat-file: read after close"))
        try:
            self.proc.stdin.write("".join(i + "\n" for i in ids).encode("utf-8"))
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise RepoError(_("git cat-file stopped answering")) from None
        self.asked = ids

    def answers(self) -> list[tuple[str, tuple[str, bytes] | None]]:
        ids, self.asked = self.asked, []
        out = []
        stdout = self.proc.stdout
        for oid in ids:
            header = stdout.readline().split()
            if len(header) != 3 or not header[2].isdigit():
                if not header:
                    raise RepoError(_("git cat-file stopped answering"))
                out.append((oid, None))
                continue
            size = int(header[2])
            data = stdout.read(size)
            stdout.read(1)
            if len(data) != size:
                raise RepoError(_("git cat-file stopped answering"))
            out.append((oid, (header[1].decode("ascii", "replace"), data)))
        return out

    def read_many(self, ids: list[str]) -> list[tuple[str, tuple[str, bytes] | None]]:
        """(id, (type, content) or None) for each object id: a thread writes the requests
        while the answers are read, so neither side waits on a full pipe."""
        ids = [i for i in ids if i and "\n" not in i and "\0" not in i]
        if not ids:
            return []
        if self.proc is None:
            raise RepoError(_("git cat-file: read after close"))
        import threading

        requests = "".join(i + "\n" for i in ids).encode("utf-8")
        stdin = self.proc.stdin

        def send() -> None:
            try:
                stdin.write(requests)
                stdin.flush()
            except (OSError, ValueError):   # git gone: the reading side says so
                pass

        writer = threading.Thread(target=send, daemon=True)
        writer.start()
        try:
            self.asked = ids
            return self.answers()
        finally:
            self.asked = []
            writer.join()


from ..store.fastread import load as _load_yaml   # the tool's own layout first: the replay's CPU 12.0 s -> 8.2 s


def _parsed(found: tuple[str, bytes] | None):
    if found is None or found[0] != "blob":
        return None
    try:
        value = yamlio.to_plain(_load_yaml(yamlio.decode(found[1])))
    except Exception:
        return {"__unreadable__": True}
    return value if isinstance(value, dict) else {"__unreadable__": True}   # a record is a mapping


class TreeContext:
    """What the kinds' checks ask of the office (`store.validate.Context`), answered from a
    commit's tree and the trusted roster. `known`: record paths known to exist at the commit
    (kept up to date by the replay's changes); `complete`: the replay started at the root, so
    a path not known does not exist, and git is not asked."""

    many = True   # checking a great many records: the compiled schema validator first

    def __init__(self, reader: Reader, rev: str, prefix: str, roles: dict, known: set[str], complete: bool):
        self.reader, self.rev, self.prefix, self.roles = reader, rev, prefix, roles
        self.known, self.complete = known, complete
        self.staged: dict = {}

    def exists(self, relpath: str) -> bool:
        if relpath in self.known:
            return True
        if self.complete:
            return False
        if self.reader.exists(self.rev, self.prefix + relpath):
            self.known.add(relpath)
            return True
        return False


# -- the replay -----------------------------------------------------------------------------
@dataclass
class Result:
    findings: list[Finding]
    commits: int                     # commits replayed this time (not counting a checkpoint's)
    replayed_total: int              # all commits the findings cover
    signatures: bool                 # whether any identity could be checked by signature
    head: str | None


class Replay:
    def __init__(self, top: str, prefix: str = ""):
        self.top = top
        self.prefix = prefix
        self.reader = Reader(top)
        self.trust_cache: dict[str, Trust] = {}
        self.signatures: dict[str, object] = {}
        self.found: list[tuple[tuple, Finding]] = []      # (order key, finding)
        self.latest: tuple[datetime, str] | None = None   # the latest event time so far (for --since)
        self.seq = 0
        # (commit's place, phase, upto) of what is replayed now; phase 0: the commit as a whole,
        # 1 + i: its i-th change (so findings sort the same in one process or several)
        self.here: tuple[int, int, str] = (0, 0, "")
        self.known: set[str] = set()     # paths known to exist at the commit replayed (references)
        self.complete = False            # … and those not known do not (the replay started at the root)
        self.depth = 0                   # runs within runs (a merge's other side)
        self.share: tuple[int, int] | None = None   # (this process, processes): its share of the records
        self.reports_commits = True      # this process reports the findings of commits as a whole
        self._roles: tuple[Trust | None, dict] = (None, {})

    def close(self) -> None:
        self.reader.close()
        if getattr(self, "_attributes_file", None):
            try:
                os.unlink(self._attributes_file)
            except OSError:
                pass

    @property
    def findings(self) -> list[Finding]:
        return [finding for _, finding in sorted(self.found, key=lambda item: item[0])]

    def carry(self, findings: list[Finding]) -> None:
        """Findings of earlier replays (a checkpoint's), kept before this replay's."""
        self.found = [((-1, 0, i), f) for i, f in enumerate(findings)] + self.found

    # -- helpers ---------------------------------------------------------------------------
    def _rel(self, path: str) -> str | None:
        return path[len(self.prefix):] if path.startswith(self.prefix) else None

    def _find(self, commit: Commit, code: str, path: str, message: str) -> None:
        seq, phase, upto = self.here
        if phase == 0 and not self.reports_commits:
            return   # a worker: the first process reports it
        self.found.append(((seq, phase, len(self.found)),
                           Finding(commit.id[:10], commit.at or commit.committed, commit.author, code, path, message,
                                   upto)))

    def trust_at(self, rev: str | None) -> Trust:
        """The roster as trusted at `rev` (its config commits replayed along its first-parent line)."""
        if not rev or rev == ZERO:
            return Trust(None)
        if rev in self.trust_cache:
            return self.trust_cache[rev]
        trust = trusted_config(self.top, self.reader, [rev], self.prefix + CONFIG, Trust(None))
        self.trust_cache[rev] = trust
        return trust

    # -- a range of commits ----------------------------------------------------------------
    def run(self, revs: list[str], trust: Trust, *, workers: int = 1,
            complete: bool = False) -> tuple[Trust, int, str | None]:
        """Replay the first-parent commits of `revs` with `trust` as the roster before them;
        returns the roster after them, the number replayed and the last commit. `complete`:
        `revs` reach the root, so the paths that exist at each commit are known from the
        changes (a reference is checked without asking git).

        It streams: commits are read from one `git log` in batches whose blobs are asked of
        git at once, and nothing is kept per commit. With `workers` > 1, once PARALLEL_FROM
        commits are replayed the process forks `workers` - 1 others, fed the rest of the same
        `git log`: each replays every commit as a whole (the roster, the paths that exist)
        but only the record changes of its share of the paths (so each record's versions are
        parsed in one process, once), and the findings are put together in history order."""
        scope = [self.prefix.rstrip("/")] if self.prefix else []
        outer = (self.here, self.known, self.complete)
        self.known, self.complete = set(), complete
        self.depth += 1
        log = Log(self.top, revs, scope)
        team: list[tuple[int, int, int]] = []
        try:
            trust, count, last = self._stream(log, trust, workers if self.depth == 1 and self.share is None else 1,
                                              team)
            if team:
                self._gather(log, team)
            return trust, count, last
        finally:
            log.close()
            self._disband(team)
            self.depth -= 1
            self.here, self.known, self.complete = outer

    def _stream(self, log: Log, trust: Trust, workers: int, team: list,
                batch: list[Commit] | None = None) -> tuple[Trust, int, str | None]:
        """Replay the commits of `log` (after `batch`, already read and asked for), a batch
        at a time: the next batch's blobs are asked of git before this one is replayed."""
        count, last = 0, None
        if batch is None:
            batch = list(islice(log, BATCH))
            self._prefetch(batch)
        while batch:
            if workers > 1 and not team and count >= PARALLEL_FROM:
                self.reader.settle()
                self._fork(log, trust, workers, team, batch)
            ahead = list(islice(log, BATCH))
            self.reader.settle()
            self._prefetch(ahead)
            for commit in batch:
                trust = self.commit(commit, trust)
            count, last = count + len(batch), batch[-1].id
            batch = ahead
        return trust, count, last

    def _prefetch(self, batch: list[Commit]) -> None:
        """Ask git at once for the versions the batch's changes will read (this process's share)."""
        config_path = self.prefix + CONFIG
        wanted = []
        for commit in batch:
            for status, old_blob, new_blob, path in commit.changes:
                if path == config_path:
                    wanted += [old_blob, new_blob]
                elif status != "D":
                    rel = self._rel(path)
                    if rel is not None and rel.endswith(".yaml") and self._mine(rel) and kind_of_path(rel) is not None:
                        wanted += [new_blob] if status == "A" else [old_blob, new_blob]
        self.reader.prefetch(wanted)

    def _mine(self, rel: str) -> bool:
        return self.share is None or zlib.crc32(rel.encode("utf-8")) % self.share[1] == self.share[0]

    def commit(self, commit: Commit, trust: Trust) -> Trust:
        """Replay one commit (all of it, here); returns the roster after it."""
        before = trust
        trust = self.commit_level(commit, trust)
        for task in self.record_tasks(commit, before):
            self.record_task(task)
        return trust

    def commit_level(self, commit: Commit, trust: Trust) -> Trust:
        """What concerns the commit as a whole: its place and time, the roster it changes, a
        merge's other side, who made it and when, the paths it adds and deletes. Returns the
        roster after it."""
        try:
            stamp = commit.at or commit.committed
            when = read_iso(stamp)
            if self.latest is None or when > self.latest[0]:
                self.latest = (when, stamp)
        except ValueError:
            pass
        self.seq += 1
        seq = self.seq
        upto = self.latest[1] if self.latest else ""
        self.here = (seq, 0, upto)
        commit.seq, commit.upto = seq, upto
        before = trust
        config_path = self.prefix + CONFIG
        for status, old_blob, new_blob, path in commit.changes:
            if path == config_path:
                trust, problems = config_step(trust, self.reader.data(old_blob), self.reader.data(new_blob),
                                              commit.action, commit.author)
                for code, problem in problems:
                    self._find(commit, code, CONFIG, problem)
        commit.encrypted = bool((trust.config or {}).get("encrypted"))
        if len(commit.parents) > 1:
            self._merge(commit, before)
            self.here = (seq, 0, upto)
        self._identity(commit, before)
        self._time(commit, before)
        for status, _old, _new, path in commit.changes:
            rel = self._rel(path)
            if rel is None:
                continue
            if status == "D":
                self.known.discard(rel)
                continue
            if status == "R":
                self.known.discard(self._rel(commit.renamed[path]) or "")
            self.known.add(rel)
        return trust

    def record_tasks(self, commit: Commit, trust: Trust) -> Iterator[tuple]:
        """The record changes of `commit` in this process's share."""
        config_path = self.prefix + CONFIG
        for index, (status, old_blob, new_blob, path) in enumerate(commit.changes):
            rel = self._rel(path)
            if rel is None or path == config_path or not rel.endswith(".yaml"):
                continue
            if self._mine(rel) and kind_of_path(rel) is not None:
                yield (commit, trust, index, rel, status, old_blob, new_blob)

    def record_task(self, task: tuple) -> None:
        commit, trust, index, rel, status, old_blob, new_blob = task
        self.here = (commit.seq, 1 + index, commit.upto)
        self._record(commit, trust, kind_of_path(rel), rel, status, old_blob, new_blob)

    # -- worker processes --------------------------------------------------------------------
    def _fork(self, log: Log, trust: Trust, workers: int, team: list, batch: list[Commit]) -> None:
        """Fork the other workers (each continues in `_work`, never returns here) and keep
        this process's share: (pid, pipe feeding it the log, pipe of its findings) each."""
        for index in range(1, workers):
            feed_r, feed_w = os.pipe()
            out_r, out_w = os.pipe()
            _widen(feed_w)
            pid = os.fork()
            if pid == 0:
                for _pid, fd_w, fd_r in team:
                    os.close(fd_w)
                    os.close(fd_r)
                os.close(feed_w)
                os.close(out_r)
                self._work(log, trust, batch, (index, workers), feed_r, out_w)   # exits
            os.close(feed_r)
            os.close(out_w)
            team.append((pid, feed_w, out_r))
            log.copy_to(feed_w)
        self.share = (0, workers)

    def _work(self, log: Log, trust: Trust, batch: list[Commit], share: tuple[int, int], feed: int,
              out: int) -> None:
        """A forked worker: replay the rest of the log (fed by the first process) for this
        share of the records, send the findings back, exit (nothing of the caller's runs)."""
        code = 1
        try:
            attributes = getattr(self, "_attributes_file", None)
            _let_go(self.reader.objects.proc)   # the first process's cat-file
            self.reader.objects.proc = None
            self.reader = Reader(self.top)
            log.follow(feed)
            self.share, self.reports_commits = share, False
            self.found = []
            try:
                self._stream(log, trust, 1, [], batch)
                payload = pickle.dumps((True, self.found))
            except Exception as exc:   # told to the first process, which raises it
                payload = pickle.dumps((False, str(exc) or type(exc).__name__))
            self.reader.close()
            if getattr(self, "_attributes_file", None) not in (None, attributes):
                os.unlink(self._attributes_file)
            _write_all(out, payload)
            code = 0
        finally:
            os._exit(code)

    def _gather(self, log: Log, team: list) -> None:
        """The workers' findings, once the log is read to its end (end of input tells them)."""
        log.copies = []
        for i, (pid, feed_w, out) in enumerate(team):
            os.close(feed_w)
            team[i] = (pid, -1, out)
        for i, (pid, _feed, out) in enumerate(team):
            team[i] = (pid, -1, -1)
            with os.fdopen(out, "rb") as fh:
                payload = fh.read()
            os.waitpid(pid, 0)
            team[i] = (0, -1, -1)
            try:
                ok, found = pickle.loads(payload)
            except Exception:
                ok, found = False, _("it ended without an answer")
            if not ok:
                raise RepoError(_("an audit worker process failed: {error}").format(error=found))
            self.found.extend(found)
        self.share = None

    @staticmethod
    def _disband(team: list) -> None:
        """End the workers still running (the replay stopped on an error)."""
        for pid, feed_w, out in team:
            for fd in (feed_w, out):
                if fd >= 0:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except OSError:
                    pass
        team.clear()

    # -- who ---------------------------------------------------------------------------------
    def _identity(self, commit: Commit, trust: Trust) -> None:
        facts = commit.facts
        if facts is None:
            if trust.config is not None:
                self._signature(commit, trust)
            return
        actor, claimed = commit.author, facts["Wuye-Role"][0]
        if trust.config is None:
            if commit.action != "init":
                self._find(commit, "A-unknown-actor", "", _("{actor}: a commit before the office was set up").format(
                    actor=actor))
            return
        role = trust.role(actor)
        if role is None:
            self._find(commit, "A-unknown-actor", "", _("{actor} is not on the roster at this commit").format(actor=actor))
        elif role != claimed:
            self._find(commit, "A-role", "", _("the commit claims the role {claimed}; {actor} is {role} "
                                               "on the roster at this commit").format(
                claimed=codes.shown("role", claimed), actor=actor, role=codes.shown("role", role)))
        elif role == "auditor":
            self._find(commit, "A-role", "", _("{name} ({role}) has read-only access").format(
                name=actor, role=codes.shown("role", "auditor")))
        elif (trust.person(actor) or {}).get("active") is False:
            self._find(commit, "A-role", "", _("{name} had left the office (staff leave) before this commit").format(
                name=actor))
        self._signature(commit, trust)

    def _signature(self, commit: Commit, trust: Trust) -> None:
        if not self.signatures and not trust.policy.get("require_signatures"):
            return
        signature = self.signatures.get(commit.id)
        status = getattr(signature, "status", "N")
        keys = trust.keys(commit.author)
        if status == "N":
            if trust.policy.get("require_signatures"):
                self._find(commit, "A-unsigned", "", _("not signed; the policy requires signatures"))
            elif keys:
                self._find(commit, "A-unsigned", "", _("not signed although {author} has a signing key "
                                                       "on the roster (the tool signs for them)").format(author=commit.author))
            return
        signer = getattr(signature, "signer", None)
        fingerprint = getattr(signature, "fingerprint", None)
        if status != "G" and not (status == "B" and fingerprint):
            self._find(commit, "A-bad-signature", "", _("the signature does not verify (git: {status})").format(
                status=getattr(signature, "git_status", status)))
            return
        if status != "G" or signer != commit.author or fingerprint not in _fingerprints(keys):
            self._find(commit, "A-bad-signature", "",
                       _("signed by {signer} ({fingerprint}), not by a key {author} had on the "
                         "roster at this commit").format(signer=signer or "?", fingerprint=fingerprint,
                                                         author=commit.author))

    # -- when --------------------------------------------------------------------------------
    def _time(self, commit: Commit, trust: Trust) -> None:
        at = commit.at
        if not at:
            return
        try:
            when, recorded = read_iso(at), read_iso(commit.committed)
        except ValueError:
            self._find(commit, "A-event-time", "", _("Wuye-At {at} is not a time").format(at=at))
            return
        limit = backdate_limit(trust.policy)
        for code, message in time_bounded(at, when, recorded, limit, before=_("the commit"),
                                          after=_("the commit was made ({at})").format(at=commit.committed)):
            self._find(commit, code, "", message)

    # -- what ------------------------------------------------------------------------------
    def _record(self, commit: Commit, trust: Trust, kind: Kind, rel: str, status: str,
                old_blob: str, new_blob: str) -> None:
        find = lambda code, message: self._find(commit, code, rel, message)   # noqa: E731
        if status == "D":
            find("A-deleted", _("record file deleted (nothing is ever deleted: cancel or destroy instead)"))
            return
        if status == "R":
            find("A-renamed", _("record file moved from {path}").format(
                path=self._rel(commit.renamed[self.prefix + rel]) or rel))
        old = self.reader.data(old_blob) if status != "A" else None
        new = self.reader.data(new_blob)
        if new is None:
            return
        if new.get("__unreadable__"):
            find("A-invalid", _("not readable YAML at this commit"))
            return
        if isinstance(old, dict) and old.get("__unreadable__"):
            old = None
        self._checks(commit, trust, kind, rel, new)
        if commit.encrypted and kind.personal and len(commit.parents) <= 1:   # a merge's: its other side's
            self._clear_personal(kind, old, new, find)
        if old is not None and kind.retention:
            reason = kind.retention(old, read_iso(commit.committed).date())
            if reason:
                find("A-past-retention", reason)
        action = commit.action
        if action is None:
            locked = locked_changes(kind, old or {}, new) if old is not None else [_("(new record)")]
            what = _("workflow fields: {fields}").format(fields=", ".join(locked)) if locked else _("free text only")
            find("A-hand-edit", _("changed without the tool ({what})").format(what=what))
            if old and kind.workflow.states:
                self._transition(kind, old, new, find)
            return
        if len(commit.parents) > 1:
            return   # a merge's changes come from its other side, replayed there (see _merge)
        rid = new.get("id")
        if action == "migrate-encrypt" and old is not None:
            self._sealed_only(kind, old, new, find)   # it names no records: it may seal thousands
            return
        if rid not in commit.facts.get("Wuye-Record", ()):
            find("A-unexplained", _("{id} changed by '{action}' but not named in its Wuye-Record trailers").format(
                id=rid, action=action))
        if old is None:
            self._created(commit, kind, new, find)
        elif action == "erase":
            self._erasure(commit, trust, old, new, find)
        elif action == "edit":
            for key in locked_changes(kind, old, new):
                find("A-unexplained", _("edit changed {field}, which only the workflow changes").format(field=key))
        else:
            self._stepped(commit, trust, kind, rid, old, new, find)

    # -- personal data (issue 12) ------------------------------------------------------------
    def _clear_personal(self, kind: Kind, old: dict | None, new: dict, find) -> None:
        """In an encrypted office every personal value of a record the commit changed is sealed
        (the tool seals on every write): one in clear was written so by hand, or by a tool that
        did not seal. The message shows its mask, never the number."""
        for box, key, sort, path in personal_values(kind, new):
            value = box[key]
            if not is_sealed(value):
                find("A-clear-personal", _("{path}: a {what} written in clear ({masked}) in an encrypted office").format(
                    path=path, what=_personal_noun(sort), masked=mask_as(sort, value)))

    def _sealed_only(self, kind: Kind, old: dict, new: dict, find) -> None:
        """`migrate-encrypt` may only seal: each personal value in clear before is sealed after,
        with its own number's mask, by the key of the record's subject; nothing else changes."""
        shown = copy.deepcopy(new)
        subject = subject_of(kind, old)
        for box, key, sort, path in list(personal_values(kind, shown)):
            value, was = box[key], _value_at(old, path)
            if not is_sealed(value) or is_sealed(was) or was in (None, ""):
                continue
            parts = sealed_parts(value)
            if parts is None or parts[1] != mask_as(sort, was):
                find("A-unexplained", _("'migrate-encrypt' sealed {path} with a mask that is not its number's").format(
                    path=path))
            elif subject_of_key(parts[0]) != subject:
                find("A-unexplained", _("'migrate-encrypt' sealed {path} with the key of {key}, not of {subject}").format(
                    path=path, key=subject_of_key(parts[0]), subject=subject))
            box[key] = was   # reported or not, the rest is compared with what it was
        for path in _differences(old, shown):
            find("A-unexplained", _("'migrate-encrypt' changed {field}; it only seals personal values").format(
                field=path))

    def _erasure(self, commit: Commit, trust: Trust, old: dict, new: dict, find) -> None:
        """`erase` only appends one entry to `erased`, in the commit author's name, at the
        commit's time, by a role that may erase (the keys themselves are destroyed outside the
        history)."""
        role = trust.role(commit.author) or ""
        if role not in ERASERS:
            find("A-role", _("{name} ({role}) may not erase personal data: needs {roles}").format(
                name=commit.author, role=codes.shown("role", role), roles=codes.shown_or("role", ERASERS)))
        before, after = old.get("erased") or [], new.get("erased") or []
        rest_old = {k: v for k, v in old.items() if k != "erased"}
        rest_new = {k: v for k, v in new.items() if k != "erased"}
        for path in _differences(rest_old, rest_new):
            find("A-unexplained", _("'erase' changed {field}; it only records the erasure").format(field=path))
        if not isinstance(before, list) or not isinstance(after, list) or after[:len(before)] != before \
                or len(after) != len(before) + 1 or not isinstance(after[-1], dict):
            find("A-unexplained", _("'erase' must add exactly one entry to erased and change none before it"))
            return
        entry = after[-1]
        if entry.get("by") != commit.author:
            find("A-wrong-actor", _("'{action}' is in the name of {by}, not {author} who made the commit").format(
                action="erase", by=entry.get("by"), author=commit.author))
        if commit.at and entry.get("at") != commit.at:
            find("A-event-time", _("the event's time {at} is not the commit's Wuye-At {commit_at}").format(
                at=entry.get("at"), commit_at=commit.at))

    def _checks(self, commit: Commit, trust: Trust, kind: Kind, rel: str, new: dict) -> None:
        from ..store.validate import findings as rule_findings

        audit_code = {check.code: check.audit for check in kind.checks}
        if self._roles[0] is not trust:
            self._roles = (trust, {p.get("name"): p.get("role") for p in (trust.config or {}).get("staff") or []})
        ctx = TreeContext(self.reader, commit.id, self.prefix, self._roles[1], self.known, self.complete)
        for code, message in dict.fromkeys((f.code, f.message) for f in rule_findings(kind, rel, new, ctx)):
            self._find(commit, audit_code.get(code, "A-invalid"), rel, message)

    def _transition(self, kind: Kind, old: dict, new: dict, find) -> None:
        workflow = kind.workflow
        before, after = old.get(workflow.state_field), new.get(workflow.state_field)
        if after not in workflow.moves(before):
            find("A-transition", _("{field} {before} → {after} is not a workflow step").format(
                field=workflow.state_field, before=before, after=after))

    def _created(self, commit: Commit, kind: Kind, new: dict, find) -> None:
        action = commit.action
        if action not in CREATING and not _opens(action, kind):
            find("A-unexplained", _("a new {kind} made by '{action}', which opens none").format(
                kind=codes.kind_noun(kind.name), action=action))
            return
        timeline = [e for e in new.get("timeline") or [] if isinstance(e, dict)]
        if action == "import" and new.get("source_id"):
            return   # history from another system, frozen as imported
        for event in timeline:
            if event.get("by") != commit.author:
                find("A-wrong-actor", _("the new {kind}'s '{action}' is in the name of "
                                        "{by}, not {author} who made the commit").format(
                    kind=codes.kind_noun(kind.name), action=event.get("action"), by=event.get("by"), author=commit.author))
        workflow = kind.workflow
        if workflow.states:
            state = new.get(workflow.state_field)
            if state != workflow.initial or workflow.replay(timeline) != workflow.initial:
                find("A-unexplained", _("a new {kind} starts {initial}, not {state}; "
                                        "later steps are their own commits").format(
                    kind=codes.kind_noun(kind.name), initial=workflow.initial, state=state))

    def _stepped(self, commit: Commit, trust: Trust, kind: Kind, rid: str, old: dict, new: dict, find) -> None:
        workflow = kind.workflow
        action = commit.action
        if not workflow.actions or action not in workflow.actions:
            find("A-unexplained", _("'{action}' is no step of a {kind}").format(action=action, kind=codes.kind_noun(kind.name)))
            return
        before = [e for e in old.get("timeline") or []]
        after = [e for e in new.get("timeline") or []]
        if after[:len(before)] != before:
            find("A-unexplained", _("timeline events changed or removed (a timeline only grows)"))
            return
        added = after[len(before):]
        if not added:
            find("A-unexplained", _("'{action}' recorded no event").format(action=action))
            return
        event = added[0]
        if event.get("action") != action:
            find("A-unexplained", _("the event added is '{added}', the commit says '{action}'").format(
                added=event.get("action"), action=action))
            return
        if event.get("by") != commit.author:
            find("A-wrong-actor", _("'{action}' is in the name of {by}, not {author} who made the commit").format(
                action=action, by=event.get("by"), author=commit.author))
            return
        if commit.at and event.get("at") != commit.at:
            find("A-event-time", _("the event's time {at} is not the commit's Wuye-At {commit_at}").format(
                at=event.get("at"), commit_at=commit.at))
        if before and isinstance(before[-1], dict):
            try:
                if read_iso(str(event.get("at"))) < read_iso(str(before[-1].get("at"))):
                    find("A-event-time", _("'{action}' at {at} is earlier than the record's previous event ({last})")
                         .format(action=action, at=event.get("at"), last=before[-1].get("at")))
                    return
            except (ValueError, TypeError):
                pass
        step = workflow.actions[action]
        role = trust.role(commit.author) or ""
        record = old   # (the reader's own copy: the step may change it)
        params = {"policy": trust.policy, **step.params_recorded(event, new, trust.role)}
        change = Change(record, step, commit.author, role, str(event.get("at")), note=event.get("note"),
                        params=params, opener=_opened_by(commit) if step.opens else None)
        try:
            apply(workflow, change, record_id=rid, sets=event.get("set") or {}, through_command=step.via_command)
        except NotPermitted as exc:
            find("A-role", str(exc))
            return
        except WuyeError as exc:
            find("A-unexplained", _("not a step the workflow takes: {reason}").format(reason=exc))
            return
        except (KeyError, TypeError, ValueError) as exc:
            find("A-unexplained", _("'{action}' cannot be replayed from what it recorded ({error!r})").format(
                action=action, error=exc))
            return
        record.setdefault("timeline", [])
        record["timeline"] = list(record["timeline"]) + [change.event, *change.extra_events]
        expected = yamlio.to_plain(json.loads(json.dumps(record, default=str)))
        if expected != new:
            keys = [k for k in dict.fromkeys([*expected, *new]) if expected.get(k) != new.get(k)]
            find("A-unexplained", _("'{action}' by {author} does not produce this change: "
                                    "{fields} differ from what the step records").format(
                action=action, author=commit.author, fields=", ".join(keys)))

    # -- merges ------------------------------------------------------------------------------
    def _merge(self, commit: Commit, trust: Trust) -> None:
        """A merge must be git's own merge of its parents; what its other side brings is
        replayed (the commits its first parent lacks), with the roster of that side."""
        first, *others = commit.parents
        for other in others:
            proc = git.run(self.top, [*sync.merge_options(self._attributes()), "merge-tree", "--write-tree", "--no-messages",
                                      first, other], check=False)
            tree = proc.stdout.decode().split("\n", 1)[0].strip()
            scope = self.prefix.rstrip("/") or "."
            if proc.returncode not in (0, 1) or not tree:
                self._find(commit, "A-unexplained", "", _("the merge cannot be checked (git merge-tree failed)"))
                continue
            diff = git.out(self.top, ["diff-tree", "-r", "--no-renames", "--name-status", tree, commit.id, "--", scope])
            for line in diff.splitlines():
                status, _tab, path = line.partition("\t")
                rel = self._rel(path) or path
                if proc.returncode == 1:
                    why = _("the merge had conflicts; this file differs from both sides' clean merge")
                else:
                    why = _("the merge commit changed this file beyond merging its two sides (an evil merge)")
                self._find(commit, "A-unexplained", rel, "{why} ({what})".format(
                    why=why, what=_("deleted") if status == "D" else _("changed")))
            base = self.trust_at(self._side_base(first, other))
            self.run([other, f"^{first}"], base)

    def _attributes(self) -> str:
        """A private attributes file naming the records' merge driver (as `sync` gives git)."""
        if getattr(self, "_attributes_file", None) is None:
            import tempfile

            fd, path = tempfile.mkstemp(prefix="wuyectl-attributes-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(sync.ATTRIBUTES)
            self._attributes_file = path
        return self._attributes_file

    def _side_base(self, first: str, other: str) -> str | None:
        found = git.out(self.top, ["merge-base", first, other], check=False).strip()
        return found or None


def _opens(action: str | None, kind: Kind) -> bool:
    """Whether `action` is a step that opens a record of `kind` with it (`Action.opens`)."""
    from ..domain.kinds import KINDS

    return any(kind.name in step.opens for other in KINDS.values()
               for step in other.workflow.actions.values() if step.name == action)


def _opened_by(commit: Commit):
    """The replay's `Change.opener`: the IDs the commit names (Wuye-Record), of the kind asked,
    in the order the command opened them."""
    from ..domain.kinds import KINDS

    left = list(commit.facts.get("Wuye-Record", ()))

    def opener(kind_name: str, values) -> str:
        kind = KINDS[kind_name]
        rid = next((r for r in left if kind.id_re.fullmatch(r)), None)
        if rid is None:
            raise KeyError(f"the commit names no {kind_name} it opened")
        left.remove(rid)
        return rid
    return opener


def _personal_noun(sort: str) -> str:
    return _("ID-card number") if sort == "id_card" else _("phone number")


def _value_at(data, dotted: str):
    """The value at a dotted path with list indexes (`owners.0.phone`), or None."""
    node = data
    for part in dotted.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def _differences(old, new, at: str = "") -> list[str]:
    """The dotted paths where two plain values differ (a whole list when its length differs)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in dict.fromkeys([*old, *new]):
            here = f"{at}.{key}" if at else str(key)
            if (key in old) != (key in new):
                out.append(here)
            elif old[key] != new[key]:
                out.extend(_differences(old[key], new[key], here))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [p for i, (a, b) in enumerate(zip(old, new)) for p in _differences(a, b, f"{at}.{i}" if at else str(i))]
    return [] if old == new else [at or "."]


# -- the checkpoint -------------------------------------------------------------------------
def _checkpoint_path(top: str, gitdir: str, prefix: str) -> str:
    """One checkpoint per office folder and work tree: worktrees of one repository share its
    git folder but not their branch, and another branch's head is no rewrite of this one."""
    worktree = git.out(top, ["rev-parse", "--absolute-git-dir"]).strip()
    key = prefix if os.path.normpath(worktree) == os.path.normpath(gitdir) else f"{worktree}\0{prefix}"
    name = hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
    # one per language: the findings kept in it are messages in the language they were made in
    return os.path.join(gitdir, "wuyectl", f"audit-{name}-{i18n.language()}.json")


def _load_checkpoint(path: str) -> dict | None:
    try:
        with open(path, encoding="utf-8") as fh:
            entry = json.load(fh)
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) and entry.get("engine") == ENGINE else None


def _keys_in_history(top: str, prefix: str, revs: list[str], reader: Reader) -> dict[str, set[str]]:
    """Every signing key each person had in any version of the roster (the allowed signers);
    whether one was *trusted* for a commit is the replay's to judge."""
    allowed: dict[str, set[str]] = {}
    for _commit, _old, data in config_versions(top, reader, revs, prefix + CONFIG):
        for person in (data or {}).get("staff") or [] if isinstance(data, dict) else []:
            if isinstance(person, dict) and person.get("signing_key"):
                allowed.setdefault(str(person.get("name")), set()).add(person["signing_key"])
    return allowed


def _verify(replay: Replay, revs: list[str], trust: Trust) -> bool:
    """Ask git for the signature of every commit in `revs` when any key was ever registered
    (or the policy requires signatures); returns whether identities could be checked."""
    allowed = _keys_in_history(replay.top, replay.prefix, revs, replay.reader)
    for person in (trust.config or {}).get("staff") or []:
        if person.get("signing_key"):
            allowed.setdefault(person["name"], set()).add(person["signing_key"])
    if not allowed:
        return False
    from ..store import signing

    ids = git.out(replay.top, ["rev-list", *revs]).split()
    replay.signatures = signing.verify(replay.top, ids, allowed) if ids else {}
    return True


def replay(top: str, prefix: str = "", *, gitdir: str | None = None, head: str = "HEAD",
           use_checkpoint: bool = True, workers: int | None = None) -> Result:
    """Replay the office history up to `head` (see the module's doc)."""
    gitdir = gitdir or git.git_dir(top)
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if hasattr(os, "fork") else 1
    tip = git.commit_of(top, head)
    if not tip:
        return Result([], 0, 0, False, None)
    path = _checkpoint_path(top, gitdir, prefix)
    saved = _load_checkpoint(path) if use_checkpoint else None
    if saved and saved.get("prefix") == prefix and saved.get("head") == tip:
        # nothing new since the checkpoint: its findings, as the replay would carry them
        staff = (saved.get("trust") or {}).get("staff") or []
        return Result([Finding(**f) for f in saved.get("findings", [])], 0, int(saved.get("commits", 0)),
                      any(isinstance(p, dict) and p.get("signing_key") for p in staff), tip)
    engine = Replay(top, prefix)
    try:
        findings: list[Finding] = []
        start_trust = Trust(None)
        revs = [tip]
        total_before = 0
        if saved and saved.get("prefix") == prefix and saved.get("head"):
            if git.is_ancestor(top, saved["head"], tip):
                findings = [Finding(**f) for f in saved.get("findings", [])]
                if saved.get("latest"):
                    engine.latest = (read_iso(saved["latest"]), saved["latest"])
                start_trust = Trust(saved.get("trust"))
                revs = [tip, f"^{saved['head']}"]
                total_before = int(saved.get("commits", 0))
            else:
                when = saved.get("saved_at", "")
                findings.append(Finding(saved["head"][:10], when, "", "A-rewritten", "",
                                        _("commit {commit}, the head of the history audited on {when}, "
                                          "is no longer in it: the history was rewritten since").format(
                                            commit=saved["head"][:10], when=when)))
        signed = _verify(engine, revs, start_trust)
        engine.carry(findings)
        trust, count, last = engine.run(revs, start_trust, workers=workers, complete=len(revs) == 1)
        result = Result(engine.findings, count, total_before + count, signed, tip)
        if use_checkpoint:
            _save_checkpoint(path, prefix, tip, trust, engine.findings, total_before + count,
                             engine.latest[1] if engine.latest else "")
        return result
    finally:
        engine.close()


def _save_checkpoint(path: str, prefix: str, head: str, trust: Trust, findings: list[Finding], count: int,
                     latest: str) -> None:
    from ..store.transaction import atomic_write

    entry = {"engine": ENGINE, "prefix": prefix, "head": head, "trust": trust.config, "commits": count, "latest": latest,
             "saved_at": datetime.now().astimezone().isoformat(timespec="seconds"),
             "findings": [{"commit": f.commit, "when": f.when, "author": f.author, "code": f.code, "path": f.path,
                           "message": f.message, "upto": f.upto} for f in findings]}
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic_write(path, json.dumps(entry, ensure_ascii=False, default=str).encode("utf-8"), sync=False)
    except OSError:
        pass   # a checkpoint is only a saving; an audit does not fail for want of one


def check_push(gitdir: str, old: str | None, new: str, *, login: str | None = None,
               prefix: str | None = None) -> list[Finding]:
    """The findings of the first-parent commits `old..new` (old exclusive; None or the zero
    id: from the root), replayed with the roster as trusted at `old` — what a server's
    pre-receive hook refuses. With `login` (gitolite's GL_USER): the roster person whose
    `login` it is must be each commit's actor (`A-not-pusher`), unless they are a director and
    the commit is a merge; an unknown login is refused outright."""
    top = gitdir
    if prefix is None:
        prefix = _office_prefix(top, new)
    old = None if not old or old == ZERO else old
    engine = Replay(top, prefix)
    try:
        trust = engine.trust_at(old)
        revs = [new] + ([f"^{old}"] if old else [])
        _verify(engine, revs, trust)
        pusher = None
        if login is not None:
            final = engine.trust_at(new) if trust.config is None else trust
            people = [p for p in (final.config or {}).get("staff") or [] if p.get("login") == login]
            if not people:
                return [Finding(new[:10], "", "", "A-not-pusher", "",
                                _("the server user '{login}' is no one on the office roster (wuyectl staff key NAME "
                                  "--login {login})").format(login=login))]
            pusher = people[0]
        scope = [engine.prefix.rstrip("/")] if engine.prefix else []
        for commit in commits(top, revs, scope):
            if pusher is not None and commit.author != pusher["name"]:
                if not (pusher.get("role") == "director" and len(commit.parents) > 1):
                    engine._find(commit, "A-not-pusher", "", _("made by {author}, pushed by {pusher} ({login})").format(
                        author=commit.author, pusher=pusher["name"], login=login))
            trust = engine.commit(commit, trust)
        return engine.findings
    finally:
        engine.close()


def _office_prefix(top: str, rev: str) -> str:
    """Where the office is in the repository at `rev`: the top, or the one folder holding
    wuye.yaml."""
    names = git.out(top, ["ls-tree", "-r", "--name-only", rev], check=False).splitlines()
    if CONFIG in names:
        return ""
    found = sorted(n[: -len(CONFIG)] for n in names if n.endswith("/" + CONFIG) and n.count("/") == 1)
    return found[0] if found else ""
