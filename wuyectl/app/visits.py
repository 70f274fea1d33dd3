"""Home visits (走访) and satisfaction surveys (客户意见征询).

- A home visit records topics, opinions and suggestions; a complaint raised during the visit
  is opened as a linked ticket in the same commit.
- A survey campaign (`2026H2`) draws its sample once (`draw_sample`): 10% of households at
  random (rounded up), plus every household that complained since the last campaign or was
  dissatisfied in it (二次重点抽样). The drawn list is stored in `surveys/2026H2.yaml`; each returned form is a
  `survey` visit of a sampled household, one per household; an item left blank on the form is
  not rated (absent from its `items`).
"""
from __future__ import annotations

import math
import os
import random
from typing import Iterable, Mapping

from .office import acting
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
    missing = [i for i in SURVEY_ITEMS if i not in ratings and i not in blank]
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


def draw_sample(office: Office, actor: str | None, campaign: str, *, seed: int | None = None,
                ratio: float | None = None) -> dict:
    """Draw and store a campaign's sample; returns the stored record."""
    person = acting(office, actor)
    campaign = SURVEY.check_id(campaign)
    rel = SURVEY.path_of(campaign)

    def refuse_if_drawn():
        if os.path.exists(office.abspath(rel)):
            raise Refused(_("the sample of {campaign} is already drawn ({path}); it is drawn once").format(
                campaign=campaign, path=rel))

    refuse_if_drawn()
    policy = (office.config.get("policy") or {}).get("survey") or {}
    ratio = ratio if ratio is not None else policy.get("sample_ratio", DEFAULT_RATIO)
    households = sorted(o["id"] for o in office.index(OWNER).records() if o.get("id"))
    if not households:
        raise Refused(_("there are no households to sample"))
    earlier = [s for s in office.index(SURVEY).records() if s.get("id", "") < campaign]
    since = max((s["drawn_at"] for s in earlier), default=None)
    previous = max((s["id"] for s in earlier), default=None)
    # 二次重点抽样: who complained since the last survey, and who was unhappy in it.
    unhappy = {v["unit"] for v in office.index(VISIT).records()
               if v.get("type") == "survey" and v.get("campaign") == previous
               and "dissatisfied" in [v.get("overall"), *(v.get("items") or {}).values()]}
    must = sorted(u for u in set(complainants_since(office, since)) | unhappy if u in set(households))
    # 10% of the community at random from those not already in (抽样: 随机), plus everyone who
    # must be covered (二次重点抽样): so the random part never shrinks to nothing.
    size = max(math.ceil(len(households) * ratio), 1)
    rng = random.Random(seed if seed is not None else random.SystemRandom().randrange(2**31))
    if seed is None:
        seed = rng.randrange(2**31)
        rng = random.Random(seed)
    others = [u for u in households if u not in set(must)]
    drawn = sorted(set(must) | set(rng.sample(others, min(size, len(others)))))
    record = {"id": campaign, "drawn_at": timeutil.iso(office.now()), "drawn_by": person["name"], "seed": seed,
              "ratio": ratio, "population": len(households)}
    if since:
        record["since"] = since
    record["complainants"] = must
    record["households"] = drawn
    with Transaction(office, person) as tx:
        refuse_if_drawn()   # again under the lock: two clerks drawing at once
        tx.create(rel, yamlio.new_map(record))
        tx.commit(f"{campaign} survey sample: {len(drawn)} of {len(households)} households",
                  action="sample", records=[campaign])
    return record
