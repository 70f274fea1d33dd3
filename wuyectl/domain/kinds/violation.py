"""Owner violations (业主违章): two ladders of measures, and who may impose them.

- ordinary ladder: persuade 劝导教育 → rectify 限期整改 (deadline) → compensate 赔偿经济损失
  (amount) → notice 通报批评 → litigate 提起仲裁/诉讼;
- fee refusal: persuade 劝说督促 → reminder_letter 催缴函 → late_fee 滞纳金 (amount) →
  lawyer_letter 律师函 → public_posting 张榜公告 → suspend_service 停止服务 → litigate.
Any staff member records a violation and persuades; every step beyond persuasion is imposed by
a supervisor or director only (严禁越权处罚); a major violation's penalty also needs the
company's approval, recorded first (`approve`). `escalate` (or `measure`) takes the next step.
Closing (rectified, settled, closed) fixes the retention: general 1 year, major 5 years.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Mapping

from ...errors import BadValue, Refused
from ...i18n import N_, _
from ...timeutil import add_years, parse_date, read_iso
from .. import codes
from ..workflow import ALL_STAFF, MANAGERS, Action, Change, Workflow, read_amount
from . import Check, Form, Kind, Line, where

LADDERS = {
    "ordinary": ("persuade", "rectify", "compensate", "notice", "litigate"),
    "fee_refusal": ("persuade", "reminder_letter", "late_fee", "lawyer_letter", "public_posting",
                    "suspend_service", "litigate"),
}
STEP_NEEDS = {"rectify": "deadline", "compensate": "amount", "late_fee": "amount"}
RETENTION_YEARS = {"general": 1, "major": 5}
RECORDERS = ALL_STAFF   # everyone but the auditor


def ladder_for(category: str) -> str:
    return "fee_refusal" if category == "fee_refusal" else "ordinary"


def next_step(record: Mapping) -> str | None:
    steps = LADDERS[record.get("ladder") or ladder_for(record.get("category"))]
    current = record.get("step")
    if current is None:
        return steps[0]
    index = steps.index(current) if current in steps else len(steps)
    return steps[index + 1] if index + 1 < len(steps) else None


def _step_roles(record: Mapping) -> frozenset[str]:
    return RECORDERS if next_step(record) == "persuade" else MANAGERS


def _refuse_step(change: Change) -> str | None:
    record = change.record
    step = next_step(record)
    if step is None:
        return _("is at the last step ({step}); close it when it is concluded").format(
            step=codes.shown("violation_step", record.get("step")))
    if step != "persuade" and record.get("severity") == "major" and not record.get("approval"):
        return _("a major violation's penalty ({step}) needs the company's approval first: "
                 "wuyectl update ID --action approve --set approver=NAME").format(
            step=codes.shown("violation_step", step))
    need = STEP_NEEDS.get(step)
    if need and change.params.get(need) in (None, ""):
        return _("the step {step} needs --{option}").format(step=codes.shown("violation_step", step), option=need)
    deadline = change.params.get("deadline")
    if deadline and change.at and date.fromisoformat(str(deadline)) < read_iso(str(change.at)).date():
        return _("the deadline {deadline} is before the step itself ({day}): a rectification deadline is "
                 "today or later").format(deadline=deadline, day=read_iso(str(change.at)).date().isoformat())
    return None


def _take_step(change: Change) -> None:
    step = next_step(change.record)
    measure = {"step": step, "at": change.at, "by": change.actor}
    for key in ("deadline", "amount"):
        if change.params.get(key) not in (None, ""):
            measure[key] = change.params[key]
    if change.note:
        measure["note"] = change.note
    change.record.setdefault("measures", [])
    change.record["measures"].append(measure)
    change.record["step"] = step
    change.event["step"] = step


def _step_recorded(event: Mapping, after: Mapping, role_of) -> dict:
    measure = (after.get("measures") or [{}])[-1]
    return {key: measure[key] for key in ("deadline", "amount") if key in measure}


def _approve(change: Change) -> None:
    approver = change.record.pop("approver", None)
    if not approver:
        raise Refused(_("the company's approval needs the approver: --set approver=NAME"))
    approval = {"approver": approver, "recorded_by": change.actor, "at": change.at}
    if change.note:
        approval["note"] = change.note
    change.record["approval"] = approval


def _refuse_approve(change: Change) -> str | None:
    if change.record.get("severity") != "major":
        return _("only a major violation needs the company's approval")
    if change.record.get("approval"):
        return _("the company's approval is already recorded")
    return None


def retain_until(closed_at: str, severity: str, policy: Mapping | None = None) -> str:
    years = dict(RETENTION_YEARS)
    configured = (policy or {}).get("retention_years") or {}
    for key in ("general", "major"):
        if f"violation_{key}" in configured:
            years[key] = configured[f"violation_{key}"]
    return add_years(read_iso(closed_at).date(), years.get(severity, 1)).isoformat()


def _close(change: Change) -> None:
    change.record["closed_at"] = change.at
    change.record["retain_until"] = retain_until(change.at, change.record.get("severity"),
                                                 change.params.get("policy"))


def _prepare_step(params: dict) -> str:
    if params.get("level") is not None:
        raise BadValue(_("--to is for tickets; a violation goes to the next step of its ladder"))
    params.pop("level", None)
    if params.get("deadline"):
        params["deadline"] = parse_date(str(params["deadline"]), what="--deadline").isoformat()
    if params.get("amount") not in (None, ""):
        params["amount"] = read_amount(params["amount"], "--amount")
    return ""


OPEN = ("open",)

WORKFLOW = Workflow(
    kind="violation",
    states=("open", "rectified", "settled", "closed"),
    initial="open",
    terminal=("rectified", "settled", "closed"),
    actions={a.name: a for a in [
        Action("escalate", OPEN, None, roles=_step_roles, refuse_if=_refuse_step, effect=_take_step,
               via_command="escalate", prepare=_prepare_step, recorded=_step_recorded),
        Action("approve", OPEN, None, roles=MANAGERS, settable=("approver",), requires=(),
               refuse_if=_refuse_approve, effect=_approve),
        Action("rectify", OPEN, "rectified", roles=RECORDERS, settable=("result",), effect=_close),
        Action("settle", OPEN, "settled", roles=MANAGERS, settable=("result",), effect=_close),
        Action("close", OPEN, "closed", roles=MANAGERS, settable=("result",), needs_note=True, effect=_close),
    ]},
)


def deadline_passed(violation: dict, now: datetime) -> bool:
    """Open, and the current step's deadline (rectify by …) is before today."""
    measures = violation.get("measures") or []
    if violation.get("status") != "open" or not measures or not measures[-1].get("deadline"):
        return False
    return now.date() > date.fromisoformat(str(measures[-1]["deadline"]))


