"""Visits (走访/回访): a callback of a resolved ticket (closes or reopens it), a home visit
(a complaint raised becomes a linked ticket), or a returned survey form of a sampled
household."""
from __future__ import annotations

import re

from .. import codes
from . import Kind, dated


def _rating(data, lang, reveal):
    if data.get("type") == "survey":
        return codes.label("survey_level", data.get("overall"), lang)
    return codes.label("rating", (data.get("ratings") or {}).get("overall"), lang)


KIND = Kind(
    name="visit", plural="visits", folder="visits", id_form="V-…",
    id_re=re.compile(r"V-[0-9]{8}-[A-Z]?[0-9]{3,5}"), path_of=dated("visits"),
    stem=lambda day, station: f"V-{day:%Y%m%d}-{station}",
    columns=("id", "type", "ticket", "unit", "rating", "method", "visited_at", "visitor"),
    cells={"rating": _rating},
    code_fields={"type": "visit_type", "method": "method"},
    codes={
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
    },
    labels={"type": ("类型", "type"), "ticket": ("工单", "ticket"), "rating": ("评价", "rating"),
            "method": ("方式", "method"), "visited_at": ("回访时间", "visited"), "visitor": ("回访人", "visitor")},
    opened_field="visited_at",
    people={"visitor": "visitor", "participants.*": "participant"},
    editable=("note", "opinions", "suggestions", "reasons", "participants", "topics"),
    edit_hints={key: "a callback or survey answer is recorded once; record a new visit instead"
                for key in ("ratings", "overall", "items")},
    refs={"unit": "owner", "ticket": "ticket"},
)
