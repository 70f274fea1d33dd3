"""Reading the office: listing with filters, one record with its clocks and its commits.

Listing goes through the store's cached read path (`Office.index`), never a file walk. What a
kind computes (a ticket's clocks), what "overdue" means and which records refer to a record
(a household's tickets, visits, violations) come from the kinds' declarations.
"""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Iterable, Mapping

from ..domain import codes
from ..domain.kinds import KINDS, Kind, or_list
from ..errors import BadValue, Problem, did_you_mean
from ..i18n import _
from ..store import git, schema
from ..store.cache import COLUMNS, together
from ..store.office import Office
from ..timeutil import moment, read_iso


def _get(data, dotted: str):
    """The value at a dotted path; through a list, the values of its items (`owners.name`: every
    owner's name, which a condition matches when any is the value)."""
    value = data
    for part in dotted.split("."):
        if isinstance(value, list):
            value = [item.get(part) for item in value if isinstance(item, dict)]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def _fields(kind: Kind) -> list[str]:
    return list(schema.schema(kind.schema).get("properties", {}))


def parse_where(kind: Kind, pairs: Iterable[str] | Mapping[str, str]) -> list[tuple[str, str]]:
    """Conditions field → value (codes or labels), from a mapping or `FIELD=VALUE` texts."""
    out = []
    if isinstance(pairs, Mapping):
        pairs = [f"{key}={value}" for key, value in pairs.items()]
    for pair in pairs or ():
        if "=" not in pair:
            raise BadValue(_("--where needs FIELD=VALUE, not '{pair}'").format(pair=pair))
        key, value = (p.strip() for p in pair.split("=", 1))
        known = _fields(kind)
        if known and key.split(".", 1)[0] not in known:
            raise BadValue(_("--where: {kinds} have no field '{field}'{hint}").format(
                kinds=codes.kind_noun(kind.name, plural=True), field=key, hint=did_you_mean(key, known)))
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


_DURATION = re.compile(r"([0-9]+)\s*(m|min|h|d)", re.IGNORECASE)
_UNIT = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days"}


def parse_duration(text) -> timedelta:
    """A span of time as typed: 30m, 90min, 2h, 1d (ASCII digits, one unit)."""
    if isinstance(text, timedelta):
        return text
    match = _DURATION.fullmatch(str(text).strip())
    try:
        if match and len(match[1]) <= 6:
            return timedelta(**{_UNIT[match[2].lower()]: int(match[1])})
    except OverflowError:
        pass
    raise BadValue(_("--due-within '{text}': give a duration like 30m, 2h or 1d").format(text=text))


def computed(office: Office, kind: Kind, data: dict, now) -> dict:
    """The record with what its kind computes from it and "now" (a ticket's clocks)."""
    return kind.computed(data, now, office.policy) if kind.computed else data


def open_only(kind: Kind, conditions: list[tuple[str, str]], everything: bool) -> bool:
    """Whether a listing leaves out the records in a terminal state: for a kind that lists the
    open ones by default (tickets), unless everything is asked for or a condition on the state
    chooses the states itself (`--where status=closed`)."""
    state = kind.workflow.state_field
    return kind.open_by_default and not everything and not any(k == state for k, _ in conditions)


