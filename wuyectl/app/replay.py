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
import os
import subprocess
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
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
from ..store import fastyaml, git, yamlio
from ..store.office import CONFIG, FUTURE_SLACK_S, backdate_limit
from ..timeutil import read_iso
from . import sync

ENGINE = 5                         # bump when the replay's rules change: old checkpoints are dropped
TRAILERS = ("Wuye-Action", "Wuye-Record", "Wuye-Role", "Wuye-At")
CREATING = ("open", "import", "visit", "survey", "callback", "sample")   # actions that add records
ZERO = "0" * 40
PARALLEL_FROM = 2000               # record changes worth starting worker processes for
SEP, END = "\x1f", "\x1e"
FORMAT = f"{END}%H{SEP}%P{SEP}%an{SEP}%cI{SEP}%B{SEP}"


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


def commits(top: str, revs: list[str], paths: list[str]) -> Iterator[Commit]:
    """The first-parent commits of `revs` (oldest first), each with its raw changes against
    its first parent, read from one `git log` as they come."""
    args = ["git", "-c", "core.quotepath=off", "log", "--first-parent", "--reverse", "-M", "--raw",
            "--no-abbrev", "--diff-merges=first-parent", f"--format={FORMAT}", *revs, "--", *(paths or ["."])]
    proc = subprocess.Popen(args, cwd=top, env=git.environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    buffer = b""
    try:
        for chunk in iter(lambda: proc.stdout.read(1 << 16), b""):
            buffer += chunk
            *whole, buffer = buffer.split(END.encode())
            for item in whole:
                if item:
                    yield _commit(item.decode("utf-8", "replace"))
        if buffer:
            yield _commit(buffer.decode("utf-8", "replace"))
    finally:
        proc.stdout.close()
        err = proc.stderr.read().decode("utf-8", "replace")
        if proc.wait() != 0 and "does not have any commits" not in err:
            raise RepoError(_("git log: {error}").format(error=err.strip().splitlines()[-1] if err.strip() else _("failed")))


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
    id (the last few thousand kept) or at a commit. A context manager, so the process is
    ended on errors too. A version that is not a readable YAML mapping is the marker
    `{"__unreadable__": True}`; an absent one None."""

    def __init__(self, top: str, keep: int = 50_000):
        self.objects = git.CatFile(top)
        self.cache: OrderedDict[str, object] = OrderedDict()
        self.keep = keep

    def data(self, blob: str):
        """The version with blob id `blob`."""
        if not blob or blob == ZERO:
            return None
        if blob in self.cache:
            self.cache.move_to_end(blob)
            return self.cache[blob]
        value = _parsed(self.objects.read(blob))
        self.cache[blob] = value
        if len(self.cache) > self.keep:
            self.cache.popitem(last=False)
        return value

    def at(self, rev: str, path: str):
        """The version of `path` at `rev` (`git log ID` reads a record's past this way)."""
        return _parsed(self.objects.read(f"{rev}:{path}"))

    def exists(self, rev: str, path: str) -> bool:
        return self.objects.read(f"{rev}:{path}") is not None

    def close(self) -> None:
        self.objects.close()

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _parsed(found: tuple[str, bytes] | None):
    if found is None or found[0] != "blob":
        return None
    try:
        value = yamlio.to_plain(fastyaml.load(yamlio.decode(found[1])))
    except Exception:
        return {"__unreadable__": True}
    return value if isinstance(value, dict) else {"__unreadable__": True}   # a record is a mapping


class TreeContext:
    """What the kinds' checks ask of the office (`store.validate.Context`), answered from a
    commit's tree and the trusted roster. `existing`: paths already seen to exist (records
    are never deleted but by a finding), so each is looked up once."""

    many = True   # checking a great many records: the compiled schema validator first

    def __init__(self, reader: Reader, rev: str, prefix: str, trust: Trust, existing: set[str]):
        self.reader, self.rev, self.prefix, self.existing = reader, rev, prefix, existing
        self.roles = {p.get("name"): p.get("role") for p in (trust.config or {}).get("staff") or []}
        self.staged: dict = {}

    def exists(self, relpath: str) -> bool:
        if relpath in self.existing:
            return True
        if self.reader.exists(self.rev, self.prefix + relpath):
            self.existing.add(relpath)
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
        self.here: tuple[int, int, str] = (0, 0, "")       # (commit's place, phase, upto) of what is replayed now
        self.existing: set[str] = set()                    # record paths seen to exist (references)

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
    def run(self, revs: list[str], trust: Trust, *, workers: int = 1) -> tuple[Trust, int, str | None]:
        """Replay the first-parent commits of `revs` with `trust` as the roster before them;
        returns the roster after them, the number replayed and the last commit. With
        `workers` > 1 the record changes are replayed in that many processes, each taking
        the same records throughout (a record's versions are then parsed once)."""
        count, last = 0, None
        scope = [self.prefix.rstrip("/")] if self.prefix else []
        tasks: list[tuple] = []
        outer = self.here
        try:
            for commit in commits(self.top, revs, scope):
                if workers > 1:   # the record changes kept for the workers
                    before = trust
                    trust = self.commit_level(commit, trust)
                    tasks.extend(self.record_tasks(commit, before))
                else:
                    trust = self.commit(commit, trust)
                count += 1
                last = commit.id
        finally:
            self.here = outer
        if len(tasks) >= PARALLEL_FROM:
            self._in_parallel(tasks, workers)
        else:
            for task in tasks:
                self.record_task(task)
        return trust, count, last

    def commit(self, commit: Commit, trust: Trust) -> Trust:
        """Replay one commit (all of it, here); returns the roster after it."""
        before = trust
        trust = self.commit_level(commit, trust)
        for task in self.record_tasks(commit, before):
            self.record_task(task)
        return trust

    def commit_level(self, commit: Commit, trust: Trust) -> Trust:
        """What concerns the commit as a whole: its place and time, the roster it changes, a
        merge's other side, who made it and when. Returns the roster after it."""
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
        return trust

    def record_tasks(self, commit: Commit, trust: Trust) -> Iterator[tuple]:
        config_path = self.prefix + CONFIG
        for status, old_blob, new_blob, path in commit.changes:
            rel = self._rel(path)
            if rel is None or path == config_path or not rel.endswith(".yaml"):
                continue
            if kind_of_path(rel) is not None:
                yield (commit, trust, rel, status, old_blob, new_blob)

    def record_task(self, task: tuple) -> None:
        commit, trust, rel, status, old_blob, new_blob = task
        self.here = (commit.seq, 1, commit.upto)
        self._record(commit, trust, kind_of_path(rel), rel, status, old_blob, new_blob)

    def _in_parallel(self, tasks: list[tuple], workers: int) -> None:
        import multiprocessing

        global _TASKS, _ENGINE
        _TASKS, _ENGINE = tasks, self
        try:
            context = multiprocessing.get_context("fork")
            with context.Pool(workers) as pool:
                for found in pool.imap_unordered(_replay_share, [(i, workers) for i in range(workers)]):
                    self.found.extend(found)
        finally:
            _TASKS, _ENGINE = [], None

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
        ctx = TreeContext(self.reader, commit.id, self.prefix, trust, self.existing)
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
        if action not in CREATING:
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
        record = copy.deepcopy(old)
        params = {"policy": trust.policy, **step.params_recorded(event, new, trust.role)}
        change = Change(record, step, commit.author, role, str(event.get("at")), note=event.get("note"),
                        params=params)
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


_TASKS: list[tuple] = []
_ENGINE: Replay | None = None


def _replay_share(share: tuple[int, int]) -> list[tuple[tuple, Finding]]:
    """A worker's part of the record changes (forked: the tasks are inherited, not sent):
    those whose path hashes to its number, in history order."""
    index, workers = share
    engine = _ENGINE
    engine.reader = Reader(engine.top)      # its own `git cat-file`
    engine.found = []
    try:
        for task in _TASKS:
            if zlib.crc32(task[2].encode("utf-8")) % workers == index:
                engine.record_task(task)
    finally:
        engine.reader.close()
    return engine.found


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
        workers = min(os.cpu_count() or 1, 4)
    tip = git.commit_of(top, head)
    if not tip:
        return Result([], 0, 0, False, None)
    path = _checkpoint_path(top, gitdir, prefix)
    saved = _load_checkpoint(path) if use_checkpoint else None
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
        trust, count, last = engine.run(revs, start_trust, workers=workers)
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
