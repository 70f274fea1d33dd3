"""Survey campaigns (客户意见征询, seed 003 §29): `2026H2`, twice a year.

1. The plan (客户意见征询计划, §29.2): drafted by the supervisor (or the director) — the period
   the forms go out and come back, the share of households drawn (§29.3: 10%), the rule that
   everyone who complained since the last campaign or was unhappy in it is drawn too
   (二次重点抽样, §29.5, always), and the form's items (§29.1: the office chooses each time) —
   and entered with `wuyectl survey plan` (state `planned`).
2. The director approves it (`survey approve`, 管理处主任审核: `approved`); a plan revised after
   that goes back to `planned` and needs approving again.
3. Only then is the sample drawn, once (`survey sample`: `sampled`), at the plan's share. The
   returned forms are `survey` visits.

A campaign drawn before plans were recorded (no `status`, no `timeline`: the form wuyectl wrote
then) is a legacy campaign: it is kept and audited as it was; every campaign made now starts
from its plan. The steps are the workflow below, so the audit replays them (who approved, in
what order); the check `W-survey-plan` states the same of a record as it stands.
"""
from __future__ import annotations

import re
from typing import Mapping

from ...errors import BadValue, Refused
from ...i18n import N_, _
from .. import codes
from ..workflow import DESK, MANAGERS, Action, Change, Workflow
from . import Check, Kind, Setting

APPROVERS = frozenset({"director"})            # 经管理处主任审核
DRAFTERS = MANAGERS                            # 管理处客服主管制订 (or the director)
DRAWN = ("seed", "ratio", "population", "since", "complainants", "households")   # what a draw records


def legacy(record: Mapping) -> bool:
    """A campaign drawn before plans were recorded: no status and no timeline."""
    return "status" not in record and not record.get("timeline")


def state(record: Mapping) -> str | None:
    """planned / approved / sampled; a legacy campaign counts as sampled."""
    return "sampled" if legacy(record) else record.get("status")


def approval(record: Mapping) -> dict | None:
    """The approval event in force (the last approve after the last plan or revision), or None."""
    found = None
    for event in record.get("timeline") or []:
        if not isinstance(event, Mapping):
            continue
        if event.get("action") in ("plan", "revise_plan"):
            found = None
        elif event.get("action") == "approve_plan":
            found = dict(event)
    return found


# -- the steps ---------------------------------------------------------------------------------
def not_legacy(record: Mapping) -> str | None:
    """Why a campaign's plan cannot be changed or approved: it was drawn before plans existed."""
    if legacy(record):
        return _("the campaign {id} was drawn before plans were recorded; it has no plan to change or "
                 "approve").format(id=record.get("id"))
    return None


def _not_legacy(change: Change) -> str | None:
    return not_legacy(change.record)


def _drafter_may(change: Change) -> None:
    role = change.params.get("drafter_role")
    drafter = (change.params.get("plan") or {}).get("drafted_by")
    if role not in DRAFTERS:
        raise Refused(_("a survey plan is drafted by a {roles}, not {name} ({role})").format(
            roles=codes.shown_or("role", sorted(DRAFTERS)), name=drafter, role=codes.shown("role", role)))


def _revise(change: Change) -> None:
    _drafter_may(change)
    change.record["plan"] = dict(change.params["plan"])


def _recorded_plan(event: Mapping, after: Mapping, role_of) -> dict:
    plan = dict(after.get("plan") or {})
    return {"plan": plan, "drafter_role": role_of(plan.get("drafted_by", ""))}


def _sample(change: Change) -> None:
    record, params = change.record, change.params
    planned = (record.get("plan") or {}).get("ratio")
    if planned is not None and params.get("ratio") != planned:
        raise Refused(_("the approved plan draws {planned} of the households, not {ratio}").format(
            planned=planned, ratio=params.get("ratio")))
    record["drawn_at"] = change.at
    record["drawn_by"] = change.actor
    for key in DRAWN:
        if params.get(key) is not None:
            record[key] = params[key]


