"""Offices that sync through a shared remote (a NAS or a git server).

`sync()`: under the repo lock, fetch; merge the remote branch with a field-level merge driver
for record files; validate what changed; push. Records made in two clones never collide
(each clone has its own station letter in its IDs). The same record changed in both:
- different fields → both changes kept; timeline events from both sides, in time order;
- the same field to different values → refused, both values shown, nothing pushed, and the
  repo left exactly as before the sync.

The merge driver (`merge_files`) is given to git for this one merge through `-c` options and a
private attributes file, so nothing needs configuring in a clone.

A history is only ever added to. Each sync remembers the commit this clone and the remote
agreed on (`last_synced`: refs/wuyectl/synced/REMOTE/BRANCH); a sync refuses, before anything
is fetched or pushed, when the local history no longer contains it (reset, amended, rebased
here), and after the fetch when the remote's branch no longer does (rewritten on the server).
A push the server's hooks refuse (docs/server.md) is reported with the server's reasons.

An encrypted office's keystore (.git/wuyectl/keys, outside the records' history) travels after
the records, as `refs/wuyectl/keys` (`sync_keys`, store/keyref.py; docs/server.md "The keys on
a server"); the result's `keys` says what came, what was erased, what waits for a rewrap.
"""
from __future__ import annotations

import os
import sys

from ..errors import Conflict, Invalid, Refused, RepoError
from ..i18n import _, ngettext
from ..store import git, yamlio
from ..store.office import Office
from ..store.transaction import Transaction, atomic_write

CONFLICT_MARK = "wuyectl-conflict: "
SYNCED_REF = "refs/wuyectl/synced/{remote}/{branch}"
SERVER_REFUSAL = "remote: wuyectl: refused: "
_MISSING = object()


def _plain(text: str):
    return yamlio.to_plain(yamlio.load_roundtrip(text)) if text.strip() else {}


def _merge_map(base: dict, ours_rt, theirs: dict, where: str, conflicts: list[str]) -> None:
    ours = yamlio.to_plain(ours_rt)
    for key in list(dict.fromkeys([*ours, *theirs, *base])):
        b, o, t = base.get(key, _MISSING), ours.get(key, _MISSING), theirs.get(key, _MISSING)
        name = f"{where}{key}"
        if key == "timeline" and isinstance(t, list):
            ours_rt[key] = _merge_events(b if isinstance(b, list) else [], ours_rt.get(key) or [], t)
            continue
        if o == t or t == b:
            continue
        if o == b:
            if t is _MISSING:
                del ours_rt[key]
            else:
                ours_rt[key] = yamlio.new_map(t) if isinstance(t, dict) else _value(key, t)
            continue
        if isinstance(o, dict) and isinstance(t, dict):
            _merge_map(b if isinstance(b, dict) else {}, ours_rt[key], t, f"{name}.", conflicts)
            continue
        conflicts.append(_("{field}: here {ours}, there {theirs}").format(field=name, ours=_show(o), theirs=_show(t)))


def _value(key, value):
    if isinstance(value, list):
        from ruamel.yaml.comments import CommentedSeq

        seq = CommentedSeq()
        seq.extend(yamlio.new_map(v) if isinstance(v, dict) else v for v in value)
        return seq
    return yamlio.as_yaml_scalar(key, value)


def _merge_events(base: list, ours_rt, theirs: list):
    """Both sides' new events, once each, in time order (ties: ours first)."""
    from ..timeutil import read_iso

    ours = yamlio.to_plain(ours_rt)
    added = [e for e in theirs[len(base):] if e not in ours]
    if not added:
        return ours_rt
    for event in added:
        ours_rt.append(yamlio.new_map(event))
    order = sorted(range(len(ours_rt)), key=lambda i: (read_iso(str(ours_rt[i]["at"])), i))
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq()
    seq.extend(ours_rt[i] for i in order)
    return seq


def _show(value) -> str:
    if value is _MISSING:
        return _("(absent)")
    from ..domain.privacy import masked

    return repr(masked(value)) if isinstance(value, (dict, list)) else repr(value)


ATTRIBUTES = b"*.yaml merge=wuyectl\n"   # the attributes file `merge_options` is given


