"""The audit trail read back from git: a record's history, and findings over all history.

`record_log()` gives, for each commit that touched a record: the author, when it was recorded
(the commit date), the action and business time from the trailers, whether it was backdated,
and the field-level change (old → new; timeline events added).

`audit()` walks the history (optionally since a date) and reports findings, each with its
commit id. The finding kinds (`KINDS`) are the auditor's questions: hand edits, deleted or
renamed records, invalid records at any commit, transitions the workflow does not allow, a
ticket closed without a callback, a step skipped on a violation ladder, a penalty imposed by a
role that may not, edits to records past their retention, backdating beyond the policy limit.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta

from .domain.kinds import ARCHIVE, TICKET, VIOLATION, kind_of_path
from .store import git, yamlio
from .store.office import Office
from .timeutil import read_iso

SEP, END = "\x1f", "\x1e"
LOG_FORMAT = f"%H{SEP}%an{SEP}%aI{SEP}%B{END}"

KINDS = {
    "hand-edit": "a record changed by a commit without the tool's trailers",
    "deleted": "a record file deleted",
    "renamed": "a record file renamed or moved",
    "invalid": "a record that does not pass validation as committed",
    "transition": "a status change the workflow does not allow",
    "no-callback": "a ticket closed without a callback",
    "ladder-skip": "a violation step taken out of the ladder's order",
    "role": "an action by someone whose role does not permit it",
    "past-retention": "a record changed after its retention ended (or after it was destroyed)",
    "backdated": "a business time earlier than the commit by more than the policy allows",
}


@dataclass
class Finding:
    commit: str
    when: str
    author: str
    kind: str
    path: str
    message: str

    def as_dict(self) -> dict:
        return {"commit": self.commit, "date": self.when, "author": self.author, "kind": self.kind,
                "path": self.path, "message": self.message}


def trailers(body: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in body.splitlines():
        if line.startswith("Wuye-") and ":" in line:
            key, value = line.split(":", 1)
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def _commits(office: Office, args: list[str]) -> list[tuple[str, str, str, str]]:
    text = git.out(office.top, ["log", f"--format={LOG_FORMAT}", *args])
    out = []
    for item in text.split(END):
        item = item.strip("\n")
        if item:
            commit, author, when, body = item.split(SEP, 3)
            out.append((commit, author, when, body))
    return out


class Blobs:
    """Record versions at commits, read through one `git cat-file --batch` process."""

    def __init__(self, office: Office):
        import subprocess

        self.proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=office.top, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def read(self, rev: str, path: str):
        """The plain data of `path` at `rev`; None when absent; a marker when unreadable."""
        self.proc.stdin.write(f"{rev}:{path}\n".encode("utf-8"))
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().decode("utf-8", "replace").split()
        if len(header) < 3 or header[1] != "blob":
            return None
        raw = self.proc.stdout.read(int(header[2]))
        self.proc.stdout.read(1)
        try:
            from .store import fastyaml

            data = yamlio.to_plain(fastyaml.load(yamlio.decode(raw)))
        except Exception:
            return {"__unreadable__": True}
        return data if isinstance(data, dict) else {"__unreadable__": True}   # a record is a mapping

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


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
    from .domain.privacy import ID_CARD_KEYS, PHONE_KEYS, mask_id_card, mask_phone

    unreadable = "(not readable YAML)"
    if isinstance(new, dict) and new.get("__unreadable__"):
        return [{"field": "(file)", "old": None, "new": unreadable}]
    repaired = isinstance(old, dict) and old.get("__unreadable__")
    if repaired:
        old = None
    before, after = flatten(old or {}), flatten(new or {})

    def shown(key, value):
        leaf = key.rsplit(".", 1)[-1]
        if value is not None and leaf in PHONE_KEYS:
            return mask_phone(value)
        if value is not None and leaf in ID_CARD_KEYS:
            return mask_id_card(value)
        return value

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
    limit = _backdate_limit(office)
    history = _commits(office, ["--", path])
    if not history and not os.path.isfile(office.abspath(rel)):
        from .errors import NotFound

        raise NotFound(f"no {kind.name} {str(record_id).strip()} (looked for {rel})")
    blobs = Blobs(office)
    out = []
    for commit, author, when, body in reversed(history):
        facts = trailers(body)
        at = (facts.get("Wuye-At") or [None])[0]
        recorded = read_iso(when)
        backdated = bool(at) and (recorded - read_iso(at)) > timedelta(hours=1)
        parent = blobs.read(f"{commit}^", path)
        out.append({
            "commit": commit[:10], "author": author, "recorded_at": when, "subject": body.splitlines()[0] if body else "",
            "action": (facts.get("Wuye-Action") or ["(hand edit)"])[0], "at": at,
            "backdated": backdated, "beyond_policy": bool(at) and (recorded - read_iso(at)) > timedelta(days=limit),
            "changes": changes(parent, blobs.read(commit, path)),
        })
    blobs.close()
    return out


def _backdate_limit(office: Office) -> int:
    from .store.office import BACKDATE_LIMIT_DAYS

    return (office.config.get("policy") or {}).get("backdate_limit_days", BACKDATE_LIMIT_DAYS)


ALLOWED_MOVES = {   # status → statuses a single commit may lead to (callback+reopen included)
    "received": {"received", "assigned", "resolved", "cancelled"},
    "assigned": {"assigned", "in_progress", "resolved", "cancelled"},
    "in_progress": {"in_progress", "assigned", "resolved"},
    "resolved": {"resolved", "closed", "assigned", "received"},
    "closed": {"closed", "assigned", "received"},
    "cancelled": {"cancelled"},
}


def audit(office: Office, since: str | None = None) -> list[Finding]:
    from .store.validate import Context, findings as rule_findings

    args = ["--reverse", "--name-status", "-M", f"--format=@@{LOG_FORMAT}"]
    if since:
        args.append(f"--since={since}")
    args += ["--", office.prefix or "."]
    text = git.out(office.top, ["log", *args])
    roles = {p["name"]: p.get("role") for p in office.config.get("staff", [])}
    ctx = Context(office)
    limit = _backdate_limit(office)
    blobs = Blobs(office)
    out: list[Finding] = []
    for chunk in text.split("@@")[1:]:
        head, _, files = chunk.partition(END)
        commit, author, when, body = head.split(SEP, 3)
        facts = trailers(body)
        tool = "Wuye-Action" in facts
        recorded = read_iso(when)

        def find(kind: str, path: str, message: str):
            out.append(Finding(commit[:10], when, author, kind, path, message))

        for at in facts.get("Wuye-At", []):
            try:
                if recorded - read_iso(at) > timedelta(days=limit):
                    find("backdated", "", f"business time {at} is more than {limit} days before the commit")
            except ValueError:
                pass
        for line in files.strip().splitlines():
            parts = line.split("\t")
            status, paths = parts[0], parts[1:]
            path = paths[-1]
            if not path.startswith(office.prefix):
                continue
            rel = path[len(office.prefix):]
            kind = kind_of_path(rel)
            if rel == "wuye.yaml" and not tool:
                find("hand-edit", rel, "office configuration changed without the tool")
            if kind is None or not rel.endswith(".yaml"):
                continue
            if status.startswith("D"):
                find("deleted", rel, "record file deleted (nothing is ever deleted: cancel or destroy instead)")
                continue
            if status.startswith("R"):
                find("renamed", rel, f"record file moved from {paths[0][len(office.prefix):]}")
            if not tool:
                find("hand-edit", rel, "changed without the tool (no Wuye-Action trailer)")
            new = blobs.read(commit, path)
            old = blobs.read(f"{commit}^", paths[0]) if status.startswith(("M", "R")) else None
            if new is None:
                continue
            if new.get("__unreadable__"):
                find("invalid", rel, "not readable YAML at this commit")
                continue
            for message in dict.fromkeys(m for _, m in rule_findings(kind, rel, new, ctx)):
                finding_kind = "invalid"
                if "needs a callback" in message:
                    finding_kind = "no-callback"
                elif "out of order" in message:
                    finding_kind = "ladder-skip"
                elif "may not impose" in message:
                    finding_kind = "role"
                find(finding_kind, rel, message)
            if kind is TICKET and old and old.get("status") != new.get("status"):
                allowed = ALLOWED_MOVES.get(old.get("status"), set())
                if new.get("status") not in allowed:
                    find("transition", rel, f"status {old.get('status')} → {new.get('status')} is not a workflow step")
            if kind is VIOLATION and old:
                before = len(old.get("measures") or [])
                for measure in (new.get("measures") or [])[before:]:
                    who = measure.get("by")
                    if measure.get("step") != "persuade" and roles.get(who) not in ("supervisor", "director"):
                        message = f"{who} ({roles.get(who)}) imposed {measure.get('step')}: needs a supervisor or director"
                        if not any(f.commit == commit[:10] and f.path == rel and f.kind == "role" for f in out):
                            find("role", rel, message)
            if old and _past_retention(kind, old, recorded.date()):
                find("past-retention", rel, "changed after its retention ended" if kind is VIOLATION
                     else "changed after it was destroyed")
    blobs.close()
    return out


def _past_retention(kind, old: dict, day: date) -> bool:
    if kind is VIOLATION and old.get("retain_until"):
        try:
            return day > date.fromisoformat(str(old["retain_until"]))
        except ValueError:
            return False
    if kind is ARCHIVE:
        return old.get("status") == "destroyed"
    return False
