"""Home visits (走访) and satisfaction surveys (客户意见征询).

- A home visit records topics, opinions and suggestions; a complaint raised during the visit
  is opened as a linked ticket in the same commit.
- A survey campaign (`2026H2`) starts from its plan (`plan_survey`: period, share, the form's
  items, who drafted it), which the director approves (`approve_plan`); only then is its
  sample drawn, once (`draw_sample`): the plan's share of households at random (rounded up),
  plus every household that complained since the last campaign or was dissatisfied in it
  (二次重点抽样). All three are kept in `surveys/2026H2.yaml`; each returned form is a `survey`
  visit of a sampled household, one per household; an item left blank on the form is not
  rated (absent from its `items`).
- A returned form with a dissatisfied rating or a written opinion gets a follow-up call
  (`follow_up`, 客户意见回访): a step on the form's record.
"""
from __future__ import annotations

import math
import os
import random
from typing import Iterable, Mapping

from .office import acting
from .records import Committed, act
from .tickets import require_unit, ticket_record
from ..domain import codes
from ..domain.kinds import kind_named
from ..errors import BadValue, NotFound, Refused
from .. import i18n
from ..i18n import _
from ..store import yamlio
from ..store.office import Office
from ..store.transaction import Transaction
from .. import timeutil

OWNER, SURVEY, TICKET, VISIT = (kind_named(k) for k in ("owner", "survey", "ticket", "visit"))
SURVEY_ITEMS = tuple(codes.choices("survey_item"))
DEFAULT_RATIO = 0.10


def open_home_visit(office: Office, actor: str | None, *, unit: str, topics: Iterable[str],
                    opinions: str | None = None, suggestions: str | None = None,
                    participants: Iterable[str] = (), complaint: str | None = None,
                    at: str | None = None) -> tuple[str, str | None]:
    """A home visit; returns (visit ID, ticket ID of the complaint raised or None)."""
    person = acting(office, actor)
    when = office.at(at)
    stamp = timeutil.iso(when)
    unit = require_unit(office, unit, hint=False)
    topic_codes = [codes.resolve("topic", t) for t in topics]
    if not topic_codes:
        raise BadValue(_("a home visit needs at least one --topic ({topics})").format(
            topics=codes.shown_list("topic", codes.choices("topic"))))
    people = [person["name"]] + [office.person(p)["name"] for p in participants if p != person["name"]]
    with Transaction(office, person) as tx:
        vid = office.next_id(VISIT, when)
        visit = {"id": vid, "type": "home", "unit": unit, "visited_at": stamp, "visitor": person["name"],
                 "participants": list(dict.fromkeys(people)), "topics": topic_codes}
        if opinions:
            visit["opinions"] = opinions
        if suggestions:
            visit["suggestions"] = suggestions
        tid = None
        if complaint:
            tid = office.next_id(TICKET, when)
            ticket = ticket_record(office, person, tid, stamp, channel="visit", category="complaint",
                                        unit=unit, description=complaint, extra={"visit": vid})
            tx.create(TICKET.path_of(tid), yamlio.new_map(ticket))
            visit["tickets"] = [tid]
        tx.create(VISIT.path_of(vid), yamlio.new_map(visit))
        subject = f"{vid} home visit {unit}" + (f", complaint {tid}" if tid else "")
        tx.commit(subject, action="visit", records=[vid] + ([tid] if tid else []), at=stamp)
    return vid, tid


