"""Decoration applications (装修申请 → 审批 → 监管 → 验收; seeds 000 and 003 §43.3.1).

1. Application (`wuyectl open decoration`): the unit (a household on file), the applicant (the
   owner, or a tenant with the owner's consent recorded), the contractor and its workers, the
   scope (structural and façade changes flagged), the planned start and end, the documents
   received (drawings, contractor licence, the signed 装修管理协议) and the money taken
   (deposit, fees, receipt, by whom). The front desk takes it (受理业户的各类申请); a unit
   already under works (an application of it not finished) takes no second one.
2. Approval: the engineering department reviews (工程部审核); the director approves too when
   the scope needs it (policy `decoration.director_scopes`; structural and façade changes
   always). The last approval issues the permit: the planned dates and the policy's daily
   working hours. Works start within them.
3. Supervision (日常监管): inspections every `inspection_days` while works run, each with its
   finding; a breach of the decoration rules (the six kinds of §43.3.1) opens a violation of
   category `decoration` in the same commit, which then goes up its ladder as any other.
   Work seen outside the permit's dates or hours is a finding of its own.
4. Acceptance (验收) with the owner present, after at least one inspection: failed items send
   the works back with a deadline; a pass lets a supervisor or the director refund the deposit,
   less deductions with their reasons.
Overdue: works past the permit or the redo deadline, an inspection later than the interval,
an acceptance waiting beyond `acceptance_days`.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from typing import Mapping

from ...errors import BadValue, NotPermitted, Refused
from ...i18n import N_, _
from ...timeutil import moment, parse_date, read_iso
from .. import codes
from ..workflow import DESK, MANAGERS, Action, Change, Workflow, read_amount
from . import Check, DeskPart, Figure, Form, Kind, Line, Setting, daily_ids

ENGINEERING = frozenset({"technician"})          # 工程部 (department maintenance)
DIRECTOR = frozenset({"director"})
INSPECTORS = DESK | ENGINEERING | {"security"}   # 客服中心 日常监管, with engineering and the guards
ACCEPTORS = ENGINEERING | MANAGERS
ALWAYS_DIRECTOR = ("structure", "facade")        # 结构、外立面: always the director
DOCUMENTS = ("drawings", "licence", "agreement")
FINISHED = ("refunded", "declined")
UNDER_WAY = ("approved", "works", "completed", "accepted")   # a permit issued

SCOPES = {
    "walls": ("墙面/吊顶", "walls and ceilings", ("墙面", "吊顶", "油漆")),
    "floor": ("地面铺装", "flooring", ("地面", "地板", "地砖")),
    "plumbing": ("给排水改造", "plumbing", ("水路", "给排水", "水管")),
    "electrical": ("电路改造", "wiring", ("电路", "强弱电")),
    "kitchen_bath": ("厨卫防水", "kitchen and bathroom", ("厨卫", "防水")),
    "partition": ("非承重隔墙", "partition walls", ("隔墙",)),
    "doors_windows": ("户内门窗", "inner doors and windows", ("门窗",)),
    "structure": ("结构变动", "structural change", ("结构", "承重")),
    "facade": ("外立面/外门窗/阳台", "façade (outer walls, windows, balconies)", ("外立面", "外墙", "阳台", "外窗")),
}
# Seed 003 §43.3.1: 违反装修管理规定的现象 (1)–(6); a violation's subtype is its Chinese text.
BREACHES = {
    "alter_structure": ("擅自改变房屋结构或外观", "unauthorised change of structure or look", ("改变结构", "改变外观")),
    "load_bearing": ("违章凿拆承重墙柱梁板", "cutting into load-bearing walls or slabs", ("承重墙", "承重")),
    "public_utilities": ("擅自拆改公用设施", "tampering with shared utilities", ("公用设施",)),
    "grilles": ("擅自在门窗安装网罩牌", "grilles or signs on doors and windows", ("防盗网", "网罩")),
    "floor_drain": ("拆除地漏盖或向地漏倾倒杂物", "floor drain uncovered or misused", ("地漏",)),
    "other": ("其他违反装修管理规定的行为", "other breach of the decoration rules", ("其他",)),
}

HOUR_RANGE = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$"}
SETTINGS = {
    "director_scopes": Setting(["partition"], {"type": "array", "items": {"enum": list(SCOPES)}, "uniqueItems": True},
                               "scopes that need the director's approval besides structural and façade changes "
                               "(which always do)"),
    "approval_days": Setting(3, {"type": "integer", "minimum": 1, "maximum": 60},
                             "days from application to permit that count as approved in time"),
    "working_hours": Setting(["08:00-12:00", "14:00-18:00"], {"type": "array", "items": HOUR_RANGE, "minItems": 1},
                             "the daily hours a permit allows works (装修施工时间)"),
    "max_permit_days": Setting(90, {"type": "integer", "minimum": 1, "maximum": 366},
                               "the longest works a permit covers (planned start to end, days)"),
    "inspection_days": Setting(3, {"type": "integer", "minimum": 1, "maximum": 30},
                               "days between inspections while works run (日常监管)"),
    "acceptance_days": Setting(7, {"type": "integer", "minimum": 1, "maximum": 60},
                               "days from finished works to acceptance"),
}


def _setting(policy, key):
    return KIND.setting(policy, key)


def _stamp_day(stamp: str) -> date:
    return read_iso(str(stamp)).date()


def _day(value, what: str) -> date:
    if isinstance(value, date):
        return value
    return parse_date(str(value), what=what)


# -- opening ---------------------------------------------------------------------------------
def _codes_of(group: str, values, what: str) -> list[str]:
    if isinstance(values, str):
        values = [values]
    return list(dict.fromkeys(codes.resolve(group, str(v), what=what) for v in values or () if str(v).strip()))


def needs_director(scope, policy) -> bool:
    chosen = set(_setting(policy, "director_scopes")) | set(ALWAYS_DIRECTOR)
    return any(s in chosen for s in scope or ())


def _new(values: dict, person: Mapping, at: str, ctx) -> dict:
    if person.get("role") not in DESK:
        raise NotPermitted(_("{who} ({role}) may not take a decoration application: needs {roles}").format(
            who=person.get("name"), role=codes.shown("role", person.get("role")),
            roles=codes.shown_or("role", sorted(DESK))))
    unit = str(values.get("unit") or "").strip()
    under_way = sorted(r["id"] for r in ctx.records("decoration")
                       if r.get("unit") == unit and r.get("status") not in FINISHED)
    if under_way:
        raise Refused(_("{unit} is already under works ({id}): a unit takes a new decoration application when "
                        "the last one is finished").format(unit=unit, id=under_way[-1]))
    applicant_type = codes.resolve("applicant_type", values.get("applicant_type") or "owner", what="applicant_type")
    consent = str(values.get("owner_consent") or "").strip()
    if applicant_type == "tenant" and not consent:
        raise Refused(_("a tenant applies with the owner's consent: --owner-consent (who consented, and how)"))
    start, end = _day(values["start"], "--start"), _day(values["end"], "--end")
    if end < start:
        raise BadValue(_("--end {end} is before --start {start}").format(end=end, start=start))
    longest = _setting(ctx.policy, "max_permit_days")
    if (end - start).days + 1 > longest:
        raise Refused(_("works of {days} days are longer than a permit covers ({most} days)").format(
            days=(end - start).days + 1, most=longest))
    scope = _codes_of("decoration_scope", values.get("scope"), "--scope")
    if not scope:
        raise BadValue(_("--scope: name at least one item of the works"))
    record = {"status": "applied", "unit": unit, "applicant": str(values["applicant"]).strip(),
              "applicant_type": applicant_type}
    if consent:
        record["owner_consent"] = consent
    record["contractor"] = str(values["contractor"]).strip()
    workers = [str(w).strip() for w in values.get("workers") or () if str(w).strip()]
    if workers:
        record["workers"] = list(dict.fromkeys(workers))
    record.update({"scope": scope, "start": start.isoformat(), "end": end.isoformat(),
                   "documents": _codes_of("decoration_document", values.get("documents"), "--documents")})
    payment = _payment(values, person["name"], at)
    if payment:
        record["paid"] = [payment]
    if values.get("note"):
        record["note"] = str(values["note"])
    record["applied_at"] = at
    record["timeline"] = [{"at": at, "by": person["name"], "action": "open"}]
    return record


def _payment(values: Mapping, by: str, at: str) -> dict | None:
    """Money taken (a record of it, not a payment system): the deposit and the fees, the
    receipt given for them, by whom and when; None when no money is named."""
    amounts = {key: read_amount(values[key], what) for key, what in (("deposit", "--deposit"), ("fees", "--fees"))
               if values.get(key) not in (None, "")}
    receipt = str(values.get("receipt") or "").strip()
    if not amounts and not receipt:
        return None
    if not amounts:
        raise Refused(_("a receipt is for money taken: --deposit AMOUNT and/or --fees AMOUNT"))
    if not receipt:
        raise Refused(_("money taken is recorded with its receipt: --receipt NO"))
    # both amounts, 0 for the one not taken: every payment reads the same (a table in `show`)
    return {"deposit": amounts.get("deposit", 0), "fees": amounts.get("fees", 0), "receipt": receipt,
            "taken_by": by, "taken_at": at}


def deposit_of(record: Mapping) -> float | int:
    """The deposit taken, over every payment."""
    return sum(p.get("deposit") or 0 for p in record.get("paid") or () if isinstance(p, Mapping))


# -- approval --------------------------------------------------------------------------------
def _missing_papers(record: Mapping) -> str | None:
    missing = [d for d in DOCUMENTS if d not in (record.get("documents") or ())]
    if missing:
        return _("the documents are not all received: {missing} (wuyectl supplement ID --set received=…)").format(
            missing=codes.shown_list("decoration_document", missing))
    if not deposit_of(record):
        return _("the deposit is not taken (wuyectl supplement ID --set deposit=AMOUNT --set receipt=NO)")
    return None


def _supplement(change: Change) -> None:
    """Documents and money brought after the application: added to what it has."""
    record = change.record
    received = record.pop("received", None)
    given = {k: record.pop(k) for k in ("deposit", "fees", "receipt") if k in record}
    if received not in (None, ""):
        more = _codes_of("decoration_document", re.split(r"[,，、\s]+", str(received)), "received")
        record["documents"] = list(dict.fromkeys([*(record.get("documents") or []), *more]))
    payment = _payment(given, change.actor, change.at)
    if payment:
        record.setdefault("paid", [])
        record["paid"].append(payment)
    if received in (None, "") and not payment:
        raise Refused(_("nothing to add: --set received=DOCUMENTS, or --set deposit=AMOUNT --set receipt=NO"))


def _permit(change: Change) -> None:
    record, policy = change.record, change.params.get("policy")
    today = _stamp_day(change.at)
    start, end = date.fromisoformat(record["start"]), date.fromisoformat(record["end"])
    if today > end:
        raise Refused(_("the planned works ended on {end}; the permit would be void (decline it, or apply again)")
                      .format(end=end))
    record["permit"] = {"valid_from": max(start, today).isoformat(), "valid_to": end.isoformat(),
                        "hours": list(_setting(policy, "working_hours")),
                        "issued_by": change.actor, "issued_at": change.at}


def _approval(change: Change, stage: str) -> None:
    entry = {"stage": stage, "by": change.actor, "at": change.at}
    if change.note:
        entry["note"] = change.note
    change.record.setdefault("approvals", [])
    change.record["approvals"].append(entry)


def _review(change: Change) -> None:
    _approval(change, "engineering")
    if needs_director(change.record.get("scope"), change.params.get("policy")):
        change.record["status"] = "reviewed"
    else:
        _permit(change)
        change.record["status"] = "approved"
    change.event["step"] = change.record["status"]


def _director_approve(change: Change) -> None:
    _approval(change, "director")
    _permit(change)


def _to(state: str, event: Mapping) -> str:
    return event.get("step") or state


def _quiet(event: Mapping, after: Mapping, role_of) -> dict:
    return {}   # what the step decided is in the record; the state it led to is the event's `step`


# -- works and supervision ----------------------------------------------------------------------
def _hours(permit: Mapping) -> list[tuple[time, time]]:
    out = []
    for text in permit.get("hours") or ():
        first, last = str(text).split("-")
        out.append((time.fromisoformat(first), time.max if last == "24:00" else time.fromisoformat(last)))
    return out


def within_permit(permit: Mapping | None, when: datetime) -> bool:
    """Whether works at `when` are within the permit's days and its daily hours."""
    if not permit:
        return False
    day = when.date()
    if not date.fromisoformat(permit["valid_from"]) <= day <= date.fromisoformat(permit["valid_to"]):
        return False
    clock = when.time().replace(tzinfo=None)
    return any(first <= clock < last for first, last in _hours(permit))


