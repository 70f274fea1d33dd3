"""The visitor register (物业来访人员登记表): who came, to see whom, when they came and left.

- The desk or the gate writes a visitor in (`wuyectl log visitor --name … --visiting UNIT`):
  name, gender, the identity document and its number, phone, employer or address, the person
  and the unit visited; the guard or clerk on duty is the one who writes it.
- Registration is a clock (seed 001: an outsider is registered, and the owner contacted,
  within 5 minutes of arriving; policy `visitor.register_minutes`): a visitor entered later
  than that (`--arrived-at` earlier than now) shows as registered late.
- `wuyectl sign-out ID` closes the entry; a visitor still in after the end of the day they
  came is overdue (`get visitors --overdue`) and on the handover sheet.
- The document number and the phone are personal data: masked everywhere, revealed by role.
"""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Mapping

from ...errors import BadValue, NotPermitted
from ...i18n import N_, _
from ...timeutil import read_iso, readable, short
from .. import codes
from ..privacy import id_card_problem
from ..workflow import DESK, Action, Change, Workflow
from . import Check, DeskPart, Figure, Kind, Setting, daily_ids, yes

GATE = DESK | {"security"}     # who registers visitors and signs them out: the desk and the guards
DOCUMENT_NUMBER = re.compile(r"[0-9A-Z][0-9A-Z-]{3,19}")


def _minutes(policy) -> int:
    return KIND.setting(policy, "register_minutes")


def _document(values: dict) -> None:
    """The identity document as typed: an ID card's number checked (GB 11643); any other
    document's 4-20 letters, digits or dashes, upper-cased. Messages never repeat the number."""
    number = values.get("id_number")
    if number in (None, ""):
        values.pop("id_number", None)
        return
    values.setdefault("id_type", "id_card")
    text = str(number).strip().upper()
    if values["id_type"] == "id_card":
        problem = id_card_problem(text)
        if problem:
            raise BadValue(_("--id-number: {problem} (another document: --id-type)").format(problem=problem))
    elif not DOCUMENT_NUMBER.fullmatch(text):
        raise BadValue(_("--id-number: a document number is 4 to 20 letters, digits or dashes"))
    values["id_number"] = text


def _new(values: dict, person: Mapping, at: str, ctx) -> dict:
    if person.get("role") not in GATE:
        raise NotPermitted(_("{name} ({role}) may not register visitors: needs {roles}").format(
            name=person.get("name"), role=codes.shown("role", person.get("role")),
            roles=codes.shown_or("role", sorted(GATE))))
    values = {k: v for k, v in values.items() if v not in (None, "")}
    arrived = values.pop("arrived_at", None) or at
    if read_iso(arrived) > read_iso(at):
        raise BadValue(_("--arrived-at {arrived} is after the entry is written ({at})").format(
            arrived=short(arrived), at=short(at)))
    if not values.get("visiting") and not values.get("host"):
        raise BadValue(_("a visitor comes to see someone: --visiting UNIT or --host NAME"))
    _document(values)
    return {"status": "in", **values, "arrived_at": arrived, "registered_at": at, "on_duty": person["name"],
            "timeline": [{"at": at, "by": person["name"], "action": "open"}]}


def _sign_out_too_early(change: Change) -> str | None:
    arrived = change.record.get("arrived_at")
    if change.at and arrived and read_iso(str(change.at)) < read_iso(str(arrived)):
        return _("a visitor cannot sign out ({at}) before arriving ({arrived})").format(
            at=short(change.at), arrived=short(arrived))
    return None


def _sign_out(change: Change) -> None:
    change.record["left_at"] = change.at


WORKFLOW = Workflow(
    kind="visitor", states=("in", "out"), initial="in", terminal=("out",),
    actions={"sign_out": Action("sign_out", ("in",), "out", roles=GATE, settable=("note",),
                                refuse_if=_sign_out_too_early, effect=_sign_out)},
)


# -- clocks ----------------------------------------------------------------------------------
def day_end(stamp: str) -> datetime:
    """The end of the day a time falls on (midnight after it, in that time's own zone)."""
    when = read_iso(stamp)
    return datetime.combine(when.date() + timedelta(days=1), time(0), tzinfo=when.tzinfo)


