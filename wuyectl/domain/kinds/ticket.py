"""Tickets (工单): requests, repairs, complaints … from receipt to callback (全程跟进).

received → assigned (派单) → in_progress (contact, arrive, progress) → resolved → closed by
the callback (回访) for repairs, complaints and help, by the desk otherwise; a dissatisfied
callback reopens the ticket to its last assignee. The SLA clocks of each stage are computed
from the timeline by `domain.sla`; a ticket is overdue when a clock runs past its limit.
"""
from __future__ import annotations

from datetime import datetime
from typing import Mapping

from ...errors import BadValue, NotPermitted, Refused
from ...i18n import N_, _
from ...timeutil import moment, read_iso, short
from .. import codes
from ..workflow import DESK, FIELD_STAFF, Action, Change, Workflow
from . import Check, Form, Kind, Line, daily_ids, where, yes

OPEN_TICKET_STATES = ("received", "assigned", "in_progress")
# Categories whose resolution is followed by a callback (回访) before the ticket is closed.
CALLBACK_CATEGORIES = ("repair", "paid_repair", "complaint", "help")
# Categories the desk may answer on the spot (当场答复), without dispatch.
ANSWERABLE = ("consult", "suggestion", "praise")
REPAIRS = ("repair", "paid_repair")
GOOD_RATINGS = ("satisfied", "basically_satisfied")
# The events an imported ticket carries (app/ticket_import): its receipt, and its resolution and
# closing or its cancellation. A figure measured by any other event cannot be judged on it.
IMPORTED_ACTIONS = ("receive", "resolve", "close", "cancel")
DONE_FIELDS = ("result", "materials", "fee", "fee_consent", "signed_by", "signed_at", "repair_system", "damage")
# Who may escalate a ticket up to which level (policy `escalate_max_level`, role → level): the
# desk reports to the supervisor (level 1, 客服主管); the supervisor takes a major complaint to
# the director (level 2, 管理处主任); the director to the company (level 3, 品质部).
ESCALATE_MAX_LEVEL = {"clerk": 1, "supervisor": 2, "director": 3}
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


def _resolve(change: Change) -> None:
    """A paid repair is done only at the price the owner agreed to (seed 001 二.2: 经业主同意后
    进行更换): fee_consent false — the owner refused the price — cannot be resolved."""
    if change.record.get("category") == "paid_repair" and change.record.get("fee_consent") is False:
        raise Refused(_("a paid repair cannot be resolved while the owner refuses the price (fee_consent is "
                        "false); record the owner's consent first (--set fee_consent=true)"))
    _signed(change)


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
        change.record["assignee"] = who
        change.event["to"] = who
    change.record["status"] = _reopened("", change.event)
    for key in ("signed_by", "signed_at"):
        if key in change.record:
            del change.record[key]


def _reopened(state: str, event: Mapping) -> str:
    return "assigned" if event.get("to") else "received"


def escalate_max_level(role: str, policy: Mapping | None) -> int:
    """The highest level `role` may escalate a ticket to, by the policy (0: none)."""
    table = dict(ESCALATE_MAX_LEVEL)
    table.update((policy or {}).get("escalate_max_level") or {})
    return int(table.get(role) or 0)


def _escalate(change: Change) -> None:
    current = int(change.record.get("escalation_level") or 0)
    level = change.params.get("level")
    level = current + 1 if level is None else int(level)
    policy = change.params.get("policy")
    most = escalate_max_level(change.role, policy)
    if level > most:
        who = sorted(role for role in {*ESCALATE_MAX_LEVEL, *((policy or {}).get("escalate_max_level") or {})}
                     if escalate_max_level(role, policy) >= level)
        raise NotPermitted(_("{actor} ({role}) may not escalate to level {level} ({name}): a {role} escalates up "
                             "to level {most} (policy escalate_max_level); level {level} needs {who}").format(
            actor=change.actor, role=codes.shown("role", change.role), level=level,
            name=codes.shown("escalation_level", str(level)), most=most,
            who=codes.shown_or("role", who) or _("nobody")))
    change.record["escalation_level"] = level
    change.event["level"] = level


def _refuse_escalate(change: Change) -> str | None:
    current = int(change.record.get("escalation_level") or 0)
    level = change.params.get("level")
    if current >= 3 and level is None:
        return _("is already at the company level (3)")
    if level is not None and int(level) <= current:
        return _("is already at level {level}; --to must be higher").format(level=current)
    return None


