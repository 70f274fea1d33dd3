"""Archive items (档案资料): filing, loans and destruction.

- Loans (文件借阅登记表): at most 3 days unless a director approves; to someone not on the
  staff roster only with the director's approval (24.3.1); confidential items and disks are
  never lent; `get archive --overdue` lists loans past their due time.
- Destruction (过期文件处理登记表): only past retention; requested by the archivist, reviewed by
  a supervisor, approved by a director, carried out with at least two witnesses. The record
  stays, with status `destroyed`.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Mapping

from ...errors import NotPermitted, Refused
from ...i18n import N_, _
from ...timeutil import add_years, moment, read_iso, short
from .. import codes
from ..workflow import Action, Change, Workflow
from . import Check, Form, Kind, Line, yes

MAX_LOAN_DAYS = 3
ALWAYS_CONFIDENTIAL = ("owner_records", "tenant_records", "staff_records")
FILERS = ("archivist", "clerk", "supervisor", "director")   # who files, lends and takes back
KEEPERS = frozenset(FILERS)
DESTRUCTION = ("requested_by", "reviewed_by", "approved_by", "destroyed_at")


def destroy_after(filed_on: str, years: int) -> str:
    return add_years(date.fromisoformat(filed_on), years).isoformat()


def _refuse_lend(change: Change) -> str | None:
    record = change.record
    if record.get("confidential"):
        return _("a confidential item is never lent (档案…不可借出)")
    if record.get("medium") == "disk":
        return _("disks are never lent")
    return None


def _lend(change: Change) -> None:
    record, params = change.record, change.params
    lent_at = read_iso(change.at)
    due = read_iso(params["due_at"]) if params.get("due_at") else lent_at + timedelta(days=MAX_LOAN_DAYS)
    if due <= lent_at:
        raise Refused(_("the loan's due time must be after it is lent"))
    approver = params.get("approved_by")
    if due - lent_at > timedelta(days=MAX_LOAN_DAYS):
        if not approver:
            raise Refused(_("a loan longer than {days} days needs a director's approval: --approved-by NAME").format(
                days=MAX_LOAN_DAYS))
        if params.get("approver_role") != "director":
            raise NotPermitted(_("{approver} is not a director: a loan longer than {days} days needs a director").format(
                approver=approver, days=MAX_LOAN_DAYS))
    # 24.3.1: the archive is for the office's staff; anyone else borrows only with the director's
    # approval (非管理处员工未经管理处主任批准不得查阅或借出档案).
    if params.get("borrower_role") is None:
        if not approver:
            raise Refused(_("{borrower} is not on the office's staff roster: a loan outside the office needs the "
                            "director's approval (--approved-by NAME)").format(borrower=params["borrower"]))
        if params.get("approver_role") != "director":
            raise NotPermitted(_("{approver} is not a director: a loan to {borrower}, outside the office, needs the "
                                 "director's approval").format(approver=approver, borrower=params["borrower"]))
    loan = {"borrower": params["borrower"], "purpose": params["purpose"], "lent_at": change.at,
            "due_at": due.isoformat(timespec="seconds"), "lent_by": change.actor}
    if approver:
        loan["approved_by"] = approver
    record.setdefault("loans", [])
    record["loans"].append(loan)


def _lend_recorded(event: Mapping, after: Mapping, role_of) -> dict:
    loan = (after.get("loans") or [{}])[-1]
    params = {key: loan[key] for key in ("borrower", "purpose", "due_at", "approved_by") if key in loan}
    if loan.get("approved_by"):
        params["approver_role"] = role_of(loan["approved_by"])
    params["borrower_role"] = role_of(loan["borrower"]) if loan.get("borrower") else None
    return params


def _destroy_recorded(event: Mapping, after: Mapping, role_of) -> dict:
    destruction = after.get("destruction") or {}
    return {"witnesses": destruction.get("witnesses") or [], "method": destruction.get("method")}


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
        return _("its retention runs until {day}; it may not be destroyed before").format(day=after)
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
        raise Refused(_("destruction is carried out with at least two witnesses: --witness A --witness B"))
    change.record.setdefault("destruction", {})
    change.record["destruction"]["destroyed_at"] = change.at
    change.record["destruction"]["witnesses"] = list(dict.fromkeys(witnesses))
    if change.params.get("method"):
        change.record["destruction"]["method"] = change.params["method"]


WORKFLOW = Workflow(
    kind="archive item",
    states=("filed", "lent", "destruction_requested", "destruction_reviewed", "destruction_approved", "destroyed"),
    initial="filed",
    terminal=("destroyed",),
    actions={a.name: a for a in [
        Action("lend", ("filed",), "lent", roles=KEEPERS, refuse_if=_refuse_lend, effect=_lend, via_command="lend",
               recorded=_lend_recorded),
        Action("return", ("lent",), "filed", roles=KEEPERS, effect=_return),
        Action("request_destruction", ("filed",), "destruction_requested", roles=frozenset({"archivist"}),
               refuse_if=_refuse_request, effect=_mark("requested_by", "requested_at")),
        Action("review_destruction", ("destruction_requested",), "destruction_reviewed",
               roles=frozenset({"supervisor"}), effect=_mark("reviewed_by", "reviewed_at")),
        Action("approve_destruction", ("destruction_reviewed",), "destruction_approved",
               roles=frozenset({"director"}), effect=_mark("approved_by", "approved_at")),
        Action("destroy", ("destruction_approved",), "destroyed", roles=frozenset({"archivist", "director", "supervisor"}),
               effect=_destroy, via_command="destroy", recorded=_destroy_recorded),
    ]},
)


def overdue_loans(record: Mapping, now) -> list[dict]:
    return [loan for loan in record.get("loans") or []
            if not loan.get("returned_at") and read_iso(loan["due_at"]) < now]


def _loan_overdue(item: dict, now: datetime) -> bool:
    return item.get("status") == "lent" and bool(overdue_loans(item, now))


def _loan_due_times(item: dict, now: datetime) -> list[datetime]:
    if item.get("status") != "lent":
        return []
    return [read_iso(loan["due_at"]) for loan in _open_loans(item) if loan.get("due_at")]


def _destroyed(old: dict, day: date) -> str | None:
    return _("changed after it was destroyed") if old.get("status") == "destroyed" else None


# -- checks ----------------------------------------------------------------------------------
def _open_loans(data: dict) -> list[dict]:
    return [loan for loan in data.get("loans") or [] if isinstance(loan, dict) and not loan.get("returned_at")]


def _loans_agree(data, ctx):
    status, open_loans = data.get("status"), _open_loans(data)
    if status == "lent" and len(open_loans) != 1:
        yield ("status",), _("a lent item has exactly one loan not returned")
    if status != "lent" and open_loans:
        yield ("loans",), _("a loan is not returned but the item is {status}").format(
            status=codes.shown("archive_status", status))


def _confidential(data, ctx):
    if data.get("category") in ALWAYS_CONFIDENTIAL and data.get("confidential") is False:
        yield ("confidential",), _("owner, tenant and staff records are always confidential")


def _destruction_recorded(data, ctx):
    if data.get("status") != "destroyed":
        return
    destruction = data.get("destruction") or {}
    for key in DESTRUCTION:
        if not destruction.get(key):
            yield ("destruction",), _("a destroyed item needs destruction.{field}").format(field=key)
    if len(set(destruction.get("witnesses") or [])) < 2:
        yield ("destruction",), _("a destruction needs at least two witnesses")


def _borrower(data, lang, reveal):
    loans = _open_loans(data)
    return loans[-1].get("borrower", "") if loans else ""


def _loan_due(data, lang, reveal):
    loans = _open_loans(data)
    return moment(loans[-1].get("due_at")) if loans else None


def _loan(data, lang, reveal):
    """The terminal's cell: who has it, and until when (two columns in the exports)."""
    loans = _open_loans(data)
    return f"{loans[-1]['borrower']} → {short(loans[-1]['due_at'])}" if loans else ""


