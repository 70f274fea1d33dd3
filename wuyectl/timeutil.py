"""Time in the office: "now" (overridable with WUYECTL_NOW), parsing `--at`, ISO output.

Every stored time is ISO 8601 with the office's offset, to the second:
`2026-11-22T09:14:00+08:00`.
"""
from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import BadValue

_LOCAL_FORMS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


@lru_cache(maxsize=16)
def zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadValue(f"unknown timezone '{name}'") from None


def parse_time(text: str, tz: tzinfo, *, what: str = "time", forms: tuple[str, ...] = _LOCAL_FORMS) -> datetime:
    """An aware datetime from ISO 8601 with offset, or a local time in `tz` written in one of
    `forms` (default `YYYY-MM-DD[ HH:MM[:SS]]`)."""
    raw = str(text).strip()
    if not raw or len(raw) > 40:
        raise BadValue(f"cannot read {what} '{text}': use 2026-11-22T09:14:00+08:00 or '2026-11-22 09:14'")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raw += " 00:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
        for form in forms:
            try:
                value = datetime.strptime(raw, form)
                break
            except ValueError:
                continue
    if value is None:
        raise BadValue(f"cannot read {what} '{text}': use 2026-11-22T09:14:00+08:00 or '2026-11-22 09:14'")
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(tz).replace(microsecond=0)


def parse_date(text: str, *, what: str = "date") -> date:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise BadValue(f"cannot read {what} '{text}': use YYYY-MM-DD") from None


def now(tz: tzinfo) -> datetime:
    """The current time in the office, or WUYECTL_NOW when set (tests, what-if reports)."""
    fixed = os.environ.get("WUYECTL_NOW")
    if fixed:
        return parse_time(fixed, tz, what="WUYECTL_NOW")
    return datetime.now(tz).replace(microsecond=0)


def iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def read_iso(text: str, tz: tzinfo | None = None) -> datetime:
    """A stored timestamp (already validated as ISO 8601)."""
    value = datetime.fromisoformat(str(text))
    if value.tzinfo is None and tz is not None:
        value = value.replace(tzinfo=tz)
    return value


def end_of_next_day(value: datetime) -> datetime:
    """23:59:59 of the day after `value`, in value's zone (repairs' callback deadline)."""
    nxt = (value + timedelta(days=1)).date()
    return datetime(nxt.year, nxt.month, nxt.day, 23, 59, 59, tzinfo=value.tzinfo)


def short(value: str | None) -> str:
    """'2026-11-22 09:14' for tables."""
    if not value:
        return ""
    return str(value)[:16].replace("T", " ")