def _refuse_start(change: Change) -> str | None:
    if not change.at:
        return None
    permit = change.record.get("permit") or {}
    if not within_permit(permit, read_iso(change.at)):
        return _("works start within the permit: {days}, {hours}").format(
            days=f"{permit.get('valid_from')} – {permit.get('valid_to')}", hours=", ".join(permit.get("hours") or ()))
    return None


def _start(change: Change) -> None:
    change.record["works_started_at"] = change.at


def _inspect(change: Change) -> None:
    record = change.record
    finding = str(record.pop("finding", "") or "").strip()
    breach = record.pop("breach", None)
    outside = record.pop("outside_permit", None)
    severity = record.pop("severity", None)
    entry = {"at": change.at, "by": change.actor}
    if breach not in (None, ""):
        breach = codes.resolve("decoration_breach", str(breach), what="breach")
    if severity not in (None, ""):
        if not breach:
            raise Refused(_("a severity is the violation's: it goes with --set breach=…"))
        severity = codes.resolve("severity", str(severity), what="severity")
    if outside not in (None, "", False):
        if str(outside).strip().lower() not in ("true", "yes", "y", "1", "是"):
            raise BadValue(_("outside_permit: '{value}' is not yes or no").format(value=outside))
        if within_permit(record.get("permit"), read_iso(change.at)):
            permit = record["permit"]
            raise Refused(_("{at} is within the permit ({hours}): work then is not outside it").format(
                at=read_iso(change.at).strftime("%Y-%m-%d %H:%M"), hours=", ".join(permit.get("hours") or ())))
        entry["outside_permit"] = True
    if not finding:
        finding = codes.label("decoration_breach", breach, "zh") if breach else ("超出许可时间施工" if entry.get(
            "outside_permit") else "正常")
    entry["finding"] = finding
    if breach:
        entry["breach"] = breach
        violation = {"category": "decoration", "subtype": codes.label("decoration_breach", breach, "zh"),
                     "description": finding, "unit": record["unit"], "origin": record["id"]}
        if severity:   # major: a loss, or a threat to public safety (§43.3.7); reported to the director
            violation["severity"] = severity
        entry["violation"] = change.open("violation", violation)
    record.setdefault("inspections", [])
    record["inspections"].append(entry)


