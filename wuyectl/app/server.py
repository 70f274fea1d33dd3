"""The server side: hooks on the bare repository the offices push to, and its receipts.

1. `install(bare_repo)` writes the repository's `hooks/pre-receive` and `hooks/post-receive`:
   two lines of sh each, running `wuyectl server pre-receive` / `post-receive` with the Python
   that ran the install (docs/server.md: gitolite3 included).
2. pre-receive (`refusals`) reads git's `OLD NEW REF` lines and refuses the whole push, one
   line per problem, when a ref would be deleted, moved other than forward, or a receipt
   forged; and when a branch's new first-parent commits fail the history replay
   (`replay.check_push`, with gitolite's `GL_USER` as the pusher) — what `wuyectl audit`
   would flag is never accepted.
3. post-receive (`record_receipts`) writes a receipt per updated ref — the server's real
   clock, the pusher, the ref, old and new — as a git note on the pushed tip in
   `refs/notes/wuyectl-received` (appended when the tip has one already).
4. `received()` reads receipts back, with the commits each push brought; a clone fetches them
   and `compare_with_remote()` tells commits the server received that the local history lost
   (`A-not-local`) and local commits that replaced history the server has (`A-not-on-server`).
"""
from __future__ import annotations

import os
import shlex
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..errors import RepoError
from ..i18n import _
from ..store import git
from ..store.office import Office
from ..domain.findings import Finding

RECEIPTS_REF = "refs/notes/wuyectl-received"
# Where a clone keeps what it fetched from a remote for the comparison: apart from the
# remote-tracking refs (`sync` reads those as what it last saw of the remote).
FETCHED_BRANCH = "refs/wuyectl/remote/{remote}/{branch}"
FETCHED_RECEIPTS = "refs/notes/wuyectl-received-{remote}"   # `git log --notes=wuyectl-received-origin`
HOOKS = ("pre-receive", "post-receive")
HOOK_MARK = "# Installed by `wuyectl server install`"
HOOK = """#!/bin/sh
{mark}: {what} (docs/server.md).
exec {python} -m wuyectl server {hook}
"""
WHAT = {"pre-receive": "refuses a push that `wuyectl audit` would flag",
        "post-receive": "records each accepted push as a receipt in " + RECEIPTS_REF}
SERVER_IDENTITY = {"GIT_AUTHOR_NAME": "wuyectl server", "GIT_AUTHOR_EMAIL": "wuyectl@server",
                   "GIT_COMMITTER_NAME": "wuyectl server", "GIT_COMMITTER_EMAIL": "wuyectl@server"}


def _zero(oid: str) -> bool:
    return not oid.strip("0")


@dataclass(frozen=True)
class Update:
    """One line git gives the receive hooks: a ref moving from `old` to `new` (None: the ref
    does not exist before / after)."""

    old: str | None
    new: str | None
    ref: str


def parse_updates(text: str) -> list[Update]:
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        old, new, ref = parts
        out.append(Update(None if _zero(old) else old, None if _zero(new) else new, ref))
    return out


# -- install ----------------------------------------------------------------------------
def install(bare_repo: str, python: str | None = None) -> list[str]:
    """Write the wuyectl hooks into `bare_repo`'s hooks folder; returns their paths. A hook
    there already that wuyectl did not write is refused, not replaced."""
    path = os.path.abspath(bare_repo)
    if not os.path.isdir(path):
        raise RepoError(_("{path}: no such repository").format(path=path))
    # --git-dir: no discovery, so a repository owned by the server's account (gitolite3) is
    # read by root without git's safe.directory refusal.
    proc = git.run(path, ["--git-dir=.", "rev-parse", "--is-bare-repository"], check=False)
    answer = proc.stdout.decode().strip()
    if proc.returncode != 0 or answer != "true":
        what = _("a work tree, not a bare repository") if answer == "false" or os.path.isdir(
            os.path.join(path, ".git")) else _("not a git repository")
        raise RepoError(_("{path} is {what} (install into the server's bare repository, "
                          "e.g. /var/lib/gitolite3/repositories/office.git)").format(path=path, what=what))
    hooks = os.path.join(path, "hooks")
    os.makedirs(hooks, exist_ok=True)
    for name in HOOKS:
        target = os.path.join(hooks, name)
        if os.path.lexists(target) and not _ours(target):
            raise RepoError(_("{path}: a {hook} hook not made by wuyectl is there; move it away first "
                              "(docs/server.md: chaining hooks)").format(path=target, hook=name))
    written = []
    for name in HOOKS:
        target = os.path.join(hooks, name)
        text = HOOK.format(mark=HOOK_MARK, what=WHAT[name], python=shlex.quote(python or sys.executable), hook=name)
        tmp = target + ".wuyectl-tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o755)
        os.replace(tmp, target)
        written.append(target)
    return written


