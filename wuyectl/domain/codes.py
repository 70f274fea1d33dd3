"""Enumerated codes and their labels (中文 default, English).

Records store the English code; the CLI shows a label in the chosen language and accepts the
code, either label or one of the code's aliases as input (`--category 报修` = `--category
repair`, `--channel 微信` = `--channel online`): one rule, `lookup()`, for every code the
tool reads — options, `--where`, `--action`, imported spreadsheets. The codes and headings
shared by the office are here; a record kind brings its own (`Kind.codes`, `Kind.labels`),
added when it is registered (`domain/kinds`).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .. import i18n
from ..errors import BadValue, did_you_mean
from ..i18n import _

# code: (zh, en) or (zh, en, aliases): the aliases are the other words an office uses for the
# same thing (SPEC's 在线/微信/APP for `online`; the manuals' 信件, 传真, 网络 …). A spelling
# names one code of its group (tests/test_cli_help.py checks it).
CODES: dict[str, dict[str, tuple[str, str]]] = {
    "channel": {
        "phone": ("电话", "phone", ("来电", "热线", "服务热线", "telephone", "tel", "hotline")),
        "walk_in": ("来访", "walk-in", ("到访", "现场接待", "前台接待", "walkin", "in person")),
        "letter": ("来信", "letter", ("信件", "信函", "书信", "传真", "fax", "post")),
        "online": ("在线", "online", ("微信", "APP", "公众号", "小程序", "短信", "网上", "网络", "微信公众号",
                                      "微信小程序", "网站", "邮件", "电子邮件", "在线客服",
                                      "wechat", "sms", "email", "e-mail", "web", "internet")),
        "patrol": ("巡查", "patrol", ("巡检", "巡逻", "inspection")),
        "suggestion_box": ("意见箱", "suggestion box", ("投诉箱", "建议箱")),
        "visit": ("走访", "home visit", ("家访", "上门走访")),
    },
    "category": {
        "consult": ("咨询", "consultation", ("询问", "enquiry", "inquiry", "question")),
        "help": ("求助", "help"),
        "repair": ("报修", "repair", ("维修",)),
        "paid_repair": ("有偿维修", "paid repair", ("有偿服务", "收费维修")),
        "suggestion": ("建议", "suggestion", ("意见",)),
        "complaint": ("投诉", "complaint"),
        "praise": ("表扬", "praise", ("表扬信", "感谢", "锦旗", "compliment")),
    },
    "severity": {"general": ("一般", "general", ("一般投诉",)), "major": ("重大", "major", ("重大投诉", "严重"))},
    "urgency": {"normal": ("普通", "normal", ("一般", "常规")), "urgent": ("紧急", "urgent", ("加急", "急"))},
    "status": {
        "received": ("已受理", "received"),
        "assigned": ("已派单", "assigned"),
        "in_progress": ("处理中", "in progress"),
        "resolved": ("已完成", "resolved"),
        "closed": ("已关闭", "closed"),
        "cancelled": ("已取消", "cancelled"),
    },
    "department": {
        "maintenance": ("工程部", "maintenance", ("工程", "维修", "维修部", "engineering")),
        "security": ("安保部", "security", ("安保", "保安", "保安部", "秩序维护部")),
        "cleaning": ("保洁部", "cleaning", ("保洁", "清洁", "清洁部")),
        "landscaping": ("绿化部", "landscaping", ("绿化", "园林", "greenery")),
        "service": ("客服部", "service", ("客服", "客服中心", "customer service")),
    },
    "role": {
        "clerk": ("客服", "clerk", ("前台", "客服员", "客服专员")),
        "supervisor": ("客服主管", "supervisor", ("主管",)),
        "director": ("管理处主任", "director", ("主任", "经理", "管理处经理")),
        "technician": ("维修工", "technician", ("维修", "工程", "维修员", "水电工", "电工")),
        "security": ("安保员", "security guard", ("保安", "安保", "秩序维护员")),
        "cleaner": ("保洁员", "cleaner", ("保洁", "清洁工")),
        "gardener": ("绿化工", "gardener", ("绿化", "园林工")),
        "archivist": ("档案管理员", "archivist", ("档案", "档案员", "物业管理员")),
        "auditor": ("品质部", "auditor", ("品质", "质检")),
    },
    "action": {
        "receive": ("受理", "receive"),
        "assign": ("派单", "assign", ("派工", "dispatch")),
        "contact": ("联系业主", "contact", ("联系",)),
        "arrive": ("到场", "arrive", ("到达", "上门")),
        "progress": ("进度告知", "progress", ("进度", "告知进度")),
        "resolve": ("完成", "resolve", ("完工", "处理完成", "done")),
        "report_back": ("回报", "report back", ("回报客服",)),
        "notify": ("告知业主", "notify", ("告知", "通知业主")),
        "callback": ("回访", "callback"),
        "close": ("关闭", "close", ("结案", "关单")),
        "reopen": ("重新派单", "reopen", ("重开", "返工")),
        "cancel": ("取消", "cancel", ("撤单", "撤销")),
        "answer": ("当场答复", "answer", ("答复", "回复")),
        "escalate": ("升级", "escalate"),
        "edit": ("修改", "edit"),
        "open": ("登记", "open"),
        "import": ("导入", "import"),
        # steps on the office and on personal data (commits' Wuye-Action; `log` shows them)
        "migrate-encrypt": ("加密个人信息", "encrypt personal data"),
        "erase": ("删除个人信息", "erase personal data"),
        "staff-add": ("添加人员", "add staff"),
        "staff-key": ("登记密钥", "register key"),
        "staff-leave": ("人员离职", "staff leave"),
    },
    "rating": {
        "satisfied": ("满意", "satisfied", ("非常满意",)),
        "basically_satisfied": ("基本满意", "basically satisfied", ("比较满意", "较满意")),
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
    "erased": ("个人信息删除", "personal data erased"),
    "reason": ("原因", "reason"),
    "keys": ("数据密钥", "data keys"),
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
    "origin": ("来源记录", "opened from"),
    "source_category": ("原类别", "source category"),
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
    "code": ("代码", "code"),
    "path": ("文件", "path"),
    "message": ("说明", "message"),
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
    # the title row of an export
    "period": ("统计期间", "period"),
    "as_of": ("计算时点", "as of"),
    "filter": ("筛选", "filter"),
    "open_only": ("未结", "open only"),
    "all": ("全部", "all"),
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


def shown_or(group: str, items) -> str:
    """Labels of codes as alternatives: 'clerk, director or supervisor' · '客服、管理处主任或客服主管'."""
    return i18n.join_or(shown(group, code) for code in items)


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


def groups() -> list[str]:
    """Every group of codes, the registered kinds' included."""
    _kinds_registered()
    return list(CODES)


