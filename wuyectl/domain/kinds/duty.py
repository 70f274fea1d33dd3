"""The duty log (值班日志; seed 000 大堂前台 2 and 楼层客服 1, seed 001 安保人员 安全巡逻).

1. An entry is what one person on shift saw, at a time: a front-desk round (`round`, 查看: the
   lobby's doors, lighting and fire equipment, cleanliness, lifts and barriers) or a security
   patrol (`patrol`, 巡逻, guards only), each item normal or abnormal with a note:
   `wuyectl log duty --type patrol --ok doors --ok lighting --abnormal "fire=3栋2单元灭火器压力不足"`.
   The shift (白班 08:00–20:00, 夜班 20:00–08:00) is taken from the time unless given.
2. Each abnormal item opens a repair ticket (cleanliness: the cleaning department) in the same
   commit; the entry names the ticket and the ticket names the entry (`origin`).
3. Patrols are every `duty.patrol_hours` (2, seed 001): a patrol records the shift's previous
   patrol, and one that follows it by more is a patrol gap (`get duty --overdue`, the handover
   sheet, the month's report). A shift's patrols are logged in the order they happened.
4. The next shift takes the log over (`wuyectl handover ID …`, 交接班): someone other than the
   writer signs that they read it; until then an entry is `recorded`.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping

from ...errors import BadValue, NotPermitted, Refused
from ...i18n import N_, _
from ...timeutil import read_iso, short
from .. import codes
from ..workflow import ALL_STAFF, Action, Change, Workflow
from . import Check, DeskPart, Figure, Kind, Setting, daily_ids

PATROLLERS = frozenset({"security"})
DAY_SHIFT = (8, 20)   # 白班 08:00–20:00; 夜班 the rest, counted to the day it began
ITEMS = ("doors", "lighting", "fire", "cleanliness", "lifts", "barriers")
# An abnormal item's ticket: the department it goes to and its urgency.
TICKET_OF = {
    "doors": ("maintenance", "normal"), "lighting": ("maintenance", "normal"), "fire": ("maintenance", "urgent"),
    "cleanliness": ("cleaning", "normal"), "lifts": ("maintenance", "urgent"), "barriers": ("maintenance", "normal"),
}
DEFAULT_AREA = {"round": "大堂", "patrol": "小区公共区域"}


def shift_of(when: datetime) -> str:
    return "day" if DAY_SHIFT[0] <= when.hour < DAY_SHIFT[1] else "night"


def shift_key(record: Mapping) -> tuple[str, str]:
    """(shift, the day it began): a night shift after midnight belongs to the evening before."""
    when = read_iso(record["logged_at"])
    began = when.date() if record.get("shift") == "day" else (when - timedelta(hours=12)).date()
    return record.get("shift", ""), began.isoformat()


def _key(record: Mapping) -> tuple[str, str] | None:
    """An entry's shift key, or None for one whose time cannot be read (validate reports it)."""
    try:
        return shift_key(record)
    except (KeyError, TypeError, ValueError):
        return None


def _abnormal(text: str) -> tuple[str, str]:
    item, sep, note = str(text).partition("=")
    if not sep or not note.strip() or not item.strip():
        raise BadValue(_("--abnormal '{value}': give ITEM=what is wrong (fire=3栋2单元灭火器压力不足)").format(value=text))
    return codes.resolve("duty_item", item.strip(), what="--abnormal"), note.strip()