def _ours(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return HOOK_MARK in fh.read(4096)
    except OSError:
        return False


# -- pre-receive ------------------------------------------------------------------------
def refusals(gitdir: str, updates: list[Update], login: str | None = None) -> list[str]:
    """Why the push of `updates` is refused, one line each (empty: accepted).

    Nothing is deleted and nothing moves but forward (a tag never moves); the receipts are the
    server's own. A branch's first-parent commits new to it are replayed with the roster as
    of its old tip (a new branch: from where it leaves the history the server has) and every
    finding refuses; `login` (gitolite's GL_USER) must be the actor of each of them."""
    out: list[str] = []
    for update in updates:
        ref = update.ref
        if ref.startswith("refs/notes/wuyectl-"):
            out.append(_("{ref}: receipts are written by the server only").format(ref=ref))
        elif ref.startswith("refs/wuyectl/"):
            out += _keys_refusals(gitdir, update, login)
        elif update.new is None:
            kind = _("branch") if ref.startswith("refs/heads/") else _("tag") if ref.startswith("refs/tags/") else _("ref")
            out.append(_("{ref}: deleting a {kind} is refused (history is never deleted)").format(ref=ref, kind=kind))
        elif update.old is not None and ref.startswith("refs/tags/"):
            out.append(_("{ref}: moving a tag is refused").format(ref=ref))
        elif update.old is not None and not git.is_ancestor(gitdir, update.old, update.new):
            out.append(_("{ref}: not a fast-forward: {commit} would be dropped from the history "
                         "(a rewritten history is refused; fetch, merge, push again)").format(
                ref=ref, commit=update.old[:10]))
        elif ref.startswith("refs/heads/"):
            from .replay import check_push

            base = update.old if update.old is not None else _where_it_leaves(gitdir, update.new)
            if base is False:
                continue   # a new branch at a commit the server has: nothing new to check
            for finding in check_push(gitdir, base, update.new, login=login):
                where = f" {finding.path}" if finding.path else ""
                out.append(f"{finding.commit} {finding.code}{where}: {finding.message}")
    return out


def _keys_refusals(gitdir: str, update: Update, login: str | None) -> list[str]:
    """The keystore ref (store/keyref.py) is replaced, not added to: any new commit without
    parents holding only keystore files, from a pusher on the roster. Nothing else is pushed
    under refs/wuyectl/ (those are each clone's own refs)."""
    from ..store.keyref import KEYS_REF, valid_path

    ref = update.ref
    if ref != KEYS_REF:
        return [_("{ref}: only {keys} may be pushed under refs/wuyectl/").format(ref=ref, keys=KEYS_REF)]
    if update.new is None:
        return [_("{ref}: deleting the office's keys is refused").format(ref=ref)]
    kind = git.out(gitdir, ["cat-file", "-t", update.new], check=False).strip()
    parents = git.out(gitdir, ["rev-list", "--parents", "-n", "1", update.new], check=False).split()[1:] \
        if kind == "commit" else None
    if parents is None or parents:
        return [_("{ref}: not a keystore commit (a commit without parents is replaced, never added to, "
                  "so erased keys are left behind)").format(ref=ref)]
    names = git.out(gitdir, ["ls-tree", "-r", "--name-only", "-z", update.new]).split("\0")
    strange = [n for n in names if n and not valid_path(n)]
    if strange:
        return [_("{ref}: not a keystore: {path}").format(ref=ref, path=strange[0])]
    if login is not None and not _on_roster(gitdir, login):
        return [_("{ref}: the server user '{login}' is no one on the office roster (wuyectl staff key NAME "
                  "--login {login})").format(ref=ref, login=login)]
    return []


def _on_roster(gitdir: str, login: str) -> bool:
    """Whether `login` is someone active on the roster of any branch the server has."""
    from ..store import yamlio
    from ..store.office import CONFIG
    from .replay import _office_prefix

    for tip in git.out(gitdir, ["for-each-ref", "--format=%(objectname)", "refs/heads"], check=False).split():
        prefix = _office_prefix(gitdir, tip)
        proc = git.run(gitdir, ["show", f"{tip}:{prefix}{CONFIG}"], check=False)
        if proc.returncode != 0:
            continue
        try:
            config = yamlio.to_plain(yamlio.load_roundtrip(proc.stdout.decode("utf-8", "replace"))) or {}
        except Exception:   # a roster that does not load names no one
            continue
        if not isinstance(config, dict):
            continue
        for person in config.get("staff") or []:
            if isinstance(person, dict) and person.get("login") == login and person.get("active") is not False:
                return True
    return False


def _where_it_leaves(gitdir: str, new: str):
    """For a new branch: the commit its first-parent line leaves the history the server has
    at (None: the line is new from its root; False: `new` itself is a commit the server has).
    In pre-receive no ref has moved yet, so `--all` is the server's history before the push."""
    lines = git.out(gitdir, ["rev-list", "--first-parent", "--parents", new, "--not", "--all"]).splitlines()
    if not lines:
        return False
    oldest = lines[-1].split()
    return oldest[1] if len(oldest) > 1 else None


# -- post-receive -----------------------------------------------------------------------
def pusher_name() -> str:
    """Who pushed: gitolite's user, else the account the server runs the hook as."""
    login = os.environ.get("GL_USER")
    if login:
        return login
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return os.environ.get("USER") or "unknown"


def receipt_text(update: Update, pusher: str, at: str) -> str:
    return (f"received-at: {at}\npusher: {pusher}\nref: {update.ref}\n"
            f"old: {update.old or '0' * 40}\nnew: {update.new}\n")


def record_receipts(gitdir: str, updates: list[Update], pusher: str | None = None,
                    at: str | None = None) -> list[str]:
    """Note each accepted update on its new tip in `RECEIPTS_REF`; returns the tips noted.

    The time is the server's real clock (never WUYECTL_NOW, which a local-path pusher's
    environment may carry). A second push of the same tip appends to its note. Two pushes
    ending at once contend for the notes ref: the loser retries."""
    pusher = pusher or pusher_name()
    at = at or datetime.now(timezone.utc).isoformat(timespec="seconds")
    # The notes commit is dated by the same clock, not by dates a pusher's environment set.
    env = dict(SERVER_IDENTITY, GIT_AUTHOR_DATE=at, GIT_COMMITTER_DATE=at)
    noted = []
    for update in updates:
        if update.new is None or update.ref.startswith(("refs/notes/", "refs/wuyectl/")):
            continue   # (a receipt noted on a keystore commit would keep its erased keys forever)
        text = receipt_text(update, pusher, at).encode("utf-8")
        for attempt in range(20):
            proc = git.run(gitdir, ["notes", f"--ref={RECEIPTS_REF}", "append", "-F", "-", update.new],
                           env=env, input=text, check=False)
            if proc.returncode == 0:
                break
            time.sleep(0.05 * (attempt + 1))
        else:
            detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RepoError(_("could not record the receipt of {ref} {commit}: {detail}").format(
                ref=update.ref, commit=update.new[:10], detail=detail[-1] if detail else _("git notes failed")))
        noted.append(update.new)
    return noted


# -- receipts read back -----------------------------------------------------------------
@dataclass
class Receipt:
    """One accepted push as the server noted it: when (server clock, UTC), who, which ref,
    from `old` (None: the ref was new) to `new`, and the commits it brought (first-parent
    `old..new`, newest first; empty when this clone lacks them)."""

    at: str
    pusher: str
    ref: str
    old: str | None
    new: str
    commits: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"at": self.at, "pusher": self.pusher, "ref": self.ref, "old": self.old, "new": self.new,
                "commits": list(self.commits)}


