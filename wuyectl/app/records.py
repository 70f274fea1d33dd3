"""Acting on records of any kind through their workflow: one action on one or more records in
one commit (`act`), escalation (`escalate`), a hand edit through the tool (`edit_record`), and
opening a record of a kind that declares how (`open_record`). Values are typed — or text as
typed on the command line — and `coerce` turns them into what the kind's schema stores."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Mapping

from ..domain import codes
from ..domain.kinds import Kind, how_to_change, kind_of_id, locked_changes
from ..domain.workflow import Change, apply, find_action
from ..errors import BadValue, Conflict, NotFound, Refused, UsageError
from ..i18n import _
from ..store import schema, yamlio
from ..store.office import Office
from ..store.transaction import Transaction
from .. import timeutil
from .office import acting


@dataclass(frozen=True)
class Committed:
    """What a change made: the commit and the records it touched."""

    commit: str
    ids: list[str]


def _ids_subject(ids: list[str]) -> str:
    if len(ids) <= 3:
        return ", ".join(ids)
    return f"{ids[0]} … {ids[-1]} ({len(ids)} records)"


def _unique(ids: Iterable[str]) -> list[str]:
    out, seen = [], set()
    for rid in ids:
        rid = str(rid).strip()
        if rid and rid not in seen:
            seen.add(rid)
            out.append(rid)
    if not out:
        raise UsageError(_("no record IDs given"))
    return out


def coerce(kind: Kind, field: str, value: Any, office: Office):
    """A field's value as the kind's schema stores it: text as typed on the command line
    (`--set fee=80`), or a Python value (a datetime for a time, a bool, a number, a code or
    either of its labels)."""
    prop = schema.schema(kind.schema).get("properties", {}).get(field)
    if prop is None:
        return value
    timestamp = "$ref" in prop and prop["$ref"].endswith("/timestamp")
    if isinstance(value, datetime) and timestamp:
        return timeutil.iso(value.astimezone(office.tz) if value.tzinfo else value.replace(tzinfo=office.tz))
    if isinstance(value, date) and timestamp:
        raise BadValue(_("{field}: a time is needed (a datetime or '2026-11-22 09:14'), not the date {value}").format(
            field=field, value=value))
    if not isinstance(value, str):
        return value
    if timestamp:
        return timeutil.iso(timeutil.parse_time(value, office.tz, what=field))
    kind_type = prop.get("type")
    text = str(value).strip()
    if kind_type == "number" or kind_type == "integer":
        try:
            number = float(text)
        except ValueError:
            raise BadValue(_("{what}: '{value}' is not a number").format(what=field, value=value)) from None
        if kind_type == "integer" or number.is_integer():
            return int(number)
        return number
    if kind_type == "boolean":
        if text.lower() in ("true", "yes", "y", "1", "是", "同意"):
            return True
        if text.lower() in ("false", "no", "n", "0", "否", "不同意"):
            return False
        raise BadValue(_("{field}: '{value}' is not yes or no").format(field=field, value=value))
    if field in kind.code_fields:
        return codes.resolve(kind.code_fields[field], text, what=field)
    return value


# How a record of a kind with a command of its own is built when another record's step opens it
# (`Change.open`): kind name → the use case's function (office, person, new ID, time, values) →
# its data, named as api.py names its homes (imported when first used). Any other kind is built
# by its `new_record`.
BUILDERS = {"ticket": ("tickets", "opened_with"), "violation": ("violations", "opened_with")}


def _builder(kind_name: str):
    import importlib

    module, name = BUILDERS[kind_name]
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


class Opening:
    """What a new record is made with, inside the transaction that commits it: the office's
    policy and records (a kind's `new_record` asks `ctx`), and `open(kind, values)`, which
    stages a record of another kind in the same commit and returns its ID."""

    def __init__(self, office: Office, tx: Transaction, person: Mapping, when: datetime, stamp: str):
        self.office, self.tx, self.person, self.when, self.stamp = office, tx, person, when, stamp
        self.opened: list[str] = []
        self.id: str | None = None     # the new record's own ID (for what it opens to name it: `origin`)

    @property
    def policy(self):
        return self.office.policy

    @property
    def subject_tail(self) -> str:
        """What the commit's subject adds for the records opened with it: ' → T-…, W-…'."""
        return f" → {', '.join(self.opened)}" if self.opened else ""

    def records(self, kind_name: str) -> list[dict]:
        """Every record of a kind, as committed (through the store's cached read path)."""
        from ..domain.kinds import kind_named

        return list(self.office.index(kind_named(kind_name)).records())

    def exists(self, kind_name: str, record_id: str) -> bool:
        from ..domain.kinds import kind_named

        kind = kind_named(kind_name)
        return kind.id_re.fullmatch(str(record_id)) is not None and \
            os.path.isfile(self.office.abspath(kind.path_of(str(record_id))))

    def record(self, kind_name: str, record_id: str) -> dict | None:
        """One record of a kind as committed (its file alone), or None when there is none."""
        if not self.exists(kind_name, record_id):
            return None
        return self.office.load(str(record_id))[1].data

    def new_id(self, kind: Kind) -> str:
        """The next free ID of `kind`, past those this transaction has staged already."""
        rid = self.office.next_id(kind, self.when)
        while kind.path_of(rid) in self.tx.staged:
            stem = kind.stem(self.when, self.office.station)
            rid = f"{stem}{int(rid[len(stem):]) + 1:03d}"
        return rid

    def open(self, kind_name: str, values: Mapping) -> str:
        from ..domain.kinds import kind_named

        kind = kind_named(kind_name)
        rid = self.new_id(kind)
        if kind.name in BUILDERS:
            record = _builder(kind.name)(self.office, self.person, rid, self.stamp, dict(values))
        else:
            record = {"id": rid, **new_data(kind, {k: coerce(kind, k, v, self.office) for k, v in values.items()},
                                          self)}
        self.tx.create(kind.path_of(rid), yamlio.new_map(record))
        self.opened.append(rid)
        return rid


def new_data(kind: Kind, fields: Mapping, ctx: Opening) -> dict:
    """A kind's new record from its `new_record` (with the context when it takes one). Every
    record its `refs` name must exist: those given are checked before it is built (a unit with
    no household is that, before anything the kind judges), those it sets after."""
    import inspect

    _refs_exist(kind, fields, ctx)
    takes = len(inspect.signature(kind.new_record).parameters)
    record = kind.new_record(dict(fields), ctx.person, ctx.stamp, *((ctx,) if takes >= 4 else ()))
    _refs_exist(kind, {k: v for k, v in record.items() if k in kind.refs and fields.get(k) != v}, ctx)
    return record


def _refs_exist(kind: Kind, data: Mapping, ctx: Opening) -> None:
    from ..domain.kinds import kind_named

    for key, target in kind.refs.items():
        value = data.get(key)
        if isinstance(value, str) and value.strip() and not ctx.exists(target, value.strip()):
            raise NotFound(kind_named(target).missing(value.strip()))


def append_events(loaded, change: Change) -> None:
    timeline = loaded.rt.get("timeline")
    if timeline is None:
        loaded.rt["timeline"] = timeline = []
    for event in [change.event, *change.extra_events]:
        timeline.append(event)


def act(office: Office, actor: str | None, ids: Iterable[str], action: str, *, sets: Mapping[str, Any] | None = None,
        note: str | None = None, at: str | None = None, params: Mapping | None = None,
        command: str = "update", subject_tail: str = "") -> Committed:
    """Take one workflow action on one or more records, in one commit. `sets`: the fields the
    action records, field → value (see `coerce`)."""
    person = acting(office, actor)
    ids = _unique(ids)
    kinds = {kind_of_id(rid).name for rid in ids}
    if len(kinds) > 1:
        raise BadValue(_("one command acts on records of one kind"))
    kind = kind_of_id(ids[0])
    if not kind.workflow.actions:
        raise BadValue(_("a {kind} has no workflow actions; edit it with `wuyectl edit`").format(
            kind=codes.kind_noun(kind.name)))
    step = find_action(kind.workflow, action)
    if sets is not None and not isinstance(sets, Mapping):
        raise BadValue(_("sets: give the fields as a mapping, field → value"))
    values = {str(key).strip(): coerce(kind, str(key).strip(), value, office) for key, value in (sets or {}).items()}
    when = office.at(at)
    stamp = timeutil.iso(when)
    with Transaction(office, person) as tx:
        opening = Opening(office, tx, person, when, stamp)
        for rid in ids:
            _kind, loaded = tx.load(rid)
            change = Change(loaded.rt, step, person["name"], person["role"], stamp, note=note,
                            params={"policy": office.config.get("policy") or {}, **(params or {})},
                            opener=opening.open if step.opens else None)
            apply(kind.workflow, change, record_id=rid, sets=values, through_command=command)
            append_events(loaded, change)
            tx.stage(loaded)
        subject = f"{_ids_subject(ids)} {step.name}{subject_tail}{opening.subject_tail}"
        return Committed(tx.commit(subject, action=step.name, records=ids + opening.opened, at=stamp),
                         ids + opening.opened)


def escalate(office: Office, actor: str | None, ids: Iterable[str], *, reason: str, to: int | None = None,
             deadline: date | str | None = None, amount: float | str | None = None,
             at: str | None = None) -> Committed:
    """升级. Tickets: up the levels 0 front desk → 1 supervisor → 2 director → 3 company.
    Violations: the next step of their ladder (a deadline or amount where the step needs one).
    What each kind takes is its escalate action's to say (`Action.prepare`)."""
    ids = _unique(ids)
    if not reason or not str(reason).strip():
        raise BadValue(_("--reason is required"))
    # What the kind's escalate takes is checked first; whether it has one at all, and who may
    # take it, is act()'s to say (the same messages as any action).
    step = kind_of_id(ids[0]).workflow.actions.get("escalate")
    params = {"level": to, "deadline": deadline, "amount": amount}
    tail = step.prepare(params) if step and step.prepare else ""
    return act(office, actor, ids, "escalate", note=reason, at=at, params=params,
               command="escalate", subject_tail=tail)


def open_record(office: Office, actor: str | None, kind: Kind, values: Mapping[str, Any], *,
                at: str | None = None) -> str:
    """Open a record of a kind that declares how (`Kind.new_record`); returns its ID."""
    return open_entry(office, actor, kind, values, at=at)[0]


def open_entry(office: Office, actor: str | None, kind: Kind, values: Mapping[str, Any], *,
               at: str | None = None) -> list[str]:
    """Open a record of a kind that declares how (`Kind.new_record`), and the records its
    `new_record` opens with it (`ctx.open`: a duty log's abnormal item's ticket), in one commit.
    Returns their IDs, the new record's first."""
    if kind.new_record is None or kind.stem is None:
        raise BadValue(_("a {kind} is not opened this way: see `wuyectl open --help`").format(
            kind=codes.kind_noun(kind.name)))
    person = acting(office, actor)
    when = office.at(at)
    stamp = timeutil.iso(when)
    fields = {key: coerce(kind, key, value, office) for key, value in values.items()}
    with Transaction(office, person) as tx:
        opening = Opening(office, tx, person, when, stamp)
        rid = opening.id = opening.new_id(kind)
        record = new_data(kind, fields, opening)
        tx.create(kind.path_of(rid), yamlio.new_map({"id": rid, **record}))
        ids = [rid] + opening.opened
        tx.commit(f"{rid} open {kind.name}{opening.subject_tail}", action="open", records=ids, at=stamp)
    return ids


def edit_record(office: Office, actor: str | None, record_id: str, text: str, *, expected: bytes | None = None) -> str | None:
    """Replace a record's file with `text` (a hand edit through the tool): validated by the
    same rules, committed as one `edit`. `expected` is the content the editor started from;
    if the file changed meanwhile the edit is refused. Returns the commit, or None if
    nothing changed."""
    person = acting(office, actor)
    kind, rel = office.locate(record_id)
    with Transaction(office, person) as tx:
        _kind, loaded = tx.load(record_id)
        if expected is not None and loaded.raw != expected:
            raise Conflict(_("{path}: changed by someone else while you were editing; edit again").format(path=rel))
        if loaded.raw == text.encode("utf-8"):
            return None
        new = tx.stage_text(rel, text)
        if new.data.get("id") != loaded.data.get("id"):
            raise BadValue(_("{path}: the id cannot be changed (it is {id})").format(path=rel, id=loaded.data.get("id")))
        locked = locked_changes(kind, loaded.data, new.data)
        if locked:
            raise Refused(_("{id}: edit changes only free text, not {field}: {how}").format(
                id=record_id, field=locked[0], how=how_to_change(kind, locked[0], record_id, loaded.data)))
        return tx.commit(f"{record_id} edit", action="edit", records=[record_id])

