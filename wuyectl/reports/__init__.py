"""Reports: pure functions from records to tables (SPEC §3).

1. `base` — `Period`, `Figure` (a rate defined once: numerator, denominator, exclusions),
   `Section` and `Report`, and `percent()` (one decimal, `n/a` when the denominator is zero).
2. One module per report (`kpi`, `sla`, `callbacks`, `complaints`, `satisfaction`,
   `workload`, `handover`, `violations`, `archive`, `resolution`, `records`, and the desks'
   `frontdesk` and `decoration`, made of their kinds' declarations in `desk`); each has
   `build(data, period, as_of, lang) -> Report` and a `HELP` text listing its figures, shown
   by `wuyectl report NAME --help`.
3. `REPORTS` maps names to modules. Records come in through `OfficeData`, which reads them
   through the store's cached read path, never by walking files.
"""
from __future__ import annotations

import importlib

NAMES = ("kpi", "sla", "callbacks", "complaints", "satisfaction", "workload", "handover", "violations", "archive",
         "resolution", "records", "frontdesk", "decoration", "assessment", "visits")
# One line each for `wuyectl report --help`; the full formulas are loaded only for a report's own --help.
SUMMARY = {
    "kpi": "Service KPIs: received, dispatch on time, completion, callback, satisfaction, breaches.",
    "sla": "Time limits per stage, and the tickets breaching one now.",
    "callbacks": "The monthly repair callback statistics (维修回访统计表).",
    "complaints": "Complaints by severity, channel, department and outcome.",
    "satisfaction": "A survey campaign's analysis (客户意见征询分析报告).",
    "workload": "Per department and per person: assigned, resolved, breaches, satisfaction.",
    "handover": "The day's duty log and handover sheet (值班日志/工作交接表).",
    "violations": "Open violations by category and step, deadlines passed, retention.",
    "archive": "The archive list, loans out and overdue, items due for destruction review.",
    "resolution": "Time to resolve per category: median, 90th percentile, within 24 h / 72 h.",
    "records": "Every kind of record at a glance: total, opened in the period, open, overdue, by state.",
    "frontdesk": "The front desk's logbooks: visitors, parcels, lending, lost and found, passes, duty log.",
    "decoration": "Decoration applications: by state, approvals, inspections, violations, acceptance, deposits.",
    "assessment": "The monthly staff assessment: per person the seed's four figures, a grade, service stars, training.",
    "visits": "Home visits (走访) by person, and a finding for a month without the director on one.",
}


def module(name: str):
    return importlib.import_module(f"wuyectl.reports.{name if name != 'archive' else 'archive_list'}")


def build(office, name: str, period, as_of, lang: str, **options):
    """`wuyectl report NAME` of one office: (the Report, how many records with unreadable times
    it left out). It reads the tickets alive in the period, and every open ticket too where
    the report lists them (NEEDS_OPEN); the handover sheet is a day's (`day`, default today):
    the tickets alive that day and the open ones. The one way a report is made, for the
    command, the dashboard and the company view alike."""
    from .base import OfficeData, Period

    mod = module(name)
    if name == "handover":
        from ..timeutil import parse_date

        day = parse_date(options["day"], what="--date") if options.get("day") else office.now().date()
        data = OfficeData(office, Period(day, day, office.tz))
        period = None
    else:
        data = OfficeData(office, period, with_open=getattr(mod, "NEEDS_OPEN", False))
    return mod.build(data, period, as_of, lang, **options), data.left_out
