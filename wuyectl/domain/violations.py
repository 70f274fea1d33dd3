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

from datetime import date
from typing import Mapping

from ..errors import Refused
from ..timeutil import read_iso
from .workflow import ALL_STAFF, MANAGERS, Action, Change, Workflow

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
        return f"is at the last step ({record.get('step')}); close it when it is concluded"
    if step != "persuade" and record.get("severity") == "major" and not record.get("approval"):
        return (f"a major violation's penalty ({step}) needs the company's approval first: "
                "wuyectl update ID --action approve --set approver=NAME")
    need = STEP_NEEDS.get(step)
    if need and change.params.get(need) in (None, ""):
        return f"the step {step} needs --{need}"
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


def _approve(change: Change) -> None:
    approver = change.record.pop("approver", None)
    if not approver:
        raise Refused("the company's approval needs the approver: --set approver=NAME")
    approval = {"approver": approver, "recorded_by": change.actor, "at": change.at}
    if change.note:
        approval["note"] = change.note
    change.record["approval"] = approval


def _refuse_approve(change: Change) -> str | None:
    if change.record.get("severity") != "major":
        return "only a major violation needs the company's approval"
    if change.record.get("approval"):
        return "the company's approval is already recorded"
    return None


def retain_until(closed_at: str, severity: str, policy: Mapping | None = None) -> str:
    years = dict(RETENTION_YEARS)
    configured = (policy or {}).get("retention_years") or {}
    for key in ("general", "major"):
        if f"violation_{key}" in configured:
            years[key] = configured[f"violation_{key}"]
    day = read_iso(closed_at).date()
    n = years.get(severity, 1)
    try:
        return date(day.year + n, day.month, day.day).isoformat()
    except ValueError:  # 29 February
        return date(day.year + n, day.month, 28).isoformat()


def _close(change: Change) -> None:
    change.record["closed_at"] = change.at
    change.record["retain_until"] = retain_until(change.at, change.record.get("severity"),
                                                 change.params.get("policy"))


OPEN = ("open",)

VIOLATION_WORKFLOW = Workflow(
    kind="violation",
    states=("open", "rectified", "settled", "closed"),
    initial="open",
    terminal=("rectified", "settled", "closed"),
    actions={a.name: a for a in [
        Action("escalate", OPEN, None, roles=_step_roles, refuse_if=_refuse_step, effect=_take_step,
               via_command="escalate"),
        Action("approve", OPEN, None, roles=MANAGERS, settable=("approver",), requires=(),
               refuse_if=_refuse_approve, effect=_approve),
        Action("rectify", OPEN, "rectified", roles=RECORDERS, settable=("result",), effect=_close),
        Action("settle", OPEN, "settled", roles=MANAGERS, settable=("result",), effect=_close),
        Action("close", OPEN, "closed", roles=MANAGERS, settable=("result",), needs_note=True, effect=_close),
    ]},
)