def _finish(change: Change) -> None:
    change.record["finished_at"] = change.at


def _refuse_accept(change: Change) -> str | None:
    if not change.record.get("inspections"):
        return _("no inspection is recorded: an acceptance follows at least one inspection of the works")
    return None


def _accept(change: Change) -> None:
    record = change.record
    verdict = record.pop("verdict", None)
    present = str(record.pop("owner_present", "") or "").strip()
    defects = str(record.pop("defects", "") or "").strip()
    deadline = record.pop("deadline", None)
    if verdict in (None, ""):
        raise Refused(_("an acceptance records its verdict: --set verdict=pass|fail"))
    verdict = codes.resolve("decoration_verdict", str(verdict), what="verdict")
    if not present:
        raise Refused(_("an acceptance is made with the owner: --set owner_present=NAME"))
    entry = {"at": change.at, "by": change.actor, "verdict": verdict, "owner_present": present}
    if verdict == "fail":
        if not defects or deadline in (None, ""):
            raise Refused(_("a failed acceptance names what to redo and by when: --set defects=… --set deadline=DATE"))
        day = _day(deadline, "deadline")
        if day < _stamp_day(change.at):
            raise Refused(_("the deadline {deadline} is before the acceptance itself").format(deadline=day))
        entry.update({"defects": defects, "deadline": day.isoformat()})
        record["rework_by"] = day.isoformat()
        record.pop("finished_at", None)
        record["status"] = "works"
    else:
        if defects:
            entry["defects"] = defects
        record.pop("rework_by", None)
        record["status"] = "accepted"
    record.setdefault("acceptances", [])
    record["acceptances"].append(entry)
    change.event["step"] = record["status"]


