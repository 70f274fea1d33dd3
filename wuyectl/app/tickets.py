"""Tickets (工单): registering a request (受理), dispatching it (派单), and its callback
(回访), which closes or reopens it in the same commit. The other actions go through
`records.act`; the rules are the ticket workflow's (domain/kinds/ticket.py)."""
from __future__ import annotations

import os
import re
from typing import Iterable, Mapping

from ..domain import codes
from ..domain.kinds import kind_named
from ..domain.kinds.ticket import KIND as TICKET
from ..domain.workflow import DESK, FIELD_STAFF, Change, apply, find_action
from ..errors import BadValue, NotFound, NotPermitted
from ..i18n import _
from ..store import yamlio
from ..store.office import Office
from ..store.transaction import Transaction
from .. import timeutil
from .office import acting
from .records import Committed, act, append_events

OWNER, VISIT = kind_named("owner"), kind_named("visit")

PHONE_RE = re.compile(r"[0-9+\- ]{3,20}")


def require_unit(office: Office, unit: str, *, hint: bool = True) -> str:
    """The unit, which must have a household record (`hint`: say how to open one)."""
    unit = OWNER.check_id(unit)
    if not os.path.isfile(office.abspath(OWNER.path_of(unit))):
        if hint:
            raise NotFound(_("unit {unit} has no household record (open it first: wuyectl open owner --unit {unit} …)")
                           .format(unit=unit))
        raise NotFound(_("unit {unit} has no household record").format(unit=unit))
    return unit


def place_and_description(office: Office, record: dict, unit: str | None, location: Mapping | None,
                          description: str | None) -> None:
    """Where (a household that exists, or a public place) and what, as tickets and violations
    record them."""
    if unit:
        record["unit"] = require_unit(office, unit)
    elif location and any(location.values()):
        record["location"] = {k: str(v) for k, v in location.items() if v}
    else:
        raise BadValue(_("say where: --unit 3-2-1201 for a household, or --place for a public area"))
    if not description or not str(description).strip():
        raise BadValue(_("--description is required"))
    record["description"] = str(description).strip()


def phone_number(value) -> str:
    text = str(value).strip()
    if not PHONE_RE.fullmatch(text):
        raise BadValue(_("'{value}' is not a phone number").format(value=value))
    return text


def open_ticket(office: Office, actor: str | None, *, channel: str, category: str, description: str,
                unit: str | None = None, location: Mapping | None = None, reporter: str | None = None,
                phone: str | None = None, severity: str | None = None, urgency: str | None = None,
                department: str | None = None, repair_system: str | None = None,
                damage: str | None = None, appointment_at: str | None = None,
                at: str | None = None, note: str | None = None, about_staff: str | None = None) -> str:
    """Register a request (受理). Complaints go to the supervisor at once (level 1; major: 2).
    `about_staff`: a complaint about a staff member (投诉对象), on the roster."""
    person = acting(office, actor)
    when = office.at(at)
    stamp = timeutil.iso(when)
    fields = dict(channel=channel, category=category, description=description, unit=unit, location=location,
                  reporter=reporter, phone=phone, severity=severity, urgency=urgency, department=department,
                  repair_system=repair_system, damage=damage, appointment_at=appointment_at, note=note,
                  about_staff=about_staff)
    ticket_record(office, person, "T-00000000-A000", stamp, **fields)   # refuse bad input before locking
    with Transaction(office, person) as tx:
        rid = office.next_id(TICKET, when)
        record = ticket_record(office, person, rid, stamp, **fields)
        tx.create(TICKET.path_of(rid), yamlio.new_map(record))
        where = record.get("unit") or "公共区域"
        subject = f"{rid} open {codes.label('category', record['category'], office.language)} {where}"
        tx.commit(subject, action="open", records=[rid], at=stamp)
    return rid