def _prepare_escalate(params: dict) -> str:
    if params.get("deadline") or params.get("amount") not in (None, ""):
        raise BadValue(_("--deadline and --amount are for violations"))
    level = params.get("level")
    if level is not None and level not in (1, 2, 3):
        raise BadValue(_("--to {level}: the levels are 1 supervisor, 2 director, 3 company").format(level=level))
    params["level"] = level
    return f" → {level}" if level is not None else ""


def _refuse_manual_close(change: Change) -> str | None:
    if change.record.get("category") in CALLBACK_CATEGORIES:
        return _("a resolved {category} is closed by its callback: "
                 "wuyectl open visit --type callback --ticket ID --rating …").format(
            category=codes.shown("category", change.record.get("category")))
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
        change.record["status"] = _called_back(change.record["status"], change.event)


def _callback_recorded(event: Mapping, after: Mapping, role_of) -> dict:
    params = {"rating": event.get("rating"), "visit": event.get("visit")}
    reopens = [e for e in after.get("timeline") or [] if e.get("action") == "reopen"]
    if event.get("rating") == "dissatisfied" and reopens:
        params["reopen_note"] = reopens[-1].get("note")
    return params


def _called_back(state: str, event: Mapping) -> str:
    """A good callback closes; a dissatisfied one leaves the state to the reopen after it."""
    return "closed" if event.get("rating") in GOOD_RATINGS else state


WORKFLOW = Workflow(
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
               effect=_resolve),
        Action("report_back", ("resolved", "closed"), None, roles=DESK | FIELD_STAFF),
        Action("notify", ("resolved", "closed"), None, roles=DESK | FIELD_STAFF),
        Action("answer", ("received",), "resolved", roles=DESK, categories=ANSWERABLE,
               settable=("result",), requires=("result",), effect=_answer),
        Action("close", ("resolved",), "closed", roles=DESK, refuse_if=_refuse_manual_close),
        Action("reopen", ("resolved", "closed"), "assigned", roles=DESK, needs_note=True, effect=_reopen,
               replay=_reopened, outcomes=("received",)),
        Action("cancel", ("received", "assigned"), "cancelled", roles=DESK, needs_note=True),
        Action("escalate", OPEN_TICKET_STATES + ("resolved",), None, roles=DESK, effect=_escalate,
               refuse_if=_refuse_escalate, needs_note=True, via_command="escalate", prepare=_prepare_escalate),
        Action("callback", ("resolved",), None, roles=DESK, effect=_callback, via_command="open visit",
               replay=_called_back, outcomes=("closed", "assigned", "received"), recorded=_callback_recorded),
    ]},
)


# -- time limits -----------------------------------------------------------------------------
def with_clocks(data: dict, now: datetime, policy) -> dict:
    """A ticket's data with its computed `sla`, `next_due` and `overdue`."""
    from .. import sla

    rows = sla.clocks(data, now, policy)
    out = dict(data)
    out["sla"] = rows
    out["next_due"] = sla.next_due(rows)
    out["overdue"] = sla.overdue(rows)
    return out


def _overdue(data: dict, now: datetime) -> bool:
    return bool(data["overdue"]) and data.get("status") not in WORKFLOW.terminal


def _due(data: dict, now: datetime) -> list[datetime]:
    from .. import sla

    if data.get("status") in WORKFLOW.terminal:
        return []
    return [read_iso(row["due_at"]) for row in sla.running(data.get("sla") or []) if row.get("due_at")]


# -- checks ----------------------------------------------------------------------------------
def _timeline(data: dict) -> list[dict]:
    return [e for e in data.get("timeline") or [] if isinstance(e, dict)]


def _starts_with_receive(data, ctx):
    timeline = _timeline(data)
    if timeline and timeline[0].get("action") != "receive":
        yield ("timeline", 0, "action"), _("the timeline must start with 'receive'")


def _has_assignee(data, ctx):
    status = data.get("status")
    if status in ("assigned", "in_progress") and not data.get("assignee"):
        yield ("status",), _("status {status} needs an assignee").format(status=codes.shown("status", status))


