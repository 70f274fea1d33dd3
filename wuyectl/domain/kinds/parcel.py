"""Mail and parcels at the front desk (报刊、邮件、包裹单签收与发放, seed 000 大堂前台 8).

- Received: the desk signs for an item from a carrier (`wuyectl log parcel --carrier 顺丰
  --tracking SF… --unit 3-2-1201 --addressee 李四`); an item for a unit names a household that
  exists, and one tracking number is received once while it waits.
- Notified: the household is told, and how (`wuyectl notify ID --set notified_via=sms`); a
  reminder is another notify (the first time stays `notified_at`).
- Collected: by whom, signed (`wuyectl collect ID --set collector=… --set signature=…`), the
  name as signed; someone other than the addressee collects on their behalf (`relation`).
- Waiting longer than the policy's days (`parcel.keep_days`, 7) is overdue; an overdue item
  may be returned to the sender (`wuyectl return-to-sender ID`), which ends it.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping

from ...errors import NotPermitted, Refused
from ...i18n import N_, _
from ...timeutil import read_iso, readable, short
from .. import codes
from ..workflow import DESK, Action, Change, Workflow
from . import Check, DeskPart, Figure, Kind, Setting, daily_ids, yes

HANDLERS = DESK | {"security"}     # the desk signs for and hands out mail; the gate's guards too
WAITING = ("received", "notified")


def keep_days(policy) -> int:
    return KIND.setting(policy, "keep_days")


def due_at(record: Mapping, policy) -> datetime:
    """When an item waiting at the desk becomes overdue."""
    return read_iso(record["received_at"]) + timedelta(days=keep_days(policy))


def _new(values: dict, person: Mapping, at: str, ctx) -> dict:
    if person.get("role") not in HANDLERS:
        raise NotPermitted(_("{name} ({role}) may not sign for mail: needs {roles}").format(
            name=person.get("name"), role=codes.shown("role", person.get("role")),
            roles=codes.shown_or("role", sorted(HANDLERS))))
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items() if v not in (None, "")}
    tracking = values.get("tracking")
    if tracking:
        for other in ctx.records("parcel"):
            if other.get("tracking") == tracking and other.get("status") in WAITING:
                raise Refused(_("tracking number {tracking} is already at the desk as {id}").format(
                    tracking=tracking, id=other.get("id")))
    return {"status": "received", "type": values.pop("type", "parcel"), **values, "received_at": at,
            "received_by": person["name"], "timeline": [{"at": at, "by": person["name"], "action": "open"}]}


def _notify(change: Change) -> None:
    record = change.record
    if not record.get("notified_at"):
        record["notified_at"] = change.at
        record["notified_by"] = change.actor


def _collect(change: Change) -> None:
    record = change.record
    record["collected_at"] = change.at
    record["handed_by"] = change.actor
    collector = str(record.get("collector") or "").strip()
    if not collector or not record.get("signature"):
        return   # the action's `requires` says what is missing
    record["on_behalf"] = collector != record.get("addressee")
    if record["on_behalf"] and not record.get("relation"):
        raise Refused(_("{collector} is not the addressee ({addressee}): say who they are to them "
                        "(--set relation=家人/同事/…)").format(collector=collector, addressee=record.get("addressee")))


def _not_yet_overdue(change: Change) -> str | None:
    record = change.record
    if not change.at or not record.get("received_at"):
        return None
    due = due_at(record, change.params.get("policy"))
    if read_iso(str(change.at)) < due:
        return _("an item is returned to its sender only once overdue (kept {days} days, until {due})").format(
            days=keep_days(change.params.get("policy")), due=short(due))
    return None


def _return(change: Change) -> None:
    change.record["sent_back_at"] = change.at
    change.record["sent_back_by"] = change.actor


WORKFLOW = Workflow(
    kind="parcel", states=("received", "notified", "collected", "returned"), initial="received",
    terminal=("collected", "returned"),
    actions={a.name: a for a in [
        Action("notify", WAITING, "notified", roles=HANDLERS, settable=("notified_via",), requires=("notified_via",),
               effect=_notify),
        Action("collect", WAITING, "collected", roles=HANDLERS, settable=("collector", "signature", "relation"),
               requires=("collector", "signature"), effect=_collect),
        Action("return_to_sender", WAITING, "returned", roles=HANDLERS, refuse_if=_not_yet_overdue, effect=_return),
    ]},
)


# -- clocks ----------------------------------------------------------------------------------
def _computed(record: dict, now: datetime, policy) -> dict:
    out = dict(record)
    if record.get("received_at"):
        due = due_at(record, policy)
        out["due_at"] = due.isoformat(timespec="seconds")
        out["overdue"] = record.get("status") in WAITING and now >= due
    return out


def _overdue(record: dict, now: datetime) -> bool:
    return bool(record.get("overdue"))


def _due(record: dict, now: datetime) -> list[datetime]:
    return [read_iso(record["due_at"])] if record.get("status") in WAITING and record.get("due_at") else []


# -- checks ----------------------------------------------------------------------------------
def _after_receipt(data, key):
    when, received = data.get(key), data.get("received_at")
    return not (when and received and readable(when) and readable(received)) or read_iso(when) >= read_iso(received)


def _collected(data, ctx):
    if data.get("status") == "collected":
        for key in ("collector", "signature", "collected_at"):
            if not data.get(key):
                yield (key,), _("a collected item records {field}").format(field=key)
    elif data.get("collected_at"):
        yield ("collected_at",), _("an item not collected has no collection time")
    if not _after_receipt(data, "collected_at"):
        yield ("collected_at",), _("an item is collected after it is received")


def _notified(data, ctx):
    if data.get("status") == "notified" and not data.get("notified_at"):
        yield ("notified_at",), _("a notified item records when the household was told")
    if not _after_receipt(data, "notified_at"):
        yield ("notified_at",), _("a household is told after the item is received")


def _returned(data, ctx):
    if data.get("status") == "returned" and not data.get("sent_back_at"):
        yield ("sent_back_at",), _("a returned item records when it went back")


# -- the front desk's report -----------------------------------------------------------------
RECEIVED = Figure("received", "收件", "received", "items received in the period")
NOTIFIED = Figure("notified", "已通知率", "notified", "items of the period whose household was told by the as-of time",
                  "items received in the period")
COLLECTED = Figure("collected", "已领取", "collected", "items of the period collected by the as-of time")
IN_TIME = Figure("collected_in_time", "按期领取率", "collected in time",
                 "items of the period collected within the policy's days (parcel.keep_days, 7)",
                 "items received in the period")
RETURNED = Figure("returned", "退回寄件人", "returned to sender", "items of the period returned to the sender")
OVERDUE = Figure("overdue", "超期未领", "overdue now",
                 "items waiting at the as-of time longer than the policy's days (received in any period)")


def _by(record: Mapping, key: str, as_of: datetime) -> bool:
    return bool(record.get(key)) and read_iso(record[key]) <= as_of


def _waiting_at(record: Mapping, as_of: datetime) -> bool:
    return read_iso(record["received_at"]) <= as_of and not _by(record, "collected_at", as_of) \
        and not _by(record, "sent_back_at", as_of)


def _desk(records_of, period, as_of, policy, lang) -> DeskPart:
    items = [p for p in records_of("parcel") if p.get("received_at")]
    came = [p for p in items if period.happened(p["received_at"], as_of)]
    in_time = [p for p in came if _by(p, "collected_at", as_of) and read_iso(p["collected_at"]) <= due_at(p, policy)]
    late = sorted((p for p in items if _waiting_at(p, as_of) and due_at(p, policy) <= as_of),
                  key=lambda p: (p["received_at"], p["id"]))
    figures = [(RECEIVED, len(came), None),
               (NOTIFIED, sum(1 for p in came if _by(p, "notified_at", as_of)), len(came)),
               (COLLECTED, sum(1 for p in came if _by(p, "collected_at", as_of)), None),
               (IN_TIME, len(in_time), len(came)),
               (RETURNED, sum(1 for p in came if _by(p, "sent_back_at", as_of)), None),
               (OVERDUE, len(late), None)]
    rows = [[p["id"], p.get("unit", ""), p.get("addressee", ""), p.get("carrier", ""), p.get("tracking", ""),
             short(p["received_at"]), short(due_at(p, policy)),
             short(p["notified_at"]) if _by(p, "notified_at", as_of) else ""] for p in late]
    return DeskPart(figures=figures, tables=[
        ("overdue", ("超期未领", "Overdue, not collected"),
         ("id", "unit", "addressee", "carrier", "tracking", "received_at", "due_at", "notified_at"), rows)])


KIND = Kind(
    name="parcel", plural="parcels", folder="parcels", id_form="P-…",
    **daily_ids("P", "parcels"),
    workflow=WORKFLOW,
    columns=("id", "status", "type", "carrier", "tracking", "unit", "addressee", "received_at", "notified_at",
             "collector", "collected_at", "overdue"),
    export_columns=("id", "status", "type", "carrier", "tracking", "unit", "addressee", "shelf", "received_at",
                    "received_by", "notified_at", "notified_via", "due_at", "overdue", "collector", "signature",
                    "on_behalf", "relation", "collected_at", "handed_by", "sent_back_at", "note"),
    cells={"overdue": lambda d, lang, reveal: yes(d.get("overdue"), lang),
           "on_behalf": lambda d, lang, reveal: yes(d.get("on_behalf"), lang)},
    clip_widths={"tracking": 16},
    narrow=("collected_at", "collector", "notified_at", "type", "carrier", "tracking"),
    open_by_default=True, order_by="received_at",
    show_fields=("status", "type", "carrier", "tracking", "unit", "addressee", "shelf", "received_at", "received_by",
                 "notified_at", "notified_by", "notified_via", "due_at", "overdue", "collector", "signature",
                 "on_behalf", "relation", "collected_at", "handed_by", "sent_back_at", "sent_back_by", "note"),
    show_sections=("timeline",),
    code_fields={"status": "parcel_status", "type": "parcel_type", "notified_via": "method"},
    codes={
        "parcel_status": {"received": ("已收件", "received"), "notified": ("已通知", "notified"),
                          "collected": ("已领取", "collected"), "returned": ("已退回", "returned to sender")},
        "parcel_type": {"parcel": ("包裹", "parcel"), "letter": ("信件", "letter"), "newspaper": ("报刊", "newspaper"),
                        "parcel_slip": ("包裹单", "parcel slip")},
        "action": {"collect": ("领取", "collect"), "return_to_sender": ("退回寄件人", "return to sender")},
    },
    labels={"parcels": ("邮件包裹", "mail and parcels"), "carrier": ("快递公司", "carrier"),
            "tracking": ("运单号", "tracking no."), "addressee": ("收件人", "addressee"),
            "shelf": ("存放位置", "kept at"), "received_by": ("经收人", "received by"),
            "notified_at": ("通知时间", "notified"), "notified_by": ("通知人", "notified by"),
            "notified_via": ("通知方式", "how notified"), "collector": ("领取人", "collected by"),
            "signature": ("领取签名", "signature"), "on_behalf": ("代领", "on behalf"),
            "collected_at": ("领取时间", "collected"), "handed_by": ("发放人", "handed over by"),
            "sent_back_at": ("退回时间", "returned to sender"), "sent_back_by": ("退回经办人", "returned by")},
    opened_field="received_at",
    computed=_computed, overdue=_overdue, due=_due,
    people={"received_by": "received by", "notified_by": "notified by", "handed_by": "handed over by",
            "sent_back_by": "returned by", "timeline.*.by": "timeline by"},
    refs={"unit": "owner"},
    editable=("shelf", "note"),
    edit_hints={key: N_("it is recorded when the item is collected: wuyectl collect {id} --set collector=… "
                        "--set signature=…") for key in ("collected_at", "handed_by", "on_behalf")},
    checks=(
        Check("W-parcel-collected", "a collected item records who collected it, their signature and when",
              _collected),
        Check("W-parcel-notified", "a notified item records when the household was told, after it came", _notified),
        Check("W-parcel-returned", "an item returned to its sender records when", _returned),
    ),
    new_record=_new, logbook=True,
    entry_fields=("type", "carrier", "tracking", "unit", "addressee", "shelf", "note"),
    entry_required=("addressee",),
    entry_help="Sign for mail or a parcel at the desk (报刊、邮件、包裹单签收): the carrier, its tracking number, "
               "the unit and the person it is for. Then `wuyectl notify ID --set notified_via=sms`, and `wuyectl "
               "collect ID --set collector=NAME --set signature=NAME` (--set relation=… when collected on their "
               "behalf); overdue after the policy's days (parcel.keep_days) it may be `return-to-sender`.",
    settings={"keep_days": Setting(
        7, {"type": "integer", "minimum": 1, "maximum": 90},
        "days an item waits at the desk before it is overdue, uncollected (and may be returned to the sender)")},
    desk="frontdesk", figures=(RECEIVED, NOTIFIED, COLLECTED, IN_TIME, RETURNED, OVERDUE), desk_report=_desk,
)