# -- paper (wuyectl print; the seed 003 §24–25 forms) ------------------------------------------
_ITEM = (Line("title", wide=True), "category", "medium", "location", "confidential", "filed_on", "retention_years")
_D = "destruction."

FORMS = {
    "loans": Form(
        ("文件借阅登记表", "Document loan register"),
        lines=(*_ITEM, "status", "destroy_after"),
        table="loans", rows=6,
        columns=("borrower", "purpose", "lent_at", "due_at", "returned_at", "lent_by", "approved_by",
                 Line("signature", ("借阅人签字", "borrower's signature"), value=lambda item, lang: "")),
        note=("借阅时间不得超过3天，超过3天的须经管理处主任在本表上签字批准方可借阅；存档的磁盘、光盘和涉及"
              "业主（住户）及员工个人资料的档案资料一律不得借出。",
              "A loan is at most 3 days; a longer one needs the director's signature on this register. Disks, "
              "discs and files with owners', residents' or staff's personal data are never lent.")),
    "destruction": Form(
        ("过期文件处理登记表", "Expired document disposal register"),
        lines=(*_ITEM, "destroy_after", _D + "requested_by", _D + "requested_at", _D + "reviewed_by",
               _D + "reviewed_at", _D + "approved_by", _D + "approved_at", _D + "destroyed_at", _D + "method",
               Line(_D + "witnesses", wide=True)),
        note=("超过保存期或经鉴定确认无保存价值的档案资料，由物业管理员填写本表报客服主管审核，经管理处主任批准后"
              "予以销毁；销毁时应有两人以上在场，监销人应复核销毁内容。",
              "Records past their retention are listed here by the records clerk, reviewed by the customer "
              "service supervisor and approved by the director before destruction, with two or more witnesses "
              "present who check what is destroyed."),
        signatures=(("物业管理员", "Records clerk"), ("客服主管审核", "Reviewed by the supervisor"),
                    ("管理处主任批准", "Approved by the director"), ("监销人", "Witness"), ("监销人", "Witness"))),
}