# Imported history (source_id) came from a system with its own rules: no signatures, no callbacks.
def _signed_repair(data, ctx):
    status = data.get("status")
    if data.get("source_id") or status not in ("resolved", "closed") or data.get("category") not in REPAIRS:
        return
    if not data.get("signed_by") and any(e.get("action") == "resolve" for e in _timeline(data)):
        yield ("status",), _("a {status} repair needs the owner's signature (signed_by)").format(
            status=codes.shown("status", status))


def _consented_fee(data, ctx):
    if data.get("source_id") or data.get("category") != "paid_repair" or data.get("status") not in ("resolved", "closed"):
        return
    if data.get("fee_consent") is False and any(e.get("action") == "resolve" for e in _timeline(data)):
        yield ("fee_consent",), f"a {data.get('status')} paid repair needs the owner's consent to the price (fee_consent is false)"


def _called_back_before_closing(data, ctx):
    if data.get("source_id") or data.get("status") != "closed" or data.get("category") not in CALLBACK_CATEGORIES:
        return
    if not any(e.get("action") == "callback" for e in _timeline(data)):
        yield ("status",), _("a closed {category} needs a callback in its timeline").format(
            category=codes.shown("category", data.get("category")))


def _callbacks_have_visits(data, ctx):
    """Each callback in a timeline is a visit record (回访记录): a callback event invented
    in the timeline alone would count in the callback rate with nobody called."""
    if data.get("source_id") or ctx is None:
        return
    from . import kind_named

    visits = kind_named("visit")
    for i, event in enumerate(_timeline(data)):
        if event.get("action") != "callback":
            continue
        vid = event.get("visit")
        if not isinstance(vid, str) or not visits.id_re.fullmatch(vid) or not ctx.exists(visits.path_of(vid)):
            yield ("timeline", i, "visit"), _("the callback of {at} names no visit record ({visit})").format(
                at=event.get("at"), visit=vid or _("none"))


def _complaint_reported(data, ctx):
    if data.get("source_id") or data.get("category") != "complaint":
        return
    if isinstance(data.get("escalation_level"), int) and data["escalation_level"] < 1:
        yield ("escalation_level",), _("a complaint is reported to the supervisor: escalation_level is at least 1")


# -- listing and show ------------------------------------------------------------------------
def _phone(data, lang, reveal):
    from ..privacy import mask_phone

    phone = (data.get("reporter") or {}).get("phone")
    return (phone if reveal else mask_phone(phone)) if phone else ""


def _next_due(data, lang, reveal):
    return moment(data.get("next_due"))


def _overdue_cell(data, lang, reveal):
    return yes(data.get("overdue"), lang) or ("否" if lang == "zh" else "no")


def _next_due_marked(data, lang, reveal):
    """The terminal's cell: the time and, when it has passed, 超时 — one column to read; the
    exports have the two in two columns."""
    due = short(data.get("next_due"))
    if due and data.get("overdue"):
        due += " " + ("超时" if lang == "zh" else "overdue")
    return due




def _level(data, lang, reveal):
    from .. import codes

    level = data.get("escalation_level")
    return "" if level is None else f"{level} {codes.label('escalation_level', level, lang)}"


def _consent(data, lang, reveal):
    value = data.get("fee_consent")
    return "" if value is None else (yes(value, lang) or ("否" if lang == "zh" else "no"))


def _reporter(data, lang, reveal):
    return (data.get("reporter") or {}).get("name", "")


# -- paper (wuyectl print; the seed 003 §14 forms) ---------------------------------------------
_DISPATCH = (Line("assigned_at", ("派工时间", "dispatched"), event=("assign", "at")),
             Line("assigned_by", ("派工人", "dispatched by"), event=("assign", "by")))
_ON_SITE = (Line("arrived_at", ("到场时间", "arrived"), event=("arrive", "at")),
            Line("resolved_at", ("完成时间", "finished"), event=("resolve", "at")))
_FEES = ("materials", "fee", "fee_consent", "signed_by")