_DEDUCTION = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(?:元)?\s*[:：]?\s*(.+?)\s*")


def read_deductions(text) -> list[dict]:
    """'200 清运垃圾; 100 修补公共墙面' → [{amount: 200, reason: 清运垃圾}, …]."""
    out = []
    for part in re.split(r"[;；\n]", str(text or "")):
        if not part.strip():
            continue
        match = _DEDUCTION.fullmatch(part)
        if not match:
            raise BadValue(_("deductions: '{part}' is not an amount and its reason (200 清运垃圾; 100 修补墙面)").format(
                part=part.strip()))
        out.append({"amount": read_amount(match[1], "deductions"), "reason": match[2]})
    return out


def _refund(change: Change) -> None:
    record = change.record
    deductions = read_deductions(record.pop("deductions", None))
    deposit = deposit_of(record)
    total = sum(d["amount"] for d in deductions)
    if total > deposit:
        raise Refused(_("deductions of {total} are more than the deposit ({deposit})").format(
            total=total, deposit=deposit))
    amount = deposit - total
    refund = {"deposit": deposit}
    if deductions:
        refund["deductions"] = deductions
    refund.update({"amount": int(amount) if float(amount).is_integer() else round(amount, 2),
                   "approved_by": change.actor, "at": change.at})
    record["refund"] = refund


WORKFLOW = Workflow(
    kind="decoration application",
    states=("applied", "reviewed", "approved", "works", "completed", "accepted", "refunded", "declined"),
    initial="applied",
    terminal=FINISHED,
    actions={a.name: a for a in [
        Action("supplement", ("applied", "reviewed"), None, roles=DESK,
               settable=("received", "deposit", "fees", "receipt"), effect=_supplement),
        Action("engineering_review", ("applied",), None, roles=ENGINEERING, refuse_if=lambda c: _missing_papers(c.record),
               effect=_review, replay=_to, outcomes=("reviewed", "approved"), recorded=_quiet),
        Action("director_approve", ("reviewed",), "approved", roles=DIRECTOR,
               refuse_if=lambda c: _missing_papers(c.record), effect=_director_approve),
        Action("decline", ("applied", "reviewed"), "declined", roles=ENGINEERING | DIRECTOR, needs_note=True),
        Action("start_works", ("approved",), "works", roles=INSPECTORS, refuse_if=_refuse_start, effect=_start),
        Action("inspect", ("works",), None, roles=INSPECTORS, settable=("finding", "breach", "severity", "outside_permit"),
               effect=_inspect, opens=("violation",)),
        Action("finish_works", ("works",), "completed", roles=INSPECTORS, effect=_finish),
        Action("accept_works", ("completed",), None, roles=ACCEPTORS,
               settable=("verdict", "owner_present", "defects", "deadline"), refuse_if=_refuse_accept,
               effect=_accept, replay=_to, outcomes=("works", "accepted"), recorded=_quiet),
        Action("refund_deposit", ("accepted",), "refunded", roles=MANAGERS, settable=("deductions",), effect=_refund),
    ]},
)


# -- clocks ----------------------------------------------------------------------------------
def _last_look(record: Mapping) -> str | None:
    """When the works were last looked at: the last inspection, or the start of the works (or
    of the redo after a failed acceptance)."""
    times = [record.get("works_started_at")]
    times += [i.get("at") for i in record.get("inspections") or () if isinstance(i, Mapping)]
    times += [a.get("at") for a in record.get("acceptances") or () if isinstance(a, Mapping)]
    times = [t for t in times if t]
    return max(times, key=lambda t: read_iso(str(t))) if times else None


def next_inspection(record: Mapping, policy) -> datetime | None:
    if record.get("status") != "works" or not _last_look(record):
        return None
    return read_iso(str(_last_look(record))) + timedelta(days=_setting(policy, "inspection_days"))


def acceptance_due(record: Mapping, policy) -> datetime | None:
    if record.get("status") != "completed" or not record.get("finished_at"):
        return None
    return read_iso(str(record["finished_at"])) + timedelta(days=_setting(policy, "acceptance_days"))