def _natural(text: str) -> tuple:
    """'3-2-1201' after '3-2-201', 'A-2026-A010' after 'A-2026-A9'."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)


def in_order(kind: Kind, rows: list[dict]) -> list[dict]:
    """The kind's listing order (`order_by`, `newest_first`): a time field by instant (records
    without one last), else the ID in natural order; ties by ID."""
    def by_id(row):
        return _natural(str(row.get("id", "")))

    if kind.order_by == "id":
        return sorted(rows, key=by_id, reverse=kind.newest_first)
    timed = [(moment(r.get(kind.order_by)), r) for r in rows]
    dated = sorted(((when, r) for when, r in timed if when is not None),
                   key=lambda pair: (pair[0].timestamp(), by_id(pair[1])), reverse=kind.newest_first)
    undated = sorted((r for when, r in timed if when is None), key=by_id)
    return [r for _, r in dated] + undated


def list_records(office: Office, kind: Kind, *, where: Iterable[str] | Mapping[str, str] = (), overdue: bool = False,
                 mine: str | None = None, problems: list | None = None, everything: bool = False,
                 due_within: str | timedelta | None = None, actor: str | None = None,
                 reveal: bool = False) -> list[dict]:
    """The records of `kind` that match, in the kind's order; for a kind listed open by
    default (tickets), only those not closed or cancelled unless `everything` (see
    `open_only`). Files that cannot be read are left out and, when `problems` is given,
    reported there as `Problem`s. `due_within` (30m, 2h, 1d): only open records with a time
    limit falling due between now and then (what is already overdue is `overdue`'s).

    A condition on a personal field (`reporter.phone=…`) is a search by a personal number: only
    `actor`, in a role allowed to reveal, may make it (anyone else could test guesses against
    the masks), and sealed values are opened only where their mask matches. `reveal`: the
    records come back with their personal values in clear (the caller checked the role)."""
    from .privacy import marked_erased, matches, personal_condition, reveal_opener, revealed
    if overdue and kind.overdue is None:
        raise BadValue(_("--overdue is for {kinds}").format(
            kinds=or_list([codes.kind_noun(k.name, plural=True) for k in KINDS.values() if k.overdue], "and")))
    window = None
    if due_within is not None:
        if kind.due is None:
            raise BadValue(_("--due-within is for {kinds}").format(
                kinds=or_list([codes.kind_noun(k.name, plural=True) for k in KINDS.values() if k.due], "and")))
        window = parse_duration(due_within)
    conditions = parse_where(kind, where)
    paths = [personal_condition(kind, k) for k, _v in conditions]
    personal = [(path, v) for path, (_k, v) in zip(paths, conditions) if path]
    conditions = [c for path, c in zip(paths, conditions) if not path]
    opener = reveal_opener(office, actor, search=bool(personal)) if personal or reveal else None
    terminal = set(kind.workflow.terminal) if open_only(kind, conditions, everything) else set()
    # Simple equalities the index has a column for are answered by the index itself, so only
    # the matching records are decoded.
    pushed = {k: v for k, v in conditions if k in COLUMNS and k not in ("received_at", "last_at")}
    if mine:
        pushed["assignee"] = mine
    now = office.now()
    out = []
    entries = office.index(kind).entries(where=pushed)
    if problems is not None:
        problems.extend(Problem(e.relpath, *p) for e in entries if e.data is None for p in e.problems)
    chosen = []
    for data in (e.data for e in entries if e.data is not None):
        if conditions and not _matches(data, conditions):
            continue
        state = data.get(kind.workflow.state_field)
        if terminal and isinstance(state, str) and state in terminal:   # a broken state stays in sight
            continue
        if mine and data.get("assignee") != mine:
            continue
        chosen.append(data)
    for path, value in personal:   # before the clocks are computed: a search keeps a handful
        chosen = matches(kind, chosen, path, value, opener, office)
    for data in chosen:
        data = computed(office, kind, data, now)
        if overdue and not kind.overdue(data, now):
            continue
        if window is not None and not any(now <= due <= now + window for due in kind.due(data, now)):
            continue
        out.append(data)
    out = [marked_erased(kind, revealed(kind, data, opener) if reveal else data) for data in out]
    return in_order(kind, out)


def commits_of(office: Office, relpath: str, limit: int = 50, since: str | None = None) -> list[dict]:
    """The record's commits, newest first: id, author, recorded time, subject. `since` (the
    record's first business time) bounds the walk: without it git reads all of history."""
    fmt = "%h%x1f%an%x1f%aI%x1f%s%x1e"
    bound = []
    if since:
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


def referring(index, key: str, record_id) -> list[dict]:
    """The records of an index whose `key` names `record_id` (a household's tickets): found
    by the index's column when it has one, so a unit's page costs what the unit has."""
    where = {key: record_id} if key in COLUMNS and isinstance(record_id, str) else None
    return [r for r in index.records(where=where) if r.get(key) == record_id]


def show(office: Office, record_id: str, *, actor: str | None = None, reveal: bool = False) -> dict:
    """One record (with what its kind computes), the records that refer to it (a household:
    its tickets, visits and violations), and its commits. `reveal`: personal values in clear
    (for `actor`, who must be allowed to see them)."""
    from ..domain.kinds import subject_of
    from .privacy import erased_keys, marked_erased, reveal_opener, revealed

    kind, loaded = office.load(record_id)
    now = office.now()
    opener = reveal_opener(office, actor) if reveal else None
    # A record sealed with its household's key shows what the household's erasure destroyed.
    subject = subject_of(kind, loaded.data) if kind.personal else None
    gone = erased_keys(loaded.data)
    if subject and subject != loaded.data.get("id") and office.exists(subject):
        gone |= erased_keys(office.load(subject)[1].data)
    data = computed(office, kind, marked_erased(kind, revealed(kind, loaded.data, opener), gone), now)
    result = {"kind": kind.name, "path": loaded.relpath, "record": data}
    if kind.show_referrers:
        refs = [(other, key) for other in KINDS.values() for key, target in other.refs.items() if target == kind.name]
        indexes = together(office, list({other.name: other for other, _key in refs}.values()))
        # A kind may name this one in more than one field (a found item's finder and claimant
        # units): its records referring by any of them, each once.
        referrers: dict[str, tuple] = {}
        for other, key in refs:
            found = referrers.setdefault(other.plural, (other, {}))[1]
            found.update({r.get("id"): r for r in referring(indexes[other.name], key, data.get("id"))})
        result["related"] = {
            plural: in_order(other, [computed(office, other, marked_erased(other, revealed(other, r, opener), gone), now)
                                     for r in found.values()])
            for plural, (other, found) in referrers.items()}
    first = data.get(kind.opened_field) if kind.opened_field else None
    result["history"] = commits_of(office, loaded.relpath, since=first if isinstance(first, str) else None)
    return result