def merge_options(attributes: str) -> list[str]:
    """git's options for merging record files field by field with `merge_files` (this merge
    driver), given a private attributes file that names it for *.yaml. The audit's check of a
    merge commit merges with them too."""
    driver = f'"{sys.executable}" -m wuyectl merge-driver %O %A %B %P'
    return ["-c", f"core.attributesFile={attributes}", "-c", "merge.wuyectl.name=wuyectl records",
            "-c", f"merge.wuyectl.driver={driver}"]


def merge_files(base_path: str, ours_path: str, theirs_path: str, name: str) -> int:
    """git merge driver: 0 with the merged record in `ours_path`, 1 on a conflict (reported
    on stderr, one line per field)."""
    try:
        read = lambda p: yamlio.decode(open(p, "rb").read())  # noqa: E731
        base, theirs = _plain(read(base_path)), _plain(read(theirs_path))
        ours_text = read(ours_path)
        ours_rt = yamlio.load_roundtrip(ours_text)
    except (OSError, yamlio.YamlProblem) as exc:
        sys.stderr.write(CONFLICT_MARK + _("{path}: cannot merge ({error})").format(path=name, error=exc) + "\n")
        return 1
    conflicts: list[str] = []
    _merge_map(base if isinstance(base, dict) else {}, ours_rt, theirs if isinstance(theirs, dict) else {}, "",
               conflicts)
    if conflicts:
        for line in conflicts:
            sys.stderr.write(f"{CONFLICT_MARK}{name}: {line}\n")
        return 1
    atomic_write(ours_path, yamlio.dump(ours_rt).encode("utf-8"))
    return 0


def sync(office: Office, actor: str | None, remote: str = "origin") -> dict:
    """Fetch, merge, validate, push. Returns what happened."""
    from git.exc import GitError

    try:
        return _sync(office, actor, remote)
    except GitError as exc:   # GitPython's, answering about refs and remotes
        raise RepoError(_("git failed: {error}").format(
            error=str(exc).strip().splitlines()[-1] if str(exc).strip() else exc)) from None