def received(repo_dir: str, notes_ref: str = RECEIPTS_REF) -> list[Receipt]:
    """The receipts in `notes_ref` of the repository at `repo_dir` (the server's bare
    repository, or a clone that fetched them), in the order the server received them."""
    if git.commit_of(repo_dir, notes_ref) is None:
        return []
    listing = git.out(repo_dir, ["ls-tree", "-r", "-z", notes_ref])
    out: list[Receipt] = []
    with git.CatFile(repo_dir) as objects:
        for entry in listing.split("\0"):
            if not entry:
                continue
            meta, _, _path = entry.partition("\t")
            found = objects.read(meta.split()[2])
            if found is None:
                continue
            for block in found[1].decode("utf-8", "replace").split("\n\n"):
                facts = dict(line.split(": ", 1) for line in block.strip().splitlines() if ": " in line)
                if not {"received-at", "pusher", "ref", "new"} <= set(facts):
                    continue
                old = facts.get("old")
                out.append(Receipt(facts["received-at"], facts["pusher"], facts["ref"],
                                   None if not old or _zero(old) else old, facts["new"]))
    out = _in_order(out)
    for receipt in out:
        revs = [receipt.new] + ([f"^{receipt.old}"] if receipt.old else [])
        proc = git.run(repo_dir, ["rev-list", "--first-parent", *revs], check=False)
        receipt.commits = proc.stdout.decode().split() if proc.returncode == 0 else []
    return out