def choices(group: str) -> list[str]:
    _kinds_registered()
    return list(CODES[group])


def spellings(group: str, code: str) -> tuple[str, ...]:
    """Every way `code` of `group` may be typed: the code, its two labels, its aliases."""
    _kinds_registered()
    entry = CODES.get(group, {}).get(code)
    if not entry:
        return (code,)
    return (code, entry[0], entry[1], *(entry[2] if len(entry) > 2 else ()))


@lru_cache(maxsize=8192)
def typed(text) -> str:
    """A spelling as compared: NFKC (full-width ＡＰＰ is APP), case-folded, and `-`, space
    and `_` alike (walk-in = walk_in = walk in). Kept once worked out: `lookup` compares the
    value with every spelling of the group, on every row of an import."""
    folded = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    return re.sub(r"[\s_-]+", "_", folded)


def lookup(group: str, value, allowed=None) -> str | None:
    """The code of `group` (among `allowed`, when given) that `value` spells, or None."""
    _kinds_registered()
    key = typed(value)
    for code in (list(allowed) if allowed is not None else CODES.get(group, {})):
        if any(typed(s) == key for s in spellings(group, code)):
            return code
    return None


def resolve(group: str, value: str, *, what: str | None = None, allowed=None) -> str:
    """The code for `value`, given as code, Chinese or English label or alias (see `lookup`)."""
    code = lookup(group, value, allowed)
    if code is not None:
        return code
    codes = list(allowed) if allowed is not None else list(CODES[group])
    text = str(value).strip()
    lang = i18n.language()
    candidates: dict[str, str] = {}   # each spelling → the label it is shown as
    for code in codes:
        for spelling in spellings(group, code):
            candidates.setdefault(spelling, label(group, code, lang))
    hint = did_you_mean(text, candidates)
    raise BadValue(_("unknown {what} '{value}': use one of {choices}{hint}").format(
        what=noun(what or group), value=value, choices=shown_list(group, codes), hint=hint))
