"""Goods release passes (大件物品出门, 物品放行; seed 000 大堂前台 7: 大件物品出门，查看物品出门凭证并确认).

1. The desk issues a pass (`wuyectl log pass --unit 3-2-1201 --goods 冰箱 --goods 沙发 --owner 张三 …`)
   for a unit that has a household record, listing the goods, authorised by an owner named on
   that record; a tenant moving out brings the owner's written consent (`--tenant`,
   `--owner-consent`). Where the policy asks (`pass.require_fees_cleared`), the clerk records who
   confirmed the unit has no unpaid fees (the tool keeps no fees). The pass is valid through the
   end of its last day (`pass.valid_days`, counting the day it is issued).
2. At the gate a guard checks the goods against the pass and signs it (`wuyectl release ID`):
   who, when, which gate. A pass past its validity is not released: the desk issues a new one.
3. A pass never used is `expired` once its validity has passed (computed: `get passes --overdue`)
   and may be voided (`wuyectl void ID --note …`), as may a pass the owner cancels.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Mapping

from ...errors import BadValue, Refused
from ...i18n import _
from ...timeutil import read_iso, short
from .. import codes
from ..workflow import DESK, Action, Change, Workflow
from . import Check, DeskPart, Figure, Form, Kind, Line, Setting, daily_ids

GUARDS = frozenset({"security"})


def _owners_of(household: Mapping) -> list[str]:
    return [str(o.get("name")).strip() for o in household.get("owners") or [] if isinstance(o, Mapping) and o.get("name")]


def expiry(issued_at: str, days: int) -> str:
    """The last moment a pass issued at `issued_at` is valid: the end of its `days`-th day."""
    issued = read_iso(issued_at)
    last = datetime.combine(issued.date() + timedelta(days=days - 1), time(23, 59, 59), tzinfo=issued.tzinfo)
    return last.isoformat(timespec="seconds")


def _new(values: dict, person: Mapping, at: str, ctx) -> dict:
    unit = str(values.get("unit") or "").strip()   # (a household the engine found: `refs`)
    goods = [str(g).strip() for g in values.get("goods") or [] if str(g).strip()]
    if not goods:
        raise BadValue(_("a release pass lists the goods leaving: --goods ITEM (once per item)"))
    owner = str(values.get("owner") or "").strip()
    household = ctx.record("owner", unit) or {}
    named = _owners_of(household)
    if owner not in named:
        raise Refused(_("{name} is not named as an owner on the household record of {unit} (owners: {owners}); "
                        "a release pass is authorised by the owner").format(
            name=owner, unit=unit, owners=", ".join(named) or _("none")))
    if values.get("tenant") and not str(values.get("owner_consent") or "").strip():
        raise Refused(_("a tenant takes goods out with the owner's written consent: --owner-consent TEXT "
                        "(what it is and when the owner signed it)"))
    if KIND.setting(ctx.policy, "require_fees_cleared") and not str(values.get("fees_cleared_by") or "").strip():
        raise Refused(_("the office's policy (pass.require_fees_cleared) asks that the unit has no unpaid fees: "
                        "--fees-cleared-by NAME (who confirmed it)"))
    record = {"status": "issued", **{k: v for k, v in values.items() if v not in (None, "", [])},
              "unit": unit, "goods": goods, "owner": owner, "issued_at": at,
              "expires_at": expiry(at, int(KIND.setting(ctx.policy, "valid_days"))),
              "timeline": [{"at": at, "by": person["name"], "action": "open"}]}
    return record


def _refuse_release(change: Change) -> str | None:
    until = change.record.get("expires_at")
    if not change.at or not until:   # no time to judge by (listing what a state allows)
        return None
    if read_iso(change.at) > read_iso(until):
        return _("the pass was valid until {until}; it has expired: the desk issues a new one").format(
            until=short(until))
    return None


def _release(change: Change) -> None:
    change.record["released_at"] = change.at
    change.record["released_by"] = change.actor


WORKFLOW = Workflow(
    kind="release pass",
    states=("issued", "released", "void"),
    initial="issued",
    terminal=("released", "void"),
    actions={a.name: a for a in [
        Action("release", ("issued",), "released", roles=GUARDS, settable=("gate",), refuse_if=_refuse_release,
               effect=_release),
        Action("void", ("issued",), "void", roles=DESK, needs_note=True),
    ]},
)


# -- time --------------------------------------------------------------------------------------
def _computed(record: dict, now: datetime, policy) -> dict:
    out = dict(record)
    out["expired"] = record.get("status") == "issued" and bool(record.get("expires_at")) \
        and now > read_iso(record["expires_at"])
    return out


def _overdue(record: dict, now: datetime) -> bool:
    return bool(record.get("expired"))


def _due(record: dict, now: datetime) -> list[datetime]:
    if record.get("status") != "issued" or not record.get("expires_at"):
        return []
    return [read_iso(record["expires_at"])]


# -- checks ------------------------------------------------------------------------------------
def _consent(data, ctx):
    if data.get("tenant") and not data.get("owner_consent"):
        yield ("owner_consent",), _("a tenant's release pass records the owner's written consent")


def _released(data, ctx):
    if data.get("status") != "released":
        return
    for key in ("released_at", "released_by"):
        if not data.get(key):
            yield ("status",), _("a released pass records {field}").format(field=key)
    try:
        late = data.get("released_at") and data.get("expires_at") and \
            read_iso(data["released_at"]) > read_iso(data["expires_at"])
    except (TypeError, ValueError):
        return   # the schema reports a time it cannot read
    if late:
        yield ("released_at",), _("released after the pass expired ({until})").format(until=data["expires_at"])


# -- listing -----------------------------------------------------------------------------------
def _status(data, lang, reveal):
    if data.get("expired"):
        return codes.label("pass_state", "expired", lang)
    return codes.label("pass_status", data.get("status"), lang)


def _issued_by(data, lang, reveal):
    timeline = data.get("timeline") or [{}]
    return timeline[0].get("by", "")


# -- the front desk's month ----------------------------------------------------------------------
ISSUED = Figure("issued", "开具放行条", "passes issued", "passes issued in the period")
RELEASED = Figure("released", "已放行", "released", "passes released at the gate in the period")
EXPIRED = Figure("expired", "过期未用", "expired unused",
                 "passes issued in the period whose validity ended by the as-of time without a release "
                 "(and not voided before it ended)")
VOIDED = Figure("voided", "作废", "voided", "passes voided in the period")


def _event_at(record: Mapping, action: str, as_of: datetime) -> str | None:
    return next((e["at"] for e in record.get("timeline") or [] if e.get("action") == action
                 and read_iso(e["at"]) <= as_of), None)


def state_at(record: Mapping, as_of: datetime) -> str:
    """issued, released, void or expired, as the pass stood at `as_of`."""
    if _event_at(record, "release", as_of):
        return "released"
    voided = _event_at(record, "void", as_of)
    ended = read_iso(record["expires_at"]) < as_of
    if voided and not (ended and read_iso(voided) > read_iso(record["expires_at"])):
        return "void"
    return "expired" if ended else "issued"


def _desk(records_of, period, as_of, policy, lang) -> DeskPart:
    passes = [p for p in records_of("pass") if read_iso(p["issued_at"]) <= as_of]
    issued = sorted((p for p in passes if period.holds(p["issued_at"])), key=lambda p: p["issued_at"])
    released = sum(1 for p in passes if period.holds(_event_at(p, "release", as_of)))
    voided = sum(1 for p in passes if period.holds(_event_at(p, "void", as_of)))
    expired = [p for p in issued if state_at(p, as_of) == "expired"]
    sep = "、" if lang == "zh" else ", "
    rows = [[p["id"], codes.label("pass_state", state_at(p, as_of), lang), p["unit"], sep.join(p["goods"]),
             p.get("owner", ""), p.get("tenant", ""), short(p["issued_at"]), short(p["expires_at"]),
             short(_event_at(p, "release", as_of)), p.get("released_by", "") if _event_at(p, "release", as_of) else ""]
            for p in issued]
    return DeskPart(figures=[(ISSUED, len(issued), None), (RELEASED, released, None), (EXPIRED, len(expired), None),
                             (VOIDED, voided, None)],
                    tables=[("issued", ("本期开具的放行条", "Passes issued"),
                             ("id", "state", "unit", "goods", "owner", "tenant", "issued_at", "expires_at",
                              "released_at", "released_by"), rows)])


# -- paper (wuyectl print): the slip the guard checks at the gate --------------------------------
FORMS = {
    "pass": Form(
        ("物品放行条", "Goods release pass"),
        lines=("unit", "owner", "tenant", "owner_consent", Line("goods", wide=True), "carried_by", "fees_cleared_by",
               "issued_at", "expires_at", "released_at", "released_by", "gate", "status"),
        note=("凭本条放行，过期无效；门岗核对所出物品与本条相符后签字放行，本条交回客服中心存档。",
              "Valid until the time shown; the guard checks the goods against this pass, signs it and returns it "
              "to the customer service desk."),
        signatures=(("业主", "Owner"), ("客服中心", "Customer service desk"), ("门岗保安", "Gate guard"))),
}


KIND = Kind(
    name="pass", plural="passes", folder="passes", id_form="R-…", aliases=("release-pass", "release-passes"),
    forms=FORMS,
    **daily_ids("R", "passes"),
    workflow=WORKFLOW,
    columns=("id", "status", "unit", "goods", "owner", "tenant", "issued_at", "expires_at", "released_at",
             "released_by"),
    export_columns=("id", "status", "unit", "goods", "owner", "tenant", "owner_consent", "carried_by",
                    "fees_cleared_by", "issued_by", "issued_at", "expires_at", "released_at", "released_by", "gate",
                    "expired"),
    cells={"status": _status, "issued_by": _issued_by},
    clip_widths={"goods": 24, "owner_consent": 30},
    narrow=("tenant", "released_by", "released_at", "expires_at", "goods"),
    open_by_default=False, order_by="issued_at",
    show_fields=("status", "unit", "goods", "owner", "tenant", "owner_consent", "carried_by", "fees_cleared_by",
                 "issued_by", "issued_at", "expires_at", "released_at", "released_by", "gate", "note"),
    show_sections=("timeline",),
    code_fields={"status": "pass_status"},
    codes={
        "pass_status": {"issued": ("已开具", "issued"), "released": ("已放行", "released"), "void": ("已作废", "void")},
        "pass_state": {"issued": ("已开具", "issued"), "released": ("已放行", "released"), "void": ("已作废", "void"),
                       "expired": ("已过期", "expired")},
        "action": {"release": ("放行", "release"), "void": ("作废", "void")},
    },
    labels={"passes": ("物品放行", "release passes"), "goods": ("放行物品", "goods"), "owner": ("业主", "owner"),
            "tenant": ("租户", "tenant"), "owner_consent": ("业主书面同意", "owner's written consent"),
            "carried_by": ("搬运人", "carried by"), "fees_cleared_by": ("费用结清确认人", "fees cleared (confirmed by)"),
            "issued_by": ("签发人", "issued by"), "issued_at": ("签发时间", "issued"),
            "expires_at": ("有效期至", "valid until"), "released_at": ("放行时间", "released"),
            "released_by": ("放行保安", "released by"), "gate": ("出口", "gate"), "expired": ("已过期", "expired")},
    opened_field="issued_at",
    computed=_computed, overdue=_overdue, due=_due,
    people={"timeline.*.by": "timeline by", "released_by": "guard"},
    refs={"unit": "owner"},
    editable=("carried_by", "note"),
    checks=(
        Check("W-pass-consent", "a tenant's release pass records the owner's written consent", _consent),
        Check("W-pass-release", "a released pass records its guard and time, within its validity", _released),
    ),
    logbook=True,
    entry_fields=("unit", "goods", "owner", "tenant", "owner_consent", "carried_by", "fees_cleared_by", "note"),
    entry_required=("unit", "goods", "owner"),
    entry_lists=("goods",),
    entry_help="Issue a goods release pass (物品放行条) for large items leaving a unit: the goods (--goods, once "
               "per item), the owner on the household record who authorises it, and for a tenant moving out the "
               "owner's written consent. A guard checks the goods and signs at the gate: `wuyectl release ID`.",
    settings={
        "valid_days": Setting(1, {"type": "integer", "minimum": 1, "maximum": 30},
                              "days a goods release pass is valid, counting the day it is issued"),
        "require_fees_cleared": Setting(False, {"type": "boolean"},
                                        "a release pass needs a record of who confirmed the unit has no unpaid fees"),
    },
    desk="frontdesk", figures=(ISSUED, RELEASED, EXPIRED, VOIDED), desk_report=_desk,
    new_record=_new,
)