FORMS = {
    "service": Form(
        ("服务及回访记录表", "Service and callback record"),
        lines=("received_at", "channel", "category", "urgency", "where", "reporter", "phone", "appointment_at",
               Line("description", wide=True), "department", "assignee", *_DISPATCH, *_ON_SITE,
               Line("result", wide=True), *_FEES,
               Line("callback_at", ("回访时间", "called back"), event=("callback", "at")),
               Line("callback_by", ("回访人", "called back by"), event=("callback", "by")),
               Line("rating", ("回访评价", "callback rating"), event=("callback", "rating")),
               Line("visit", ("回访记录", "callback record"), event=("callback", "visit"))),
        signatures=(("客户", "Customer"), ("维修员", "Technician"), ("回访人", "Called back by"))),
    "work_order": Form(
        ("维修派工单", "Repair work order"),
        lines=("where", "category", "reporter", "phone", "repair_system", "damage",
               Line("description", wide=True), "department", "assignee", *_DISPATCH, "appointment_at",
               "received_at", *_ON_SITE, *_FEES, Line("result", wide=True)),
        signatures=(("派工人", "Dispatched by"), ("维修人员", "Technician"), ("业主验收", "Owner's acceptance"))),
}


KIND = Kind(
    name="ticket", plural="tickets", folder="tickets", id_form="T-20261122-A001",
    forms=FORMS,
    **daily_ids("T", "tickets", letter_optional=True),
    workflow=WORKFLOW,
    columns=("id", "status", "category", "channel", "where", "reporter", "phone", "assignee",
             "escalation_level", "received_at", "next_due", "description"),
    export_columns=("id", "status", "category", "channel", "where", "reporter", "phone", "assignee",
                    "escalation_level", "received_at", "next_due", "overdue", "description"),
    cells={"where": lambda d, lang, reveal: where(d), "reporter": _reporter, "phone": _phone,
           "next_due": _next_due, "overdue": _overdue_cell},
    table_cells={"next_due": _next_due_marked},
    narrow=("phone", "escalation_level", "channel", "description", "reporter", "received_at", "assignee",
            "category", "where"),
    open_by_default=True, order_by="received_at", newest_first=True,
    show_fields=("status", "category", "severity", "about_staff", "urgency", "channel", "unit", "location", "reporter",
                 "phone", "description", "repair_system", "damage", "department", "assignee",
                 "escalation_level", "appointment_at", "promised_at", "result", "materials", "fee",
                 "fee_consent", "signed_by", "signed_at", "received_at", "source_id", "source_category", "origin"),
    show_cells={"location": lambda d, lang, reveal: where({"location": d.get("location")}),
                "escalation_level": _level, "fee_consent": _consent,
                "unit": lambda d, lang, reveal: d.get("unit") or ""},
    show_sections=("timeline", "sla", "erased"),
    code_fields={"status": "status", "category": "category", "channel": "channel",
                 "severity": "severity", "urgency": "urgency", "department": "department"},
    labels={"about_staff": ("投诉对象", "complaint about")},
    opened_field="received_at",
    computed=with_clocks, overdue=_overdue, due=_due,
    people={"assignee": "assignee", "timeline.*.by": "timeline by", "timeline.*.to": "timeline to",
            "about_staff": "complaint about"},
    refs={"unit": "owner"},
    personal={"reporter.phone": "phone"},
    key_subject=lambda data: data.get("unit"),
    editable=("description", "unit", "location", "reporter", "repair_system", "damage", "result", "materials",
              "about_staff"),
    edit_hints={"assignee": N_("it is recorded by assigning: wuyectl assign {id} --to NAME"),
                "department": N_("it is recorded by assigning: wuyectl assign {id} --to NAME --dept DEPT"),
                "escalation_level": N_("it is recorded by escalating: wuyectl escalate {id} --reason …"),
                "signed_at": N_("it is recorded with the owner's signature: --action resolve --set signed_by=NAME"),
                "visit": N_("it is set by the home visit that raised the complaint")},
    checks=(
        Check("W-timeline-start", "a ticket's timeline starts with its receipt", _starts_with_receive),
        Check("W-assignee", "an assigned or in-progress ticket has an assignee", _has_assignee),
        Check("W-signature", "a resolved repair carries the owner's signature", _signed_repair),
        Check("W-fee-consent", "a resolved paid repair has the owner's consent to the price", _consented_fee),
        Check("W-callback", "a repair, complaint or help request is closed by its callback",
              _called_back_before_closing, audit="A-no-callback"),
        Check("W-callback-visit", "each callback in a ticket's timeline is a visit record",
              _callbacks_have_visits, audit="A-no-callback"),
        Check("W-complaint-level", "a complaint is reported to the supervisor (level 1 or more)",
              _complaint_reported),
    ),
)