def ticket_record(office: Office, person: Mapping, rid: str, stamp: str, *, channel: str, category: str,
                  description: str, unit: str | None = None, location: Mapping | None = None,
                  reporter: str | None = None, phone: str | None = None, severity: str | None = None,
                  urgency: str | None = None, department: str | None = None,
                  repair_system: str | None = None, damage: str | None = None,
                  appointment_at: str | None = None, note: str | None = None,
                  about_staff: str | None = None, extra: Mapping | None = None) -> dict:
    """The data of a new ticket (no I/O but checking the household exists)."""
    record: dict = {"id": rid, "status": "received",
                    "channel": codes.resolve("channel", channel),
                    "category": codes.resolve("category", category)}
    if severity or record["category"] == "complaint":
        if record["category"] != "complaint":
            raise BadValue(_("--severity is for complaints only"))
        record["severity"] = codes.resolve("severity", severity or "general")
    if about_staff:
        if record["category"] != "complaint":
            raise BadValue(_("--about is for complaints only"))
        record["about_staff"] = office.person(about_staff)["name"]
    record["urgency"] = codes.resolve("urgency", urgency or "normal")
    if reporter or phone:
        record["reporter"] = {}
        if reporter:
            record["reporter"]["name"] = str(reporter).strip()
        if phone:
            record["reporter"]["phone"] = phone_number(phone)
    place_and_description(office, record, unit, location, description)
    for key, value in (("repair_system", repair_system), ("damage", damage)):
        if value:
            record[key] = value
    if department:
        record["department"] = codes.resolve("department", department)
    if appointment_at:
        record["appointment_at"] = timeutil.iso(timeutil.parse_time(appointment_at, office.tz, what="appointment"))
    level = 0
    policy = office.config.get("policy") or {}
    if record["category"] == "complaint":
        level = policy.get("major_complaint_level", 2) if record.get("severity") == "major" \
            else policy.get("complaint_level", 1)
    record["escalation_level"] = level
    record.update(extra or {})
    record["received_at"] = stamp
    receive = {"at": stamp, "by": person["name"], "action": "receive"}
    if note:
        receive["note"] = note
    record["timeline"] = [receive]
    if level:
        record["timeline"].append({"at": stamp, "by": person["name"], "action": "escalate", "level": level,
                                   "note": "投诉上报" + codes.label("escalation_level", level)})
    return record


def opened_with(office: Office, person: Mapping, rid: str, stamp: str, values: dict) -> dict:
    """A ticket another record's step opens (a duty log's abnormal item; records.BUILDERS):
    `origin` names that record."""
    origin = values.pop("origin", None)
    values.setdefault("channel", "patrol")
    return ticket_record(office, person, rid, stamp, **values, extra={"origin": origin} if origin else None)

RATING_ITEMS = ("timeliness", "quality", "fee", "attitude")


def open_callback(office: Office, actor: str | None, *, ticket: str, rating: str, method: str | None = None,
                  note: str | None = None, items: Mapping[str, str] | None = None,
                  at: str | None = None) -> str:
    """A callback (回访): a visit record, and in the same commit the ticket closed (satisfied,
    basically satisfied) or reopened to its last assignee (dissatisfied)."""
    person = acting(office, actor)
    when = office.at(at)
    stamp = timeutil.iso(when)
    ratings = {}
    for key, value in (items or {}).items():
        if key not in RATING_ITEMS:
            raise BadValue(_("unknown rating item '{item}': use {items}").format(item=key, items=", ".join(RATING_ITEMS)))
        ratings[key] = codes.resolve("rating", value, what=_("{item} rating").format(item=key))
    ratings["overall"] = codes.resolve("rating", rating, what="rating")
    tid = TICKET.check_id(ticket)
    with Transaction(office, person) as tx:
        _kind, loaded = tx.load(tid)
        vid = office.next_id(VISIT, when)
        change = Change(loaded.rt, find_action(TICKET.workflow, "callback"), person["name"], person["role"],
                        stamp, note=None, params={"rating": ratings["overall"], "visit": vid})
        apply(TICKET.workflow, change, record_id=tid, through_command="open visit")
        append_events(loaded, change)
        tx.stage(loaded)
        visit = {"id": vid, "type": "callback", "ticket": tid}
        if loaded.data.get("unit"):
            visit["unit"] = loaded.data["unit"]
        visit.update({"method": codes.resolve("method", method or "phone"), "visited_at": stamp,
                      "visitor": person["name"], "ratings": ratings})
        if note:
            visit["note"] = note
        tx.create(VISIT.path_of(vid), yamlio.new_map(visit))
        outcome = "closed" if loaded.rt["status"] == "closed" else "reopened → " + str(loaded.rt.get("assignee", ""))
        label = codes.label("rating", ratings["overall"], office.language)
        tx.commit(f"{vid} callback {tid} {label}, {outcome}", action="callback", records=[vid, tid], at=stamp)
    return vid


def assign(office: Office, actor: str | None, ids: Iterable[str], *, to: str, department: str | None = None,
           note: str | None = None, at: str | None = None) -> Committed:
    """派单: to a person on the roster; the department defaults to theirs."""
    assignee = office.person(to)
    if assignee["role"] not in DESK | FIELD_STAFF:
        raise NotPermitted(_("{name} ({role}) cannot be assigned tickets: "
                             "assign desk staff or a technician, security guard, cleaner or gardener").format(
            name=assignee["name"], role=codes.shown("role", assignee["role"])))
    dept = codes.resolve("department", department) if department else assignee.get("department")
    tail = " → " + " ".join(x for x in (codes.label("department", dept, office.language) if dept else "",
                                         assignee["name"]) if x)
    return act(office, actor, ids, "assign", note=note, at=at,
               params={"to": assignee["name"], "department": dept}, command="assign", subject_tail=tail)
