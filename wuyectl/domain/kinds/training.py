"""Training records (培训记录): seed 001 五.1 — a new staff member's induction (入职培训) of at
least 2 days, training for all staff at least once a quarter (定期培训), and special training
per post (专项培训).

- `wuyectl open training --type induction --topic … --trainer … --first-day DATE --last-day DATE
  [--class-hours 12] --attendees NAME … [--results NAME=pass …]` records a training that was held,
  from its sign-in sheet (签到表), by a supervisor or the director: the attendees are staff on
  the roster; each may have a result (优秀 / 合格 / 不合格).
- What the office must show (`report assessment`, its `training_findings`): each staff member
  on the roster (but the roles of policy `training.exempt_roles`) has an induction of at least
  `training.induction_min_days` days not failed (W-training-induction), and, from their
  induction on, a quarterly training in every quarter they worked through
  (W-training-quarterly). Those are findings about people, not about one record: the report
  makes them; `validate` checks each record's own rules.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Mapping

from ...errors import BadValue, NotPermitted
from ...i18n import _
from ...timeutil import parse_date, read_iso
from .. import codes
from . import Check, Kind, Setting, daily_ids

TYPES = ("induction", "quarterly", "special")
RESULTS = ("excellent", "pass", "fail")
OPENERS = ("supervisor", "director")


# -- opening ---------------------------------------------------------------------------------
def _day(value, what: str) -> date:
    if isinstance(value, date):
        return value
    return parse_date(str(value), what=what)


def _result_pairs(values, attendees: list[str]) -> list[dict]:
    out: dict[str, str] = {}
    for text in values or ():
        name, sep, result = str(text).partition("=")
        name, result = name.strip(), result.strip()
        if not sep or not name or not result:
            raise BadValue(_("--results '{text}': write NAME=RESULT (e.g. 李明=pass)").format(text=text))
        if name not in attendees:
            raise BadValue(_("--results {name}: not among the attendees ({names})").format(
                name=name, names=", ".join(attendees)))
        out[name] = codes.resolve("training_result", result, what="--results")
    return [{"name": name, "result": result} for name, result in out.items()]


def _new(values: dict, person: Mapping, at: str, ctx) -> dict:
    if person.get("role") not in OPENERS:
        raise NotPermitted(_("{who} ({role}) may not record a training: needs {roles}").format(
            who=person.get("name"), role=codes.shown("role", person.get("role")),
            roles=codes.shown_or("role", sorted(OPENERS))))
    for key in ("topic", "trainer"):
        if not str(values.get(key) or "").strip():
            raise BadValue(_("--{field} is empty").format(field=key))
    start, end = _day(values["first_day"], "--first-day"), _day(values["last_day"], "--last-day")
    if end < start:
        raise BadValue(_("--last-day {end} is before --first-day {start}").format(end=end, start=start))
    if end > read_iso(at).date():
        raise BadValue(_("--last-day {end} is after today ({today}): record a training once it is held").format(
            end=end, today=read_iso(at).date()))
    roster = {p["name"] for p in ctx.office.staff()} if getattr(ctx, "office", None) else None
    attendees = []
    for name in values.get("attendees") or ():
        name = str(name).strip()
        if roster is not None and name not in roster:
            raise BadValue(_("--attendees {name}: not on the staff roster").format(name=name))
        if name and name not in attendees:
            attendees.append(name)
    if not attendees:
        raise BadValue(_("--attendees: name at least one staff member who attended"))
    record = {"type": codes.resolve("training_type", values["type"], what="--type"),
              "topic": str(values["topic"]).strip(), "trainer": str(values["trainer"]).strip(),
              "first_day": start.isoformat(), "last_day": end.isoformat()}
    if values.get("class_hours") not in (None, ""):
        record["class_hours"] = values["class_hours"]
    record["attendees"] = attendees
    results = _result_pairs(values.get("results"), attendees)
    if results:
        record["results"] = results
    if values.get("note"):
        record["note"] = str(values["note"])
    record["recorded_at"] = at
    record["timeline"] = [{"at": at, "by": person["name"], "action": "open"}]
    return record


# -- what the office must show ---------------------------------------------------------------
def days(record: Mapping) -> int:
    """Calendar days the training ran (start and end inclusive)."""
    try:
        return (date.fromisoformat(str(record["last_day"])) - date.fromisoformat(str(record["first_day"]))).days + 1
    except (KeyError, TypeError, ValueError):
        return 0


def result_of(record: Mapping, name: str) -> str | None:
    return next((r.get("result") for r in record.get("results") or [] if r.get("name") == name), None)


def attended(records: list[Mapping], name: str, types=TYPES, first: date | None = None,
             last: date | None = None) -> list[Mapping]:
    """The trainings of `types` `name` attended that started within [first, last], by start."""
    out = []
    for record in records:
        if record.get("type") not in types or name not in (record.get("attendees") or []):
            continue
        try:
            start = date.fromisoformat(str(record["first_day"]))
        except (KeyError, TypeError, ValueError):
            continue
        if (first is None or start >= first) and (last is None or start <= last):
            out.append(record)
    return sorted(out, key=lambda r: (str(r.get("first_day")), str(r.get("id"))))


def induction(records: list[Mapping], name: str, policy, upto: date | None = None) -> Mapping | None:
    """`name`'s first induction of at least the policy's days, not failed, started by `upto`."""
    least = KIND.setting(policy, "induction_min_days")
    for record in attended(records, name, ("induction",), last=upto):
        if days(record) >= least and result_of(record, name) != "fail":
            return record
    return None


def quarter_of(day: date) -> tuple[date, date]:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    nxt = date(first.year + (first.month == 10), (first.month + 2) % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def quarter_name(first: date) -> str:
    return f"{first.year}Q{(first.month - 1) // 3 + 1}"


def assessed(staff: list[Mapping], policy) -> list[Mapping]:
    """The roster's people the training rules apply to (active, not of an exempt role)."""
    exempt = set(KIND.setting(policy, "exempt_roles") or ())
    return [p for p in staff if p.get("active", True) and p.get("role") not in exempt]