def _sync(office: Office, actor: str | None, remote: str) -> dict:
    from .office import acting
    from ..store.validate import validate_office

    person = acting(office, actor)
    top = office.top
    with Transaction(office, person) as tx, git.repo(top) as repo:
        if repo.is_dirty(index=True, working_tree=True, untracked_files=False, path=office.prefix or None):
            raise Conflict(_("there are changes not committed in the office repo; commit or discard them before syncing"))
        if repo.head.is_detached:
            raise RepoError(_("HEAD is not on a branch (git switch BRANCH), so there is nothing to sync"))
        branch = repo.active_branch.name
        if remote not in [r.name for r in repo.remotes]:
            raise RepoError(_("no remote '{remote}' (git remote add {remote} URL)").format(remote=remote))
        upstream = f"{remote}/{branch}"
        agreed = last_synced(top, remote, branch)
        if agreed is not None and not git.is_ancestor(top, agreed, "HEAD"):
            lost = missing(top, agreed, "HEAD")
            raise Conflict(ngettext(
                "sync refused, nothing pushed: the local history was rewritten: {count} commit on {upstream} "
                "is not in it ({ids}); fetch and reset to {upstream}, don't push",
                "sync refused, nothing pushed: the local history was rewritten: {count} commits on {upstream} "
                "are not in it ({ids}); fetch and reset to {upstream}, don't push",
                len(lost)).format(count=len(lost), upstream=upstream, ids=_ids(lost)))
        tracking = f"refs/remotes/{upstream}"
        seen = git.commit_of(top, tracking)
        git.run(top, ["fetch", "-q", remote])
        there = git.commit_of(top, tracking)
        if agreed is not None and there is not None and not git.is_ancestor(top, agreed, there):
            lost = missing(top, agreed, there)
            if seen is not None:   # as before this sync: the next one refuses the same way
                git.run(top, ["update-ref", tracking, seen], check=False)
            raise Conflict(ngettext(
                "sync refused, nothing pushed: the history on {upstream} was rewritten: {count} commit this "
                "clone synced is not in it ({ids}); the server's history must be put back",
                "sync refused, nothing pushed: the history on {upstream} was rewritten: {count} commits this "
                "clone synced are not in it ({ids}); the server's history must be put back",
                len(lost)).format(count=len(lost), upstream=upstream, ids=_ids(lost)))
        has_upstream = there is not None
        old = git.head(top)
        merged = False
        behind = has_upstream and old is not None and repo.is_ancestor("HEAD", upstream)
        if behind:
            # Nothing here the remote lacks: take its commits as they are (a merge commit here
            # would be new, and the other clone would have to merge it back: syncs never settle).
            git.run(top, ["merge", "-q", "--ff-only", upstream])
        elif has_upstream and not repo.is_ancestor(upstream, "HEAD"):
            attributes = os.path.join(tx.state_dir, "attributes")
            atomic_write(attributes, ATTRIBUTES)
            proc = git.run(top, [*merge_options(attributes), "merge", "--no-commit", "--no-ff", "-q", upstream],
                           env=tx.identity(), check=False)
            if proc.returncode != 0:
                lines = [l[len(CONFLICT_MARK):] for l in proc.stderr.decode("utf-8", "replace").splitlines()
                         if l.startswith(CONFLICT_MARK)]
                git.run(top, ["merge", "--abort"], check=False)
                if git.head(top) != old:
                    git.run(top, ["reset", "-q", "--keep", old], check=False)
                detail = "; ".join(lines) or proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
                raise Conflict(_("sync refused, nothing pushed: the same field was changed in both places: {detail}")
                               .format(detail=detail))
            # The merge is validated before it is committed, and committed through the
            # transaction's journal (a kill half-way is put back by the next command).
            changed = [p[len(office.prefix):] for p in git.out(top, ["diff", "--cached", "--name-only", old]).splitlines()
                       if p.startswith(office.prefix)]
            records = [p for p in changed if p.endswith(".yaml")]
            try:
                if records:
                    office.reload()
                    _count, problems = validate_office(office, records)
                    if problems:
                        raise Invalid(problems)
                tx.commit_paths(changed, f"sync with {upstream}", action="sync", records=[])
            except BaseException:
                git.run(top, ["merge", "--abort"], check=False)   # (none left once it is committed)
                raise
            merged = True
        push = git.run(top, ["push", "-q", remote, f"HEAD:{branch}"], check=False)
        if push.returncode != 0:
            if merged:
                git.run(top, ["reset", "-q", "--keep", old], check=False)
            reasons = [line[len(SERVER_REFUSAL):].rstrip() for line in push.stderr.decode("utf-8", "replace").splitlines()
                       if line.startswith(SERVER_REFUSAL)]
            if reasons:
                more = _(" (and {count} more)").format(count=len(reasons) - 1) if len(reasons) > 1 else ""
                raise Refused(_("push to {remote} refused by the server, nothing pushed: {reason}{more}").format(
                    remote=remote, reason=reasons[0], more=more))
            raise Conflict(_("push to {remote} was refused (someone pushed meanwhile?); run sync again").format(
                remote=remote))
        git.run(top, ["update-ref", SYNCED_REF.format(remote=remote, branch=branch), "HEAD"])
        carried = sync_keys(office, person, remote)
        return {"merged": merged, "old": old, "new": git.head(top), "branch": branch, "remote": remote,
                "keys": carried}


# -- the keystore ------------------------------------------------------------------------------
KEYS_TRIES = 3


