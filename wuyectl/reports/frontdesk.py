"""frontdesk — the front desk's logbooks in a month (前台登记月报)."""
from __future__ import annotations

from .desk import desk_module

TITLE = ("前台登记月报", "Front desk logbooks")
INTRO = """The front desk's books in the period, one section of figures per
logbook (visitors, mail and parcels, lending, lost and found, release passes, the duty log),
then its detail tables. A record is counted in the period by the time of the event counted
(arrived, received, collected, lent, returned, found, …); "overdue" is judged at the as-of
time by each logbook's own rule and the office's policy."""


build, __getattr__ = desk_module("frontdesk", TITLE, INTRO)
