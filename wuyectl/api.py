"""What the office does, as functions: the CLI calls these, and so can a power user's script.

Every function that changes records takes the office, the acting person's name and the
business time (`at`, default now), runs one `Transaction` and returns what it made (IDs) or
the commit id.  Nothing here prints.
"""
from __future__ import annotations

import os
import re
from typing import Iterable, Mapping

from .domain import codes
from .domain.kinds import OWNER, TICKET, VISIT, Kind, kind_of_id
from .domain.workflow import MANAGERS, Change, apply, find_action
from .errors import BadValue, NotFound, NotPermitted, UsageError
from .store import git, schema, yamlio
from .store.office import CONFIG, Office
from .store.transaction import Transaction, atomic_write
from . import timeutil

__all__ = ["Office", "init_office", "add_staff", "open_ticket", "open_owner", "open_callback",
           "act", "assign", "escalate", "edit_record"]

PHONE_RE = re.compile(r"[0-9+\- ]{3,20}")


# -- helpers ----------------------------------------------------------------------------
def _actor(office: Office, name: str | None) -> dict:
    person = office.actor(name)
    if person["role"] == "auditor":
        raise NotPermitted(f"{person['name']} (auditor) has read-only access")
    return person


def _ids_subject(ids: list[str]) -> str:
    if len(ids) <= 3:
        return ", ".join(ids)
    return f"{ids[0]} … {ids[-1]} ({len(ids)} records)"


def _unique(ids: Iterable[str]) -> list[str]:
    out, seen = [], set()
    for rid in ids:
        rid = str(rid).strip()
        if rid and rid not in seen:
            seen.add(rid)
            out.append(rid)
    if not out:
        raise UsageError("no record IDs given")
    return out


def coerce(kind: Kind, field: str, value: str, office: Office):
    """A `--set FIELD=VALUE` string as the type the schema wants."""
    prop = schema.schema(kind.schema).get("properties", {}).get(field)
    if prop is None:
        return value
    if "$ref" in prop and prop["$ref"].endswith("/timestamp"):
        return timeutil.iso(timeutil.parse_time(value, office.tz, what=field))
    kind_type = prop.get("type")
    text = str(value).strip()
    if kind_type == "number" or kind_type == "integer":
        try:
            number = float(text)
        except ValueError:
            raise BadValue(f"{field}: '{value}' is not a number") from None
        if kind_type == "integer" or number.is_integer():
            return int(number)
        return number
    if kind_type == "boolean":
        if text.lower() in ("true", "yes", "y", "1", "是", "同意"):
            return True
        if text.lower() in ("false", "no", "n", "0", "否", "不同意"):
            return False
        raise BadValue(f"{field}: '{value}' is not yes or no")
    if field in kind.code_fields:
        return codes.resolve(kind.code_fields[field], text, what=field)
    return value


def parse_sets(kind: Kind, pairs: Iterable[str], office: Office) -> dict:
    out = {}
    for pair in pairs or ():
        if "=" not in pair:
            raise BadValue(f"--set needs FIELD=VALUE, not '{pair}'")
        key, value = pair.split("=", 1)
        key = key.strip()
        out[key] = coerce(kind, key, value, office)
    return out