def deadline_due(violation: dict, now: datetime) -> list[datetime]:
    """When the current step's deadline runs out: the end of its day (the start of the next)."""
    measures = violation.get("measures") or []
    if violation.get("status") != "open" or not measures or not measures[-1].get("deadline"):
        return []
    try:
        day = date.fromisoformat(str(measures[-1]["deadline"])) + timedelta(days=1)
    except ValueError:
        return []
    return [datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)]


def past_retention(old: dict, day: date) -> str | None:
    if not old.get("retain_until"):
        return None
    try:
        return _("changed after its retention ended") if day > date.fromisoformat(str(old["retain_until"])) else None
    except ValueError:
        return None


# -- checks ----------------------------------------------------------------------------------
def _measures(data: dict) -> list[dict]:
    return [m for m in data.get("measures") or [] if isinstance(m, dict)]


def _in_ladder_order(data, ctx):
    ladder = LADDERS.get(data.get("ladder"), ())
    for i, measure in enumerate(_measures(data)):
        expected = ladder[i] if i < len(ladder) else None
        if measure.get("step") != expected:
            yield ("measures", i, "step"), _("step {step!r} out of order on the {ladder} ladder (expected {expected})").format(
                step=measure.get("step"), ladder=codes.shown("ladder", data.get("ladder")), expected=expected)
            return


def _penalties(data):
    """(index, measure) of the steps beyond persuasion, as far as the ladder's order holds."""
    ladder = LADDERS.get(data.get("ladder"), ())
    for i, measure in enumerate(_measures(data)):
        expected = ladder[i] if i < len(ladder) else None
        if measure.get("step") != expected:
            return
        if expected != "persuade":
            yield i, measure