def _end_of(day_text: str, tz) -> datetime:
    day = date.fromisoformat(str(day_text)) + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def overdue_reasons(record: Mapping, now: datetime, policy) -> list[str]:
    """Why an application is overdue now: works past the permit or the redo deadline, an
    inspection later than the interval, an acceptance waiting beyond the policy's days."""
    reasons = []
    status = record.get("status")
    if status == "works":
        permit = record.get("permit") or {}
        if permit.get("valid_to") and now >= _end_of(permit["valid_to"], now.tzinfo):
            reasons.append("past_permit")
        if record.get("rework_by") and now >= _end_of(record["rework_by"], now.tzinfo):
            reasons.append("rework")
        due = next_inspection(record, policy)
        if due is not None and now > due:
            reasons.append("inspection")
    due = acceptance_due(record, policy)
    if due is not None and now > due:
        reasons.append("acceptance")
    return reasons


def _computed(record: dict, now: datetime, policy) -> dict:
    out = dict(record)
    try:
        due = next_inspection(record, policy)
        out["next_inspection"] = due.isoformat(timespec="seconds") if due else None
        out["overdue"] = overdue_reasons(record, now, policy)
    except (TypeError, ValueError, KeyError, AttributeError):   # a hand-broken record: validate says why
        out["next_inspection"], out["overdue"] = None, []
    return out


def _due(record: dict, now: datetime) -> list[datetime]:
    out = []
    if record.get("next_inspection"):
        out.append(read_iso(record["next_inspection"]))
    try:
        if record.get("status") == "works" and (record.get("permit") or {}).get("valid_to"):
            out.append(_end_of(record["permit"]["valid_to"], now.tzinfo))
        if record.get("status") == "works" and record.get("rework_by"):
            out.append(_end_of(record["rework_by"], now.tzinfo))
    except ValueError:
        pass
    return out


# -- checks ----------------------------------------------------------------------------------
def _entries(data: Mapping, key: str) -> list[dict]:
    return [e for e in data.get(key) or () if isinstance(e, dict)]


def _approved_by_the_right_people(data, ctx):
    if not data.get("permit"):
        if data.get("status") in (*UNDER_WAY, "refunded"):
            yield ("status",), _("a {status} application has a permit").format(
                status=codes.shown("decoration_status", data.get("status")))
        return
    stages = [a.get("stage") for a in _entries(data, "approvals")]
    if "engineering" not in stages:
        yield ("approvals",), _("a permit follows the engineering department's review")
    flagged = [s for s in data.get("scope") or () if s in ALWAYS_DIRECTOR]
    if flagged and "director" not in stages:
        yield ("approvals",), _("{scope}: structural and façade changes need the director's approval").format(
            scope=codes.shown_list("decoration_scope", flagged))


def _within_the_permit(data, ctx):
    permit = data.get("permit")
    if not isinstance(permit, Mapping):
        return
    try:
        if data.get("works_started_at") and not within_permit(permit, read_iso(str(data["works_started_at"]))):
            yield ("works_started_at",), _("the works started outside the permit's days or hours")
        for i, entry in enumerate(_entries(data, "inspections")):
            if entry.get("outside_permit") and within_permit(permit, read_iso(str(entry.get("at")))):
                yield ("inspections", i, "outside_permit"), _(
                    "work outside the permit is recorded at a time the permit allows")
    except (TypeError, ValueError, KeyError):
        return   # times the schema reports


def _refund_adds_up(data, ctx):
    refund = data.get("refund")
    if not isinstance(refund, Mapping):
        if data.get("status") == "refunded":
            yield ("status",), _("a refunded application records its refund")
        return
    deposit = deposit_of(data)
    deducted = sum(d.get("amount") or 0 for d in refund.get("deductions") or () if isinstance(d, Mapping))
    if refund.get("deposit") != deposit or abs((refund.get("amount") or 0) - (deposit - deducted)) > 0.005:
        yield ("refund", "amount"), _("the refund is the deposit ({deposit}) less its deductions ({deducted})").format(
            deposit=deposit, deducted=deducted)
    who = refund.get("approved_by")
    if ctx.roles.get(who) not in MANAGERS:
        yield ("refund", "approved_by"), _("{who} ({role}) may not approve a deposit refund: needs {roles}").format(
            who=who, role=codes.shown("role", ctx.roles.get(who)), roles=codes.shown_or("role", sorted(MANAGERS)))


def _accepted_after_inspection(data, ctx):
    acceptances, inspections = _entries(data, "acceptances"), _entries(data, "inspections")
    try:
        first = min((read_iso(str(i["at"])) for i in inspections), default=None)
        for i, entry in enumerate(acceptances):
            if first is None or read_iso(str(entry["at"])) < first:
                yield ("acceptances", i), _("an acceptance before any inspection of the works")
                break
    except (TypeError, ValueError, KeyError):
        return
    if data.get("status") in ("accepted", "refunded") and (not acceptances or acceptances[-1].get("verdict") != "pass"):
        yield ("status",), _("an accepted application's last acceptance passed")


# -- listing ---------------------------------------------------------------------------------
def _labels(group: str, field: str):
    return lambda d, lang, reveal: "、".join(codes.label(group, c, lang) for c in d.get(field) or ()) \
        if lang == "zh" else ", ".join(codes.label(group, c, lang) for c in d.get(field) or ())


