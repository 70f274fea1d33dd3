"""Time in the office: "now" (overridable with WUYECTL_NOW), the real clock, parsing `--at`,
ISO output.

`now()` is the office's "now": WUYECTL_NOW when set, for reports as of another moment and as
the event time of a write. `real_now()` is the computer's clock, never overridden: commit
dates, and the limits on how far an event time may lie in the past or the future, are taken
from it, so WUYECTL_NOW cannot move the record of when something was written.

Every stored time is ISO 8601 with the office's offset, to the second:
`2026-11-22T09:14:00+08:00`.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import BadValue
from .i18n import N_, _

LOCAL_FORMS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


@lru_cache(maxsize=16)
def zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadValue(_("unknown timezone '{name}'").format(name=name)) from None


def parse_time(text: str, tz: tzinfo, *, what: str = N_("time"), forms: tuple[str, ...] = LOCAL_FORMS) -> datetime:
    """An aware datetime from ISO 8601 with offset, or a local time in `tz` written in one of
    `forms` (default `YYYY-MM-DD[ HH:MM[:SS]]`)."""
    raw = str(text).strip()
    if not raw or len(raw) > 40:
        raise BadValue(_("cannot read {what} '{text}': use 2026-11-22T09:14:00+08:00 or '2026-11-22 09:14'").format(
            what=_(what), text=text))
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
        raise BadValue(_("cannot read {what} '{text}': use 2026-11-22T09:14:00+08:00 or '2026-11-22 09:14'").format(
            what=_(what), text=text))
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(tz).replace(microsecond=0)


def parse_date(text: str, *, what: str = N_("date")) -> date:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise BadValue(_("cannot read {what} '{text}': use YYYY-MM-DD").format(what=_(what), text=text)) from None


def now(tz: tzinfo) -> datetime:
    """The current time in the office, or WUYECTL_NOW when set (tests, what-if reports)."""
    fixed = os.environ.get("WUYECTL_NOW")
    if fixed:
        return parse_time(fixed, tz, what="WUYECTL_NOW")
    return real_now(tz)


def real_now(tz: tzinfo) -> datetime:
    """The computer's clock in `tz`, whatever WUYECTL_NOW says."""
    return datetime.now(tz).replace(microsecond=0)


def iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def read_iso(text: str, tz: tzinfo | None = None) -> datetime:
    """A stored timestamp (already validated as ISO 8601)."""
    value = datetime.fromisoformat(str(text))
    if value.tzinfo is None and tz is not None:
        value = value.replace(tzinfo=tz)
    return value


def as_of_text(when: datetime) -> str:
    """An as-of time as reports print it: 2026-11-25 09:00+08:00."""
    return when.isoformat(timespec="minutes").replace("T", " ")


def readable(text) -> bool:
    """Whether `read_iso` reads it (a check judging a hand-edited record does not assume it)."""
    try:
        read_iso(str(text))
    except (TypeError, ValueError):
        return False
    return True


def end_of_next_day(value: datetime) -> datetime:
    """23:59:59 of the day after `value`, in value's zone (repairs' callback deadline)."""
    nxt = (value + timedelta(days=1)).date()
    return datetime(nxt.year, nxt.month, nxt.day, 23, 59, 59, tzinfo=value.tzinfo)


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    from dateutil.relativedelta import relativedelta

    return day + relativedelta(years=years)


# Numbers in a row with a four-digit year at one end: year/month/day, or month/day/year.
_YMD = re.compile(r"(?<!\d)(\d{4})[-/.\s](\d{1,2})[-/.\s](\d{1,2})(?!\d)")
_MDY = re.compile(r"(?<!\d)(\d{1,2})[-/.\s](\d{1,2})[-/.\s](\d{4})(?!\d)")
# Two fixed defaults that differ in year, month and day: a part the text does not write comes
# out different under the two, which is how a partial date ('Nov 2026', 'Monday') is refused.
_LOOSE_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))