def _imposed_by_managers(data, ctx):
    roles = ctx.roles
    for i, measure in _penalties(data):
        who = measure.get("by")
        if roles.get(who) not in MANAGERS:
            yield ("measures", i, "by"), _("{who} ({role}) may not impose {step}: needs a {roles}").format(
                who=who, role=codes.shown("role", roles.get(who)), step=codes.shown("violation_step", measure["step"]),
                roles=codes.shown_or("role", sorted(MANAGERS, reverse=True)))


def _approved_first(data, ctx):
    if data.get("severity") != "major" or data.get("approval"):
        return
    for i, measure in _penalties(data):
        yield ("measures", i, "step"), _("a major violation's {step} needs the company's approval").format(
            step=codes.shown("violation_step", measure["step"]))


def _step_is_last_measure(data, ctx):
    measures = _measures(data)
    last = measures[-1].get("step") if measures else None
    if data.get("step") != last:
        yield ("step",), _("step is {step!r} but the last measure is {last!r}").format(step=data.get("step"), last=last)


def _deadline_after_step(data, ctx):
    for i, measure in enumerate(_measures(data)):
        try:
            late = date.fromisoformat(str(measure["deadline"])) < read_iso(str(measure["at"])).date()
        except (KeyError, TypeError, ValueError):
            continue   # no deadline, or a value the schema reports
        if late:
            yield ("measures", i, "deadline"), (f"the deadline {measure['deadline']} is before the step "
                                                f"itself ({measure['at']})")


def _closed_at(data, ctx):
    if data.get("status") in WORKFLOW.terminal and not data.get("closed_at"):
        yield ("status",), _("a {status} violation needs closed_at").format(
            status=codes.shown("violation_status", data.get("status")))


def _deadline(data, lang, reveal):
    measures = data.get("measures") or []
    return str(measures[-1].get("deadline", "")) if measures else ""


# -- paper (wuyectl print): the rectification notice, and the fee ladder's letters (seed 003 §43.4)
def _fee(data) -> bool:
    return (data.get("ladder") or ladder_for(data.get("category"))) == "fee_refusal"


def _fee_at(*steps):
    return lambda data: _fee(data) and data.get("step") in steps


def _late_fee(data, lang):
    fees = [m.get("amount") for m in data.get("measures") or [] if m.get("step") == "late_fee" and m.get("amount")]
    return fees[-1] if fees else ""


def _rectify_by(data, lang):
    deadlines = [m.get("deadline") for m in data.get("measures") or [] if m.get("deadline")]
    return str(deadlines[-1]) if deadlines else ""


_FACTS = ("where", "category", "subtype", "found_at", Line("description", wide=True))
_OWED = ("where", "subtype", "description", Line("amount", value=_late_fee), "found_at")
_TO = ("{unit}业主{household}：", "To the owner of {unit}, {household}:")
_RECEIPT = (("业主签收", "Received by the owner"),)