# -- the office -------------------------------------------------------------------------
def init_office(directory: str, *, name: str, director: str, station: str = "A",
                timezone: str = "Asia/Shanghai", language: str = "zh", code: str | None = None,
                hooks: bool = True) -> Office:
    """A new office repo in `directory` (a git repo is made unless it is already in one)."""
    directory = os.path.abspath(directory)
    if os.path.exists(os.path.join(directory, CONFIG)):
        raise BadValue(f"{directory} is already an office repo ({CONFIG} exists)")
    if not re.fullmatch(r"[A-Z]", station or ""):
        raise BadValue(f"station '{station}' must be one capital letter (A–Z)")
    timeutil.zone(timezone)
    if language not in ("zh", "en"):
        raise BadValue(f"language '{language}' must be zh or en")
    os.makedirs(directory, exist_ok=True)
    if git.toplevel(directory) is None:
        git.run(directory, ["init", "-q"])
    config = {"schema_version": 1, "community": {"name": name}}
    if code:
        config["community"]["code"] = code
    config.update({"timezone": timezone, "language": language, "station": station,
                   "staff": [{"name": director, "role": "director", "department": "service"}]})
    found = schema.problems(config, "config")
    if found:
        raise BadValue(found[0][1])
    header = ("# 物业客服中心配置 — the office configuration of wuyectl.\n"
              "# policy: every time limit defaults to the numbers of the office manuals; add a\n"
              "# `policy:` section only to change one (see README).\n")
    text = header + yamlio.dump(yamlio.new_map(config))
    atomic_write(os.path.join(directory, CONFIG), text.encode("utf-8"))
    from .domain.kinds import KINDS

    keeps = [f"{kind.folder}/.gitkeep" for kind in KINDS.values()]
    for keep in keeps:
        os.makedirs(os.path.join(directory, os.path.dirname(keep)), exist_ok=True)
        open(os.path.join(directory, keep), "a").close()
    office = Office(directory)
    if hooks:
        install_hooks(office)
    paths = [office.git_path(p) for p in [CONFIG, *keeps]]
    git.run(office.top, ["add", "--", *paths])
    tx = Transaction(office, {"name": director, "role": "director"})
    message = tx._message(f"init office {name}", "init", [], None)
    args = ["commit", "-q", "--no-verify", "-F", "-"]
    if git.head(office.top):
        args += ["--only", "--", *paths]
    git.run(office.top, args, env=tx._identity(), input=message.encode("utf-8"))
    return office


HOOK = """#!/bin/sh
# Installed by `wuyectl init`: keeps invalid records out of history (hand commits too).
exec "{python}" -m wuyectl --repo "$(git rev-parse --show-toplevel)/{prefix}" validate --staged
"""


def install_hooks(office: Office) -> None:
    import sys

    hooks = os.path.join(git.git_dir(office.top), "hooks")
    os.makedirs(hooks, exist_ok=True)
    path = os.path.join(hooks, "pre-commit")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HOOK.format(python=sys.executable, prefix=office.prefix))
    os.chmod(path, 0o755)


def add_staff(office: Office, actor: str | None, name: str, role: str, department: str | None = None,
              email: str | None = None) -> str:
    person = _actor(office, actor)
    if person["role"] not in MANAGERS:
        raise NotPermitted(f"{person['name']} ({person['role']}) may not add staff: needs supervisor or director")
    role = codes.resolve("role", role)
    if department:
        department = codes.resolve("department", department)
    name = str(name).strip()
    if not name or len(name) > 60:
        raise BadValue("a staff name must be 1 to 60 characters")
    if any(p["name"] == name for p in office.config.get("staff", [])):
        raise BadValue(f"'{name}' is already on the roster")
    with Transaction(office, person) as tx:
        loaded = tx.load_path(CONFIG)
        entry = {"name": name, "role": role}
        if department:
            entry["department"] = department
        if email:
            entry["email"] = email
        loaded.rt["staff"].append(yamlio.new_map(entry))
        tx.stage(loaded)
        commit = tx.commit(f"staff add {name} {codes.label('role', role, office.language)}",
                           action="staff-add", records=[])
    office.reload()   # the same Office sees the new roster
    return commit


# -- opening records --------------------------------------------------------------------
def _require_unit(office: Office, unit: str) -> str:
    unit = OWNER.check_id(unit)
    if not os.path.isfile(office.abspath(OWNER.path_of(unit))):
        raise NotFound(f"unit {unit} has no household record (open it first: wuyectl open owner --unit {unit} …)")
    return unit


