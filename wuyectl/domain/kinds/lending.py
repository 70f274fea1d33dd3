"""Lending (借用登记): tools, umbrellas and the like the front desk lends (seed 000 大堂前台 5:
借用时需填写各项借用登记表，归还时应仔细检查物品是否有损坏并记录).

- `wuyectl log lending --item 雨伞 --borrower 李四 [--unit 3-2-1201] [--due-at TIME] [--deposit 20]`
  lends one item: to a household's owner or tenant (the unit must be on file) or to anyone by
  name; due back at --due-at, else after the policy's `lending.default_hours`.
- `wuyectl return ID --set condition=intact|damaged|lost` takes it back, its condition checked
  and recorded (a damaged one with `condition_note`, what is wrong). A damaged or lost item may
  open a repair ticket in the same commit (`--set repair=yes`) and/or record a charge paid
  (`--set charge=30 --set charge_reason=…`: a record of money taken, not a payment system).
- Overdue: still out after its due time (`get lending --overdue`).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping

from ...errors import BadValue, Refused
from ...i18n import N_, _
from ...timeutil import moment, read_iso, short
from .. import codes
from ..workflow import ALL_STAFF, Action, Change, Workflow, read_amount
from . import Check, DeskPart, Figure, Kind, Setting, daily_ids

CONDITIONS = ("intact", "damaged", "lost")
SPOILED = ("damaged", "lost")      # a return that may open a repair ticket or take a charge


# -- lending ---------------------------------------------------------------------------------
def _new(values: dict, person: Mapping, at: str, ctx) -> dict:
    for key in ("item", "borrower"):
        if not str(values.get(key) or "").strip():
            raise BadValue(_("--{field} is empty").format(field=key))
    lent_at = read_iso(at)
    if values.get("due_at"):
        due = read_iso(values["due_at"])
        if due <= lent_at:
            raise BadValue(_("--due-at {due} is not after the item is lent ({at})").format(
                due=short(values["due_at"]), at=short(at)))
    else:
        due = lent_at + timedelta(hours=KIND.setting(ctx.policy, "default_hours"))
    record = {"status": "out", "item": str(values["item"]).strip(), "borrower": str(values["borrower"]).strip()}
    for key in ("unit", "phone"):
        if values.get(key):
            record[key] = str(values[key]).strip()
    record["lent_at"] = at
    record["due_at"] = due.isoformat(timespec="seconds")
    if values.get("deposit") not in (None, ""):
        record["deposit"] = read_amount(values["deposit"], "--deposit")
    if values.get("note"):
        record["note"] = values["note"]
    record["timeline"] = [{"at": at, "by": person["name"], "action": "open"}]
    return record


# -- return ----------------------------------------------------------------------------------
def _yes(value, what: str) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1", "是"):
        return True
    if text in ("false", "no", "n", "0", "否", ""):
        return False
    raise BadValue(_("{field}: '{value}' is not yes or no").format(field=what, value=value))


def _return(change: Change) -> None:
    record = change.record
    condition = record.get("condition")
    if not condition:
        raise Refused(_("check the item and record its condition: --set condition={codes}").format(
            codes="|".join(CONDITIONS)))
    if condition == "damaged" and not record.get("condition_note"):
        raise Refused(_("a damaged item is recorded with what is wrong: --set condition_note=…"))
    # `repair` asks for a ticket; the record keeps the ticket's ID, not the wish.
    repair = _yes(record.pop("repair", None), "repair")
    charge = record.get("charge")
    if condition not in SPOILED and (repair or charge):
        raise Refused(_("an item returned intact needs no repair ticket or charge"))
    if charge and not record.get("charge_reason"):
        raise Refused(_("a charge is recorded with its reason: --set charge_reason=…"))
    if record.get("charge_reason") and not charge:
        raise Refused(_("a charge reason without a charge: --set charge=AMOUNT"))
    if charge is not None:
        record["charge"] = read_amount(charge, "charge")
    record["returned_at"] = change.at
    record["received_by"] = change.actor
    if repair:
        what = codes.label("condition", condition, "zh")
        detail = record.get("condition_note") or what
        record["ticket"] = change.open("ticket", {
            "category": "repair", "channel": "walk_in", "origin": record["id"],
            "description": f"借用物品{what}：{record['item']}（{record['id']}）：{detail}",
            "location": {"place": "前台借用物品"}, "damage": detail})


WORKFLOW = Workflow(
    kind="lending record",
    states=("out", "returned"),
    initial="out",
    terminal=("returned",),
    actions={"return": Action("return", ("out",), "returned", roles=ALL_STAFF,
                              settable=("condition", "condition_note", "repair", "charge", "charge_reason"),
                              requires=("condition",), effect=_return, opens=("ticket",))},
)


# -- time ------------------------------------------------------------------------------------
def _out_at(record: Mapping, when: datetime) -> bool:
    """Lent by `when` and not yet back then (the record's times, so a report as of an earlier
    day counts what was out that day)."""
    if not record.get("lent_at") or read_iso(record["lent_at"]) > when:
        return False
    back = record.get("returned_at")
    return not back or read_iso(back) > when


def _overdue_at(record: Mapping, when: datetime) -> bool:
    return _out_at(record, when) and bool(record.get("due_at")) and read_iso(record["due_at"]) < when


def _late(record: Mapping) -> bool:
    back, due = record.get("returned_at"), record.get("due_at")
    return bool(back and due) and read_iso(back) > read_iso(due)


def _computed(record: dict, now: datetime, policy) -> dict:
    out = dict(record)
    if record.get("status") == "out":
        out["overdue"] = _overdue_at(record, now)
    elif record.get("returned_at"):
        out["returned_late"] = _late(record)
    return out


def _overdue(record: dict, now: datetime) -> bool:
    return record.get("status") == "out" and _overdue_at(record, now)


def _due(record: dict, now: datetime) -> list[datetime]:
    return [read_iso(record["due_at"])] if record.get("status") == "out" and record.get("due_at") else []


# -- checks ----------------------------------------------------------------------------------
def _returned_recorded(data, ctx):
    status = data.get("status")
    if status == "returned":
        for key in ("returned_at", "received_by", "condition"):
            if not data.get(key):
                yield (key,), _("a returned item records {field}").format(field=key)
    elif status == "out":
        for key in ("returned_at", "received_by", "condition", "charge", "ticket"):
            if key in data:
                yield (key,), _("an item still out has no {field}").format(field=key)


def _due_after_lent(data, ctx):
    try:
        if read_iso(data["due_at"]) <= read_iso(data["lent_at"]):
            yield ("due_at",), _("due back {due} is not after it was lent ({lent})").format(
                due=data["due_at"], lent=data["lent_at"])
    except (KeyError, TypeError, ValueError):
        pass


def _charge_when_spoiled(data, ctx):
    if data.get("condition") == "intact" and (data.get("charge") or data.get("ticket")):
        yield ("condition",), _("an item returned intact has no charge or repair ticket")
    if data.get("charge") and not data.get("charge_reason"):
        yield ("charge_reason",), _("a charge records its reason")


# -- cells and report ------------------------------------------------------------------------
def _condition(d, lang, reveal):
    return codes.label("condition", d.get("condition"), lang) if d.get("condition") else ""


def _late_cell(d, lang, reveal):
    late = d.get("overdue") if d.get("status") == "out" else d.get("returned_late")
    return ("逾期" if lang == "zh" else "late") if late else ""


LENT = Figure("lent", "借出", "lent", "items lent in the period (lent_at in the period)")
RETURNED = Figure("returned", "归还", "returned", "returns recorded in the period (any condition, lost included)")
LATE = Figure("returned_late", "逾期归还", "returned late", "returns in the period after the item's due time",
              "returns in the period")
SPOILT = Figure("damaged_lost", "损坏/遗失", "damaged or lost", "returns in the period found damaged or lost",
                "returns in the period")
OUT = Figure("out_now", "在借", "out now", "items lent and not returned at the as-of time")
OVERDUE = Figure("overdue_now", "逾期未还", "overdue now", "items out at the as-of time past their due time")


def _desk(records_of, period, as_of, policy, lang) -> DeskPart:
    records = records_of("lending")
    returned = [r for r in records if period.happened(r.get("returned_at"), as_of)]
    spoilt = [r for r in returned if r.get("condition") in SPOILED]
    overdue = sorted((r for r in records if _overdue_at(r, as_of)), key=lambda r: (r["due_at"], r["id"]))
    figures = [(LENT, sum(1 for r in records if period.happened(r.get("lent_at"), as_of)), None),
               (RETURNED, len(returned), None),
               (LATE, sum(1 for r in returned if _late(r)), len(returned)),
               (SPOILT, len(spoilt), len(returned)),
               (OUT, sum(1 for r in records if _out_at(r, as_of)), None),
               (OVERDUE, len(overdue), None)]
    tables = [
        ("overdue", ("逾期未还物品", "Items overdue"), ("id", "item", "borrowed_by", "unit", "loan_due"),
         [[r["id"], r["item"], r["borrower"], r.get("unit", ""), short(r["due_at"])] for r in overdue]),
        ("damaged", ("损坏/遗失物品", "Items damaged or lost"),
         ("id", "item", "borrowed_by", "condition", "condition_note", "charge", "ticket"),
         [[r["id"], r["item"], r["borrower"], codes.label("condition", r["condition"], lang),
           r.get("condition_note", ""), r.get("charge"), r.get("ticket", "")]
          for r in sorted(spoilt, key=lambda r: r["id"])]),
    ]
    return DeskPart(figures=figures, tables=tables)


def _handover(records_of, day, at, policy, lang) -> DeskPart:
    """The duty sheet: what is still out at the handover, the overdue first."""
    out = sorted((r for r in records_of("lending") if _out_at(r, at)),
                 key=lambda r: (not _overdue_at(r, at), r["due_at"], r["id"]))
    late = "逾期" if lang == "zh" else "late"
    return DeskPart(tables=[("out", ("借出未还（交接）", "Items out"),
                             ("id", "item", "borrowed_by", "unit", "loan_due", "late"),
                             [[r["id"], r["item"], r["borrower"], r.get("unit", ""), short(r["due_at"]),
                               late if _overdue_at(r, at) else ""] for r in out])])


KIND = Kind(
    name="lending", plural="lending", folder="lending", id_form="L-…", aliases=("lendings", "loan-log"),
    **daily_ids("L", "lending"),
    workflow=WORKFLOW,
    columns=("id", "status", "item", "borrowed_by", "unit", "phone", "lent_at", "loan_due", "returned_at",
             "condition", "late"),
    export_columns=("id", "status", "item", "borrowed_by", "unit", "phone", "lent_at", "loan_due", "deposit",
                    "returned_at", "received_by", "condition", "condition_note", "charge", "charge_reason",
                    "ticket", "late"),
    cells={"borrowed_by": lambda d, lang, reveal: d.get("borrower", ""),
           "loan_due": lambda d, lang, reveal: moment(d.get("due_at")), "condition": _condition,
           "late": _late_cell},
    clip_widths={"item": 16, "condition_note": 24},
    narrow=("phone", "late", "returned_at", "unit", "condition"),
    open_by_default=False, order_by="lent_at",
    show_fields=("status", "item", "borrowed_by", "unit", "phone", "lent_at", "loan_due", "deposit", "note",
                 "returned_at", "received_by", "condition", "condition_note", "charge", "charge_reason",
                 "ticket", "late"),
    show_sections=("timeline",),
    code_fields={"status": "lending_status", "condition": "condition"},
    codes={
        "lending_status": {"out": ("借出", "out"), "returned": ("已归还", "returned")},
        "condition": {"intact": ("完好", "intact"), "damaged": ("损坏", "damaged"), "lost": ("遗失", "lost")},
        "action": {"return": ("归还", "return")},
    },
    labels={"lending": ("物品借用", "lending"), "item": ("物品", "item"), "borrowed_by": ("借用人", "borrower"),
            "loan_due": ("应还时间", "due back"), "deposit": ("押金", "deposit"),
            "received_by": ("经收人", "received by"), "condition": ("归还状况", "condition"),
            "condition_note": ("检查记录", "condition noted"), "charge": ("赔偿金额", "charge"),
            "charge_reason": ("赔偿原因", "charge reason"), "late": ("逾期", "late"),
            "returned_late": ("逾期归还", "returned late"), "repair": ("报修", "repair")},
    opened_field="lent_at",
    computed=_computed, overdue=_overdue, due=_due,
    people={"timeline.*.by": "timeline by", "received_by": "received by"},
    refs={"unit": "owner", "ticket": "ticket"},
    personal={"phone": "phone"},
    key_subject=lambda data: data.get("unit"),
    editable=("note", "phone", "condition_note"),
    edit_hints={"returned_at": N_("it is recorded by returning: wuyectl return {id} --set condition=…"),
                "received_by": N_("it is recorded by returning: wuyectl return {id} --set condition=…"),
                "ticket": N_("a repair ticket is opened by returning: wuyectl return {id} --set repair=yes")},
    checks=(
        Check("W-lending-return", "a returned item records when, by whom and in what condition; one out has none",
              _returned_recorded),
        Check("W-lending-due", "an item is due back after it is lent", _due_after_lent),
        Check("W-lending-charge", "only a damaged or lost item has a charge or repair ticket; a charge has its reason",
              _charge_when_spoiled),
    ),
    logbook=True,
    entry_fields=("item", "borrower", "unit", "phone", "due_at", "deposit", "note"),
    entry_required=("item", "borrower"),
    entry_help="Lend an item from the front desk (借用登记): an umbrella, a tool … to a household "
               "(--unit, on file) or anyone by name; due back at --due-at, else after the policy's "
               "lending.default_hours. Taken back with `wuyectl return ID --set condition=…`.",
    settings={"default_hours": Setting(24, {"type": "integer", "minimum": 1, "maximum": 2160},
                                       "hours an item is lent for when no --due-at is given")},
    desk="frontdesk", figures=(LENT, RETURNED, LATE, SPOILT, OUT, OVERDUE), desk_report=_desk, handover=_handover,
    new_record=_new,
)