FORMS = {
    "notice": Form(
        ("整改通知书", "Rectification notice"),
        applies=lambda data: not _fee(data),
        lines=(*_FACTS, "severity", Line("deadline", value=_rectify_by)), to=_TO,
        letter=("经我处{found_at}检查发现，您存在以下违章行为：{description}（{subtype}）。该行为违反了《业主临时管理规约》"
                "及小区物业管理有关{category}的规定。\n\n"
                "请您于{deadline}前自行整改完毕、恢复原状，并将整改情况告知管理处客服中心。逾期未整改的，我处将依照规约"
                "采取进一步措施（赔偿经济损失、通报批评，直至申请仲裁或提起诉讼），由此产生的后果由您承担。\n\n"
                "特此通知。如有疑问，请与管理处客服中心联系。",
                "On {found_at} we found the following breach at your unit: {description} ({subtype}). It breaks the "
                "community's rules on {category} (the owners' covenant).\n\n"
                "Please put it right by {deadline} and tell the customer service desk when it is done. If it is not, "
                "the office will take the next measures of the rules (compensation, public notice, arbitration or "
                "litigation), at your cost.\n\nPlease contact the customer service desk with any question."),
        signatures=_RECEIPT),
    "reminder": Form(
        ("物业服务费缴费提醒函", "Service fee reminder"),
        applies=_fee, default_if=_fee_at(None, "persuade"), values=_OWED, to=_TO,
        letter=("您好！感谢您一直以来对我们工作的支持与配合。经核对，您尚有物业服务费未缴纳：{description}。根据《物业服务"
                "合同》的约定，业主应按时足额交纳物业服务费。\n\n"
                "请您在收到本函后尽快到管理处客服中心办理缴费手续。如您对收费或服务有任何意见，欢迎与我们沟通，我们将"
                "认真听取并及时改进。\n\n如您已缴纳，请忽略本函。",
                "Thank you for your support. Our records show a service fee unpaid: {description}. Under the property "
                "service contract the fee is due in full and on time.\n\nPlease settle it at the customer service "
                "desk. If you have any concern about the fee or our service, please talk to us.\n\nIf you have "
                "already paid, please disregard this letter."),
        signatures=_RECEIPT),
    "demand": Form(
        ("物业服务费催缴函", "Demand for the service fee"),
        applies=_fee, default_if=_fee_at("reminder_letter", "late_fee"), values=_OWED, to=_TO,
        letter=("经我处多次提醒，您至今仍未缴纳所欠物业服务费：{description}。根据《物业服务合同》的约定，请您自收到本函"
                "之日起十五日内到管理处客服中心缴清所欠费用。\n\n"
                "逾期仍未缴纳的，我处将按合同约定自逾期之日起加收滞纳金（已计滞纳金：{amount}元），并保留依法追究的权利。\n\n"
                "特此函告。",
                "Though reminded, you have not paid the service fee owed: {description}. Under the property service "
                "contract, please pay it in full at the customer service desk within 15 days of receiving this "
                "letter.\n\nIf it is not paid, a late fee runs from the due date as the contract provides (charged "
                "so far: {amount} yuan), and the office reserves its legal rights."),
        signatures=_RECEIPT),
    "lawyer": Form(
        ("律师函", "Lawyer's letter"),
        applies=_fee, default_if=_fee_at("lawyer_letter", "public_posting", "suspend_service", "litigate"),
        values=_OWED, to=_TO, sign_off=("______律师事务所（盖章）  承办律师：______", "______ Law Firm (seal), lawyer ______"),
        letter=("{office}物业管理处（以下简称“委托人”）委托本所，就您拖欠物业服务费一事致函如下：\n\n"
                "您系{office}{unit}房屋的业主，依据《物业服务合同》应按时足额交纳物业服务费。您拖欠物业服务费（{description}），"
                "委托人经多次劝说、发出催缴函并依约加收滞纳金（{amount}元），您至今仍未缴纳。\n\n"
                "根据《中华人民共和国民法典》第九百四十四条，业主违反约定逾期不支付物业费的，物业服务人可以催告其在合理期限内"
                "支付；合理期限届满仍不支付的，物业服务人可以提起诉讼或者申请仲裁。\n\n"
                "请您于收到本函之日起七日内到管理处缴清所欠物业服务费及滞纳金。逾期未缴的，委托人将依法申请仲裁或提起诉讼，"
                "由此产生的诉讼费、律师费等费用将依法由您承担。\n\n特此函告。",
                "We write on behalf of the {office} property management office (our client) about the service fee "
                "you owe.\n\nAs the owner of {unit} you are bound by the property service contract to pay the service "
                "fee in full and on time. You owe: {description}. Though our client persuaded you, sent a demand and "
                "charged the contractual late fee ({amount} yuan), it is still unpaid.\n\nUnder Article 944 of the "
                "Civil Code of the PRC, when an owner fails to pay the fee after a reminder within a reasonable time, "
                "the property service provider may sue or apply for arbitration.\n\nPlease pay the fee and the late "
                "fee at the management office within 7 days of receiving this letter; otherwise our client will apply "
                "for arbitration or sue, and the costs will be yours as the law provides."),
        signatures=_RECEIPT),
}