def findings(records: list[Mapping], staff: list[Mapping], policy, upto: date) -> list[dict]:
    """The roster's training findings as of the day `upto`: {code, person, quarter, message}.
    W-training-induction — no induction of the policy's days (not failed) by then;
    W-training-quarterly — a quarter of the twelve months before `upto`, begun on or after
    their induction's first day and ended by `upto`, with no quarterly training attended."""
    out = []
    least = KIND.setting(policy, "induction_min_days")
    for person in assessed(staff, policy):
        name = person["name"]
        inducted = induction(records, name, policy, upto)
        if inducted is None:
            out.append({"code": "W-training-induction", "person": name, "quarter": "",
                        "message": _("{name} has no induction of at least {days} days (入职培训)").format(
                            name=name, days=least)})
            continue
        began = date.fromisoformat(str(inducted["first_day"]))
        first, _last = quarter_of(upto - timedelta(days=365))
        while True:
            first, last = quarter_of(first)
            if last > upto:
                break
            if first >= began and not attended(records, name, ("quarterly",), first, last):
                out.append({"code": "W-training-quarterly", "person": name, "quarter": quarter_name(first),
                            "message": _("{name} attended no quarterly training in {quarter} (定期培训)").format(
                                name=name, quarter=quarter_name(first))})
            first = last + timedelta(days=1)
    return out


# -- checks ----------------------------------------------------------------------------------
def _dates(data, ctx):
    try:
        start, end = date.fromisoformat(str(data["first_day"])), date.fromisoformat(str(data["last_day"]))
    except (KeyError, TypeError, ValueError):
        return
    if end < start:
        yield ("last_day",), _("the training ends ({end}) before it starts ({start})").format(end=end, start=start)
    try:
        recorded = read_iso(data["recorded_at"]).date()
    except (KeyError, TypeError, ValueError, AttributeError):
        return
    if end > recorded:
        yield ("last_day",), _("the training ends ({end}) after it was recorded ({at}): a record is of a training held").format(
            end=end, at=recorded)