def parse_loose(text: str) -> datetime:
    """A date, or a date and time, in one of the many forms spreadsheets hold, read by
    dateutil.parser: '22 Nov 2026', 'Nov 22, 2026 3:05 PM', '2026-11-22 00:00:00', '11/22/2026'.

    Stricter than dateutil alone, so that a slip is refused instead of guessed:
    - year, month and day must all be written (a time left out is midnight);
    - the year in four digits ('11/22/26' and '261122' are refused);
    - numbers in a row are year/month/day or month/day/year, month first and never swapped:
      '03/04/2026' is 4 March, '22/11/2026' is refused (dateutil would read it day-first);
    - a zone only as an offset or UTC/Z ('+08:00', 'Z'); a name such as 'PST' is refused.
    Naive unless the text has an offset. ValueError when the text is not such a date."""
    from dateutil import parser

    raw = str(text).strip()
    if not raw or len(raw) > 64:
        raise ValueError(_("not a date: '{text}'").format(text=text))

    def offset_only(name, offset):
        if offset is not None:                # a written offset; UTC, GMT and Z give 0
            return timezone(timedelta(seconds=offset))
        if name:
            raise ValueError(_("time zone '{name}' (write an offset such as +08:00)").format(name=name))
        return None

    try:
        first, second = (parser.parse(raw, default=default, dayfirst=False, yearfirst=False, tzinfos=offset_only)
                         for default in _LOOSE_DEFAULTS)
    except (ValueError, OverflowError, TypeError):   # dateutil's ParserError is a ValueError
        raise ValueError(_("not a date: '{text}'").format(text=text)) from None
    ymd = (first.year, first.month, first.day)
    if (second.year, second.month, second.day) != ymd:
        raise ValueError(_("not a whole date (year, month and day): '{text}'").format(text=text))
    if not re.search(rf"(?<!\d){first.year:04d}(?:\d{{4}})?(?!\d)", raw):
        raise ValueError(_("write the year in four digits: '{text}'").format(text=text))
    rows = [(int(m[1]), int(m[2]), int(m[3])) for m in _YMD.finditer(raw)]
    rows += [(int(m[3]), int(m[1]), int(m[2])) for m in _MDY.finditer(raw)]
    if any(row != ymd for row in rows):
        raise ValueError(_("month first, then day: '{text}'").format(text=text))
    return first


# The zone times are shown in: the office's, set for the length of a command by whoever opened
# the office (the CLI does, in `cli.options.office`), or given to `short` directly.
_SHOWN_IN: ContextVar[tzinfo | None] = ContextVar("wuyectl_shown_in", default=None)


@contextmanager
def shown_in(tz: tzinfo | None) -> Iterator[None]:
    """Show every time in `tz` (the office's timezone) until the block ends."""
    token = _SHOWN_IN.set(tz)
    try:
        yield
    finally:
        _SHOWN_IN.reset(token)


def moment(value, tz: tzinfo | None = None) -> datetime | None:
    """A stored time as an aware datetime in the office's timezone (`tz`, else the zone set by
    `shown_in`, else the time's own offset); None for no time or text that is not one."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        when = value
    else:
        text = str(value).strip()
        if len(text) <= 10:   # a date ('2026-10-31') is a day, not a moment
            return None
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            return None
    zone_ = tz or _SHOWN_IN.get()
    if when.tzinfo is None:
        return when.replace(tzinfo=zone_) if zone_ else when
    return when.astimezone(zone_) if zone_ else when


def clock(seconds: float) -> str:
    """'09:14:03': a moment given as seconds since the epoch (a lock's record), on the office's
    clock when a command has opened it (`shown_in`), else this computer's."""
    return datetime.fromtimestamp(seconds, _SHOWN_IN.get()).strftime("%H:%M:%S")   # (no zone: this computer's)


def short(value, tz: tzinfo | None = None) -> str:
    """'2026-11-22 09:14' for people: the instant in the office's timezone (see `moment`), so an
    event stored as 01:39+00:00 shows 09:39 in Shanghai. Text that is not a time is shown as is."""
    when = moment(value, tz)
    if when is None:
        return "" if value in (None, "") else str(value)
    return when.strftime("%Y-%m-%d %H:%M")