def _recorded_sample(event: Mapping, after: Mapping, role_of) -> dict:
    return {key: after[key] for key in DRAWN if key in after}


WORKFLOW = Workflow(
    # The states are not declared as `states`: a legacy campaign has none, and the audit's
    # rule for a new record's state would judge it by today's workflow. W-survey-plan checks the
    # state against the timeline instead.
    kind="survey", states=(), initial="planned", terminal=("sampled",), actions={
        "revise_plan": Action("revise_plan", ("planned", "approved"), "planned", roles=DESK,
                              refuse_if=_not_legacy, effect=_revise, recorded=_recorded_plan,
                              via_command="survey plan"),
        "approve_plan": Action("approve_plan", ("planned",), "approved", roles=APPROVERS, refuse_if=_not_legacy),
        "sample": Action("sample", ("approved",), "sampled", roles=DESK, effect=_sample, recorded=_recorded_sample,
                         via_command="survey sample"),
    })


# -- the rule as a record stands -----------------------------------------------------------------
def _plan_rule(record: dict, ctx) -> list:
    if legacy(record):
        return []
    out = []
    timeline = [e for e in record.get("timeline") or [] if isinstance(e, Mapping)]
    if not timeline or timeline[0].get("action") != "plan":
        out.append((("timeline",), _("a campaign's timeline starts with its plan")))
        return out
    reached = WORKFLOW.replay(timeline)
    if record.get("status") != reached:
        out.append((("status",), _("status {status} is not where the campaign's steps lead ({state})").format(
            status=record.get("status"), state=reached)))
    roles = ctx.roles
    drafter = (record.get("plan") or {}).get("drafted_by")
    if drafter and drafter in roles and roles.get(drafter) not in DRAFTERS:
        out.append((("plan", "drafted_by"), _("a survey plan is drafted by a {roles}, not {name} ({role})").format(
            roles=codes.shown_or("role", sorted(DRAFTERS)), name=drafter, role=codes.shown("role", roles.get(drafter)))))
    for i, event in enumerate(timeline):
        who = event.get("by")
        if event.get("action") == "approve_plan" and who in roles and roles.get(who) not in APPROVERS:
            out.append((("timeline", i, "by"), _("{name} ({role}) may not approve a survey plan: needs {roles}").format(
                name=who, role=codes.shown("role", roles.get(who)), roles=codes.shown_or("role", sorted(APPROVERS)))))
    if "households" in record:
        steps = [e.get("action") for e in timeline]
        last = len(steps) - 1 - steps[::-1].index("sample") if "sample" in steps else -1
        before = [e for e in timeline[:max(last, 0)]]
        if last < 0 or approval({"timeline": before}) is None:
            out.append((("households",), _("the sample is drawn only after the director approves the plan")))
    return out


def _cell_status(data, lang, reveal):
    return codes.label("survey_status", state(data), lang)


def _cell_plan(data, lang, reveal):
    plan = data.get("plan")
    if not plan:
        return ("无（计划制度实行前抽样）" if lang == "zh" else "none (drawn before plans were recorded)") \
            if legacy(data) else ""
    return plan_text(plan, lang)


def plan_text(plan: Mapping, lang: str) -> str:
    """'2027-05-10 – 2027-05-31，抽样 10% + 二次重点抽样，8 项，刘海燕 制订'."""
    share = f"{float(plan.get('ratio', 0)) * 100:g}%"
    items = plan.get("items") or []
    if lang == "zh":
        return (f"{plan.get('from', '')} – {plan.get('to', '')}，抽样 {share} + 二次重点抽样，"
                f"{len(items)} 项，{plan.get('drafted_by', '')} 制订")
    return (f"{plan.get('from', '')} – {plan.get('to', '')}, {share} drawn + complainants, "
            f"{len(items)} items, drafted by {plan.get('drafted_by', '')}")


def _cell_approved(data, lang, reveal):
    found = approval(data)
    if found is None:
        return ""
    return f"{found.get('by', '')} {str(found.get('at', ''))[:16].replace('T', ' ')}"


def _new_ratio_schema():
    return {"type": "number", "exclusiveMinimum": 0, "maximum": 1}