def _flag(d, lang, reveal):
    flagged = [s for s in d.get("scope") or () if s in ALWAYS_DIRECTOR]
    return ("⚠ " + _labels("decoration_scope", "flagged")({"flagged": flagged}, lang, reveal)) if flagged else ""


def _permit_to(d, lang, reveal):
    return str((d.get("permit") or {}).get("valid_to") or "")


# -- the desk's monthly report ------------------------------------------------------------------
APPLIED = Figure("applied", "装修申请", "applications", "applications received in the period")
APPROVED_IN_TIME = Figure("approved_in_time", "按时审批率", "approved in time",
                          "permits issued in the period within the policy's approval_days of the application",
                          "permits issued in the period")
INSPECTED = Figure("inspected", "巡查完成率", "inspections done", "inspections made in the period",
                   "inspections due in the period: for each application, its days under works in the period "
                   "÷ inspection_days, rounded up")
VIOLATIONS = Figure("violations", "违章立案", "violations raised",
                    "violations opened by inspections in the period")
PASSED_FIRST = Figure("passed_first", "一次验收合格率", "passed first time",
                      "applications whose first acceptance, in the period, passed",
                      "applications first accepted or failed in the period")
REFUNDS = Figure("refunds", "退还押金笔数", "deposits refunded", "deposit refunds approved in the period")
REFUNDED = Figure("refunded_amount", "退还押金金额", "amount refunded", "the amounts of those refunds, summed")


def _as_of_events(record: Mapping, as_of: datetime) -> list[dict]:
    return [e for e in record.get("timeline") or () if read_iso(str(e["at"])) <= as_of]


def _works_days(record: Mapping, period, as_of: datetime) -> int:
    """The days of the period the works ran (start of works to finish, redo included)."""
    days, running = set(), None
    for event in _as_of_events(record, as_of):
        at = read_iso(str(event["at"]))
        if event.get("action") == "start_works" or (event.get("action") == "accept_works"
                                                     and event.get("step") == "works"):
            running = at
        elif event.get("action") == "finish_works" and running is not None:
            days |= _days_between(running, at)
            running = None
    if running is not None:
        days |= _days_between(running, min(as_of, period.end - timedelta(seconds=1)))
    return sum(1 for d in days if period.first <= d <= period.last)


def _days_between(first: datetime, last: datetime) -> set[date]:
    out, day = set(), first.date()
    while day <= last.date():
        out.add(day)
        day += timedelta(days=1)
    return out


def _desk(records_of, period, as_of, policy, lang) -> DeskPart:
    applications = [r for r in records_of("decoration") if read_iso(str(r["applied_at"])) <= as_of]
    violations = {v["id"]: v for v in records_of("violation")}
    interval, approval_days = _setting(policy, "inspection_days"), _setting(policy, "approval_days")

    applied = [r for r in applications if period.holds(r["applied_at"])]
    permits = [r for r in applications if period.happened((r.get("permit") or {}).get("issued_at"), as_of)]
    in_time = [r for r in permits if (_stamp_day(r["permit"]["issued_at"]) - _stamp_day(r["applied_at"])).days
               <= approval_days]
    inspections = [i for r in applications for i in _entries(r, "inspections") if period.happened(i.get("at"), as_of)]
    due = sum(math.ceil(_works_days(r, period, as_of) / interval) for r in applications)
    raised = [i["violation"] for i in inspections if i.get("violation") in violations]
    first = [r for r in applications if _entries(r, "acceptances") and period.happened(_entries(r, "acceptances")[0].get("at"), as_of)]
    passed = [r for r in first if _entries(r, "acceptances")[0].get("verdict") == "pass"]
    refunds = [r for r in applications if period.happened((r.get("refund") or {}).get("at"), as_of)]
    amount = sum(r["refund"].get("amount") or 0 for r in refunds)
    states: dict[str, int] = {}
    for record in applied:
        state = WORKFLOW.replay(_as_of_events(record, as_of))
        states[state] = states.get(state, 0) + 1
    state_rows = [[codes.label("decoration_status", s, lang), states[s]] for s in WORKFLOW.states if s in states]
    refund_rows = [[r["id"], r["unit"], r["refund"].get("deposit"),
                    "；".join(f"{d['amount']} {d['reason']}" for d in r["refund"].get("deductions") or ()),
                    r["refund"].get("amount"), r["refund"].get("approved_by")] for r in refunds]
    violation_rows = [[v, violations[v].get("unit"), violations[v].get("subtype"), violations[v].get("origin")]
                      for v in raised]
    return DeskPart(
        figures=[(APPLIED, len(applied), None), (APPROVED_IN_TIME, len(in_time), len(permits)),
                 (INSPECTED, len(inspections), due), (VIOLATIONS, len(raised), None),
                 (PASSED_FIRST, len(passed), len(first)), (REFUNDS, len(refunds), None),
                 (REFUNDED, amount, None)],
        tables=[("states", ("申请状态", "Applications by state"), ("status", "count"), state_rows),
                ("violations", ("巡查违章", "Violations raised"), ("id", "unit", "subtype", "origin"), violation_rows),
                ("refunds", ("押金退还", "Deposits refunded"),
                 ("id", "unit", "deposit", "deductions", "amount", "approved_by"), refund_rows)])