def sync_keys(office: Office, person: dict, remote: str) -> dict | None:
    """Carry the keystore (.git/wuyectl/keys) to and from `remote` as `keyref.KEYS_REF` (under
    the repository lock, after the records are synced): fetch the other clones' keystore,
    join it into this one (`keyref.merge`), delete the keys the merged records say were erased,
    and force-push the result, with a lease, so a keystore another clone pushed meanwhile is
    fetched and joined again rather than overwritten. Returns what happened (None: the office is
    not encrypted and has no keys: nothing travels). When a key went (an erasure, a rotation),
    the old keystore commits' objects are removed here at once (`git gc --prune=now`)."""
    from ..store import keyref, keys
    from . import privacy

    top = office.top
    store = keys.Keystore(office.gitdir)
    office.reload()
    if not privacy.encrypted(office) and not store.exists():
        return None
    before = keyref.key_ids(keyref.read_ref(top, keyref.KEYS_REF)) | keyref.key_ids(
        keyref.read_ref(top, keyref.REMOTE_KEYS_REF))
    report: dict = {"pushed": False, "taken": [], "erased": [], "resealed": [], "pending": [], "why": "",
                    "problem": ""}
    for _attempt in range(KEYS_TRIES):
        there = _fetch_keys(top, remote)
        theirs = keyref.read_ref(top, keyref.REMOTE_KEYS_REF) if there else None
        before |= keyref.key_ids(theirs)
        if theirs:
            merged = keyref.merge(store, theirs, privacy.roster_config(office), keys.Identity.from_env)
            report["taken"] = sorted(set(report["taken"]) | set(merged.taken))
            report["resealed"] = sorted(set(report["resealed"]) | set(merged.resealed))
            report["pending"], report["why"] = merged.pending, merged.why
        erased = set(privacy.purge_erased(office))
        report["erased"] = sorted(set(report["erased"]) | erased)
        report["taken"] = [k for k in report["taken"] if k not in erased]
        commit = keyref.make_commit(top, store)
        if commit is None or commit == there:
            break
        lease = f"--force-with-lease={keyref.KEYS_REF}:{there or ''}"
        push = git.run(top, ["push", "-q", lease, remote, f"+{commit}:{keyref.KEYS_REF}"], check=False)
        if push.returncode == 0:
            report["pushed"] = True
            git.run(top, ["update-ref", keyref.REMOTE_KEYS_REF, commit])
            break
        reasons = [line[len(SERVER_REFUSAL):].rstrip() for line in push.stderr.decode("utf-8", "replace").splitlines()
                   if line.startswith(SERVER_REFUSAL)]
        if reasons:
            report["problem"] = _("the keys were not pushed: the server refused them: {reason}").format(
                reason=reasons[0])
            break
    else:
        report["problem"] = _("the keys were not pushed: {remote} changed them during every try; run sync again"
                              ).format(remote=remote)
    commit = keyref.make_commit(top, store)
    if commit is not None:
        git.run(top, ["update-ref", keyref.KEYS_REF, commit])
    if before - keyref.key_ids(keyref.read_ref(top, keyref.KEYS_REF)):
        forget_old_keys(top)
    return report


def _fetch_keys(top: str, remote: str) -> str | None:
    """Fetch `remote`'s keystore commit into `keyref.REMOTE_KEYS_REF`; its id (None: the remote
    has none, and the local copy of what it had is dropped)."""
    from ..store import keyref

    proc = git.run(top, ["fetch", "-q", "--no-tags", "--no-write-fetch-head", "--refmap=", remote,
                         f"+{keyref.KEYS_REF}:{keyref.REMOTE_KEYS_REF}"], check=False)
    if proc.returncode != 0:
        text = proc.stderr.decode("utf-8", "replace")
        if "couldn't find remote ref" not in text:
            raise RepoError(_("git fetch failed: {detail}").format(detail=(text.strip().splitlines() or ["?"])[-1]))
        git.run(top, ["update-ref", "-d", keyref.REMOTE_KEYS_REF], check=False)
        return None
    return git.commit_of(top, keyref.REMOTE_KEYS_REF)


def forget_old_keys(top: str) -> None:
    """Remove the objects of keystore commits no ref names any more (the blobs of erased
    keys): their reflogs, then every unreachable object, at once (`git gc --prune=now`)."""
    from ..store import keyref

    git.run(top, ["reflog", "expire", "--expire=now", "--expire-unreachable=now", keyref.KEYS_REF,
                  keyref.REMOTE_KEYS_REF], check=False)
    git.run(top, ["gc", "--quiet", "--prune=now"], check=False)


def last_synced(top: str, remote: str, branch: str) -> str | None:
    """The newest commit this clone and `remote`'s `branch` are known to have agreed on: the
    one the last `sync` pushed or found there. A clone that has not synced since it was made
    (or since this was added) has the remote's tip as it was when cloned or last pushed to, from
    the remote-tracking ref's reflog — both were this clone's own history then; a tip a plain
    `git fetch` brought is not (fetched, perhaps never merged). None when neither is known."""
    marker = git.commit_of(top, SYNCED_REF.format(remote=remote, branch=branch))
    if marker is not None:
        return marker
    log = git.out(top, ["reflog", "show", "--format=%H%x1f%gs", f"refs/remotes/{remote}/{branch}", "--"],
                  check=False)
    for line in log.splitlines():
        commit, _, subject = line.partition("\x1f")
        if subject.startswith(("update by push", "clone: ")):
            return git.commit_of(top, commit)
    return None




def missing(top: str, had: str, has: str) -> list[str]:
    """The commits of `had` that `has` lacks, oldest first."""
    return git.out(top, ["rev-list", "--reverse", "--topo-order", had, "--not", has]).split()


def _ids(ids: list[str], shown: int = 3) -> str:
    return ", ".join(c[:10] for c in ids[:shown]) + (", …" if len(ids) > shown else "")