KIND = Kind(
    name="violation", plural="violations", folder="violations", id_form="W-…",
    forms=FORMS,
    id_re=re.compile(r"W-[0-9]{8}-[A-Z]?[0-9]{3,5}"),
    path_of=lambda rid: f"violations/{rid[2:6]}/{rid}.yaml",     # a folder per year
    stem=lambda day, station: f"W-{day:%Y%m%d}-{station}",
    workflow=WORKFLOW,
    columns=("id", "status", "category", "severity", "where", "step", "deadline", "found_at", "description"),
    cells={"where": lambda d, lang, reveal: where(d), "deadline": _deadline},
    narrow=("severity", "description", "found_at", "category", "deadline", "where"),
    order_by="found_at", newest_first=True,
    show_fields=("status", "category", "subtype", "severity", "unit", "location", "description", "evidence",
                 "found_at", "found_by", "ladder", "step", "approval", "closed_at", "retain_until", "result",
                 "origin"),
    show_cells={"location": lambda d, lang, reveal: where({"location": d.get("location")}),
                "unit": lambda d, lang, reveal: d.get("unit") or ""},
    show_sections=("measures", "timeline"),
    code_fields={"status": "violation_status", "category": "violation_category", "severity": "severity",
                 "step": "violation_step", "ladder": "ladder"},
    codes={
        "violation_category": {
            "decoration": ("装修", "decoration"),
            "fire": ("消防", "fire safety"),
            "hygiene": ("公共道德/环境卫生", "hygiene"),
            "public_order": ("治安", "public order"),
            "fee_refusal": ("拒交费用", "fee refusal"),
            "harm_others": ("损害他人利益", "harm to others"),
        },
        "violation_status": {
            "open": ("处理中", "open"),
            "rectified": ("已整改", "rectified"),
            "settled": ("已了结", "settled"),
            "closed": ("已结案", "closed"),
        },
        "violation_step": {
            "persuade": ("劝导教育", "persuade"),
            "rectify": ("限期整改", "rectify by deadline"),
            "compensate": ("赔偿经济损失", "compensate"),
            "notice": ("通报批评", "public notice"),
            "litigate": ("仲裁/诉讼", "arbitration/litigation"),
            "reminder_letter": ("催缴函", "reminder letter"),
            "late_fee": ("滞纳金", "late fee"),
            "lawyer_letter": ("律师函", "lawyer's letter"),
            "public_posting": ("张榜公告", "public posting"),
            "suspend_service": ("停止服务", "suspend service"),
        },
        "ladder": {"ordinary": ("一般违章", "ordinary"), "fee_refusal": ("拒交费用", "fee refusal")},
        "action": {
            "measure": ("处理措施", "measure"),
            "approve": ("公司批准", "company approval"),
            "rectify": ("已整改", "rectified"),
            "settle": ("了结", "settle"),
        },
    },
    labels={"step": ("当前措施", "step"), "deadline": ("整改期限", "deadline"), "found_at": ("发现时间", "found"),
            "subtype": ("违章行为", "subtype"), "evidence": ("证据", "evidence"), "found_by": ("发现人", "found by"),
            "ladder": ("处理程序", "ladder"), "measures": ("处理措施", "measures"),
            "approval": ("公司批准", "company approval"), "approver": ("审批人", "approver"),
            "recorded_by": ("记录人", "recorded by"), "closed_at": ("结案时间", "closed"),
            "retain_until": ("保存至", "keep until"), "amount": ("金额", "amount"),
            "approved_by": ("批准人", "approved by")},
    opened_field="found_at",
    overdue=deadline_passed, due=deadline_due,
    retention=past_retention,
    people={"found_by": "found_by", "timeline.*.by": "timeline by", "measures.*.by": "measure by"},
    editable=("description", "unit", "location", "evidence", "subtype", "result"),
    edit_hints={"measures": N_("a measure is the next step of the ladder: wuyectl escalate {id} --reason …"),
                "step": N_("a measure is the next step of the ladder: wuyectl escalate {id} --reason …"),
                "approval": N_("it is recorded by approving: wuyectl update {id} --action approve --set approver=NAME"),
                "closed_at": N_("it is recorded by rectify, settle or close: wuyectl update {id} --action …"),
                "retain_until": N_("it is recorded by rectify, settle or close: wuyectl update {id} --action …")},
    refs={"unit": "owner"},
    checks=(
        Check("W-ladder-order", "violation steps follow their ladder's order", _in_ladder_order,
              audit="A-ladder-skip"),
        Check("W-penalty-role", "every step beyond persuasion is imposed by a supervisor or director",
              _imposed_by_managers, audit="A-role"),
        Check("W-approval", "a major violation's penalty follows the company's approval", _approved_first),
        Check("W-step", "a violation's step is its last measure", _step_is_last_measure),
        Check("W-deadline", "a rectification deadline is not before the step that sets it", _deadline_after_step),
        Check("W-closed-at", "a closed violation records when it was closed", _closed_at),
    ),
)
