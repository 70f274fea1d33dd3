"""records — every kind of record the office keeps, at a glance (记录概况)."""
from __future__ import annotations

from collections import Counter

from ..domain import codes
from ..domain.kinds import KINDS
from ..timeutil import read_iso
from .base import OfficeData, Period, new_report, section, state_at

TITLE = ("记录概况", "Records at a glance")
HELP = """One row per kind of record (tickets, visits, violations, archive items, households,
survey campaigns, and any kind the office has added). Total: records at the as-of time.
Opened in the period: records whose first business time (received, found, visited, drawn,
created; else the first timeline event) falls in it. Open: records not in a final state of
their workflow at the as-of time, their timeline replayed through it (kinds without a
workflow: empty). Overdue: what the kind calls overdue at the
as-of time (a ticket's time limit breached, a violation's deadline passed, a loan not back);
empty for kinds that have no such rule. By state: the count of each state of each kind."""


def _opened(kind, record: dict) -> str | None:
    stamp = record.get(kind.opened_field) if kind.opened_field else None
    if not stamp:
        stamp = next((e.get("at") for e in record.get("timeline") or [] if isinstance(e, dict)), None)
    return stamp if isinstance(stamp, str) else None


def as_it_stood(kind, record: dict, as_of) -> dict:
    """The record with the state its timeline had reached at `as_of`, by its workflow."""
    flow = kind.workflow
    if not flow.states:
        return record
    return dict(record, **{flow.state_field: state_at(flow, record, as_of)})


def build(data: OfficeData, period: Period, as_of, lang: str):
    rows, keys, states, state_keys = [], [], [], []
    for kind in KINDS.values():
        stamps = [(r, _opened(kind, r)) for r in data.records(kind.name)]
        stamps = [(as_it_stood(kind, r, as_of), stamp) for r, stamp in stamps if not stamp or read_iso(stamp) <= as_of]
        records = [r for r, _ in stamps]
        opened = sum(1 for _, stamp in stamps if period.holds(stamp))
        flow = kind.workflow
        open_ = overdue = ""
        if flow.states:
            open_ = sum(1 for r in records if r.get(flow.state_field) not in flow.terminal)
            count = Counter(r.get(flow.state_field) for r in records)
            group = kind.code_fields.get(flow.state_field)
            for state in flow.states:
                states.append([codes.field_label(kind.plural, lang), codes.label(group, state, lang) if group else state,
                               count.get(state, 0)])
                state_keys.append(f"{kind.name}.{state}")
        if kind.overdue:
            overdue = sum(1 for r in records
                          if kind.overdue(kind.computed(r, as_of, data.policy) if kind.computed else r, as_of))
        rows.append([codes.field_label(kind.plural, lang), len(records), opened, open_, overdue])
        keys.append(kind.name)
    report = new_report("records", TITLE, period, as_of, lang)
    report.sections += [
        section("kinds", ("按记录类别", "By kind"), ["kind", "total", "opened", "open", "overdue"], rows, lang, keys=keys),
        section("states", ("按状态", "By state"), ["kind", "state", "count"], states, lang, keys=state_keys),
    ]
    return report