# -- paper (wuyectl print): the permit posted at the door (装修施工许可证) -------------------------
_P = "permit."
FORMS = {
    "permit": Form(
        ("装修施工许可证", "Decoration works permit"),
        lines=("unit", "applicant", "contractor", "applicant_type", Line("workers", wide=True),
               Line("scope", wide=True), _P + "valid_from", _P + "valid_to", Line(_P + "hours", wide=True),
               _P + "issued_by", _P + "issued_at"),
        note=("施工期间须遵守《装修管理规定》和《装修管理协议》，只在许可的日期和每日施工时间内施工，并禁止：\n"
              "（1）擅自改变房屋建筑及其设施设备的结构、外观（含外墙、外门窗、阳台等部位设施的颜色、形状和规格）、设计用途、功能布局；\n"
              "（2）对房屋内外承重墙、柱、梁、板进行违章凿、拆、搭建；\n"
              "（3）擅自拆除、改造供电、供水、供气、通信、排水、排污、消防等公用设施；\n"
              "（4）擅自在门窗安装网、罩、牌破坏房屋整体外观；\n"
              "（5）擅自拆除地漏盖和向地漏倾倒杂物；\n"
              "（6）其他违反装修管理规定的行为。\n"
              "本证须张贴于施工单元门口，以备管理处巡查。",
              "Works follow the decoration rules and the decoration agreement, only on the permitted days and "
              "hours, and never:\n(1) change the building's structure or look (walls, windows, balconies), use or "
              "layout without approval;\n(2) cut into or build on load-bearing walls, columns, beams or slabs;\n"
              "(3) remove or alter shared power, water, gas, telecoms, drains or fire equipment;\n(4) put grilles, "
              "covers or signs on doors and windows;\n(5) remove floor drain covers or pour waste into drains;\n"
              "(6) anything else the decoration rules forbid.\nPost this permit at the unit's door for the "
              "office's inspections."),
        signatures=(("签发人", "Issued by"), ("业主", "Owner"), ("施工单位负责人", "Contractor's foreman"))),
}