def _in_order(receipts: list[Receipt]) -> list[Receipt]:
    """By the server's clock; within one second, a push that continues from another's tip
    after it."""
    receipts = sorted(receipts, key=lambda r: r.at)
    for _round in range(len(receipts)):
        moved = False
        for i in range(len(receipts) - 1):
            a, b = receipts[i], receipts[i + 1]
            if a.at == b.at and a.old is not None and a.old == b.new:
                receipts[i], receipts[i + 1] = b, a
                moved = True
        if not moved:
            break
    return receipts


# -- the comparison for `wuyectl audit --remote` ----------------------------------------
def compare_with_remote(office: Office, remote: str) -> list[Finding]:
    """What `remote`'s server received, against the local history (`wuyectl audit --remote`).

    Fetches the remote's branch (the one checked out here) and its receipts into private refs
    (`refs/wuyectl/remote/REMOTE/BRANCH`, `refs/notes/wuyectl-received-REMOTE`; nothing the
    remote-tracking refs or `sync` use is moved), then reports:

    - `A-not-local`: a commit the server received that the local history once had and lacks
      now — the local history was rewritten (reset, amended, rebased).
    - `A-not-on-server`: a commit on the local first-parent line that the server never
      received and that is older than what this clone last synced — it stands beside or below
      history the server has, so it replaced that history instead of waiting to be pushed (or,
      when it is one this clone synced, the server lost it: the server's history was rewritten).

    Telling a rewrite from a clone that is only behind or ahead takes what this clone and the
    server last agreed on: the commit the last `wuyectl sync` pushed or found there
    (`sync.last_synced`; for a clone that has not synced since, the remote's tip when it was
    cloned or last pushed to). The server's commits after it are other offices' work not fetched yet, and local commits built
    on it (its descendants) are not pushed yet: neither is a finding. Clocks cannot tell them
    apart: commit dates are each office's own clock, and an office offline for a day makes
    commits "older" than another office's push while doing nothing wrong. A clone that never
    synced with `remote` has nothing agreed, and gets no findings.
    """
    from .sync import last_synced, missing

    top = office.top
    branch = git.out(top, ["symbolic-ref", "--short", "-q", "HEAD"], check=False).strip()
    if not branch:
        raise RepoError(_("HEAD is not on a branch (git switch BRANCH), so there is nothing to compare"))
    if remote not in git.out(top, ["remote"]).split():
        raise RepoError(_("no remote '{remote}' (git remote add {remote} URL)").format(remote=remote))
    there = git.out(top, ["ls-remote", remote, f"refs/heads/{branch}", RECEIPTS_REF]).split()
    if f"refs/heads/{branch}" not in there:
        raise RepoError(_("{remote} has no branch {branch}").format(remote=remote, branch=branch))
    fetched_branch = FETCHED_BRANCH.format(remote=remote, branch=branch)
    fetched_receipts = FETCHED_RECEIPTS.format(remote=remote)
    specs = [f"+refs/heads/{branch}:{fetched_branch}"]
    if RECEIPTS_REF in there:
        specs.append(f"+{RECEIPTS_REF}:{fetched_receipts}")
    # --refmap= : without it git also moves refs/remotes/REMOTE/BRANCH ("opportunistic update")
    git.run(top, ["fetch", "-q", "--no-tags", "--no-write-fetch-head", "--refmap=", remote, *specs])

    agreed = last_synced(top, remote, branch)
    if agreed is None or git.head(top) is None:
        return []
    server = set(git.out(top, ["rev-list", fetched_branch]).split())
    receipt_of: dict[str, object] = {}
    for receipt in received(top, fetched_receipts):
        if receipt.ref == f"refs/heads/{branch}":
            for commit in receipt.commits:
                receipt_of.setdefault(commit, receipt)
    found: list[Finding] = []
    lost = [c for c in missing(top, agreed, "HEAD") if c in server]
    for commit, author, when in _described(top, lost):
        receipt = receipt_of.get(commit)
        how = (_("received by {remote} at {at} from {pusher}").format(remote=remote, at=receipt.at,
                                                                      pusher=receipt.pusher) if receipt
               else _("on {remote}/{branch}").format(remote=remote, branch=branch))
        found.append(Finding(commit[:10], when, author, "A-not-local", "",
                             _("{how}, in the history this clone synced ({agreed}), "
                               "and no longer in the local history: it was rewritten").format(how=how, agreed=agreed[:10])))
    after = set(git.out(top, ["rev-list", "--ancestry-path", f"{agreed}..HEAD"]).split())
    alone = [c for c in git.out(top, ["rev-list", "--reverse", "--first-parent", "HEAD", "--not",
                                      fetched_branch]).split() if c not in after]
    synced = set(git.out(top, ["rev-list", agreed]).split()) if alone else set()
    for commit, author, when in _described(top, alone):
        if commit in synced:   # the server had it once: its history was rewritten
            message = _("synced with {remote} ({agreed}) and no longer on {remote}/{branch}: the server's "
                        "history was rewritten").format(remote=remote, agreed=agreed[:10], branch=branch)
        else:
            message = _("never received by {remote}, and not built on {agreed} (the last commit synced with "
                        "{remote}): it replaced history the server has").format(remote=remote, agreed=agreed[:10])
        found.append(Finding(commit[:10], when, author, "A-not-on-server", "", message))
    found += _times_against_receipts(office, receipt_of, remote)
    return found


