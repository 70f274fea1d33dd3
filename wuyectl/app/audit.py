"""The audit trail read back from git: a record's history, and findings over all history.

`record_log()` gives, for each commit that touched a record: the author, when it was recorded
(the commit date), the action and business time from the trailers, whether it was backdated,
and the field-level change (old → new; timeline events added).

`audit()` gives the findings of replaying the whole history (`app.replay`), each with its
commit id and a code (`domain.findings.AUDIT`); `report()` the replay's whole result.
"""
from __future__ import annotations

import os
from datetime import timedelta

from ..domain.findings import AUDIT, Finding
from ..domain.privacy import is_sealed, mask
from ..i18n import _
from ..store import git
from ..store.office import Office, backdate_limit
from ..timeutil import read_iso
from .replay import Reader, tool_trailers

SEP, END = "\x1f", "\x1e"
LOG_FORMAT = f"%H{SEP}%an{SEP}%aI{SEP}%B{END}"

# The finding kinds by their short names (`hand-edit`, …): the codes without "A-".
FINDING_KINDS = {code[2:]: about for code, about in AUDIT.items()}


def _commits(office: Office, args: list[str]) -> list[tuple[str, str, str, str]]:
    text = git.out(office.top, ["log", f"--format={LOG_FORMAT}", *args])
    out = []
    for item in text.split(END):
        item = item.strip("\n")
        if item:
            commit, author, when, body = item.split(SEP, 3)
            out.append((commit, author, when, body))
    return out


def flatten(data, prefix: str = "") -> dict:
    out = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "timeline":
                continue
            out.update(flatten(value, f"{prefix}{key}."))
    elif isinstance(data, list) and all(isinstance(v, dict) for v in data):
        for i, value in enumerate(data):   # an empty list of records is no field at all
            out.update(flatten(value, f"{prefix}{i}."))
    else:
        out[prefix[:-1]] = data
    return out


def changes(old: dict | None, new: dict | None) -> list[dict]:
    """Field-level differences (timeline events added are listed apart); personal numbers
    masked, always."""
    unreadable = "(not readable YAML)"
    if isinstance(new, dict) and new.get("__unreadable__"):
        return [{"field": "(file)", "old": None, "new": unreadable}]
    repaired = isinstance(old, dict) and old.get("__unreadable__")
    if repaired:
        old = None
    before, after = flatten(old or {}), flatten(new or {})

    def shown(key, value):
        text = mask(key.rsplit(".", 1)[-1], value)
        return _("{mask} (sealed)").format(mask=text) if is_sealed(value) else text

    out = [{"field": "(file)", "old": unreadable, "new": None}] if repaired else []
    out += [{"field": k, "old": shown(k, before.get(k)), "new": shown(k, after.get(k))}
            for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    old_events = (old or {}).get("timeline") or []
    for event in ((new or {}).get("timeline") or [])[len(old_events):]:
        out.append({"field": "timeline+", "old": None, "new": event})
    return out


def record_log(office: Office, record_id: str) -> list[dict]:
    kind, rel = office.locate(record_id)
    path = office.git_path(rel)
    limit = backdate_limit(office.config.get("policy"))
    # --full-history: a merge that dropped the record (an "evil merge") does not hide its past
    history = _commits(office, ["--full-history", "--", path])
    if not history and not os.path.isfile(office.abspath(rel)):
        from ..errors import NotFound

        from ..domain import codes
        from ..i18n import _

        raise NotFound(_("no {kind} {id} (looked for {path})").format(
            kind=codes.kind_noun(kind.name), id=str(record_id).strip(), path=rel))
    out = []
    with Reader(office.top) as blobs:
        for commit, author, when, body in reversed(history):
            facts = tool_trailers(body) or {}
            at = (facts.get("Wuye-At") or [None])[0]
            recorded = read_iso(when)
            backdated = bool(at) and (recorded - read_iso(at)) > timedelta(hours=1)
            parent = blobs.at(f"{commit}^", path)
            out.append({
                "commit": commit[:10], "author": author, "recorded_at": when,
                "subject": body.splitlines()[0] if body else "",
                "action": (facts.get("Wuye-Action") or ["(hand edit)"])[0], "at": at,
                "backdated": backdated, "beyond_policy": bool(at) and (recorded - read_iso(at)) > timedelta(days=limit),
                "changes": changes(parent, blobs.at(commit, path)),
            })
    return out


def audit(office: Office, since: str | None = None, *, checkpoint: bool = True) -> list[Finding]:
    """The findings of replaying the office's history (`app.replay`); `since`: only those of
    commits from the first whose event time (`Wuye-At`, else its commit date) is at or after
    it, along the first-parent order — not by commit dates, which the committer chooses."""
    return report(office, since, checkpoint=checkpoint).findings


def report(office: Office, since: str | None = None, *, checkpoint: bool = True):
    """The replay's whole result: findings, commits replayed, whether identities were checked
    by signature."""
    from .replay import replay

    result = replay(office.top, office.prefix, gitdir=office.gitdir, use_checkpoint=checkpoint)
    if since:
        limit = read_iso(since)
        result.findings = [f for f in result.findings if f.upto and read_iso(f.upto) >= limit]
    return result