KIND = Kind(
    name="archive", plural="archive", folder="archive", id_form="A-2026-A001", aliases=("archives",),
    forms=FORMS,
    id_re=re.compile(r"A-[0-9]{4}-[A-Z]?[0-9]{3,5}"),
    path_of=lambda rid: f"archive/{rid}.yaml",
    stem=lambda day, station: f"A-{day:%Y}-{station}",
    workflow=WORKFLOW,
    columns=("id", "status", "title", "category", "medium", "confidential", "location", "filed_on",
             "destroy_after", "loan"),
    export_columns=("id", "status", "title", "category", "medium", "confidential", "location", "filed_on",
                    "destroy_after", "loan", "loan_due"),
    cells={"loan": _borrower, "loan_due": _loan_due,
           "confidential": lambda d, lang, reveal: yes(d.get("confidential"), lang)},
    table_cells={"loan": _loan},
    clip_widths={"title": 24},
    narrow=("confidential", "medium", "filed_on", "location", "title", "category", "destroy_after"),
    show_fields=("status", "title", "category", "medium", "confidential", "location", "filed_on",
                 "retention_years", "destroy_after", "note"),
    show_cells={"confidential": lambda d, lang, reveal: yes(d.get("confidential"), lang) or ("否" if lang == "zh" else "no")},
    show_sections=("loans", "destruction", "timeline"),
    code_fields={"status": "archive_status", "category": "archive_category", "medium": "medium"},
    codes={
        "archive_category": {
            "site_plan": ("小区平面图", "site plan"),
            "owner_records": ("业主资料", "owner records"),
            "tenant_records": ("租户资料", "tenant records"),
            "staff_records": ("员工资料", "staff records"),
            "management_records": ("管理记录", "management records"),
            "contracts": ("合同", "contracts"),
            "violation_records": ("违章记录", "violation records"),
            "other": ("其他", "other"),
        },
        "medium": {"paper": ("纸质", "paper"), "disk": ("磁盘/光盘", "disk"), "electronic": ("电子", "electronic")},
        "archive_status": {
            "filed": ("在档", "filed"),
            "lent": ("借出", "lent"),
            "destruction_requested": ("申请销毁", "destruction requested"),
            "destruction_reviewed": ("销毁已审核", "destruction reviewed"),
            "destruction_approved": ("销毁已批准", "destruction approved"),
            "destroyed": ("已销毁", "destroyed"),
        },
        "action": {
            "lend": ("借出", "lend"),
            "return": ("归还", "return"),
            "request_destruction": ("申请销毁", "request destruction"),
            "review_destruction": ("审核销毁", "review destruction"),
            "approve_destruction": ("批准销毁", "approve destruction"),
            "destroy": ("销毁", "destroy"),
        },
    },
    labels={"title": ("题名", "title"), "medium": ("载体", "medium"), "confidential": ("保密", "confidential"),
            "filed_on": ("归档日期", "filed"), "destroy_after": ("可销毁日期", "destroy after"),
            "loan": ("借出", "on loan"), "archive": ("档案", "archive"), "loan_due": ("应还时间", "due back"),
            "retention_years": ("保管年限", "retention (years)"), "loans": ("借阅记录", "loans"),
            "borrower": ("借阅人", "borrower"), "purpose": ("用途", "purpose"), "lent_at": ("借出时间", "lent"),
            "lent_by": ("经手人", "lent by"), "returned_at": ("归还时间", "returned"),
            "destruction": ("销毁", "destruction"), "requested_by": ("申请人", "requested by"),
            "requested_at": ("申请时间", "requested"), "reviewed_by": ("审核人", "reviewed by"),
            "reviewed_at": ("审核时间", "reviewed"), "approved_at": ("批准时间", "approved"),
            "destroyed_at": ("销毁时间", "destroyed"), "witnesses": ("监销人", "witnesses")},
    overdue=_loan_overdue, due=_loan_due_times,
    retention=_destroyed,
    people={"timeline.*.by": "timeline by", "timeline.*.to": "timeline to"},
    editable=("title", "location", "note"),
    edit_hints={"loans": N_("loans are recorded by wuyectl lend {id} … and --action return"),
                "destruction": N_("destruction is requested, reviewed and approved by actions, then wuyectl destroy {id}")},
    checks=(
        Check("W-loan", "a lent item has exactly one loan out; a filed one none", _loans_agree),
        Check("W-confidential", "owner, tenant and staff records are always confidential", _confidential),
        Check("W-destruction", "a destroyed item records who requested, reviewed, approved and witnessed it",
              _destruction_recorded),
    ),
)