def place_and_description(office: Office, record: dict, unit: str | None, location: Mapping | None,
                          description: str | None) -> None:
    """Where (a household that exists, or a public place) and what, as tickets and violations
    record them."""
    if unit:
        record["unit"] = _require_unit(office, unit)
    elif location and any(location.values()):
        record["location"] = {k: str(v) for k, v in location.items() if v}
    else:
        raise BadValue("say where: --unit 3-2-1201 for a household, or --place for a public area")
    if not description or not str(description).strip():
        raise BadValue("--description is required")
    record["description"] = str(description).strip()


def _phone(value) -> str:
    text = str(value).strip()
    if not PHONE_RE.fullmatch(text):
        raise BadValue(f"'{value}' is not a phone number")
    return text


def open_ticket(office: Office, actor: str | None, *, channel: str, category: str, description: str,
                unit: str | None = None, location: Mapping | None = None, reporter: str | None = None,
                phone: str | None = None, severity: str | None = None, urgency: str | None = None,
                department: str | None = None, repair_system: str | None = None,
                damage: str | None = None, appointment_at: str | None = None,
                at: str | None = None, note: str | None = None) -> str:
    """Register a request (受理). Complaints go to the supervisor at once (level 1; major: 2)."""
    person = _actor(office, actor)
    when = office.at(at)
    stamp = timeutil.iso(when)
    fields = dict(channel=channel, category=category, description=description, unit=unit, location=location,
                  reporter=reporter, phone=phone, severity=severity, urgency=urgency, department=department,
                  repair_system=repair_system, damage=damage, appointment_at=appointment_at, note=note)
    open_ticket_record(office, person, "T-00000000-A000", stamp, **fields)   # refuse bad input before locking
    with Transaction(office, person) as tx:
        rid = office.next_id(TICKET, when)
        record = open_ticket_record(office, person, rid, stamp, **fields)
        tx.create(TICKET.path_of(rid), yamlio.new_map(record))
        where = record.get("unit") or "公共区域"
        subject = f"{rid} open {codes.label('category', record['category'], office.language)} {where}"
        tx.commit(subject, action="open", records=[rid], at=stamp)
    return rid


def open_ticket_record(office: Office, person: Mapping, rid: str, stamp: str, *, channel: str, category: str,
                       description: str, unit: str | None = None, location: Mapping | None = None,
                       reporter: str | None = None, phone: str | None = None, severity: str | None = None,
                       urgency: str | None = None, department: str | None = None,
                       repair_system: str | None = None, damage: str | None = None,
                       appointment_at: str | None = None, note: str | None = None,
                       extra: Mapping | None = None) -> dict:
    """The data of a new ticket (no I/O but checking the household exists)."""
    record: dict = {"id": rid, "status": "received",
                    "channel": codes.resolve("channel", channel),
                    "category": codes.resolve("category", category)}
    if severity or record["category"] == "complaint":
        if record["category"] != "complaint":
            raise BadValue("--severity is for complaints only")
        record["severity"] = codes.resolve("severity", severity or "general")
    record["urgency"] = codes.resolve("urgency", urgency or "normal")
    if reporter or phone:
        record["reporter"] = {}
        if reporter:
            record["reporter"]["name"] = str(reporter).strip()
        if phone:
            record["reporter"]["phone"] = _phone(phone)
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


def open_owner(office: Office, actor: str | None, *, unit: str, name: str, phone: str | None = None,
               id_card: str | None = None, occupancy: str | None = None, at: str | None = None) -> str:
    person = _actor(office, actor)
    unit = OWNER.check_id(unit)
    owner = {"name": str(name).strip()}
    if phone:
        owner["phone"] = _phone(phone)
    if id_card:
        owner["id_card"] = str(id_card).strip()
    record = {"id": unit, "owners": [owner]}
    if occupancy:
        record["occupancy"] = codes.resolve("occupancy", occupancy)
    record["created_at"] = timeutil.iso(office.at(at))
    with Transaction(office, person) as tx:
        rel = OWNER.path_of(unit)
        if os.path.exists(office.abspath(rel)):
            raise BadValue(f"unit {unit} already has a household record ({rel})")
        tx.create(rel, yamlio.new_map(record))
        tx.commit(f"{unit} open household", action="open", records=[unit])
    return unit