def _times_against_receipts(office: Office, receipt_of: dict, remote: str) -> list[Finding]:
    """A commit's event time (`Wuye-At`) against when the server received it: not after it
    (`A-event-time`), and not earlier by more than the policy's backdating limit
    (`A-backdated`) — the server's clock, not the committer's, bounds the time."""
    from ..store.office import backdate_limit
    from ..timeutil import read_iso
    from .replay import time_bounded, tool_trailers

    if not receipt_of:
        return []
    limit = backdate_limit(office.config.get("policy"))
    text = git.out(office.top, ["log", "--no-walk=unsorted", "--format=%H%x1f%an%x1f%B%x1e", "--stdin"],
                   input="\n".join(receipt_of).encode(), check=False)
    found: list[Finding] = []
    for item in text.split("\x1e"):
        parts = item.strip("\n").split("\x1f")
        if len(parts) != 3:
            continue
        commit, author, body = parts
        facts = tool_trailers(body) or {}
        at = (facts.get("Wuye-At") or [None])[0]
        receipt = receipt_of.get(commit)
        if not at or receipt is None:
            continue
        try:
            event, got = read_iso(at), read_iso(receipt.at)
        except ValueError:
            continue
        received = _("{remote} received the commit ({at})").format(remote=remote, at=receipt.at)
        for code, message in time_bounded(at, event, got, limit, before=received, after=received):
            found.append(Finding(commit[:10], at, author, code, "", message))
    return found


def _described(top: str, commits: list[str]) -> list[tuple[str, str, str]]:
    """(id, author, author date) of each commit, in the order given."""
    if not commits:
        return []
    text = git.out(top, ["log", "--no-walk=unsorted", "--format=%H%x1f%an%x1f%aI%x1e", "--stdin"],
                   input="\n".join(commits).encode())
    facts = {}
    for item in text.split("\x1e"):
        parts = item.strip("\n").split("\x1f")
        if len(parts) == 3:
            facts[parts[0]] = (parts[0], parts[1], parts[2])
    return [facts[c] for c in commits if c in facts]