KIND = Kind(
    name="decoration", plural="decorations", folder="decorations", id_form="Z-…",
    forms=FORMS,
    **daily_ids("Z", "decorations"),
    workflow=WORKFLOW,
    columns=("id", "status", "unit", "applicant", "contractor", "scope", "flag", "start", "end", "permit_to",
             "next_inspection", "overdue"),
    cells={"scope": _labels("decoration_scope", "scope"), "flag": _flag, "permit_to": _permit_to,
           "next_inspection": lambda d, lang, reveal: moment(d.get("next_inspection")),
           "overdue": _labels("decoration_overdue", "overdue")},
    narrow=("flag", "contractor", "applicant", "start", "next_inspection", "scope", "end"),
    clip_widths={"scope": 24, "contractor": 16},
    order_by="applied_at",
    show_fields=("status", "unit", "applicant", "applicant_type", "owner_consent", "contractor", "workers", "scope",
                 "start", "end", "documents", "applied_at", "works_started_at", "finished_at", "rework_by",
                 "next_inspection", "overdue", "note"),
    show_cells={"documents": _labels("decoration_document", "documents"),
                "workers": lambda d, lang, reveal: ("、" if lang == "zh" else ", ").join(d.get("workers") or ())},
    show_sections=("paid", "approvals", "permit", "inspections", "acceptances", "refund", "timeline"),
    code_fields={"status": "decoration_status", "applicant_type": "applicant_type", "scope": "decoration_scope",
                 "documents": "decoration_document", "breach": "decoration_breach",
                 "verdict": "decoration_verdict", "stage": "decoration_stage",
                 "step": "decoration_status"},
    codes={
        "decoration_status": {
            "applied": ("已申请", "applied"),
            "reviewed": ("待主任审批", "awaiting the director"),
            "approved": ("已发施工许可", "permit issued"),
            "works": ("施工中", "under works"),
            "completed": ("完工待验收", "awaiting acceptance"),
            "accepted": ("验收合格", "accepted"),
            "refunded": ("押金已退", "deposit refunded"),
            "declined": ("不予批准", "declined"),
        },
        "applicant_type": {"owner": ("业主", "owner"), "tenant": ("租户", "tenant", ("住户", "承租人"))},
        "decoration_scope": SCOPES,
        "decoration_document": {
            "drawings": ("装修图纸", "drawings", ("图纸", "施工图")),
            "licence": ("施工单位资质", "contractor licence", ("资质", "营业执照", "license")),
            "agreement": ("装修管理协议", "management agreement", ("协议",)),
        },
        "decoration_breach": BREACHES,
        "decoration_verdict": {"pass": ("合格", "passed", ("通过",)), "fail": ("不合格", "failed", ("未通过",))},
        "decoration_stage": {"engineering": ("工程部审核", "engineering review"),
                             "director": ("主任审批", "director's approval")},
        "decoration_overdue": {
            "past_permit": ("超出许可期施工", "works past the permit"),
            "rework": ("整改逾期", "redo past its deadline"),
            "inspection": ("巡查逾期", "inspection overdue"),
            "acceptance": ("验收逾期", "acceptance waiting"),
        },
        "action": {
            "supplement": ("补交资料", "supplement"),
            "engineering_review": ("工程部审核", "engineering review"),
            "director_approve": ("主任审批", "director's approval"),
            "decline": ("不予批准", "decline"),
            "start_works": ("开工", "start works"),
            "inspect": ("装修巡查", "inspect"),
            "finish_works": ("完工报验", "finish works"),
            "accept_works": ("装修验收", "acceptance"),
            "refund_deposit": ("退还押金", "refund deposit"),
        },
    },
    labels={"decorations": ("装修申请", "decoration applications"), "decoration": ("装修申请", "decoration application"),
            "applicant": ("申请人", "applicant"), "applicant_type": ("申请人身份", "applicant is"),
            "owner_consent": ("业主书面同意", "owner's written consent"), "contractor": ("施工单位", "contractor"),
            "workers": ("施工人员", "workers"), "scope": ("装修项目", "scope"), "flag": ("重点", "flagged"),
            "start": ("计划开工", "planned start"), "end": ("计划完工", "planned end"),
            "documents": ("已收资料", "documents received"), "received": ("补交资料", "documents received"),
            "paid": ("收费记录", "money taken"), "deposit": ("押金", "deposit"),
            "fees": ("装修管理费", "fees"), "receipt": ("收据号", "receipt no."), "taken_by": ("收款人", "taken by"),
            "taken_at": ("收款时间", "taken"), "applied_at": ("申请时间", "applied"),
            "approvals": ("审批记录", "approvals"), "permit": ("施工许可", "permit"),
            "permit_to": ("许可截止", "permit until"), "valid_from": ("许可开始", "valid from"),
            "valid_to": ("许可截止", "valid to"), "hours": ("施工时间", "working hours"),
            "issued_by": ("签发人", "issued by"), "issued_at": ("签发时间", "issued"),
            "works_started_at": ("开工时间", "works started"), "finished_at": ("完工时间", "works finished"),
            "inspections": ("巡查记录", "inspections"), "finding": ("巡查情况", "finding"),
            "breach": ("违规行为", "breach"), "outside_permit": ("超出许可施工", "outside the permit"),
            "violation": ("违章记录", "violation"), "acceptances": ("验收记录", "acceptances"),
            "verdict": ("验收结论", "verdict"), "owner_present": ("到场业主", "owner present"),
            "defects": ("整改项目", "to redo"), "rework_by": ("整改期限至", "redo by"),
            "refund": ("押金退还", "deposit refund"), "deductions": ("扣款", "deductions"),
            "next_inspection": ("下次巡查", "next inspection"), "count": ("数量", "count"),
            # the code groups, as messages name them ("unknown scope '拆墙'")
            "decoration_scope": ("装修项目", "scope"), "decoration_document": ("资料", "document"),
            "decoration_breach": ("违规行为", "breach"), "decoration_verdict": ("验收结论", "verdict")},
    opened_field="applied_at",
    computed=_computed, overdue=lambda record, now: bool(record.get("overdue")), due=_due,
    people={"timeline.*.by": "timeline by", "approvals.*.by": "approved by", "inspections.*.by": "inspected by",
            "acceptances.*.by": "accepted by", "paid.*.taken_by": "taken by", "permit.issued_by": "issued by",
            "refund.approved_by": "refund approved by"},
    refs={"unit": "owner"},
    editable=("workers", "note"),
    edit_hints={
        "documents": N_("documents and money brought later: wuyectl supplement {id} --set received=… "
                        "--set deposit=… --set receipt=…"),
        "paid": N_("documents and money brought later: wuyectl supplement {id} --set received=… "
                   "--set deposit=… --set receipt=…"),
        "inspections": N_("an inspection is recorded by wuyectl inspect {id} --set finding=… [--set breach=…]"),
        "acceptances": N_("an acceptance is recorded by wuyectl accept-works {id} --set verdict=pass|fail "
                          "--set owner_present=NAME"),
        "refund": N_("the refund is recorded by wuyectl refund-deposit {id} [--set deductions='200 清运垃圾']")},
    checks=(
        Check("W-decoration-approval", "a permit follows engineering's review, and the director's for "
              "structural or façade changes", _approved_by_the_right_people, audit="A-role"),
        Check("W-decoration-permit", "works start, and work outside the permit is recorded, by the permit's days "
              "and hours", _within_the_permit),
        Check("W-decoration-refund", "a deposit refund is the deposit less its deductions, approved by a "
              "supervisor or director", _refund_adds_up),
        Check("W-decoration-acceptance", "an acceptance follows an inspection; an accepted application's last "
              "acceptance passed", _accepted_after_inspection),
    ),
    new_record=_new,
    entry_fields=("unit", "applicant", "applicant_type", "owner_consent", "contractor", "workers", "scope", "start",
                  "end", "documents", "deposit", "fees", "receipt", "note"),
    entry_required=("unit", "applicant", "contractor", "scope", "start", "end"),
    entry_lists=("workers", "scope", "documents"),
    entry_help="Take a decoration application (装修申请): the unit, the applicant (a tenant with the owner's "
               "consent), the contractor and workers, the scope, the planned dates, the documents received and "
               "the money taken.",
    settings=SETTINGS,
    desk="decoration", figures=(APPLIED, APPROVED_IN_TIME, INSPECTED, VIOLATIONS, PASSED_FIRST, REFUNDS, REFUNDED),
    desk_report=_desk,
)
