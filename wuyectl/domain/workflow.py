"""The workflow engine: one function applies any kind's declared actions.

A kind (see `kinds/`) declares, as data, its states and for each action: the states it
may start from, the state it leads to, the roles that may take it, the categories it applies
to, the fields `--set` may change with it and the fields that must be present afterwards.
`apply()` checks all of that in a fixed order, changes the record (a round-trip mapping, so
comments survive), appends the timeline event and runs the action's effect, if any.

The same table reads a record's past: `Workflow.replay()` gives the state a timeline leads
to (SLA clocks, reports "as of", audit), so the state machine is stated once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .. import i18n
from ..errors import BadValue, NotPermitted, Refused, did_you_mean
from ..i18n import _
from ..timeutil import read_iso
from . import codes

DESK = frozenset({"clerk", "supervisor", "director"})
FIELD_STAFF = frozenset({"technician", "security", "cleaner", "gardener"})
MANAGERS = frozenset({"supervisor", "director"})
POLICY_MAKERS = frozenset({"director"})          # who changes the office's policy (`policy set`)
ALL_STAFF = DESK | FIELD_STAFF | {"archivist"}


EVENT_KEYS = ("at", "by", "action", "note", "set")   # what every recorded step has (set: --set values)


@dataclass(frozen=True)
class Action:
    name: str
    from_states: tuple[str, ...]
    to_state: str | None = None                     # None: the state does not change
    roles: frozenset[str] | Callable[[Mapping], frozenset[str]] = DESK   # or a function of the record
    categories: tuple[str, ...] | None = None       # None: every category
    settable: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()                  # fields present after the action
    requires_by_category: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    needs_note: bool = False
    effect: Callable[["Change"], None] | None = None
    refuse_if: Callable[["Change"], str | None] | None = None
    via_command: str | None = None                  # taken through another command only
    # Where the effect decides the state: the state a recorded event of this action leads
    # to, from the state before it (replaying a timeline).
    replay: Callable[[str, Mapping], str] | None = None
    outcomes: tuple[str, ...] = ()                  # the other states that effect may leave
    prepare: Callable[[dict], str] | None = None     # checks/normalises params; returns a subject tail
    # The params a recorded step was taken with, read back from what it recorded: (its event,
    # the record after it, name → role on the roster then) → params. Default: the event's own
    # fields (to, level, rating …). The audit replays each step with them and must get the
    # record exactly.
    recorded: Callable[[Mapping, Mapping, Callable[[str], str | None]], dict] | None = None
    # The kinds of record its effect may open in the same commit (`Change.open`): a duty-log
    # entry's ticket, an inspection's violation. The audit accepts a new record of one of them
    # from a commit of this action.
    opens: tuple[str, ...] = ()

    def params_recorded(self, event: Mapping, after: Mapping, role_of: Callable[[str], str | None]) -> dict:
        if self.recorded is not None:
            return self.recorded(event, after, role_of)
        return {k: v for k, v in event.items() if k not in EVENT_KEYS}

    def state_after(self, state: str, event: Mapping) -> str:
        if self.replay is not None:
            return self.replay(state, event)
        return self.to_state or state


@dataclass
class Change:
    """What an action is applied to and with; effects read and write `record`."""

    record: Any                 # ruamel CommentedMap (round-trip) of the record
    action: Action
    actor: str
    role: str
    at: str                     # ISO time of the business event
    note: str | None = None
    params: dict = field(default_factory=dict)
    event: dict = field(default_factory=dict)
    extra_events: list = field(default_factory=list)   # events an effect adds after `event`
    # Opens a record of another kind in the same commit: (kind name, values) → its new ID.
    # Given by whoever applies the change (the command: a new record; the audit: the ID the
    # commit made); None: the action may not open one here.
    opener: Callable[[str, Mapping], str] | None = None

    def open(self, kind: str, values: Mapping) -> str:
        """Open a record of `kind` with this change (the action must declare it in `opens`)."""
        if kind not in self.action.opens or self.opener is None:
            raise Refused(_("'{action}' does not open a {kind}").format(
                action=codes.shown("action", self.action.name), kind=codes.kind_noun(kind)))
        return self.opener(kind, values)


@dataclass(frozen=True)
class Workflow:
    kind: str
    states: tuple[str, ...]
    initial: str
    terminal: tuple[str, ...]
    actions: Mapping[str, Action]
    state_field: str = "status"

    def allowed(self, record: Mapping, role: str | None = None, at: str = "") -> list[str]:
        """Actions that may be taken now on `record` (by `role`, when given; `at`: the time
        of the action, for rules that depend on it)."""
        state = record.get(self.state_field)
        category = record.get("category")
        out = []
        for action in self.actions.values():
            if state not in action.from_states:
                continue
            if action.categories is not None and category not in action.categories:
                continue
            if role is not None and role not in roles_of(action, record):
                continue
            if action.refuse_if and action.refuse_if(Change(record, action, "", role or "", at)):
                continue
            out.append(action.name)
        return out

    def moves(self, state: str) -> set[str]:
        """The states one commit may leave a record in that was in `state` (one action, or a
        callback with the reopen it causes)."""
        out = {state}
        for action in self.actions.values():
            if state in action.from_states:
                out |= {s for s in (action.to_state, *action.outcomes) if s}
        return out

    def replay(self, events, state: str | None = None) -> str:
        """The state a record's events (in time order) lead to, from `state` (default: the
        initial state). Events of no action here (receive, open) leave the state as it is."""
        state = self.initial if state is None else state
        for event in events:
            action = self.actions.get(event.get("action")) if isinstance(event, Mapping) else None
            if action is not None:
                state = action.state_after(state, event)
        return state


def read_amount(value, what: str) -> float | int:
    """A money amount (--amount): a number, zero or more."""
    try:
        number = float(str(value).strip())
    except ValueError:
        raise BadValue(_("{what}: '{value}' is not a number").format(what=what, value=value)) from None
    if number < 0 or number != number or number in (float("inf"),):
        raise BadValue(_("{what}: '{value}' must be zero or more").format(what=what, value=value))
    return int(number) if number.is_integer() else number


def roles_of(action: Action, record: Mapping) -> frozenset[str]:
    return action.roles(record) if callable(action.roles) else action.roles


def _kind(workflow: Workflow):
    from .kinds import KINDS

    return next((k for k in KINDS.values() if k.workflow is workflow), None)


def _noun(workflow: Workflow) -> str:
    """'ticket', 'archive item' (in Chinese the kind's name: 工单, 档案)."""
    if i18n.language() != "en":
        kind = _kind(workflow)
        return codes.kind_noun(kind.name) if kind else workflow.kind
    return workflow.kind


def _state(workflow: Workflow, state) -> str:
    """A state by its label (the kind's group for its state field, else `status`)."""
    kind = _kind(workflow)
    group = kind.code_fields.get(workflow.state_field, "status") if kind else "status"
    return codes.shown(group, state)


def find_action(workflow: Workflow, name: str) -> Action:
    """The action `name` spells (code, label or alias: `codes.lookup`, as for every code)."""
    text = str(name).strip()
    code = codes.lookup("action", text, allowed=workflow.actions)
    if code is not None:
        return workflow.actions[code]
    other = codes.lookup("action", text)
    if other is not None:   # another kind's step (`request-destruction` on a ticket): say whose
        from .kinds import KINDS

        owners = [_noun(k.workflow) for k in KINDS.values() if k.workflow is not None and other in k.workflow.actions]
        raise BadValue(_("a {kind} has no step \u201c{action}\u201d: it is a step of {owners} (a {kind} takes "
                         "{actions})").format(kind=_noun(workflow), action=codes.shown("action", other),
                                              owners=i18n.join_or(owners),
                                              actions=codes.shown_list("action", workflow.actions)))
    names = {spelling: codes.shown("action", a) for a in workflow.actions for spelling in codes.spellings("action", a)}
    raise BadValue(_("unknown {kind} action '{name}': use one of {actions}{hint}").format(
        name=name, kind=_noun(workflow), actions=codes.shown_list("action", workflow.actions),
        hint=did_you_mean(text, names)))


def apply(workflow: Workflow, change: Change, *, record_id: str, sets: Mapping[str, Any] | None = None,
          through_command: str | None = None) -> Change:
    """Check and apply `change.action` to `change.record` in place; returns the change."""
    action, record = change.action, change.record
    sets = sets or {}
    if action.via_command and through_command != action.via_command:
        raise Refused(_("{id}: '{action}' is recorded with `wuyectl {command}`").format(
            id=record_id, action=codes.shown("action", action.name), command=action.via_command))
    state = record.get(workflow.state_field)
    category = record.get("category")
    if state not in action.from_states:
        allowed = workflow.allowed(record, at=change.at)
        raise Refused(_("{id}: cannot {action}: the {kind} is {state}; allowed now: {allowed}").format(
            id=record_id, action=codes.shown("action", action.name), kind=_noun(workflow),
            state=_state(workflow, state),
            allowed=codes.shown_list("action", allowed) if allowed else
            _("nothing (it is finished)") if state in workflow.terminal else _("nothing yet")))
    if action.categories is not None and category not in action.categories:
        raise Refused(_("{id}: '{action}' is only for {categories}, not {category}").format(
            id=record_id, action=codes.shown("action", action.name),
            categories=codes.shown_list("category", action.categories), category=codes.shown("category", category)))
    roles = roles_of(action, record)
    if change.role not in roles:
        raise NotPermitted(_("{actor} ({role}) may not {action} {id}: needs {roles}").format(
            actor=change.actor, role=codes.shown("role", change.role), action=codes.shown("action", action.name),
            id=record_id, roles=codes.shown_or("role", sorted(roles))))
    if action.refuse_if:
        reason = action.refuse_if(change)
        if reason:
            raise Refused(_("{id}: {reason}").format(id=record_id, reason=reason))
    for key in sets:
        if key not in action.settable:
            allowed = ", ".join(action.settable) or _("nothing")
            raise BadValue(_("cannot --set {field} with '{action}': it sets {allowed}{hint}").format(
                field=key, action=codes.shown("action", action.name), allowed=allowed,
                hint=did_you_mean(key, action.settable)))
    timeline = record.get("timeline") or []
    last = timeline[-1].get("at") if timeline and isinstance(timeline[-1], Mapping) else None
    if last and change.at and read_iso(str(change.at)) < read_iso(str(last)):
        raise Refused(_("{id}: {action} at {at} is earlier than its previous event ({last}); "
                        "events are recorded in the order they happened").format(
            id=record_id, action=codes.shown("action", action.name), at=change.at, last=last))
    if action.needs_note and not change.note:
        raise Refused(_("{id}: '{action}' needs --note with the reason").format(
            id=record_id, action=codes.shown("action", action.name)))
    for key, value in sets.items():
        record[key] = value
    if action.to_state:
        record[workflow.state_field] = action.to_state
    event = {"at": change.at, "by": change.actor, "action": action.name}
    if change.note:
        event["note"] = change.note
    change.event = event
    if action.effect:
        try:
            action.effect(change)
        except (Refused, NotPermitted) as exc:
            raise type(exc)(_("{id}: {reason}").format(id=record_id, reason=exc)) from None
    missing = [f for f in action.requires + tuple(action.requires_by_category.get(category, ()))
               if record.get(f) in (None, "")]
    if missing:
        hint = " ".join(f"--set {f}=…" for f in missing)
        raise Refused(_("{id}: cannot {action} without {fields} ({hint})").format(
            id=record_id, action=codes.shown("action", action.name), fields=", ".join(missing), hint=hint))
    if sets:
        change.event["set"] = dict(sets)
    return change
