"""Recording owner violations (业主违章); their ladder and authority are in domain/kinds/violation.py."""
from __future__ import annotations

import os
from typing import Iterable, Mapping

from .office import acting
from .tickets import place_and_description
from ..domain import codes
from ..domain.kinds.violation import KIND as VIOLATION, ladder_for
from ..errors import BadValue
from ..i18n import _
from ..store import yamlio
from ..store.office import Office
from ..store.transaction import Transaction
from .. import timeutil


def open_violation(office: Office, actor: str | None, *, category: str, description: str,
                   severity: str | None = None, unit: str | None = None, location: Mapping | None = None,
                   subtype: str | None = None, evidence: Iterable[str] = (), at: str | None = None) -> str:
    """Record a violation (any staff). `severity`: general when there is no loss and no threat
    to public safety, otherwise major (reported to the director)."""
    person = acting(office, actor)
    when = office.at(at)
    stamp = timeutil.iso(when)
    record = violation_record(office, person, None, stamp, category=category, description=description,
                              severity=severity, unit=unit, location=location, subtype=subtype, evidence=evidence)
    with Transaction(office, person) as tx:
        rid = office.next_id(VIOLATION, when)
        record["id"] = rid
        tx.create(VIOLATION.path_of(rid), yamlio.new_map(record))
        where = record.get("unit") or "公共区域"
        label = codes.label("violation_category", record["category"], office.language)
        tx.commit(f"{rid} open violation {label} {where}", action="open", records=[rid], at=stamp)
    return rid


def violation_record(office: Office, person: Mapping, rid: str | None, stamp: str, *, category: str,
                     description: str, severity: str | None = None, unit: str | None = None,
                     location: Mapping | None = None, subtype: str | None = None, evidence: Iterable[str] = (),
                     origin: str | None = None) -> dict:
    """The data of a new violation (no I/O but checking the household exists). `origin`: the
    record whose step found it (a decoration inspection; records.BUILDERS)."""
    category = codes.resolve("violation_category", category, what=_("violation category"))
    record: dict = {"id": rid, "status": "open", "category": category}
    if subtype:
        record["subtype"] = subtype
    record["severity"] = codes.resolve("severity", severity or "general")
    place_and_description(office, record, unit, location, description)
    files = [str(e) for e in evidence if e]
    for name in files:
        if os.path.isabs(name) or ".." in name.replace("\\", "/").split("/"):
            raise BadValue(_("evidence '{name}': give a path inside the office repo, like evidence/2026-11/photo1.jpg")
                           .format(name=name))
    if files:
        record["evidence"] = files
    record.update({"found_at": stamp, "found_by": person["name"], "ladder": ladder_for(category),
                   "measures": []})
    if origin:
        record["origin"] = origin
    record["timeline"] = [{"at": stamp, "by": person["name"], "action": "open"}]
    if record["severity"] == "major":
        record["timeline"][0]["note"] = "重大违章，上报管理处主任"
    return record


def opened_with(office: Office, person: Mapping, rid: str, stamp: str, values: dict) -> dict:
    """A violation another record's step opens (a decoration inspection's; records.BUILDERS)."""
    return violation_record(office, person, rid, stamp, **values)
