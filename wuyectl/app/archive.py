"""Filing, lending and destroying archive items (档案); the rules are in domain/kinds/archive.py."""
from __future__ import annotations

from typing import Iterable

from .office import acting
from .records import Committed, act
from ..domain import codes
from ..domain.kinds.archive import ALWAYS_CONFIDENTIAL, FILERS, KIND as ARCHIVE, destroy_after
from ..errors import BadValue, NotPermitted
from ..i18n import _
from ..store import yamlio
from ..store.office import Office
from ..store.transaction import Transaction
from .. import timeutil

def open_archive(office: Office, actor: str | None, *, title: str, category: str, medium: str, location: str,
                 retention_years: int, confidential: bool = False, filed_on: str | None = None,
                 note: str | None = None, at: str | None = None) -> str:
    """File an item. Owner, tenant and staff records are always confidential."""
    person = acting(office, actor)
    if person["role"] not in FILERS:
        raise NotPermitted(_("{name} ({role}) may not file archive items: needs {roles}").format(
            name=person["name"], role=codes.shown("role", person["role"]),
            roles=codes.shown_or("role", FILERS)))
    when = office.at(at)
    stamp = timeutil.iso(when)
    category = codes.resolve("archive_category", category, what=_("archive category"))
    day = timeutil.parse_date(filed_on, what="--filed-on").isoformat() if filed_on else when.date().isoformat()
    try:
        years = int(retention_years)
    except (TypeError, ValueError):
        raise BadValue(_("--retention '{value}' is not a number of years").format(value=retention_years)) from None
    if not 0 <= years <= 100:
        raise BadValue(_("--retention is 0 to 100 years"))
    if not title or not str(title).strip() or not location or not str(location).strip():
        raise BadValue(_("an archive item needs --title and --location (cabinet/box)"))
    record = {"id": None, "status": "filed", "title": str(title).strip(), "category": category,
              "medium": codes.resolve("medium", medium), "confidential": bool(confidential or category in ALWAYS_CONFIDENTIAL),
              "location": str(location).strip(), "filed_on": day, "retention_years": years,
              "destroy_after": destroy_after(day, years)}
    if note:
        record["note"] = note
    record["timeline"] = [{"at": stamp, "by": person["name"], "action": "open"}]
    with Transaction(office, person) as tx:
        rid = office.next_id(ARCHIVE, when)
        record["id"] = rid
        tx.create(ARCHIVE.path_of(rid), yamlio.new_map(record))
        tx.commit(f"{rid} file {codes.label('archive_category', category, office.language)}", action="open",
                  records=[rid], at=stamp)
    return rid


def lend(office: Office, actor: str | None, ids: Iterable[str], *, borrower: str, purpose: str,
         due_at: str | None = None, approved_by: str | None = None, at: str | None = None) -> Committed:
    """文件借阅: at most 3 days unless a director approves; to someone not on the staff roster
    only with the director's approval (`approved_by`); never confidential items or disks."""
    if not borrower or not purpose:
        raise BadValue(_("a loan needs --to BORROWER and --purpose"))
    params = {"borrower": str(borrower).strip(), "purpose": str(purpose).strip()}
    if due_at:
        params["due_at"] = timeutil.iso(timeutil.parse_time(due_at, office.tz, what="--due"))
    # Staff borrow for their work; anyone else needs the director's approval (the rule is the
    # archive workflow's): the borrower's role on the roster, None when not on it (the roster as
    # the audit reads it, people marked inactive included).
    params["borrower_role"] = next((p.get("role") for p in office.config.get("staff") or []
                                    if p.get("name") == params["borrower"]), None)
    if approved_by:
        approver = office.person(approved_by)
        params["approved_by"] = approver["name"]
        params["approver_role"] = approver["role"]
    return act(office, actor, ids, "lend", params=params, at=at, command="lend",
               subject_tail=f" → {params['borrower']}")


def destroy(office: Office, actor: str | None, ids: Iterable[str], *, witnesses: Iterable[str],
            method: str | None = None, at: str | None = None) -> Committed:
    """Carry out an approved destruction with at least two witnesses; the record stays."""
    return act(office, actor, ids, "destroy", params={"witnesses": [str(w).strip() for w in witnesses],
                                                      "method": method}, at=at, command="destroy")