def open_survey_response(office: Office, actor: str | None, *, campaign: str, unit: str,
                         items: Mapping[str, str], overall: str, reasons: str | None = None,
                         suggestions: str | None = None, at: str | None = None) -> str:
    """One returned 客户意见调查表 of a sampled household."""
    person = acting(office, actor)
    when = office.at(at)
    stamp = timeutil.iso(when)
    campaign = SURVEY.check_id(campaign)
    unit = OWNER.check_id(unit)
    sample_path = SURVEY.path_of(campaign)
    if not os.path.isfile(office.abspath(sample_path)):
        raise NotFound(_("no survey campaign {campaign}: draw its sample first "
                         "(wuyectl survey sample --campaign {campaign})").format(campaign=campaign))
    sample = office.read(sample_path).data
    if "households" not in sample:
        raise Refused(_("the sample of {campaign} is not drawn yet (wuyectl survey sample --campaign {campaign})").format(
            campaign=campaign))
    asked = tuple((sample.get("plan") or {}).get("items") or SURVEY_ITEMS)
    if unit not in sample.get("households", []):
        raise Refused(_("{unit} was not drawn in the sample of {campaign}").format(unit=unit, campaign=campaign))
    # An item left blank on the paper form is "not rated" (`--item parking=`): kept out of the
    # form's items, so it counts neither for nor against that item's rate. Every item is either
    # rated or said to be blank: one forgotten while typing is refused.
    ratings, blank = {}, []
    for key, value in items.items():
        item = codes.resolve("survey_item", key, what=_("survey item"))
        if value is None or not str(value).strip():
            blank.append(item)
            continue
        ratings[item] = codes.resolve("survey_level", value, what=_("{item} rating").format(
            item=codes.shown("survey_item", item)))
    extra = [i for i in [*ratings, *blank] if i not in asked]
    if extra:
        raise BadValue(_("the {campaign} form does not ask about {items} (its plan: {asked})").format(
            campaign=campaign, items=codes.shown_list("survey_item", extra), asked=codes.shown_list("survey_item", asked)))
    missing = [i for i in asked if i not in ratings and i not in blank]
    if missing and asked != SURVEY_ITEMS:
        raise BadValue(_("the {campaign} form rates {count} items; missing: {items} (an item left blank on the form: "
                         "--item {first}=)").format(campaign=campaign, count=len(asked),
                                                    items=codes.shown_list("survey_item", missing),
                                                    first=codes.label("survey_item", missing[0], "zh")
                                                    if i18n.language() == "zh" else missing[0]))
    if missing:
        raise BadValue(_("the form rates all eight items; missing: {items} (an item left blank on the form: "
                         "--item {first}=)").format(items=codes.shown_list("survey_item", missing),
                                   # as the user would type it: the Chinese label, or the code
                                   first=codes.label("survey_item", missing[0], "zh") if i18n.language() == "zh"
                                   else missing[0]))
    with Transaction(office, person) as tx:
        # Checked under the lock: two clerks entering the same form at once cannot both succeed.
        for visit in office.index(VISIT).records():
            if visit.get("type") == "survey" and visit.get("campaign") == campaign and visit.get("unit") == unit:
                raise Refused(_("{unit} already returned its {campaign} form ({id})").format(
                    unit=unit, campaign=campaign, id=visit["id"]))
        vid = office.next_id(VISIT, when)
        record = {"id": vid, "type": "survey", "campaign": campaign, "unit": unit, "visited_at": stamp,
                  "visitor": person["name"], "items": {i: ratings[i] for i in SURVEY_ITEMS if i in ratings},
                  "overall": codes.resolve("survey_level", overall, what=_("overall rating"))}
        if reasons:
            record["reasons"] = reasons
        if suggestions:
            record["suggestions"] = suggestions
        tx.create(VISIT.path_of(vid), yamlio.new_map(record))
        tx.commit(f"{vid} survey {campaign} {unit}", action="survey", records=[vid], at=stamp)
    return vid


def complainants_since(office: Office, since: str | None) -> list[str]:
    from ..timeutil import read_iso

    start = read_iso(since) if since else None
    units = set()
    for ticket in office.index(TICKET).records():
        if ticket.get("category") != "complaint" or not ticket.get("unit"):
            continue
        if start is None or read_iso(ticket["received_at"]) >= start:
            units.add(ticket["unit"])
    return sorted(units)


def _campaign(office: Office, campaign: str) -> tuple[str, str]:
    campaign = SURVEY.check_id(campaign)
    return campaign, SURVEY.path_of(campaign)


def _plan_values(office: Office, person: Mapping, *, start, end, share, items, drafted_by, note) -> tuple[dict, str]:
    """The plan as stored, and the drafter's role (a supervisor or the director drafts it)."""
    from ..domain.kinds.survey import read_share

    first = timeutil.parse_date(start, what="--period") if not hasattr(start, "isoformat") else start
    last = timeutil.parse_date(end, what="--period") if not hasattr(end, "isoformat") else end
    if last < first:
        raise BadValue(_("the plan's period ends ({last}) before it starts ({first})").format(last=last, first=first))
    ratio = read_share(share if share is not None else SURVEY.setting(office.policy, "sample_ratio"))
    chosen = [codes.resolve("survey_item", i, what=_("survey item")) for i in (items or SURVEY_ITEMS)]
    drafter = office.person(drafted_by)["name"] if drafted_by else person["name"]
    plan = {"from": first.isoformat(), "to": last.isoformat(), "ratio": ratio, "focus": True,
            "items": [i for i in SURVEY_ITEMS if i in chosen], "drafted_by": drafter}
    if note:
        plan["note"] = note
    return plan, office.person(drafter).get("role")


