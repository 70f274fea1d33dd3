"""Archive items (档案资料): filing, loans and destruction.

- Loans (文件借阅登记表): at most 3 days unless a director approves; confidential items and
  disks are never lent; `get archive --overdue` lists loans past their due time.
- Destruction (过期文件处理登记表): only past retention; requested by the archivist, reviewed by
  a supervisor, approved by a director, carried out with at least two witnesses. The record
  stays, with status `destroyed`.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Mapping

from ..errors import NotPermitted, Refused
from ..timeutil import read_iso
from .workflow import Action, Change, Workflow

MAX_LOAN_DAYS = 3
ALWAYS_CONFIDENTIAL = ("owner_records", "tenant_records", "staff_records")
KEEPERS = frozenset({"archivist", "clerk", "supervisor", "director"})


def destroy_after(filed_on: str, years: int) -> str:
    day = date.fromisoformat(filed_on)
    try:
        return date(day.year + years, day.month, day.day).isoformat()
    except ValueError:
        return date(day.year + years, day.month, 28).isoformat()


def _refuse_lend(change: Change) -> str | None:
    record = change.record
    if record.get("confidential"):
        return "a confidential item is never lent (档案…不可借出)"
    if record.get("medium") == "disk":
        return "disks are never lent"
    return None


def _lend(change: Change) -> None:
    record, params = change.record, change.params
    lent_at = read_iso(change.at)
    due = read_iso(params["due_at"]) if params.get("due_at") else lent_at + timedelta(days=MAX_LOAN_DAYS)
    if due <= lent_at:
        raise Refused("the loan's due time must be after it is lent")
    approver = params.get("approved_by")
    if due - lent_at > timedelta(days=MAX_LOAN_DAYS):
        if not approver:
            raise Refused(f"a loan longer than {MAX_LOAN_DAYS} days needs a director's approval: --approved-by NAME")
        if params.get("approver_role") != "director":
            raise NotPermitted(f"{approver} is not a director: a loan longer than {MAX_LOAN_DAYS} days needs a director")
    loan = {"borrower": params["borrower"], "purpose": params["purpose"], "lent_at": change.at,
            "due_at": due.isoformat(timespec="seconds"), "lent_by": change.actor}
    if approver:
        loan["approved_by"] = approver
    record.setdefault("loans", [])
    record["loans"].append(loan)


def _return(change: Change) -> None:
    for loan in reversed(change.record.get("loans") or []):
        if not loan.get("returned_at"):
            loan["returned_at"] = change.at
            return


def _refuse_request(change: Change) -> str | None:
    after = change.record.get("destroy_after")
    if not after or not change.at:   # no time to judge by (listing what a state allows)
        return None
    today = read_iso(change.at).date()
    if today < date.fromisoformat(str(after)):
        return f"its retention runs until {after}; it may not be destroyed before"
    return None


def _mark(who: str, when: str):
    def effect(change: Change) -> None:
        change.record.setdefault("destruction", {})
        change.record["destruction"][who] = change.actor
        change.record["destruction"][when] = change.at
    return effect


def _destroy(change: Change) -> None:
    witnesses = [w for w in change.params.get("witnesses") or [] if w]
    if len(set(witnesses)) < 2:
        raise Refused("destruction is carried out with at least two witnesses: --witness A --witness B")
    change.record.setdefault("destruction", {})
    change.record["destruction"]["destroyed_at"] = change.at
    change.record["destruction"]["witnesses"] = list(dict.fromkeys(witnesses))
    if change.params.get("method"):
        change.record["destruction"]["method"] = change.params["method"]


ARCHIVE_WORKFLOW = Workflow(
    kind="archive item",
    states=("filed", "lent", "destruction_requested", "destruction_reviewed", "destruction_approved", "destroyed"),
    initial="filed",
    terminal=("destroyed",),
    actions={a.name: a for a in [
        Action("lend", ("filed",), "lent", roles=KEEPERS, refuse_if=_refuse_lend, effect=_lend, via_command="lend"),
        Action("return", ("lent",), "filed", roles=KEEPERS, effect=_return),
        Action("request_destruction", ("filed",), "destruction_requested", roles=frozenset({"archivist"}),
               refuse_if=_refuse_request, effect=_mark("requested_by", "requested_at")),
        Action("review_destruction", ("destruction_requested",), "destruction_reviewed",
               roles=frozenset({"supervisor"}), effect=_mark("reviewed_by", "reviewed_at")),
        Action("approve_destruction", ("destruction_reviewed",), "destruction_approved",
               roles=frozenset({"director"}), effect=_mark("approved_by", "approved_at")),
        Action("destroy", ("destruction_approved",), "destroyed", roles=frozenset({"archivist", "director", "supervisor"}),
               effect=_destroy, via_command="destroy"),
    ]},
)


def overdue_loans(record: Mapping, now) -> list[dict]:
    return [loan for loan in record.get("loans") or []
            if not loan.get("returned_at") and read_iso(loan["due_at"]) < now]