def _results(data, ctx):
    attendees = data.get("attendees") or []
    seen = set()
    for i, row in enumerate(data.get("results") or []):
        name = row.get("name") if isinstance(row, dict) else None
        if name not in attendees:
            yield ("results", i, "name"), _("a result for {name}, who is not among the attendees").format(name=name)
        elif name in seen:
            yield ("results", i, "name"), _("a second result for {name}").format(name=name)
        seen.add(name)


# -- cells -----------------------------------------------------------------------------------
def _attendee_cell(d, lang, reveal):
    return "、".join(d.get("attendees") or []) if lang == "zh" else ", ".join(d.get("attendees") or [])


def _results_cell(d, lang, reveal):
    sep = "、" if lang == "zh" else ", "
    return sep.join(f"{r.get('name')} {codes.label('training_result', r.get('result'), lang)}"
                    for r in d.get("results") or [])


KIND = Kind(
    name="training", plural="trainings", folder="training", id_form="E-…", aliases=("train",),
    **daily_ids("E", "training"),
    columns=("id", "type", "topic", "trainer", "first_day", "last_day", "days", "class_hours", "attendees"),
    export_columns=("id", "type", "topic", "trainer", "first_day", "last_day", "days", "class_hours", "attendees",
                    "results",
                    "recorded_at"),
    cells={"days": lambda d, lang, reveal: days(d), "attendees": _attendee_cell, "results": _results_cell},
    clip_widths={"topic": 24, "attendees": 30},
    narrow=("class_hours", "trainer", "days", "attendees"),
    order_by="recorded_at", newest_first=True,
    show_fields=("type", "topic", "trainer", "first_day", "last_day", "days", "class_hours", "attendees", "results",
                 "note",
                 "recorded_at"),
    show_sections=("timeline",),
    code_fields={"type": "training_type"},
    codes={"training_type": {"induction": ("入职培训", "induction"), "quarterly": ("定期培训", "quarterly"),
                             "special": ("专项培训", "special")},
           "training_result": {"excellent": ("优秀", "excellent"), "pass": ("合格", "pass"),
                               "fail": ("不合格", "fail")}},
    labels={"training": ("培训记录", "training"), "trainings": ("培训记录", "trainings"), "topic": ("培训内容", "topic"),
            "trainer": ("培训人", "trainer"), "first_day": ("培训开始", "first day"), "last_day": ("培训结束", "last day"),
            "days": ("天数", "days"), "class_hours": ("学时", "class hours"), "attendees": ("参加人员", "attendees"),
            "results": ("考核结果", "results"), "recorded_at": ("登记时间", "recorded")},
    opened_field="recorded_at",
    people={"attendees.*": "attendee", "results.*.name": "result for", "timeline.*.by": "timeline by"},
    editable=("topic", "trainer", "class_hours", "note", "results"),
    checks=(
        Check("W-training-dates", "a training ends on or after it starts, and by the time it is recorded", _dates),
        Check("W-training-results", "a training's results name its attendees, each once", _results),
    ),
    entry_fields=("type", "topic", "trainer", "first_day", "last_day", "class_hours", "attendees", "results", "note"),
    entry_required=("type", "topic", "trainer", "first_day", "last_day", "attendees"),
    entry_lists=("attendees", "results"),
    entry_help="Record a training held (培训记录, seed 001 五.1), from its sign-in sheet: an induction "
               "(入职培训, at least 2 days), the quarterly training (定期培训) or a special one (专项培训); "
               "--attendees and --results (NAME=excellent|pass|fail) repeat. By a supervisor or the "
               "director. `wuyectl report assessment` shows each person's training and who lacks one.",
    settings={"induction_min_days": Setting(2, {"type": "integer", "minimum": 1, "maximum": 60},
                                            "days an induction lasts at least to count (seed 001 五.1)"),
              "exempt_roles": Setting(["auditor"], {"type": "array", "items": {"type": "string"}},
                                      "roles the training rules do not apply to (the company's auditor)")},
    new_record=_new,
)