KIND = Kind(
    name="survey", plural="surveys", folder="surveys", id_form=N_("a campaign like 2026H2"), aliases=("campaigns",),
    id_re=re.compile(r"[0-9]{4}H[12]"),
    path_of=lambda rid: f"surveys/{rid}.yaml",
    workflow=WORKFLOW,
    columns=("id", "status", "approved", "drawn_at", "population", "sampled", "complainants"),
    cells={"sampled": lambda d, lang, reveal: str(len(d.get("households") or [])) if "households" in d else "",
           "complainants": lambda d, lang, reveal: str(len(d.get("complainants") or [])) if "households" in d else "",
           "status": _cell_status, "approved": _cell_approved},
    order_by="id", newest_first=True,
    show_fields=("status", "plan", "approved", "drawn_at", "drawn_by", "population", "ratio", "seed", "since",
                 "sampled", "households", "complainants"),
    show_cells={"complainants": lambda d, lang, reveal: ", ".join(d.get("complainants") or []),
                "households": lambda d, lang, reveal: ", ".join(d.get("households") or []),
                "plan": _cell_plan},
    show_sections=("timeline",),
    code_fields={"status": "survey_status"},
    codes={
        "survey_status": {"planned": ("待审批", "planned"), "approved": ("已批准", "approved"),
                          "sampled": ("已抽样", "sampled")},
        "action": {"plan": ("制订征询计划", "plan"), "revise_plan": ("修改征询计划", "revise plan"),
                   "approve_plan": ("审批征询计划", "approve plan"), "sample": ("抽样", "draw sample")},
    },
    labels={"surveys": ("问卷抽样", "survey campaigns"), "drawn_at": ("抽样时间", "drawn"), "population": ("总户数", "households"),
            "sampled": ("抽样户数", "sampled"), "complainants": ("投诉户", "complainants"),
            "drawn_by": ("抽样人", "drawn by"), "ratio": ("抽样比例", "sample ratio"), "seed": ("随机种子", "seed"),
            "since": ("投诉统计起点", "complaints since"), "households": ("抽中户", "households drawn"),
            "plan": ("征询计划", "plan"), "approved": ("审批", "approved")},
    opened_field="drawn_at",
    people={"drawn_by": "drawn_by", "plan.drafted_by": "drafted by", "timeline.*.by": "timeline by"},
    checks=(Check("W-survey-plan", "a campaign's sample follows its plan's approval by the director", _plan_rule),),
    edit_hints={**{key: N_("a survey sample is drawn once (wuyectl survey sample) and not edited")
                   for key in ("households", "complainants", "seed", "ratio", "population", "drawn_at", "drawn_by",
                               "since")},
                "plan": N_("a plan is changed with wuyectl survey plan {id} … (the director approves it again)")},
    settings={
        "sample_ratio": Setting(0.1, {"type": "number", "minimum": 0, "maximum": 1},
                                "the share of households a campaign's plan draws by default (seed 003 §29.3: 10%)"),
        "min_response_rate": Setting(0.7, {"type": "number", "minimum": 0, "maximum": 1},
                                     "the response rate below which satisfaction is marked down (§29.3: 70%)"),
        "penalty_step_points": Setting(5, {"type": "number", "minimum": 0},
                                       "every full this many points below the response rate cost 1 point (§29.3: 5)"),
        "followup_days": Setting(7, {"type": "integer", "minimum": 1, "maximum": 365},
                                 "days after a returned form comes in by which its opinions are called back "
                                 "(客户意见回访, §29.8; the manual gives no number: 7 is ours)"),
    },
)


def read_share(value) -> float:
    """A share of households: 0.1, 10% or 10 (percent)."""
    text = str(value).strip()
    try:
        number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise BadValue(_("--share '{value}' is not a share (0.1 or 10%)").format(value=value)) from None
    if number > 1 and not text.endswith("%"):
        number /= 100
    if not 0 < number <= 1:
        raise BadValue(_("--share '{value}' must be more than 0 and at most 100%").format(value=value))
    return round(number, 4)
