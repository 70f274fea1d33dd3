"""Lost and found (客户失物登记表 / 物品发还清单; seed 000 大堂前台 6: 如拾到客户遗失物品，需在
《客户失物登记表》中进行登记，如有客户认领，需在《物品发还清单》中进行记录).

- `wuyectl log lostfound --item 黑色钱包 --found-place 2栋大堂 --found-by 陈洁 --kept-at 前台失物柜`
  registers a found item: what, where, when (--found-at, default now), who found it (staff or
  an owner: --finder-unit), where it is kept.
- `wuyectl claim ID --set claimant=… --set claimant_id_type=id_card --set claimant_id_number=…
  --set signed=yes` hands it back: who claimed it, their proof of identity (the document's number
  is personal data, masked), their signature on the 物品发还清单; the staff member who returns it
  is the one who records it.
- `wuyectl dispose ID --set disposal=police|donate|destroy|other` after the policy's keeping
  time (`lostfound.keep_days`, 90 by default): a supervisor or the director takes the step, so
  the disposal carries their approval. Before the keeping time it is refused.
- Overdue: still kept on or after its keeping time ends (`get lostfound --overdue`: what needs
  disposing of).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Mapping

from ...errors import BadValue, Refused
from ...i18n import N_, _
from ...timeutil import read_iso, short
from .. import codes
from ..privacy import id_card_problem, is_sealed
from ..workflow import ALL_STAFF, MANAGERS, Action, Change, Workflow
from . import Check, DeskPart, Figure, Kind, Setting, daily_ids

CLAIM = ("claimant", "claimant_id_type", "claimant_id_number")


def keep_until(record: Mapping, policy) -> date | None:
    """The last day it is kept: found on day D, kept `keep_days` days, disposable from D + keep_days."""
    if not record.get("found_at"):
        return None
    return read_iso(record["found_at"]).date() + timedelta(days=KIND.setting(policy, "keep_days"))


# -- found -----------------------------------------------------------------------------------
def _new(values: dict, person: Mapping, at: str, ctx) -> dict:
    for key in ("item", "found_place", "found_by", "kept_at"):
        if not str(values.get(key) or "").strip():
            raise BadValue(_("--{field} is empty").format(field=key.replace("_", "-")))
    found_at = values.get("found_at") or at
    if read_iso(found_at) > read_iso(at):
        raise BadValue(_("--found-at {found} is later than now ({at})").format(found=short(found_at), at=short(at)))
    record = {"status": "kept", "item": str(values["item"]).strip(), "found_at": found_at,
              "found_place": str(values["found_place"]).strip(), "found_by": str(values["found_by"]).strip()}
    if values.get("finder_unit"):
        record["finder_unit"] = str(values["finder_unit"]).strip()
    record["kept_at"] = str(values["kept_at"]).strip()
    if values.get("note"):
        record["note"] = values["note"]
    record["timeline"] = [{"at": at, "by": person["name"], "action": "open"}]
    return record


# -- claim -----------------------------------------------------------------------------------
def _claim(change: Change) -> None:
    record = change.record
    missing = [key for key in CLAIM if not str(record.get(key) or "").strip()]
    if missing:
        raise Refused(_("a claim records who claimed it and their proof of identity: {fields}").format(
            fields=" ".join(f"--set {key}=…" for key in missing)))
    number = record["claimant_id_number"]
    # (kept as typed: the claim event holds the same value. The audit replays a sealed one,
    # checked in clear when it was written.)
    if record["claimant_id_type"] == "id_card" and not is_sealed(number):
        problem = id_card_problem(str(number))
        if problem:
            raise BadValue(f"claimant_id_number: {problem}")
    if record.get("signed") is not True:
        raise Refused(_("the claimant signs the 物品发还清单 (list of items returned): --set signed=yes"))
    record["claimed_at"] = change.at
    record["returned_by"] = change.actor


# -- dispose ---------------------------------------------------------------------------------
def _refuse_dispose(change: Change) -> str | None:
    if not change.at:   # (listing what a state allows: no time to judge by)
        return None
    until = keep_until(change.record, change.params.get("policy"))
    if until is not None and read_iso(change.at).date() < until:
        return _("it is kept until {day} (the policy's {days} days); it may not be disposed of before").format(
            day=until.isoformat(), days=KIND.setting(change.params.get("policy"), "keep_days"))
    return None


def _dispose(change: Change) -> None:
    record = change.record
    if not record.get("disposal"):
        raise Refused(_("say how it is disposed of: --set disposal={codes}").format(
            codes="|".join(DISPOSALS)))
    record["disposed_at"] = change.at
    record["approved_by"] = change.actor


DISPOSALS = ("police", "donate", "destroy", "other")

WORKFLOW = Workflow(
    kind="lost-and-found item",
    states=("kept", "claimed", "disposed"),
    initial="kept",
    terminal=("claimed", "disposed"),
    actions={a.name: a for a in [
        Action("claim", ("kept",), "claimed", roles=ALL_STAFF,
               settable=("claimant", "claimant_id_type", "claimant_id_number", "claimant_phone", "claimant_unit",
                         "signed"),
               requires=CLAIM, effect=_claim),
        Action("dispose", ("kept",), "disposed", roles=MANAGERS, settable=("disposal", "disposal_note"),
               requires=("disposal",), refuse_if=_refuse_dispose, effect=_dispose),
    ]},
)


# -- time ------------------------------------------------------------------------------------
def _kept_at_time(record: Mapping, when: datetime) -> bool:
    """Found by `when` and neither claimed nor disposed of by then."""
    if not record.get("found_at") or read_iso(record["found_at"]) > when:
        return False
    ended = record.get("claimed_at") or record.get("disposed_at")
    return not ended or read_iso(ended) > when


def _past_keeping(record: Mapping, when: datetime, policy) -> bool:
    until = keep_until(record, policy)
    return _kept_at_time(record, when) and until is not None and when.date() >= until


def _computed(record: dict, now: datetime, policy) -> dict:
    out = dict(record)
    until = keep_until(record, policy)
    if until is not None:
        out["keep_until"] = until.isoformat()
    if record.get("status") == "kept":
        out["overdue"] = until is not None and now.date() >= until
    return out


def _overdue(record: dict, now: datetime) -> bool:
    return record.get("status") == "kept" and bool(record.get("overdue"))


# -- checks ----------------------------------------------------------------------------------
def _ending_recorded(data, ctx):
    status = data.get("status")
    need = {"claimed": ("claimed_at", "returned_by", *CLAIM), "disposed": ("disposed_at", "approved_by", "disposal")}
    for key in need.get(status, ()):
        if not data.get(key):
            yield (key,), _("a {status} item records {field}").format(
                status=codes.shown("lostfound_status", status), field=key)
    if status == "claimed" and data.get("signed") is not True:
        yield ("signed",), _("a claimed item records the claimant's signature (signed: true)")
    if status == "kept":
        for key in ("claimed_at", "disposed_at"):
            if key in data:
                yield (key,), _("an item still kept has no {field}").format(field=key)


def _claimant_id(data, ctx):
    number = data.get("claimant_id_number")
    if data.get("claimant_id_type") == "id_card" and isinstance(number, str) and not is_sealed(number):
        problem = id_card_problem(number)
        if problem:
            yield ("claimant_id_number",), problem


# -- cells and report ------------------------------------------------------------------------
def _outcome(d, lang, reveal):
    """Who took it back, or how it was disposed of."""
    if d.get("status") == "claimed":
        return d.get("claimant", "")
    if d.get("status") == "disposed":
        return codes.label("disposal", d.get("disposal"), lang)
    return ""


def _past(d, lang, reveal):
    return ("待处理" if lang == "zh" else "due for disposal") if d.get("overdue") else ""


FOUND = Figure("found", "拾获登记", "found", "items registered in the period (found_at in the period)")
CLAIMED = Figure("returned", "发还失主", "returned to owner", "items claimed in the period (claimed_at in the period)")
DISPOSED = Figure("disposed", "处理", "disposed of", "items disposed of in the period (disposed_at in the period)")
KEPT = Figure("kept_now", "保管中", "kept now", "items found and neither claimed nor disposed of at the as-of time")
PAST = Figure("past_keeping", "超过保管期", "past keeping time",
              "items kept at the as-of time whose keeping time (lostfound.keep_days from the day found) has ended")


def _desk(records_of, period, as_of, policy, lang) -> DeskPart:
    records = records_of("lostfound")
    past = sorted((r for r in records if _past_keeping(r, as_of, policy)), key=lambda r: (r["found_at"], r["id"]))
    figures = [(FOUND, sum(1 for r in records if period.holds(r.get("found_at"))), None),
               (CLAIMED, sum(1 for r in records if period.holds(r.get("claimed_at"))), None),
               (DISPOSED, sum(1 for r in records if period.holds(r.get("disposed_at"))), None),
               (KEPT, sum(1 for r in records if _kept_at_time(r, as_of)), None),
               (PAST, len(past), None)]
    tables = [("past_keeping", ("超过保管期待处理", "Past keeping time, to dispose of"),
               ("id", "item", "found_at", "found_place", "kept_at", "keep_until"),
               [[r["id"], r["item"], short(r["found_at"]), r["found_place"], r["kept_at"],
                 keep_until(r, policy).isoformat()] for r in past])]
    return DeskPart(figures=figures, tables=tables)


def _handover(records_of, day, at, policy, lang) -> DeskPart:
    """The duty sheet: the items found that day, and those kept past their keeping time."""
    records = records_of("lostfound")
    today = sorted((r for r in records if day.holds(r.get("found_at")) and read_iso(r["found_at"]) <= at),
                   key=lambda r: (r["found_at"], r["id"]))
    past = sorted((r for r in records if _past_keeping(r, at, policy)), key=lambda r: (r["found_at"], r["id"]))
    return DeskPart(tables=[
        ("found", ("今日拾获", "Found today"), ("id", "item", "found_place", "found_by", "kept_at", "status"),
         [[r["id"], r["item"], r["found_place"], r["found_by"], r["kept_at"],
           codes.label("lostfound_status", "kept" if _kept_at_time(r, at) else r["status"], lang)] for r in today]),
        ("past_keeping", ("超过保管期待处理", "Past keeping time, to dispose of"),
         ("id", "item", "found_at", "kept_at", "keep_until"),
         [[r["id"], r["item"], short(r["found_at"]), r["kept_at"], keep_until(r, policy).isoformat()] for r in past]),
    ])


KIND = Kind(
    name="lostfound", plural="lostfound", folder="lostfound", id_form="F-…",
    aliases=("lost-found", "lost-and-found", "lost_found"),
    **daily_ids("F", "lostfound"),
    workflow=WORKFLOW,
    columns=("id", "status", "item", "found_at", "found_place", "found_by", "kept_at", "keep_until", "outcome",
             "past_keeping"),
    export_columns=("id", "status", "item", "found_at", "found_place", "found_by", "finder_unit", "kept_at",
                    "keep_until", "claimant", "claimant_unit", "claimed_at", "returned_by", "disposal",
                    "disposed_at", "approved_by", "past_keeping"),
    cells={"outcome": _outcome, "past_keeping": _past},
    clip_widths={"item": 20, "found_place": 16, "kept_at": 12},
    narrow=("found_by", "keep_until", "kept_at", "found_place", "outcome"),
    order_by="found_at",
    show_fields=("status", "item", "found_at", "found_place", "found_by", "finder_unit", "kept_at", "keep_until",
                 "note", "claimant", "claimant_unit", "claimant_phone", "claimant_id_type", "claimant_id_number",
                 "signed", "claimed_at", "returned_by", "disposal", "disposal_note", "disposed_at", "approved_by",
                 "past_keeping"),
    show_sections=("timeline",),
    code_fields={"status": "lostfound_status", "claimant_id_type": "id_type", "disposal": "disposal"},
    codes={
        "lostfound_status": {"kept": ("保管中", "kept"), "claimed": ("已发还", "returned to owner"),
                             "disposed": ("已处理", "disposed of")},
        "id_type": {"id_card": ("身份证", "ID card"), "passport": ("护照", "passport"),   # (the visitor register's)
                    "hk_macau_permit": ("港澳通行证", "HK/Macau permit"),
                    "taiwan_permit": ("台胞证", "Taiwan compatriot permit"),
                    "driving_licence": ("驾驶证", "driving licence"), "other": ("其他", "other")},
        "disposal": {"police": ("上交派出所", "handed to the police"), "donate": ("捐赠", "donated"),
                     "destroy": ("销毁", "destroyed"), "other": ("其他", "other")},
        "action": {"claim": ("认领发还", "claim"), "dispose": ("处理", "dispose of")},
    },
    labels={"lostfound": ("失物招领", "lost and found"), "found_place": ("拾获地点", "place found"),
            "kept_at": ("保管位置", "kept at"), "finder_unit": ("拾获人房号", "finder's unit"),
            "keep_until": ("保管期至", "kept until"), "outcome": ("去向", "outcome"),
            "past_keeping": ("超过保管期", "past keeping time"), "claimant": ("认领人", "claimant"),
            "claimant_unit": ("认领人房号", "claimant's unit"), "claimant_phone": ("认领人电话", "claimant's phone"),
            "claimant_id_type": ("证件类型", "ID document"), "claimant_id_number": ("证件号码", "document number"),
            "signed": ("认领人签名", "signed by claimant"), "claimed_at": ("认领时间", "claimed"),
            "returned_by": ("发还人", "returned by"), "disposal": ("处理方式", "disposal"),
            "disposal_note": ("处理说明", "disposal note"), "disposed_at": ("处理时间", "disposed of")},
    opened_field="found_at",
    computed=_computed, overdue=_overdue,
    people={"timeline.*.by": "timeline by", "returned_by": "returned by", "approved_by": "approved by"},
    refs={"finder_unit": "owner", "claimant_unit": "owner"},
    # The claim's `--set` values are kept in its event too: sealed there as well.
    personal={"claimant_id_number": "id_card", "claimant_phone": "phone",
              "timeline.*.set.claimant_id_number": "id_card", "timeline.*.set.claimant_phone": "phone"},
    key_subject=lambda data: data.get("claimant_unit"),
    editable=("note", "kept_at", "disposal_note"),
    edit_hints={"claimed_at": N_("it is recorded by the claim: wuyectl claim {id} --set claimant=…"),
                "returned_by": N_("it is recorded by the claim: wuyectl claim {id} --set claimant=…"),
                "disposed_at": N_("it is recorded by disposing: wuyectl dispose {id} --set disposal=…")},
    checks=(
        Check("W-lostfound-end", "a claimed item records its claimant, proof and signature; a disposed one how "
                                 "and who approved; one kept neither", _ending_recorded),
        Check("W-lostfound-id", "a claimant's ID-card number is a valid one", _claimant_id),
    ),
    logbook=True,
    entry_fields=("item", "found_place", "found_by", "found_at", "finder_unit", "kept_at", "note"),
    entry_required=("item", "found_place", "found_by", "kept_at"),
    entry_help="Register a found item (客户失物登记表): what, where and when it was found, who found it "
               "(staff, or an owner: --finder-unit) and where it is kept. Handed back with `wuyectl claim ID`, "
               "or disposed of after the policy's lostfound.keep_days with `wuyectl dispose ID`.",
    settings={"keep_days": Setting(90, {"type": "integer", "minimum": 1, "maximum": 3650},
                                   "days a found item is kept before it may be disposed of")},
    desk="frontdesk", figures=(FOUND, CLAIMED, DISPOSED, KEPT, PAST), desk_report=_desk, handover=_handover,
    new_record=_new,
)
