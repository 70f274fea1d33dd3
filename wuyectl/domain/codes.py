"""Enumerated codes and their labels (中文 default, English).

Records store the English code; the CLI shows a label in the chosen language and accepts the
code or either label as input (`--category 报修` = `--category repair`). The codes and
headings shared by the office are here; a record kind brings its own (`Kind.codes`,
`Kind.labels`), added when it is registered (`domain/kinds`).
"""
from __future__ import annotations

from .. import i18n
from ..errors import BadValue, did_you_mean
from ..i18n import _

# code: (zh, en)
CODES: dict[str, dict[str, tuple[str, str]]] = {
    "channel": {
        "phone": ("电话", "phone"),
        "walk_in": ("来访", "walk-in"),
        "letter": ("来信", "letter"),
        "online": ("在线", "online"),
        "patrol": ("巡查", "patrol"),
        "suggestion_box": ("意见箱", "suggestion box"),
        "visit": ("走访", "home visit"),
    },
    "category": {
        "consult": ("咨询", "consultation"),
        "help": ("求助", "help"),
        "repair": ("报修", "repair"),
        "paid_repair": ("有偿维修", "paid repair"),
        "suggestion": ("建议", "suggestion"),
        "complaint": ("投诉", "complaint"),
        "praise": ("表扬", "praise"),
    },
    "severity": {"general": ("一般", "general"), "major": ("重大", "major")},
    "urgency": {"normal": ("普通", "normal"), "urgent": ("紧急", "urgent")},
    "status": {
        "received": ("已受理", "received"),
        "assigned": ("已派单", "assigned"),
        "in_progress": ("处理中", "in progress"),
        "resolved": ("已完成", "resolved"),
        "closed": ("已关闭", "closed"),
        "cancelled": ("已取消", "cancelled"),
    },
    "department": {
        "maintenance": ("工程部", "maintenance"),
        "security": ("安保部", "security"),
        "cleaning": ("保洁部", "cleaning"),
        "landscaping": ("绿化部", "landscaping"),
        "service": ("客服部", "service"),
    },
    "role": {
        "clerk": ("客服", "clerk"),
        "supervisor": ("客服主管", "supervisor"),
        "director": ("管理处主任", "director"),
        "technician": ("维修工", "technician"),
        "security": ("安保员", "security guard"),
        "cleaner": ("保洁员", "cleaner"),
        "gardener": ("绿化工", "gardener"),
        "archivist": ("档案管理员", "archivist"),
        "auditor": ("品质部", "auditor"),
    },
    "action": {
        "receive": ("受理", "receive"),
        "assign": ("派单", "assign"),
        "contact": ("联系业主", "contact"),
        "arrive": ("到场", "arrive"),
        "progress": ("进度告知", "progress"),
        "resolve": ("完成", "resolve"),
        "report_back": ("回报", "report back"),
        "notify": ("告知业主", "notify"),
        "callback": ("回访", "callback"),
        "close": ("关闭", "close"),
        "reopen": ("重新派单", "reopen"),
        "cancel": ("取消", "cancel"),
        "answer": ("当场答复", "answer"),
        "escalate": ("升级", "escalate"),
        "edit": ("修改", "edit"),
        "open": ("登记", "open"),
    },
    "rating": {
        "satisfied": ("满意", "satisfied"),
        "basically_satisfied": ("基本满意", "basically satisfied"),
        "dissatisfied": ("不满意", "dissatisfied"),
    },
    "stage": {
        "dispatch": ("派单", "dispatch"),
        "contact": ("联系", "contact"),
        "arrive": ("到场", "arrive"),
        "resolve": ("完成", "resolve"),
        "report_back": ("回报", "report back"),
        "notify": ("告知业主", "notify owner"),
        "progress": ("进度告知", "progress"),
        "callback": ("回访", "callback"),
        "redispatch": ("重新派单", "re-dispatch"),
    },
    "sla_state": {
        "pending": ("未开始", "pending"),
        "due": ("计时中", "due"),
        "met": ("按时", "met"),
        "breached": ("超时", "breached"),
    },
    "escalation_level": {
        "0": ("前台", "front desk"),
        "1": ("客服主管", "supervisor"),
        "2": ("管理处主任", "director"),
        "3": ("公司", "company"),
    },
}