def _new(values: dict, person: Mapping, at: str, ctx) -> dict:
    when = read_iso(at)
    role = person.get("role")
    kind = values.get("type") or ("patrol" if role in PATROLLERS else "round")
    if kind == "patrol" and role not in PATROLLERS:
        raise NotPermitted(_("{name} ({role}) may not log a patrol: patrols are the security guards' (a round is "
                             "--type round)").format(name=person["name"], role=codes.shown("role", role)))
    ok = [codes.resolve("duty_item", item, what="--ok") for item in values.get("ok") or []]
    abnormal = [_abnormal(text) for text in values.get("abnormal") or []]
    named = ok + [item for item, _note in abnormal]
    twice = sorted({item for item in named if named.count(item) > 1}, key=ITEMS.index)
    if twice:
        raise BadValue(_("{item}: an item is either --ok or --abnormal, once").format(
            item=codes.shown("duty_item", twice[0])))
    if not named and not values.get("note"):
        raise BadValue(_("a duty log entry records what was seen: --ok ITEM, --abnormal ITEM=NOTE or --note TEXT"))
    record = {"status": "recorded", "shift": values.get("shift") or shift_of(when), "type": kind}
    if values.get("area"):
        record["area"] = str(values["area"]).strip()
    record["logged_at"] = at
    if kind == "patrol":
        mine = shift_key(record)
        same = [r for r in ctx.records("duty") if r.get("type") == "patrol" and _key(r) == mine]
        later = [r for r in same if read_iso(r["logged_at"]) > when]
        if later:
            first = min(later, key=lambda r: read_iso(r["logged_at"]))
            raise Refused(_("a shift's patrols are logged in the order they happened: {id} was logged at {time}, "
                            "after {at}").format(id=first["id"], time=short(first["logged_at"]), at=short(at)))
        if same:
            previous = max(same, key=lambda r: read_iso(r["logged_at"]))
            record["previous_patrol"], record["previous_patrol_at"] = previous["id"], previous["logged_at"]
    seen = [{"point": item, "normal": True} for item in ok]
    area = record.get("area") or DEFAULT_AREA[kind]
    for item, note in abnormal:
        department, urgency = TICKET_OF[item]
        what = codes.label("duty_shift", record["shift"], "zh") + codes.label("duty_type", kind, "zh")
        ticket = ctx.open("ticket", {
            "category": "repair", "department": department, "urgency": urgency, "reporter": person["name"],
            "location": {"place": area},
            "description": f"{what}发现{codes.label('duty_item', item, 'zh')}异常：{note}",
            "origin": ctx.id})
        seen.append({"point": item, "normal": False, "note": note, "ticket": ticket})
    if seen:
        record["seen"] = sorted(seen, key=lambda s: ITEMS.index(s["point"]))
    if values.get("note"):
        record["note"] = values["note"]
    record["timeline"] = [{"at": at, "by": person["name"], "action": "open"}]
    return record


def _refuse_handover(change: Change) -> str | None:
    timeline = change.record.get("timeline") or [{}]
    writer = timeline[0].get("by")
    if change.actor and change.actor == writer:
        return _("the next shift takes a duty log entry over: {name} wrote it").format(name=writer)
    return None


WORKFLOW = Workflow(
    kind="duty log entry",
    states=("recorded", "handed_over"),
    initial="recorded",
    terminal=("handed_over",),
    actions={"handover": Action("handover", ("recorded",), "handed_over", roles=ALL_STAFF,
                                refuse_if=_refuse_handover)},
)


