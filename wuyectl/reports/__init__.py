"""Reports: pure functions from records to tables (SPEC §3).

1. `base` — `Period`, `Figure` (a rate defined once: numerator, denominator, exclusions),
   `Section` and `Report`, and `percent()` (one decimal, `n/a` when the denominator is zero).
2. One module per report (`kpi`, `sla`, `callbacks`, `complaints`, `satisfaction`,
   `workload`, `handover`, `violations`, `archive`); each has `build(data, period, as_of,
   lang) -> Report` and a `HELP` text listing its figures, shown by `wuyectl report NAME --help`.
3. `REPORTS` maps names to modules. Records come in through `OfficeData`, which reads them
   through the store's cached read path, never by walking files.
"""
from __future__ import annotations

import importlib

NAMES = ("kpi", "sla", "callbacks", "complaints", "satisfaction", "workload", "handover", "violations", "archive")


def module(name: str):
    return importlib.import_module(f"wuyectl.reports.{name if name != 'archive' else 'archive_list'}")
