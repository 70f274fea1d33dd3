"""Visits (走访/回访): a callback of a resolved ticket (closes or reopens it), a home visit
(a complaint raised becomes a linked ticket), or a returned survey form of a sampled
household."""
from __future__ import annotations

import re

from .. import codes
from ...i18n import N_
from . import Kind, dated


def _ratings(data, lang, reveal):
    """A callback's ratings: 及时 满意；质量 满意 …"""
    pairs = [f"{codes.field_label(k, lang)} {codes.label('rating', v, lang)}"
             for k, v in (data.get("ratings") or {}).items() if v]
    return ("；" if lang == "zh" else "; ").join(pairs)


def _items(data, lang, reveal):
    """A survey form's items: 安全防范 优秀；车辆管理 良好 …"""
    pairs = [f"{codes.label('survey_item', k, lang)} {codes.label('survey_level', v, lang)}"
             for k, v in (data.get("items") or {}).items() if v]
    return ("；" if lang == "zh" else "; ").join(pairs)


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
    narrow=("method", "visitor", "ticket"),
    order_by="visited_at", newest_first=True,
    show_fields=("type", "ticket", "unit", "campaign", "method", "visited_at", "visitor", "participants", "topics",
                 "ratings", "items", "overall", "opinions", "suggestions", "reasons", "note", "tickets"),
    show_cells={"ratings": _ratings, "items": _items},
    code_fields={"type": "visit_type", "method": "method", "topics": "topic", "overall": "survey_level"},
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
            "method": ("方式", "method"), "visited_at": ("回访时间", "visited"), "visitor": ("回访人", "visitor"),
            "campaign": ("问卷批次", "campaign"), "participants": ("参加人员", "participants"),
            "topics": ("走访内容", "topics"), "ratings": ("分项评价", "ratings"), "items": ("问卷评价", "items"),
            "overall": ("总体评价", "overall"), "opinions": ("意见", "opinions"), "suggestions": ("建议", "suggestions"),
            "reasons": ("原因", "reasons"), "timeliness": ("及时", "timeliness"), "quality": ("质量", "quality"),
            "attitude": ("态度", "attitude")},
    opened_field="visited_at",
    people={"visitor": "visitor", "participants.*": "participant"},
    editable=("note", "opinions", "suggestions", "reasons", "participants", "topics"),
    edit_hints={key: N_("a callback or survey answer is recorded once; record a new visit instead")
                for key in ("ratings", "overall", "items")},
    refs={"unit": "owner", "ticket": "ticket"},
)