# -- time --------------------------------------------------------------------------------------
def gap_minutes(record: Mapping) -> int | None:
    if not record.get("previous_patrol_at"):
        return None
    return int((read_iso(record["logged_at"]) - read_iso(record["previous_patrol_at"])).total_seconds() // 60)


def _computed(record: dict, now: datetime, policy) -> dict:
    out = dict(record)
    gap = gap_minutes(record)
    if gap is not None:
        out["gap_minutes"] = gap
        out["patrol_gap"] = gap > float(KIND.setting(policy, "patrol_hours")) * 60
    return out


def _overdue(record: dict, now: datetime) -> bool:
    return bool(record.get("patrol_gap"))


# -- checks ------------------------------------------------------------------------------------
def _tickets(data, ctx):
    for i, seen in enumerate(data.get("seen") or []):
        if not isinstance(seen, Mapping):
            continue
        if seen.get("normal") is False and not seen.get("ticket"):
            yield ("seen", i), _("an abnormal item names the ticket it opened")
        if seen.get("normal") is True and seen.get("ticket"):
            yield ("seen", i), _("a normal item opens no ticket")


def _previous(data, ctx):
    if data.get("previous_patrol") and data.get("type") != "patrol":
        yield ("previous_patrol",), _("only a patrol follows a previous patrol")
    try:
        backwards = data.get("previous_patrol_at") and read_iso(data["previous_patrol_at"]) > read_iso(data["logged_at"])
    except (KeyError, TypeError, ValueError):
        return   # the schema reports a time it cannot read
    if backwards:
        yield ("previous_patrol_at",), _("the previous patrol is later than this one")


# -- listing -----------------------------------------------------------------------------------
def _sep(lang: str) -> str:
    return "、" if lang == "zh" else ", "


def _writer(data, lang, reveal):
    return ((data.get("timeline") or [{}])[0]).get("by", "")


def _taken_over_by(data, lang, reveal):
    return next((e.get("by", "") for e in data.get("timeline") or [] if e.get("action") == "handover"), "")


def _normal(data, lang, reveal):
    return sum(1 for s in data.get("seen") or [] if s.get("normal"))


def _abnormal_items(data, lang, reveal):
    return _sep(lang).join(codes.label("duty_item", s["point"], lang) for s in data.get("seen") or []
                           if not s.get("normal"))


def _tickets_cell(data, lang, reveal):
    return _sep(lang).join(s["ticket"] for s in data.get("seen") or [] if s.get("ticket"))


def interval(minutes: int | None) -> str:
    return "" if minutes is None else f"{minutes // 60}:{minutes % 60:02d}"


def _since(data, lang, reveal):
    """The terminal's: the time since the shift's previous patrol, marked when it is a gap."""
    text = interval(data.get("gap_minutes"))
    if data.get("patrol_gap"):
        text += " " + ("超时" if lang == "zh" else "late")
    return text


# -- reports -----------------------------------------------------------------------------------
ENTRIES = Figure("entries", "值班记录", "entries", "duty log entries logged in the period")
PATROLS = Figure("patrols", "巡逻", "patrols", "entries of type patrol logged in the period")
ABNORMAL = Figure("abnormal", "异常项", "abnormal items", "items found abnormal in the period's entries")
TICKETS = Figure("tickets", "开单", "tickets opened", "tickets opened by those abnormal items")
GAPS = Figure("gaps", "巡逻超时", "patrol gaps",
              "patrols in the period logged more than policy duty.patrol_hours (default 2) after the previous "
              "patrol of the same shift")


def _entries(records_of, period, as_of) -> list[dict]:
    return sorted((r for r in records_of("duty") if period.holds(r.get("logged_at"))
                   and read_iso(r["logged_at"]) <= as_of), key=lambda r: (r["logged_at"], r["id"]))


def _abnormal_rows(entries, lang) -> list[list]:
    return [[short(r["logged_at"]), r["id"], codes.label("duty_shift", r.get("shift"), lang),
             codes.label("duty_type", r.get("type"), lang), codes.label("duty_item", s["point"], lang),
             s.get("note", ""), s.get("ticket", "")]
            for r in entries for s in r.get("seen") or [] if not s.get("normal")]


def _gap_rows(entries, policy) -> list[list]:
    limit = float(KIND.setting(policy, "patrol_hours")) * 60
    return [[short(r["previous_patrol_at"]), short(r["logged_at"]), r["id"], gap_minutes(r), _writer(r, "", False)]
            for r in entries if r.get("type") == "patrol" and (gap_minutes(r) or 0) > limit]


ABNORMAL_COLUMNS = ("logged_at", "id", "shift", "type", "point", "note", "ticket")
GAP_COLUMNS = ("previous_patrol_at", "logged_at", "id", "gap_minutes", "logged_by")


def _desk(records_of, period, as_of, policy, lang) -> DeskPart:
    entries = _entries(records_of, period, as_of)
    abnormal = _abnormal_rows(entries, lang)
    gaps = _gap_rows(entries, policy)
    return DeskPart(
        figures=[(ENTRIES, len(entries), None), (PATROLS, sum(1 for r in entries if r.get("type") == "patrol"), None),
                 (ABNORMAL, len(abnormal), None), (TICKETS, sum(1 for row in abnormal if row[-1]), None),
                 (GAPS, len(gaps), None)],
        tables=[("abnormal", ("值班异常项", "Abnormal items"), ABNORMAL_COLUMNS, abnormal),
                ("gaps", ("巡逻超时", "Patrol gaps"), GAP_COLUMNS, gaps)])


def _handover(records_of, day, at, policy, lang) -> DeskPart:
    entries = _entries(records_of, day, at)
    rows = [[short(r["logged_at"])[11:], r["id"], codes.label("duty_shift", r.get("shift"), lang),
             codes.label("duty_type", r.get("type"), lang), _writer(r, lang, False), r.get("area", ""),
             _normal(r, lang, False), _abnormal_items(r, lang, False), r.get("note", "")] for r in entries]
    return DeskPart(tables=[
        ("entries", ("值班日志", "Duty log"),
         ("logged_at", "id", "shift", "type", "logged_by", "area", "normal_items", "abnormal_items", "note"), rows),
        ("abnormal", ("值班异常项", "Abnormal items"), ABNORMAL_COLUMNS, _abnormal_rows(entries, lang)),
        ("gaps", ("巡逻超时", "Patrol gaps"), GAP_COLUMNS, _gap_rows(entries, policy)),
    ])


KIND = Kind(
    name="duty", plural="duty", folder="duty", id_form="D-…", aliases=("duty-log", "duty_log"),
    **daily_ids("D", "duty"),
    workflow=WORKFLOW,
    columns=("id", "status", "shift", "type", "logged_at", "logged_by", "area", "normal_items", "abnormal_items",
             "tickets", "since_patrol"),
    export_columns=("id", "status", "shift", "type", "logged_at", "logged_by", "area", "normal_items",
                    "abnormal_items", "tickets", "previous_patrol", "previous_patrol_at", "gap_minutes", "patrol_gap",
                    "taken_over_by", "note"),
    cells={"logged_by": _writer, "taken_over_by": _taken_over_by, "normal_items": _normal,
           "abnormal_items": _abnormal_items, "tickets": _tickets_cell,
           "since_patrol": lambda d, lang, reveal: interval(d.get("gap_minutes"))},
    table_cells={"since_patrol": _since},
    clip_widths={"area": 12, "abnormal_items": 16},
    narrow=("area", "logged_by", "tickets", "normal_items"),
    order_by="logged_at",
    show_fields=("status", "shift", "type", "logged_at", "logged_by", "area", "previous_patrol", "previous_patrol_at",
                 "since_patrol", "taken_over_by", "note"),
    show_cells={"since_patrol": _since},
    show_sections=("seen", "timeline"),
    code_fields={"status": "duty_status", "shift": "duty_shift", "type": "duty_type", "ok": "duty_item",
                 "point": "duty_item"},
    codes={
        "duty_status": {"recorded": ("已记录", "recorded"), "handed_over": ("已交接", "handed over")},
        "duty_shift": {"day": ("白班", "day", ("日班",)), "night": ("夜班", "night", ("晚班",))},
        "duty_type": {"round": ("查看", "round", ("巡视", "巡查")), "patrol": ("巡逻", "patrol", ("安全巡逻",))},
        "duty_item": {
            "doors": ("门窗", "doors", ("大门", "门", "door", "windows")),
            "lighting": ("照明", "lighting", ("照明灯具", "灯", "lights")),
            "fire": ("消防器材", "fire equipment", ("消防", "灭火器", "fire")),
            "cleanliness": ("卫生", "cleanliness", ("清洁", "保洁", "cleaning")),
            "lifts": ("电梯", "lifts", ("客梯", "lift", "elevator")),
            "barriers": ("道闸", "barriers", ("闸机", "barrier", "gates")),
        },
        "action": {"handover": ("交接", "hand over", ("交接班", "接班", "hand-over"))},
    },
    labels={"duty": ("值班日志", "duty log"), "shift": ("班次", "shift"), "type": ("类型", "type"),
            "area": ("区域", "area"), "logged_at": ("记录时间", "logged"), "logged_by": ("值班员", "on duty"),
            "seen": ("查看项目", "items seen"), "point": ("检查项", "item checked"), "normal": ("正常", "normal"),
            "ok": ("正常项目", "normal item"), "abnormal": ("异常项目", "abnormal item"),
            "normal_items": ("正常项", "normal"), "abnormal_items": ("异常项", "abnormal"),
            "previous_patrol": ("上次巡逻", "previous patrol"), "previous_patrol_at": ("上次巡逻时间", "previous patrol at"),
            "since_patrol": ("距上次巡逻", "since last patrol"), "gap_minutes": ("间隔(分钟)", "gap (min)"),
            "patrol_gap": ("巡逻超时", "patrol gap"), "taken_over_by": ("接班人", "taken over by")},
    opened_field="logged_at",
    computed=_computed, overdue=_overdue,
    people={"timeline.*.by": "timeline by"},
    refs={"previous_patrol": "duty"},
    editable=("area", "note"),
    edit_hints={"seen": N_("an entry records what was seen then; log a new entry for what is seen later")},
    checks=(
        Check("W-duty-ticket", "an abnormal item of the duty log names its ticket; a normal one none", _tickets),
        Check("W-duty-patrol", "a patrol's previous patrol is a patrol before it", _previous),
    ),
    logbook=True,
    entry_fields=("shift", "type", "area", "ok", "abnormal", "note"),
    entry_lists=("ok", "abnormal"),
    entry_help="Write a duty log entry (值班日志): a round (查看) or a security patrol (巡逻), with each item seen "
               "normal (--ok ITEM) or abnormal (--abnormal ITEM=NOTE, which opens a repair ticket in the same "
               "commit). Items: doors 门窗, lighting 照明, fire 消防器材, cleanliness 卫生, lifts 电梯, barriers 道闸. "
               "The shift (day 08:00-20:00, night 20:00-08:00) is taken from the time unless given; the type is "
               "a patrol for a security guard, else a round. The next shift signs it over: `wuyectl handover ID …`.",
    settings={"patrol_hours": Setting(2, {"type": "number", "exclusiveMinimum": 0, "maximum": 24},
                                      "hours between security patrols; a longer gap in a shift is overdue")},
    desk="frontdesk", figures=(ENTRIES, PATROLS, ABNORMAL, TICKETS, GAPS), desk_report=_desk, handover=_handover,
    new_record=_new,
)