# Column and field headings.
FIELDS: dict[str, tuple[str, str]] = {
    "id": ("编号", "ID"),
    "status": ("状态", "status"),
    "channel": ("渠道", "channel"),
    "category": ("类别", "category"),
    "severity": ("程度", "severity"),
    "urgency": ("紧急", "urgency"),
    "unit": ("房号", "unit"),
    "location": ("位置", "location"),
    "where": ("房号/位置", "unit/place"),
    "reporter": ("报告人", "reporter"),
    "phone": ("电话", "phone"),
    "description": ("内容", "description"),
    "department": ("部门", "department"),
    "assignee": ("处理人", "assignee"),
    "escalation_level": ("升级", "level"),
    "received_at": ("受理时间", "received"),
    "next_due": ("下一时限", "next due"),
    "overdue": ("超时", "overdue"),
    "result": ("处理结果", "result"),
    "signed_by": ("业主签字", "signed by"),
    "signed_at": ("签字时间", "signed at"),
    "materials": ("使用材料", "materials"),
    "fee": ("费用", "fee"),
    "fee_consent": ("同意收费", "fee consent"),
    "appointment_at": ("预约时间", "appointment"),
    "promised_at": ("预计完成", "promised"),
    "repair_system": ("维修系统", "system"),
    "damage": ("损坏程度", "damage"),
    "source_id": ("原编号", "source ID"),
    "at": ("时间", "at"),
    "by": ("经办人", "by"),
    "action": ("动作", "action"),
    "note": ("说明", "note"),
    "stage": ("环节", "stage"),
    "due_at": ("时限", "due"),
    "done_at": ("完成时间", "done"),
    "state": ("状态", "state"),
    "commit": ("提交", "commit"),
    "author": ("作者", "author"),
    "date": ("记录时间", "recorded"),
    "subject": ("摘要", "subject"),
    "name": ("姓名", "name"),
    "role": ("角色", "role"),
    "email": ("邮箱", "email"),
    "timeline": ("处理记录", "timeline"),
    "sla": ("时限", "SLA clocks"),
    "history": ("修改历史", "history"),
    "count": ("数量", "count"),
    "tickets": ("工单", "tickets"),
    "visits": ("走访/回访", "visits"),
    "violations": ("违章", "violations"),
}


_registered = False


def _kinds_registered() -> None:
    """The kinds bring their codes when registered: make sure they have been (once)."""
    global _registered
    if not _registered:
        from . import kinds  # noqa: F401

        _registered = True


def label(group: str, code, lang: str = "zh") -> str:
    """The label of a code in `lang`; unknown codes are shown as they are."""
    if code is None or code == "":
        return ""
    _kinds_registered()
    entry = CODES.get(group, {}).get(str(code))
    if not entry:
        return str(code)
    return entry[0] if lang == "zh" else entry[1]


def shown(group: str, code) -> str:
    """The label of a code in the language of messages (an error names a state or an action
    by its label, never its code)."""
    return label(group, code, i18n.language())


def shown_list(group: str, items) -> str:
    """Labels of codes, listed the language's way: 'assign, cancel' · '派单、取消'."""
    return i18n.join(shown(group, code) for code in items)


def noun(name: str) -> str:
    """A field or a thing named in a message (category, department …), in the language of
    messages: its heading where there is one, else the name itself."""
    return field_label(name, i18n.language())


def kind_noun(kind: str, *, plural: bool = False) -> str:
    """A record kind named in a message: 'ticket' (plural: 'tickets') · '工单' (the heading of
    its listing)."""
    _kinds_registered()
    from .kinds import KINDS

    known = KINDS.get(kind)
    if known is None:
        return kind
    if i18n.language() == "en":
        return known.plural if plural else known.name
    return field_label(known.plural, "zh")


def field_label(name: str, lang: str = "zh") -> str:
    _kinds_registered()
    entry = FIELDS.get(name)
    if not entry:
        return name
    return entry[0] if lang == "zh" else entry[1]


def choices(group: str) -> list[str]:
    _kinds_registered()
    return list(CODES[group])


def resolve(group: str, value: str, *, what: str | None = None, allowed=None) -> str:
    """The code for `value`, given as code, Chinese label or English label (any case)."""
    _kinds_registered()
    table = CODES[group]
    codes = list(allowed) if allowed is not None else list(table)
    text = str(value).strip()
    for code in codes:
        zh, en = table.get(code, (code, code))
        if text in (code, zh) or text.lower() in (code.lower(), en.lower()):
            return code
    lang = i18n.language()
    candidates: dict[str, str] = {}
    for code in codes:
        for text_ in (code, *table.get(code, ())):
            candidates.setdefault(text_, label(group, code, lang))
    hint = did_you_mean(text, candidates)
    raise BadValue(_("unknown {what} '{value}': use one of {choices}{hint}").format(
        what=noun(what or group), value=value, choices=shown_list(group, codes), hint=hint))
