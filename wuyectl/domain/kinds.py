"""The record kinds, declared as data: ID scheme, folder layout, schema, workflow, columns.

Adding a kind is a `Kind(...)` here plus a schema in `schemas/`; the store, the engine and
the commands (`open`, `get`, `show`, `update`, `validate`) work from these declarations.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Mapping

from ..errors import BadValue, did_you_mean
from .archive import ARCHIVE_WORKFLOW
from .violations import VIOLATION_WORKFLOW
from .workflow import DESK, FIELD_STAFF, Action, Change, Workflow

OPEN_TICKET_STATES = ("received", "assigned", "in_progress")
# Categories whose resolution is followed by a callback (回访) before the ticket is closed.
CALLBACK_CATEGORIES = ("repair", "paid_repair", "complaint", "help")
# Categories the desk may answer on the spot (当场答复), without dispatch.
ANSWERABLE = ("consult", "suggestion", "praise")
REPAIRS = ("repair", "paid_repair")


def _assign(change: Change) -> None:
    record, params = change.record, change.params
    record["assignee"] = params["to"]
    if params.get("department"):
        record["department"] = params["department"]
    change.event["to"] = params["to"]
    if record.get("department"):
        change.event["department"] = record["department"]


def _signed(change: Change) -> None:
    if change.record.get("signed_by") and not change.record.get("signed_at"):
        change.record["signed_at"] = change.at


def _answer(change: Change) -> None:
    if not change.record.get("result") and change.note:
        change.record["result"] = change.note


def last_assignee(record: Mapping) -> str | None:
    for event in reversed(list(record.get("timeline") or [])):
        if event.get("action") in ("assign", "reopen") and event.get("to"):
            return event["to"]
    return record.get("assignee")


def _reopen(change: Change) -> None:
    """Back to the last assignee (a dissatisfied callback goes back to the department)."""
    who = last_assignee(change.record)
    if who:
        change.record["status"] = "assigned"
        change.record["assignee"] = who
        change.event["to"] = who
    else:
        change.record["status"] = "received"
    for key in ("signed_by", "signed_at"):
        if key in change.record:
            del change.record[key]


def _escalate(change: Change) -> None:
    current = int(change.record.get("escalation_level") or 0)
    level = change.params.get("level")
    level = current + 1 if level is None else int(level)
    change.record["escalation_level"] = level
    change.event["level"] = level


def _refuse_escalate(change: Change) -> str | None:
    current = int(change.record.get("escalation_level") or 0)
    level = change.params.get("level")
    if current >= 3 and level is None:
        return "is already at the company level (3)"
    if level is not None and int(level) <= current:
        return f"is already at level {current}; --to must be higher"
    return None


def _refuse_manual_close(change: Change) -> str | None:
    if change.record.get("category") in CALLBACK_CATEGORIES:
        return ("a resolved " + str(change.record.get("category")) + " is closed by its callback: "
                "wuyectl open visit --type callback --ticket ID --rating …")
    return None


def _callback(change: Change) -> None:
    """Satisfied or basically satisfied closes the ticket; dissatisfied reopens it to its last
    assignee in the same commit (the complaint goes back to the department)."""
    rating = change.params["rating"]
    change.event["rating"] = rating
    change.event["visit"] = change.params["visit"]
    if rating == "dissatisfied":
        reopen = Change(change.record, change.action, change.actor, change.role, change.at,
                        event={"at": change.at, "by": change.actor, "action": "reopen",
                               "note": change.params.get("reopen_note") or "回访不满意"})
        _reopen(reopen)
        change.extra_events.append(reopen.event)
    else:
        change.record["status"] = "closed"


DONE_FIELDS = ("result", "materials", "fee", "fee_consent", "signed_by", "signed_at", "repair_system", "damage")

TICKET_WORKFLOW = Workflow(
    kind="ticket",
    states=("received", "assigned", "in_progress", "resolved", "closed", "cancelled"),
    initial="received",
    terminal=("closed", "cancelled"),
    actions={a.name: a for a in [
        Action("assign", ("received", "assigned", "in_progress"), "assigned", roles=DESK, effect=_assign,
               via_command="assign"),
        Action("contact", ("assigned", "in_progress"), "in_progress", roles=DESK | FIELD_STAFF,
               settable=("appointment_at", "promised_at", "fee", "fee_consent")),
        Action("arrive", ("assigned", "in_progress"), "in_progress", roles=DESK | FIELD_STAFF,
               settable=("repair_system", "damage", "promised_at")),
        Action("progress", ("assigned", "in_progress"), "in_progress", roles=DESK | FIELD_STAFF,
               settable=("promised_at", "appointment_at", "fee", "fee_consent")),
        Action("resolve", ("assigned", "in_progress"), "resolved", roles=DESK | FIELD_STAFF,
               settable=DONE_FIELDS, requires=("result",),
               requires_by_category={"repair": ("signed_by",),
                                     "paid_repair": ("signed_by", "fee", "fee_consent")},
               effect=_signed),
        Action("report_back", ("resolved", "closed"), None, roles=DESK | FIELD_STAFF),
        Action("notify", ("resolved", "closed"), None, roles=DESK | FIELD_STAFF),
        Action("answer", ("received",), "resolved", roles=DESK, categories=ANSWERABLE,
               settable=("result",), requires=("result",), effect=_answer),
        Action("close", ("resolved",), "closed", roles=DESK, refuse_if=_refuse_manual_close),
        Action("reopen", ("resolved", "closed"), "assigned", roles=DESK, needs_note=True, effect=_reopen),
        Action("cancel", ("received", "assigned"), "cancelled", roles=DESK, needs_note=True),
        Action("escalate", OPEN_TICKET_STATES + ("resolved",), None, roles=DESK, effect=_escalate,
               refuse_if=_refuse_escalate, needs_note=True, via_command="escalate"),
        Action("callback", ("resolved",), None, roles=DESK, effect=_callback, via_command="open visit"),
    ]},
)

NO_WORKFLOW = Workflow(kind="record", states=(), initial="", terminal=(), actions={})


@dataclass(frozen=True)
class Kind:
    name: str                      # ticket
    plural: str                    # tickets
    folder: str                    # tickets
    schema: str                    # ticket  → schemas/ticket.schema.json
    id_re: re.Pattern
    path_of: Callable[[str], str]  # ID → path inside the office repo
    workflow: Workflow = NO_WORKFLOW
    columns: tuple[str, ...] = ("id",)
    code_fields: Mapping[str, str] = field(default_factory=dict)   # field → codes group
    stem: Callable[[datetime, str], str] | None = None   # (day, station) → "T-20261122-A"; None: IDs given
    id_label: str = ""             # how the ID looks, for messages

    def check_id(self, record_id: str) -> str:
        text = str(record_id).strip()
        if not self.id_re.fullmatch(text):
            raise BadValue(f"'{record_id}' is not a {self.name} ID")
        return text


def _dated(folder: str) -> Callable[[str], str]:
    # T-20261122-A001 → tickets/2026-11/T-20261122-A001.yaml: a month a folder, so none holds
    # more than a few thousand files.
    return lambda rid: f"{folder}/{rid[2:6]}-{rid[6:8]}/{rid}.yaml"


TICKET = Kind(
    name="ticket", plural="tickets", folder="tickets", schema="ticket",
    id_re=re.compile(r"T-\d{8}-[A-Z]?\d{3,5}"), path_of=_dated("tickets"),
    workflow=TICKET_WORKFLOW, stem=lambda day, station: f"T-{day:%Y%m%d}-{station}",
    columns=("id", "status", "category", "channel", "where", "reporter", "phone", "assignee",
             "escalation_level", "received_at", "next_due", "description"),
    code_fields={"status": "status", "category": "category", "channel": "channel",
                 "severity": "severity", "urgency": "urgency", "department": "department"},
)
OWNER = Kind(
    name="owner", plural="owners", folder="owners", schema="owner",
    id_re=re.compile(r"[0-9A-Za-z]{1,4}-[0-9A-Za-z]{1,4}-\d{1,5}[A-Za-z]?"),
    path_of=lambda unit: f"owners/{unit.split('-')[0]}/{unit}.yaml",
    columns=("id", "name", "phone", "occupancy"),
    code_fields={"occupancy": "occupancy"},
)
VISIT = Kind(
    name="visit", plural="visits", folder="visits", schema="visit",
    id_re=re.compile(r"V-\d{8}-[A-Z]?\d{3,5}"), path_of=_dated("visits"),
    stem=lambda day, station: f"V-{day:%Y%m%d}-{station}",
    columns=("id", "type", "ticket", "unit", "rating", "method", "visited_at", "visitor"),
    code_fields={"type": "visit_type", "method": "method"},
)

VIOLATION = Kind(
    name="violation", plural="violations", folder="violations", schema="violation",
    id_re=re.compile(r"W-\d{8}-[A-Z]?\d{3,5}"),
    path_of=lambda rid: f"violations/{rid[2:6]}/{rid}.yaml",     # a folder per year
    workflow=VIOLATION_WORKFLOW, stem=lambda day, station: f"W-{day:%Y%m%d}-{station}",
    columns=("id", "status", "category", "severity", "where", "step", "deadline", "found_at", "description"),
    code_fields={"status": "violation_status", "category": "violation_category", "severity": "severity",
                 "step": "violation_step", "ladder": "ladder"},
)
ARCHIVE = Kind(
    name="archive", plural="archive", folder="archive", schema="archive",
    id_re=re.compile(r"A-\d{4}-[A-Z]?\d{3,5}"),
    path_of=lambda rid: f"archive/{rid}.yaml",
    workflow=ARCHIVE_WORKFLOW, stem=lambda day, station: f"A-{day:%Y}-{station}",
    columns=("id", "status", "title", "category", "medium", "confidential", "location", "filed_on",
             "destroy_after", "loan"),
    code_fields={"status": "archive_status", "category": "archive_category", "medium": "medium"},
)
SURVEY = Kind(
    name="survey", plural="surveys", folder="surveys", schema="survey",
    id_re=re.compile(r"\d{4}H[12]"),
    path_of=lambda rid: f"surveys/{rid}.yaml",
    columns=("id", "drawn_at", "population", "sampled", "complainants"),
)

KINDS: dict[str, Kind] = {k.name: k for k in (TICKET, OWNER, VISIT, VIOLATION, ARCHIVE, SURVEY)}
_BY_PLURAL = {k.plural: k for k in KINDS.values()}


_ALIASES = {"archives": "archive", "households": "owner", "household": "owner", "campaigns": "survey"}


def kind_named(name: str) -> Kind:
    text = str(name).strip().lower()
    text = _ALIASES.get(text, text)
    kind = KINDS.get(text) or _BY_PLURAL.get(text)
    if kind is None:
        names = list(KINDS) + list(_BY_PLURAL)
        raise BadValue(f"unknown record kind '{name}': use one of {', '.join(KINDS)}{did_you_mean(text, names)}")
    return kind


def kind_of_id(record_id: str) -> Kind:
    """The kind an ID belongs to, from its form (T-…, V-…, or a unit like 3-2-1201)."""
    text = str(record_id).strip()
    for kind in KINDS.values():
        if kind.id_re.fullmatch(text):
            return kind
    raise BadValue(f"'{record_id}' is not a record ID (T-20261122-A001, V-…, W-…, A-2026-A001, "
                   "a unit like 3-2-1201 or a campaign like 2026H2)")


def kind_of_path(relpath: str) -> Kind | None:
    top = relpath.split("/", 1)[0]
    for kind in KINDS.values():
        if kind.folder == top:
            return kind
    return None