def read_period(text: str):
    """'2027-05-10..2027-05-31' (or with a space, '至', '~' or ' to ' between) → two dates."""
    import re

    parts = [p for p in re.split(r"\s*(?:\.\.|~|至|到|\bto\b|\s)\s*", str(text).strip()) if p]
    if len(parts) != 2:
        raise BadValue(_("--period '{value}': give its first and last day, 2027-05-10..2027-05-31").format(value=text))
    return tuple(timeutil.parse_date(p, what="--period") for p in parts)


def plan_survey(office: Office, actor: str | None, campaign: str, *, start, end, share=None,
                items: Iterable[str] = (), drafted_by: str | None = None, note: str | None = None,
                at: str | None = None) -> Committed:
    """Record a campaign's plan (客户意见征询计划), or revise it (a revised plan is approved again).
    The drafter (`drafted_by`, default the actor) is a supervisor or the director; a clerk may
    enter the plan they drafted."""
    from ..domain.kinds.survey import DRAFTERS, not_legacy

    person = acting(office, actor)
    campaign, rel = _campaign(office, campaign)
    plan, role = _plan_values(office, person, start=start, end=end, share=share, items=items,
                              drafted_by=drafted_by, note=note)
    if os.path.exists(office.abspath(rel)):
        record = office.read(rel).data
        reason = not_legacy(record)
        if reason:
            raise Refused(reason)
        if record.get("status") == "sampled":
            raise Refused(_("the sample of {campaign} is drawn: its plan is kept as it was").format(campaign=campaign))
        tail = f": {plan['from']} – {plan['to']}, {plan['ratio'] * 100:g}%"
        return act(office, person["name"], [campaign], "revise_plan", params={"plan": plan, "drafter_role": role},
                   at=at, command="survey plan", subject_tail=tail)
    from ..domain.workflow import DESK
    from ..errors import NotPermitted

    if person["role"] not in DESK:
        raise NotPermitted(_("{actor} ({role}) may not record a survey plan: needs {roles}").format(
            actor=person["name"], role=codes.shown("role", person["role"]), roles=codes.shown_or("role", sorted(DESK))))
    if role not in DRAFTERS:
        raise Refused(_("a survey plan is drafted by a {roles}, not {name} ({role})").format(
            roles=codes.shown_or("role", sorted(DRAFTERS)), name=plan["drafted_by"], role=codes.shown("role", role)))
    when = office.at(at)
    stamp = timeutil.iso(when)
    record = {"id": campaign, "status": "planned", "plan": plan,
              "timeline": [{"at": stamp, "by": person["name"], "action": "plan"}]}
    with Transaction(office, person) as tx:
        if os.path.exists(office.abspath(rel)):
            raise Refused(_("{campaign} has a plan already (wuyectl show {campaign})").format(campaign=campaign))
        tx.create(rel, yamlio.new_map(record))
        commit = tx.commit(f"{campaign} survey plan: {plan['from']} – {plan['to']}, {plan['ratio'] * 100:g}%",
                           action="open", records=[campaign], at=stamp)
    return Committed(commit, [campaign])


def approve_plan(office: Office, actor: str | None, campaign: str, *, note: str | None = None,
                 at: str | None = None) -> Committed:
    """The director approves a campaign's plan (管理处主任审核)."""
    from ..domain.kinds.survey import not_legacy

    campaign, rel = _campaign(office, campaign)
    if not os.path.exists(office.abspath(rel)):
        raise NotFound(_("no survey campaign {campaign}: record its plan first (wuyectl survey plan {campaign} "
                         "--period … --share …)").format(campaign=campaign))
    reason = not_legacy(office.read(rel).data)
    if reason:
        raise Refused(reason)
    return act(office, actor, [campaign], "approve_plan", note=note, at=at)


def follow_up(office: Office, actor: str | None, ids: Iterable[str], *, note: str, outcome: str,
              method: str | None = None, at: str | None = None) -> Committed:
    """A follow-up call on returned survey forms (客户意见回访): who called (the actor), when,
    what was said (`note`), the outcome (handled / continuing / unreachable)."""
    ids = list(ids)
    for rid in ids:
        if VISIT.id_re.fullmatch(str(rid).strip()) is None:
            raise BadValue(_("'{id}' is not a visit ID: a follow-up call is on a returned survey form (V-…)").format(
                id=rid))
    outcome = codes.resolve("followup_outcome", outcome, what="outcome") if outcome else outcome
    method = codes.resolve("method", method, what="method") if method else None
    for rid in ids:
        _kind, loaded = office.load(str(rid).strip())
        if loaded.data.get("type") != "survey":
            raise Refused(_("{id}: a follow-up call is on a returned survey form; this is a {type}").format(
                id=rid, type=codes.shown("visit_type", loaded.data.get("type"))))
    return act(office, actor, ids, "follow_up", note=note, at=at, params={"outcome": outcome, "method": method},
               command="follow-up")


