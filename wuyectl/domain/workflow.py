"""The workflow engine: one function applies any kind's declared actions.

A kind (see `kinds.py`) declares, as data, its states and for each action: the states it
may start from, the state it leads to, the roles that may take it, the categories it applies
to, the fields `--set` may change with it and the fields that must be present afterwards.
`apply()` checks all of that in a fixed order, changes the record (a round-trip mapping, so
comments survive), appends the timeline event and runs the action's effect, if any.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..errors import BadValue, NotPermitted, Refused, did_you_mean
from . import codes

DESK = frozenset({"clerk", "supervisor", "director"})
FIELD_STAFF = frozenset({"technician", "security", "cleaner", "gardener"})
MANAGERS = frozenset({"supervisor", "director"})
ALL_STAFF = DESK | FIELD_STAFF | {"archivist"}


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


def roles_of(action: Action, record: Mapping) -> frozenset[str]:
    return action.roles(record) if callable(action.roles) else action.roles


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def find_action(workflow: Workflow, name: str) -> Action:
    text = str(name).strip()
    for action in workflow.actions.values():
        if text == action.name or text in codes.CODES["action"].get(action.name, ()):
            return action
    raise BadValue(
        f"unknown action '{name}' for {_a(workflow.kind)}: use one of "
        f"{', '.join(workflow.actions)}{did_you_mean(text, workflow.actions)}"
    )


def apply(workflow: Workflow, change: Change, *, record_id: str, sets: Mapping[str, Any] | None = None,
          through_command: str | None = None) -> Change:
    """Check and apply `change.action` to `change.record` in place; returns the change."""
    action, record = change.action, change.record
    sets = sets or {}
    if action.via_command and through_command != action.via_command:
        raise Refused(f"{record_id}: '{action.name}' is recorded with `wuyectl {action.via_command}`")
    state = record.get(workflow.state_field)
    category = record.get("category")
    if state not in action.from_states:
        allowed = workflow.allowed(record, at=change.at)
        raise Refused(
            f"{record_id}: cannot {action.name} {_a(workflow.kind)} that is {state}; "
            f"allowed now: {', '.join(allowed) if allowed else 'nothing (it is finished)'}"
        )
    if action.categories is not None and category not in action.categories:
        raise Refused(
            f"{record_id}: '{action.name}' is only for {', '.join(action.categories)} "
            f"{workflow.kind}s, not {category}"
        )
    roles = roles_of(action, record)
    if change.role not in roles:
        raise NotPermitted(
            f"{change.actor} ({change.role}) may not {action.name} {record_id}: "
            f"needs {' or '.join(sorted(roles))}"
        )
    if action.refuse_if:
        reason = action.refuse_if(change)
        if reason:
            raise Refused(f"{record_id}: {reason}")
    for key in sets:
        if key not in action.settable:
            allowed = ", ".join(action.settable) or "nothing"
            raise BadValue(
                f"cannot --set {key} with '{action.name}': it sets {allowed}{did_you_mean(key, action.settable)}"
            )
    if action.needs_note and not change.note:
        raise Refused(f"{record_id}: '{action.name}' needs --note with the reason")
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
            raise type(exc)(f"{record_id}: {exc}") from None
    missing = [f for f in action.requires + tuple(action.requires_by_category.get(category, ()))
               if record.get(f) in (None, "")]
    if missing:
        hint = " ".join(f"--set {f}=…" for f in missing)
        raise Refused(f"{record_id}: cannot {action.name} without {', '.join(missing)} ({hint})")
    return change