RATING_ITEMS = ("timeliness", "quality", "fee", "attitude")


def open_callback(office: Office, actor: str | None, *, ticket: str, rating: str, method: str | None = None,
                  note: str | None = None, items: Mapping[str, str] | None = None,
                  at: str | None = None) -> str:
    """A callback (回访): a visit record, and in the same commit the ticket closed (satisfied,
    basically satisfied) or reopened to its last assignee (dissatisfied)."""
    person = _actor(office, actor)
    when = office.at(at)
    stamp = timeutil.iso(when)
    ratings = {}
    for key, value in (items or {}).items():
        if key not in RATING_ITEMS:
            raise BadValue(f"unknown rating item '{key}': use {', '.join(RATING_ITEMS)}")
        ratings[key] = codes.resolve("rating", value, what=f"{key} rating")
    ratings["overall"] = codes.resolve("rating", rating, what="rating")
    tid = TICKET.check_id(ticket)
    with Transaction(office, person) as tx:
        _, loaded = tx.load(tid)
        vid = office.next_id(VISIT, when)
        change = Change(loaded.rt, find_action(TICKET.workflow, "callback"), person["name"], person["role"],
                        stamp, note=None, params={"rating": ratings["overall"], "visit": vid})
        apply(TICKET.workflow, change, record_id=tid, through_command="open visit")
        _append_events(loaded, change)
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


# -- acting on records ------------------------------------------------------------------
def _append_events(loaded, change: Change) -> None:
    timeline = loaded.rt.get("timeline")
    if timeline is None:
        loaded.rt["timeline"] = timeline = []
    for event in [change.event, *change.extra_events]:
        timeline.append(event)


def act(office: Office, actor: str | None, ids: Iterable[str], action: str, *, sets: Iterable[str] = (),
        note: str | None = None, at: str | None = None, params: Mapping | None = None,
        command: str = "update", subject_tail: str = "") -> str:
    """Take one workflow action on one or more records, in one commit. Returns the commit id."""
    person = _actor(office, actor)
    ids = _unique(ids)
    kinds = {kind_of_id(rid).name for rid in ids}
    if len(kinds) > 1:
        raise BadValue("one command acts on records of one kind")
    kind = kind_of_id(ids[0])
    if not kind.workflow.actions:
        raise BadValue(f"a {kind.name} has no workflow actions; edit it with `wuyectl edit`")
    step = find_action(kind.workflow, action)
    values = parse_sets(kind, sets, office)
    stamp = timeutil.iso(office.at(at))
    with Transaction(office, person) as tx:
        for rid in ids:
            _, loaded = tx.load(rid)
            change = Change(loaded.rt, step, person["name"], person["role"], stamp, note=note,
                            params={"policy": office.config.get("policy") or {}, **(params or {})})
            apply(kind.workflow, change, record_id=rid, sets=values, through_command=command)
            if values:
                change.event["set"] = {k: v for k, v in values.items()}
            _append_events(loaded, change)
            tx.stage(loaded)
        subject = f"{_ids_subject(ids)} {step.name}{subject_tail}"
        return tx.commit(subject, action=step.name, records=ids, at=stamp)


