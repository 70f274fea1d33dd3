"""Reading the office: listing with filters, one record with its clocks and history.

Listing goes through the store's cached read path (`Office.index`), never a file walk.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Iterable

from .domain import codes, sla
from .domain.kinds import OWNER, TICKET, VIOLATION, VISIT, Kind
from .errors import BadValue
from .store import git
from .store.office import Office


def _get(data, dotted: str):
    value = data
    for part in dotted.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def _fields(kind: Kind) -> list[str]:
    from .store import schema

    return list(schema.schema(kind.schema).get("properties", {}))


def parse_where(kind: Kind, pairs: Iterable[str]) -> list[tuple[str, str]]:
    out = []
    for pair in pairs or ():
        if "=" not in pair:
            raise BadValue(f"--where needs FIELD=VALUE, not '{pair}'")
        key, value = (p.strip() for p in pair.split("=", 1))
        known = _fields(kind)
        if known and key.split(".", 1)[0] not in known:
            from .errors import did_you_mean

            raise BadValue(f"--where: {kind.plural} have no field '{key}'{did_you_mean(key, known)}")
        if key in kind.code_fields:
            value = codes.resolve(kind.code_fields[key], value, what=key)
        out.append((key, value))
    return out


def _matches(data: dict, where: list[tuple[str, str]]) -> bool:
    for key, value in where:
        got = _get(data, key)
        if isinstance(got, list):
            if value not in [str(g) for g in got]:
                return False
        elif str(got if got is not None else "") != value:
            return False
    return True


def with_clocks(office: Office, data: dict, now: datetime) -> dict:
    """A ticket's data with its computed `sla`, `next_due` and `overdue`."""
    rows = sla.clocks(data, now, office.policy)
    out = dict(data)
    out["sla"] = rows
    out["next_due"] = sla.next_due(rows)
    out["overdue"] = sla.overdue(rows)
    return out


def list_records(office: Office, kind: Kind, *, where: Iterable[str] = (), overdue: bool = False,
                 mine: str | None = None, problems: list | None = None) -> list[dict]:
    """The records of `kind` that match; files that cannot be read are left out and, when
    `problems` is given, reported there as `Problem`s."""
    from .store.cache import COLUMNS

    conditions = parse_where(kind, where)
    # Simple equalities the index has a column for are answered by the index itself, so only
    # the matching records are decoded.
    pushed = {k: v for k, v in conditions if k in COLUMNS and k not in ("received_at", "last_at")}
    if mine:
        pushed["assignee"] = mine
    now = office.now()
    out = []
    from .errors import Problem

    entries = office.index(kind).entries(where=pushed)
    if problems is not None:
        problems.extend(Problem(e.relpath, *p) for e in entries if e.data is None for p in e.problems)
    for data in (e.data for e in entries if e.data is not None):
        if conditions and not _matches(data, conditions):
            continue
        if mine and data.get("assignee") != mine:
            continue
        if kind is TICKET:
            data = with_clocks(office, data, now)
            if overdue and not (data["overdue"] and data.get("status") not in ("closed", "cancelled")):
                continue
        elif overdue and not OVERDUE[kind.name](data, now):
            continue
        out.append(data)
    return out


def _deadline_passed(violation: dict, now: datetime) -> bool:
    measures = violation.get("measures") or []
    if violation.get("status") != "open" or not measures or not measures[-1].get("deadline"):
        return False
    return now.date() > date.fromisoformat(str(measures[-1]["deadline"]))


def _loan_overdue(item: dict, now: datetime) -> bool:
    from .domain.archive import overdue_loans

    return item.get("status") == "lent" and bool(overdue_loans(item, now))


def _never(data: dict, now: datetime) -> bool:
    raise BadValue("--overdue is for tickets, violations and archive")


OVERDUE = {"violation": _deadline_passed, "archive": _loan_overdue, "owner": _never, "visit": _never,
           "survey": _never}


def history(office: Office, relpath: str, limit: int = 50, since: str | None = None) -> list[dict]:
    """The record's commits, newest first: id, author, recorded time, subject. `since` (the
    record's first business time) bounds the walk: without it git reads all of history."""
    fmt = "%h%x1f%an%x1f%aI%x1f%s%x1e"
    bound = []
    if since:
        from .timeutil import read_iso
        from datetime import timedelta

        try:
            bound = [f"--since={(read_iso(since) - timedelta(days=2)).isoformat()}"]
        except ValueError:
            bound = []
    text = git.out(office.top, ["log", f"-n{limit}", *bound, f"--format={fmt}", "--", office.git_path(relpath)])
    out = []
    for item in text.split("\x1e"):
        item = item.strip("\n")
        if not item:
            continue
        commit, author, date, subject = item.split("\x1f")
        out.append({"commit": commit, "author": author, "date": date, "subject": subject})
    return out


def show(office: Office, record_id: str) -> dict:
    kind, loaded = office.load(record_id)
    data = loaded.data
    if kind is TICKET:
        data = with_clocks(office, data, office.now())
    result = {"kind": kind.name, "path": loaded.relpath, "record": data}
    if kind is OWNER:
        # A household's page: its tickets, visits and violations.
        now = office.now()
        result["related"] = {
            "tickets": [with_clocks(office, t, now) for t in office.index(TICKET).records() if t.get("unit") == data.get("id")],
            "visits": [v for v in office.index(VISIT).records() if v.get("unit") == data.get("id")],
            "violations": [w for w in office.index(VIOLATION).records() if w.get("unit") == data.get("id")],
        }
    first = data.get("received_at") or data.get("found_at") or data.get("created_at")
    result["history"] = history(office, loaded.relpath, since=first if isinstance(first, str) else None)
    return result
