"""Enumerated codes and their labels (中文 default, English).

Records store the English code; the CLI shows a label in the chosen language and accepts the
code or either label as input (`--category 报修` = `--category repair`).
"""
from __future__ import annotations

from ..errors import BadValue, did_you_mean

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
        "measure": ("处理措施", "measure"),
        "approve": ("公司批准", "company approval"),
        "rectify": ("已整改", "rectified"),
        "settle": ("了结", "settle"),
        "lend": ("借出", "lend"),
        "return": ("归还", "return"),
        "request_destruction": ("申请销毁", "request destruction"),
        "review_destruction": ("审核销毁", "review destruction"),
        "approve_destruction": ("批准销毁", "approve destruction"),
        "destroy": ("销毁", "destroy"),
    },
    "rating": {
        "satisfied": ("满意", "satisfied"),
        "basically_satisfied": ("基本满意", "basically satisfied"),
        "dissatisfied": ("不满意", "dissatisfied"),
    },
    "method": {
        "phone": ("电话", "phone"),
        "visit": ("上门", "visit"),
        "sms": ("短信", "SMS"),
        "wechat": ("微信", "WeChat"),
    },
    "visit_type": {
        "callback": ("回访", "callback"),
        "home": ("走访", "home visit"),
        "survey": ("问卷", "survey"),
    },
    "occupancy": {
        "self": ("自住", "owner-occupied"),
        "rented": ("出租", "rented"),
        "vacant": ("空置", "vacant"),
        "decorating": ("装修中", "decorating"),
    },
    "property_type": {
        "residence": ("住宅", "residence"),
        "shop": ("商铺", "shop"),
        "parking": ("车位", "parking space"),
        "office": ("写字楼", "office"),
        "other": ("其他", "other"),
    },
    "gender": {"male": ("男", "male"), "female": ("女", "female")},
    "topic": {
        "security": ("治安", "security"),
        "cleaning": ("清洁绿化", "cleaning/greenery"),
        "greenery": ("绿化", "greenery"),
        "facilities": ("设施", "facilities"),
        "fees": ("收费", "fees"),
        "other": ("其他", "other"),
    },
    "survey_item": {
        "security": ("安全防范", "security"),
        "parking": ("车辆管理", "parking"),
        "service": ("客户服务", "customer service"),
        "repair": ("维修服务", "repairs"),
        "cleaning": ("清洁保洁", "cleaning"),
        "greenery": ("园林绿化", "landscaping"),
        "culture": ("社区文化", "community culture"),
        "fees": ("费用管理", "fees"),
    },
    "survey_level": {
        "excellent": ("优秀", "excellent"),
        "good": ("良好", "good"),
        "pass": ("合格", "pass"),
        "dissatisfied": ("不满意", "dissatisfied"),
    },
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
    "owners": ("业主", "owners"),
    "building": ("楼栋", "building"),
    "occupancy": ("居住状态", "occupancy"),
    "type": ("类型", "type"),
    "ticket": ("工单", "ticket"),
    "rating": ("评价", "rating"),
    "method": ("方式", "method"),
    "visited_at": ("回访时间", "visited"),
    "visitor": ("回访人", "visitor"),
    "timeline": ("处理记录", "timeline"),
    "sla": ("时限", "SLA clocks"),
    "history": ("修改历史", "history"),
    "count": ("数量", "count"),
    "tickets": ("工单", "tickets"),
    "visits": ("走访/回访", "visits"),
    "violations": ("违章", "violations"),
    "step": ("当前措施", "step"),
    "deadline": ("整改期限", "deadline"),
    "found_at": ("发现时间", "found"),
    "title": ("题名", "title"),
    "medium": ("载体", "medium"),
    "confidential": ("保密", "confidential"),
    "filed_on": ("归档日期", "filed"),
    "destroy_after": ("可销毁日期", "destroy after"),
    "loan": ("借出", "on loan"),
    "drawn_at": ("抽样时间", "drawn"),
    "population": ("总户数", "households"),
    "sampled": ("抽样户数", "sampled"),
    "complainants": ("投诉户", "complainants"),
}


def label(group: str, code, lang: str = "zh") -> str:
    """The label of a code in `lang`; unknown codes are shown as they are."""
    if code is None or code == "":
        return ""
    entry = CODES.get(group, {}).get(str(code))
    if not entry:
        return str(code)
    return entry[0] if lang == "zh" else entry[1]


def field_label(name: str, lang: str = "zh") -> str:
    entry = FIELDS.get(name)
    if not entry:
        return name
    return entry[0] if lang == "zh" else entry[1]


def choices(group: str) -> list[str]:
    return list(CODES[group])


def resolve(group: str, value: str, *, what: str | None = None, allowed=None) -> str:
    """The code for `value`, given as code, Chinese label or English label (any case)."""
    table = CODES[group]
    codes = list(allowed) if allowed is not None else list(table)
    text = str(value).strip()
    for code in codes:
        zh, en = table.get(code, (code, code))
        if text in (code, zh) or text.lower() in (code.lower(), en.lower()):
            return code
    names = ", ".join(codes)
    candidates = codes + [table[c][0] for c in codes if c in table]
    hint = did_you_mean(text, candidates)
    raise BadValue(f"unknown {what or group} '{value}': use one of {names}{hint}")