def registration_minutes(record: Mapping) -> int | None:
    """Whole minutes from arriving to being written in."""
    if not record.get("arrived_at") or not record.get("registered_at"):
        return None
    return int((read_iso(record["registered_at"]) - read_iso(record["arrived_at"])).total_seconds() // 60)


def out_by(record: Mapping, when: datetime) -> bool:
    return bool(record.get("left_at")) and read_iso(record["left_at"]) <= when


def _computed(record: dict, now: datetime, policy) -> dict:
    out = dict(record)
    minutes = registration_minutes(record)
    if minutes is not None:
        out["registration_minutes"] = minutes
        out["late_registration"] = minutes > _minutes(policy)
    if record.get("arrived_at"):
        out["due_at"] = day_end(record["arrived_at"]).isoformat(timespec="seconds")
        out["overdue"] = record.get("status") == "in" and now >= read_iso(out["due_at"])
    return out


def _overdue(record: dict, now: datetime) -> bool:
    return bool(record.get("overdue"))


def _due(record: dict, now: datetime) -> list[datetime]:
    return [read_iso(record["due_at"])] if record.get("status") == "in" and record.get("due_at") else []


# -- checks ----------------------------------------------------------------------------------
def _left(data, ctx):
    status, left, arrived = data.get("status"), data.get("left_at"), data.get("arrived_at")
    if status == "out" and not left:
        yield ("left_at",), _("a visitor signed out has the time they left")
    if status == "in" and left:
        yield ("left_at",), _("a visitor still in has no time they left")
    if left and arrived and readable(left) and readable(arrived) and read_iso(left) < read_iso(arrived):
        yield ("left_at",), _("a visitor leaves after arriving")


def _registered(data, ctx):
    when, arrived = data.get("registered_at"), data.get("arrived_at")
    if when and arrived and readable(when) and readable(arrived) and read_iso(when) < read_iso(arrived):
        yield ("registered_at",), _("a visitor is registered after arriving, not before")


# -- the front desk's report and the handover sheet ------------------------------------------
REGISTERED = Figure("registered", "来访登记人数", "visitors registered", "visitors who arrived in the period")
ON_TIME = Figure("registered_on_time", "及时登记率", "registered on time",
                 "visitors registered within the policy's minutes of arriving (visitor.register_minutes, 5)",
                 "visitors who arrived in the period")
SIGNED_OUT = Figure("signed_out", "已离开", "signed out", "visitors of the period signed out by the as-of time")
NOT_OUT = Figure("not_out_by_day_end", "当日未登记离开", "not signed out by day's end",
                 "visitors of the period whose day had ended by the as-of time, still in at its end")


def _desk(records_of, period, as_of, policy, lang) -> DeskPart:
    came = sorted((v for v in records_of("visitor") if period.holds(v.get("arrived_at"))
                   and read_iso(v["arrived_at"]) <= as_of), key=lambda v: (v["arrived_at"], v["id"]))
    limit = _minutes(policy)
    late = [v for v in came if (registration_minutes(v) or 0) > limit]
    not_out = [v for v in came if day_end(v["arrived_at"]) <= as_of and not out_by(v, day_end(v["arrived_at"]))]
    figures = [(REGISTERED, len(came), None), (ON_TIME, len(came) - len(late), len(came)),
               (SIGNED_OUT, sum(1 for v in came if out_by(v, as_of)), None), (NOT_OUT, len(not_out), None)]
    tables = [
        ("late", ("登记超时", "Registered late"),
         ("id", "name", "visiting", "arrived_at", "registered_at", "registration_minutes", "on_duty"),
         [[v["id"], v.get("name", ""), v.get("visiting", ""), short(v["arrived_at"]), short(v["registered_at"]),
           registration_minutes(v), v.get("on_duty", "")] for v in late]),
        ("not_out", ("当日未登记离开", "Not signed out by day's end"),
         ("id", "name", "visiting", "host", "arrived_at", "left_at", "on_duty"),
         [[v["id"], v.get("name", ""), v.get("visiting", ""), v.get("host", ""), short(v["arrived_at"]),
           short(v["left_at"]) if v.get("left_at") else "", v.get("on_duty", "")] for v in not_out]),
    ]
    return DeskPart(figures=figures, tables=tables)


def _handover(records_of, day, at, policy, lang) -> DeskPart:
    """Visitors still in at the end of the day (or now, if the day has not ended)."""
    until = min(day.end, at)
    still = sorted((v for v in records_of("visitor") if v.get("arrived_at") and read_iso(v["arrived_at"]) < until
                    and not out_by(v, until)), key=lambda v: (v["arrived_at"], v["id"]))
    return DeskPart(tables=[("in", ("在访未离（交接）", "Visitors still in"),
                             ("id", "name", "visiting", "host", "arrived_at", "on_duty"),
                             [[v["id"], v.get("name", ""), v.get("visiting", ""), v.get("host", ""),
                               short(v["arrived_at"]), v.get("on_duty", "")] for v in still])])


# -- listing and show ------------------------------------------------------------------------
def _late(data, lang, reveal):
    return yes(data.get("late_registration"), lang)


def _late_shown(data, lang, reveal):
    """`show`: 是（12 分钟） / yes (12 min), or the minutes it took when on time."""
    minutes = data.get("registration_minutes")
    if minutes is None:
        return ""
    if data.get("late_registration"):
        return f"是（{minutes} 分钟）" if lang == "zh" else f"yes ({minutes} min)"
    return f"否（{minutes} 分钟）" if lang == "zh" else f"no ({minutes} min)"


KIND = Kind(
    name="visitor", plural="visitors", folder="visitors", id_form="G-…",
    **daily_ids("G", "visitors"),
    workflow=WORKFLOW,
    columns=("id", "status", "name", "visiting", "host", "arrived_at", "left_at", "late_registration", "on_duty"),
    export_columns=("id", "status", "name", "gender", "id_type", "id_number", "phone", "employer", "address", "host",
                    "visiting", "arrived_at", "registered_at", "registration_minutes", "late_registration", "left_at",
                    "on_duty", "note"),
    cells={"late_registration": _late},
    narrow=("on_duty", "host", "late_registration", "left_at"),
    order_by="arrived_at",
    show_fields=("status", "name", "gender", "id_type", "id_number", "phone", "employer", "address", "host",
                 "visiting", "arrived_at", "registered_at", "late_registration", "left_at", "on_duty", "overdue",
                 "note"),
    show_cells={"late_registration": _late_shown},
    show_sections=("timeline",),
    code_fields={"status": "visitor_status", "gender": "gender", "id_type": "id_type"},
    codes={
        "visitor_status": {"in": ("在访", "in"), "out": ("已离开", "signed out")},
        "id_type": {
            "id_card": ("身份证", "ID card"),
            "passport": ("护照", "passport"),
            "hk_macau_permit": ("港澳通行证", "HK/Macau permit"),
            "taiwan_permit": ("台胞证", "Taiwan compatriot permit"),
            "driving_licence": ("驾驶证", "driving licence"),
            "other": ("其他", "other"),
        },
        "action": {"sign_out": ("离开", "sign out")},
    },
    labels={"visitors": ("来访登记", "visitor register"),
            "id_type": ("证件名称", "ID document"), "id_number": ("证件号码", "document number"),
            "address": ("住址", "address"), "host": ("被访人", "person visited"),
            "visiting": ("被访房号", "unit visited"), "arrived_at": ("来访时间", "arrived"),
            "registered_at": ("登记时间", "registered"), "registration_minutes": ("登记用时（分钟）", "minutes to register"),
            "late_registration": ("登记超时", "registered late"), "left_at": ("离开时间", "left"),
            "on_duty": ("值班员", "on duty")},
    opened_field="arrived_at",
    computed=_computed, overdue=_overdue, due=_due,
    people={"on_duty": "on duty", "timeline.*.by": "timeline by"},
    refs={"visiting": "owner"},
    personal={"id_number": "id_card", "phone": "phone"},
    editable=("name", "gender", "employer", "address", "host", "note"),
    edit_hints={"left_at": N_("a visitor leaves through wuyectl sign-out {id} (--at the time they left)")},
    checks=(
        Check("W-visitor-left", "a signed-out visitor has the time they left, not before arriving", _left),
        Check("W-visitor-registered", "a visitor is registered at or after arriving", _registered),
    ),
    new_record=_new, logbook=True,
    entry_fields=("name", "gender", "id_type", "id_number", "phone", "employer", "address", "host", "visiting",
                  "arrived_at", "note"),
    entry_required=("name",),
    entry_help="Register a visitor (物业来访人员登记表): who, their document, whom and which unit they visit. "
               "--arrived-at when the entry is written later than they came (registration within the policy's "
               "minutes, 5, is a clock). `wuyectl sign-out ID` when they leave.",
    settings={"register_minutes": Setting(
        5, {"type": "integer", "minimum": 1, "maximum": 240},
        "minutes within which a visitor is registered after arriving (seed 001: outsiders are registered and the "
        "owner contacted within 5 minutes)")},
    desk="frontdesk", figures=(REGISTERED, ON_TIME, SIGNED_OUT, NOT_OUT), desk_report=_desk,
    handover=_handover,
)