def assign(office: Office, actor: str | None, ids: Iterable[str], *, to: str, department: str | None = None,
           note: str | None = None, at: str | None = None) -> str:
    """派单: to a person on the roster; the department defaults to theirs."""
    from .domain.workflow import DESK, FIELD_STAFF

    assignee = office.person(to)
    if assignee["role"] not in DESK | FIELD_STAFF:
        raise NotPermitted(f"{assignee['name']} ({assignee['role']}) cannot be assigned tickets: "
                           f"assign desk staff or a technician, security guard, cleaner or gardener")
    dept = codes.resolve("department", department) if department else assignee.get("department")
    tail = " → " + " ".join(x for x in (codes.label("department", dept, office.language) if dept else "",
                                         assignee["name"]) if x)
    return act(office, actor, ids, "assign", note=note, at=at,
               params={"to": assignee["name"], "department": dept}, command="assign", subject_tail=tail)


def escalate(office: Office, actor: str | None, ids: Iterable[str], *, reason: str, to: int | None = None,
             deadline: str | None = None, amount: str | float | None = None, at: str | None = None) -> str:
    """升级. Tickets: up the levels 0 front desk → 1 supervisor → 2 director → 3 company.
    Violations: the next step of their ladder (a deadline or amount where the step needs one)."""
    from .domain.kinds import VIOLATION

    ids = _unique(ids)
    if not reason or not str(reason).strip():
        raise BadValue("--reason is required")
    kind = kind_of_id(ids[0])
    params: dict = {}
    tail = ""
    if kind is VIOLATION:
        if to is not None:
            raise BadValue("--to is for tickets; a violation goes to the next step of its ladder")
        if deadline:
            params["deadline"] = timeutil.parse_date(deadline, what="--deadline").isoformat()
        if amount not in (None, ""):
            params["amount"] = coerce_number(amount, "--amount")
    else:
        if deadline or amount not in (None, ""):
            raise BadValue("--deadline and --amount are for violations")
        if to is not None and to not in (1, 2, 3):
            raise BadValue(f"--to {to}: the levels are 1 supervisor, 2 director, 3 company")
        params["level"] = to
        tail = f" → {to}" if to is not None else ""
    return act(office, actor, ids, "escalate", note=reason, at=at, params=params,
               command="escalate", subject_tail=tail)


def coerce_number(value, what: str) -> float | int:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise BadValue(f"{what}: '{value}' is not a number") from None
    if number < 0 or number != number or number in (float("inf"),):
        raise BadValue(f"{what}: '{value}' must be zero or more")
    return int(number) if number.is_integer() else number


def edit_record(office: Office, actor: str | None, record_id: str, text: str, *, expected: bytes | None = None) -> str | None:
    """Replace a record's file with `text` (a hand edit through the tool): validated by the
    same rules, committed as one `edit`. `expected` is the content the editor started from;
    if the file changed meanwhile the edit is refused. Returns the commit, or None if
    nothing changed."""
    from .errors import Conflict

    person = _actor(office, actor)
    kind, rel = office.locate(record_id)
    with Transaction(office, person) as tx:
        _, loaded = tx.load(record_id)
        if expected is not None and loaded.raw != expected:
            raise Conflict(f"{rel}: changed by someone else while you were editing; edit again")
        if loaded.raw == text.encode("utf-8"):
            return None
        new = tx.stage_text(rel, text)
        if new.data.get("id") != loaded.data.get("id"):
            raise BadValue(f"{rel}: the id cannot be changed (it is {loaded.data.get('id')})")
        return tx.commit(f"{record_id} edit", action="edit", records=[record_id])


# More kinds: their functions live beside their rules, and are part of this API. Loaded on
# first use (PEP 562), since those modules build on the helpers above.
_ELSEWHERE = {
    "import_owners": "households", "draw_sample": "visits", "open_home_visit": "visits",
    "open_survey_response": "visits", "open_violation": "penalties", "open_archive": "archives",
    "lend": "archives", "destroy": "archives", "import_tickets": "history",
}
__all__ += list(_ELSEWHERE)


def __getattr__(name: str):
    if name in _ELSEWHERE:
        import importlib

        return getattr(importlib.import_module(f"wuyectl.{_ELSEWHERE[name]}"), name)
    raise AttributeError(f"module 'wuyectl.api' has no attribute '{name}'")