def sampled_campaigns(surveys: Iterable[Mapping]) -> list[Mapping]:
    """The campaigns whose sample is drawn (a plan not yet drawn has no households)."""
    return [s for s in surveys if s.get("drawn_at") and "households" in s]


def draw_sample(office: Office, actor: str | None, campaign: str, *, seed: int | None = None,
                ratio: float | None = None) -> dict:
    """Draw and store a campaign's sample, at its approved plan's share; returns the stored
    record. A campaign with no plan approved by the director is refused."""
    from ..domain.kinds.survey import legacy

    person = acting(office, actor)
    campaign, rel = _campaign(office, campaign)

    def plan_in_force() -> dict:
        if not os.path.exists(office.abspath(rel)):
            raise Refused(_("{campaign} has no plan approved by the director: record it (wuyectl survey plan "
                            "{campaign} --period … --share …) and have the director approve it (wuyectl survey "
                            "approve {campaign}) first").format(campaign=campaign))
        record = office.read(rel).data
        if legacy(record) or record.get("status") == "sampled":
            raise Refused(_("the sample of {campaign} is already drawn ({path}); it is drawn once").format(
                campaign=campaign, path=rel))
        if record.get("status") != "approved":
            raise Refused(_("the plan of {campaign} is not approved by the director yet (wuyectl survey approve "
                            "{campaign})").format(campaign=campaign))
        return record

    planned = plan_in_force()
    plan_ratio = planned["plan"]["ratio"]
    if ratio is not None and float(ratio) != float(plan_ratio):
        raise BadValue(_("the approved plan of {campaign} draws {planned}, not {ratio}").format(
            campaign=campaign, planned=plan_ratio, ratio=ratio))
    params = choose_sample(office, campaign, seed=seed, ratio=plan_ratio)
    drawn, households = params["households"], params["population"]
    stamp = timeutil.iso(office.now())
    with Transaction(office, person) as tx:
        plan_in_force()   # again under the lock: two clerks drawing at once
        from ..domain.workflow import Change, apply

        _kind, loaded = tx.load(campaign)
        step = SURVEY.workflow.actions["sample"]
        change = Change(loaded.rt, step, person["name"], person["role"], stamp,
                        params={"policy": office.config.get("policy") or {}, **params})
        apply(SURVEY.workflow, change, record_id=campaign, through_command="survey sample")
        from .records import append_events

        append_events(loaded, change)
        tx.stage(loaded)
        tx.commit(f"{campaign} survey sample: {len(drawn)} of {households} households",
                  action="sample", records=[campaign], at=stamp)
    return yamlio.to_plain(loaded.rt)


def choose_sample(office: Office, campaign: str, *, seed: int | None, ratio: float) -> dict:
    """Which households a campaign draws (nothing written): `ratio` of the households at random
    (rounded up) besides everyone who complained since the last campaign drawn or was
    dissatisfied in it (二次重点抽样). Returns seed, ratio, population, since, complainants,
    households."""
    households = sorted(o["id"] for o in office.index(OWNER).records() if o.get("id"))
    if not households:
        raise Refused(_("there are no households to sample"))
    earlier = [s for s in sampled_campaigns(office.index(SURVEY).records()) if s.get("id", "") < campaign]
    since = max((s["drawn_at"] for s in earlier), default=None)
    previous = max((s["id"] for s in earlier), default=None)
    # 二次重点抽样: who complained since the last survey, and who was unhappy in it.
    unhappy = {v["unit"] for v in office.index(VISIT).records()
               if v.get("type") == "survey" and v.get("campaign") == previous
               and "dissatisfied" in [v.get("overall"), *(v.get("items") or {}).values()]}
    must = sorted(u for u in set(complainants_since(office, since)) | unhappy if u in set(households))
    # The share of the community at random from those not already in (抽样: 随机), plus everyone
    # who must be covered (二次重点抽样): so the random part never shrinks to nothing.
    size = max(math.ceil(len(households) * ratio), 1)
    rng = random.Random(seed if seed is not None else random.SystemRandom().randrange(2**31))
    if seed is None:
        seed = rng.randrange(2**31)
        rng = random.Random(seed)
    others = [u for u in households if u not in set(must)]
    drawn = sorted(set(must) | set(rng.sample(others, min(size, len(others)))))
    return {"seed": seed, "ratio": ratio, "population": len(households), "since": since, "complainants": must,
            "households": drawn}
