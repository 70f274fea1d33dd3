"""Visits (走访/回访): a callback of a resolved ticket (closes or reopens it), a home visit
(a complaint raised becomes a linked ticket), or a returned survey form of a sampled
household.

A returned form with an item or the overall rated dissatisfied, or with a reason or a
suggestion written on it, needs a follow-up call (客户意见回访记录, seed 003 §29.8): a step on
the form's record (`wuyectl follow-up V-… --note … --outcome …`: who called, when, what was
said, the outcome), so the audit replays it. It is overdue once the policy's
`survey.followup_days` (7) have passed since the form came in without a call that reached the
household (`get visits --overdue`)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping

from .. import codes
from ...errors import BadValue
from ...i18n import N_, _
from ...timeutil import read_iso
from ..workflow import DESK, Action, Change, Workflow
from . import Kind, daily_ids

OUTCOMES = ("handled", "continuing", "unreachable")
REACHED = ("handled", "continuing")          # a call that reached the household counts as the follow-up


def needs_follow_up(data: Mapping) -> bool:
    """A returned survey form with something to call back about: an item or the overall rated
    dissatisfied, or a reason or suggestion written on it."""
    if data.get("type") != "survey":
        return False
    rated = [data.get("overall"), *(data.get("items") or {}).values()]
    return "dissatisfied" in rated or bool(str(data.get("reasons") or "").strip()) \
        or bool(str(data.get("suggestions") or "").strip())


def follow_ups(data: Mapping, as_of: datetime | None = None) -> list[dict]:
    """The form's follow-up calls (up to `as_of`)."""
    return [e for e in data.get("timeline") or [] if isinstance(e, Mapping) and e.get("action") == "follow_up"
            and (as_of is None or read_iso(e["at"]) <= as_of)]


def followed_up(data: Mapping, as_of: datetime | None = None) -> dict | None:
    """The first call that reached the household (by `as_of`), or None."""
    return next((e for e in follow_ups(data, as_of) if e.get("outcome") in REACHED), None)


def follow_up_due(data: Mapping, policy) -> datetime | None:
    """When a form needing a follow-up must have had it: `survey.followup_days` after it came in."""
    if not needs_follow_up(data):
        return None
    from .survey import KIND as SURVEY

    return read_iso(data["visited_at"]) + timedelta(days=int(SURVEY.setting(policy, "followup_days")))


def _computed(data: dict, now: datetime, policy) -> dict:
    due = follow_up_due(data, policy)
    if due is None:
        return data
    done = followed_up(data, now)
    return dict(data, followup_due_at=due.isoformat(timespec="seconds"),
                followup_overdue=done is None and now > due)


def _overdue(data: dict, now: datetime) -> bool:
    return bool(data.get("followup_overdue"))


def _due(data: dict, now: datetime) -> list[datetime]:
    if data.get("followup_due_at") and not data.get("followup_overdue") and followed_up(data, now) is None:
        return [read_iso(data["followup_due_at"])]
    return []


def _refuse_follow_up(change: Change) -> str | None:
    if not needs_follow_up(change.record):
        return _("the form needs no follow-up call: no item rated dissatisfied and no opinion written on it")
    return None


def _follow_up(change: Change) -> None:
    outcome = change.params.get("outcome")
    if outcome is None or str(outcome).strip() == "":
        raise BadValue(_("a follow-up call records its outcome: --outcome {codes}").format(
            codes="|".join(OUTCOMES)))
    change.event["outcome"] = codes.resolve("followup_outcome", outcome, what="outcome")
    change.event["method"] = codes.resolve("method", change.params.get("method") or "phone", what="method")


WORKFLOW = Workflow(
    # A visit has no state of its own; its type says what may be done with it (a follow-up
    # call: survey forms only).
    kind="visit", states=(), initial="", terminal=(), state_field="type", actions={
        "follow_up": Action("follow_up", ("survey",), None, roles=DESK, needs_note=True, refuse_if=_refuse_follow_up,
                            effect=_follow_up, via_command="follow-up"),
    })


def _follow_up_calls(data, lang, reveal):
    """Every call, in order: '陈晓丽 2026-11-17 16:10 未联系上：电话无人接听；刘海燕 …'; '待回访' for
    a form still waiting (`show`: the form's 客户意见回访记录)."""
    if not needs_follow_up(data):
        return ""
    calls = [f"{e.get('by', '')} {str(e.get('at', ''))[:16].replace('T', ' ')} "
             f"{codes.label('followup_outcome', e.get('outcome'), lang)}"
             + (("：" if lang == "zh" else ": ") + str(e["note"]) if e.get("note") else "")
             for e in follow_ups(data)]
    if followed_up(data) is None:
        calls.append("待回访" if lang == "zh" else "waiting")
    return ("；" if lang == "zh" else "; ").join(calls)


def _follow_up_cell(data, lang, reveal):
    """'王芳 2026-11-18 10:05 已处理' for the call that counted, '未回访' for one still waiting."""
    if not needs_follow_up(data):
        return ""
    done = followed_up(data)
    if done is None:
        return "待回访" if lang == "zh" else "waiting"
    return f"{done.get('by', '')} {str(done.get('at', ''))[:16].replace('T', ' ')} " \
           f"{codes.label('followup_outcome', done.get('outcome'), lang)}"


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
    **daily_ids("V", "visits", letter_optional=True),
    workflow=WORKFLOW,
    columns=("id", "type", "ticket", "unit", "rating", "method", "visited_at", "visitor"),
    cells={"rating": _rating, "follow_up": _follow_up_cell},
    narrow=("method", "visitor", "ticket"),
    order_by="visited_at", newest_first=True,
    show_fields=("type", "ticket", "unit", "campaign", "method", "visited_at", "visitor", "participants", "topics",
                 "ratings", "items", "overall", "opinions", "suggestions", "reasons", "note", "tickets", "follow_up"),
    show_cells={"ratings": _ratings, "items": _items, "follow_up": _follow_up_calls},
    computed=_computed, overdue=_overdue, due=_due,
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
        "followup_outcome": {
            "handled": ("已处理", "handled"),
            "continuing": ("未处理完成，继续跟踪", "continuing"),
            "unreachable": ("未联系上", "not reached"),
        },
        "action": {"follow_up": ("意见回访", "follow-up call")},
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
            "attitude": ("态度", "attitude"), "follow_up": ("意见回访", "follow-up"),
            "followup_due_at": ("回访期限", "follow-up due"),
            # report visits
            "home_visits": ("走访次数", "home visits"), "units_visited": ("走访户数", "households"),
            "complaints_raised": ("走访投诉", "complaints raised"), "callbacks_good": ("回访满意", "callbacks satisfied"),
            "month": ("月份", "month"), "form_returned_at": ("收回时间", "returned")},
    opened_field="visited_at",
    people={"visitor": "visitor", "participants.*": "participant", "timeline.*.by": "timeline by"},
    editable=("note", "opinions", "suggestions", "reasons", "participants", "topics"),
    edit_hints={key: N_("a callback or survey answer is recorded once; record a new visit instead")
                for key in ("ratings", "overall", "items")},
    refs={"unit": "owner", "ticket": "ticket"},
)
