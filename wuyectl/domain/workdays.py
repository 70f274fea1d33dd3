"""Working time (工作时间): the office's hours on its working days, for the clocks that policy puts
on working time instead of calendar time (SPEC §2.1; wuye.yaml `policy.working_time`).

1. A day is a working day by, in order: the office's own overrides (`policy.calendar.holidays`,
   `policy.calendar.workdays` — for a year the package does not know yet, or a local change);
   China's official calendar from the `chinesecalendar` package (public holidays off, the
   make-up working days of 调休 on, even on a Saturday or Sunday); for a year neither knows,
   plain weekends (Monday to Friday on) — such a year is *unknown*, and `show` and the reports
   say so (`unknown_years`), so nobody mistakes a guess for the official calendar.
2. On a working day the office is open in its hours (`policy.calendar.hours`, default
   08:30–12:00 and 13:30–17:30), in the wall-clock time of the times it is given (the office
   records every time in its own zone).
3. `WorkCalendar.add(start, minutes)` is the deadline N working minutes after `start` (a start
   outside the hours counts from the next opening); `minutes_between(a, b)` counts the working
   minutes between two times. The two agree: minutes_between(s, add(s, n)) == n.

Why chinesecalendar (LKI/chinese-calendar) and not holidays.China: both know 2026 (National
Day 10-01…10-07, make-up days 2026-09-20 and 2026-10-10). chinesecalendar is data only, no
dependencies, released each year once the State Council publishes the next year's
arrangement, and answers `is_workday` with the make-up days already in; for a year it does not
know it raises NotImplementedError. holidays (well kept too, many countries) keeps make-up days
apart (`weekend_workdays`) and for an unannounced year computes the holidays from rules with no
make-up days, silently: a guess that looks official. Here an unknown year is named instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Iterable, Mapping

DEFAULT_HOURS = ("08:30-12:00", "13:30-17:30")
HOURS_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
# A deadline beyond this many days without one working minute means the calendar has no open
# hours at all (every day overridden as a holiday): stop rather than loop.
MAX_DAYS = 3660


def package_version() -> str:
    """The official calendar's data version (part of what a kept summary depends on)."""
    try:
        import chinese_calendar
    except ImportError:   # pragma: no cover - a declared dependency
        return "none"
    return str(getattr(chinese_calendar, "__version__", "?"))


@lru_cache(maxsize=None)
def official(day: date) -> bool | None:
    """Whether `day` is a working day by China's official calendar (holidays and 调休), or None
    when the package does not know its year."""
    try:
        import chinese_calendar
    except ImportError:   # pragma: no cover - a declared dependency
        return None
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:   # "no available data for year …": a year not announced yet
        return None


@lru_cache(maxsize=None)
def official_years() -> tuple[int, int] | None:
    """The first and last year the package knows."""
    try:
        import chinese_calendar
    except ImportError:   # pragma: no cover
        return None
    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return (min(years), max(years)) if years else None


def read_date(value) -> date:
    """A date as written in wuye.yaml (`2027-01-01`); ValueError if it is not one."""
    if isinstance(value, datetime):
        raise ValueError(value)
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise ValueError(text)
    return date.fromisoformat(text)


def read_hours(value) -> tuple[int, int]:
    """`08:30-12:00` as minutes from midnight (510, 720); ValueError if it is not such a span
    with its end after its start."""
    text = str(value).strip()
    if not re.fullmatch(HOURS_PATTERN, text):
        raise ValueError(text)
    start, end = ((int(h) * 60 + int(m)) for h, m in (part.split(":") for part in text.split("-")))
    if end <= start:
        raise ValueError(text)
    return start, end


@dataclass(frozen=True)
class WorkCalendar:
    """The office's working time. `hours`: (open, close) in minutes from midnight, in order and
    not overlapping; `holidays`/`workdays`: the office's overrides, sorted (a stable repr: the
    report cache keys on it); `version`: the official calendar's data it was made with."""

    hours: tuple[tuple[int, int], ...] = tuple(read_hours(h) for h in DEFAULT_HOURS)
    holidays: tuple[date, ...] = ()
    workdays: tuple[date, ...] = ()
    version: str = ""

    @classmethod
    def from_policy(cls, section: Mapping | None, strict: bool = True, official_data: bool = True) -> "WorkCalendar":
        """From wuye.yaml `policy.calendar` (its form checked by the config schema; a value that
        is still not a date or a span raises ValueError). `strict`: hours that overlap and a day
        both a holiday and a workday raise ValueError too (`policy set` refuses them); otherwise
        (a hand edit, which `validate` reports: `calendar_problems`) the hours are joined and
        such a day is a workday. `official_data`: note the package's version (importing it, ~60 ms:
        only when a stage runs on working time)."""
        section = section or {}
        spans: list[tuple[int, int]] = []
        for start, end in sorted(read_hours(h) for h in (section.get("hours") or DEFAULT_HOURS)):
            if spans and start < spans[-1][1]:
                if strict:
                    raise ValueError(f"{start}<{spans[-1][1]}")
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
        holidays = {read_date(d) for d in section.get("holidays") or ()}
        workdays = {read_date(d) for d in section.get("workdays") or ()}
        if holidays & workdays and strict:
            raise ValueError(min(holidays & workdays).isoformat())
        return cls(tuple(spans), tuple(sorted(holidays - workdays)), tuple(sorted(workdays)),
                   package_version() if official_data else "")

    # -- days -----------------------------------------------------------------------------
    def is_workday(self, day: date) -> bool:
        return _is_workday(self.holidays, self.workdays, day)

    def known_year(self, year: int) -> bool:
        """Whether the holidays of `year` are known: the package knows it, or the office's
        overrides name a day of it (they are taken as that year's whole arrangement)."""
        if official(date(year, 6, 1)) is not None:
            return True
        return any(d.year == year for d in self.holidays + self.workdays)

    def unknown_years(self, start: datetime, end: datetime) -> list[int]:
        """The years from `start` to `end` whose holidays are guessed (plain weekends)."""
        return [y for y in range(start.year, end.year + 1) if not self.known_year(y)]

    # -- time -----------------------------------------------------------------------------
    def _spans(self, day: date, tz) -> list[tuple[datetime, datetime]]:
        if not self.is_workday(day):
            return []
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
        return [(midnight + timedelta(minutes=a), midnight + timedelta(minutes=b)) for a, b in self.hours]

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` of working time after `start` (a start outside the hours counts
        from the next opening; 0 minutes: `start` itself). A deadline that falls on the close
        of a span is that close, not the next opening."""
        left = timedelta(minutes=minutes)
        if left <= timedelta(0):
            return start
        day = start.date()
        for _ in range(MAX_DAYS):
            for opens, closes in self._spans(day, start.tzinfo):
                if closes <= start:
                    continue
                begin = max(opens, start)
                if left <= closes - begin:
                    return begin + left
                left -= closes - begin
            day += timedelta(days=1)
        raise ValueError("no working hours in the calendar")

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """The working minutes from `start` to `end` (0 when `end` is not after `start`)."""
        if end <= start:
            return 0.0
        total = timedelta(0)
        day = start.date()
        while day <= end.date():
            for opens, closes in self._spans(day, start.tzinfo):
                lo, hi = max(opens, start), min(closes, end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 60

    def end_of_next_workday(self, value: datetime) -> datetime:
        """23:59:59 of the first working day after `value`'s day (a repair's callback on working
        time: by the end of the next working day)."""
        day = value.date() + timedelta(days=1)
        for _ in range(MAX_DAYS):
            if self.is_workday(day):
                return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=value.tzinfo)
            day += timedelta(days=1)
        raise ValueError("no working day in the calendar")

    def hours_text(self, lang: str = "en") -> str:
        return ("、" if lang == "zh" else ", ").join(f"{a // 60:02d}:{a % 60:02d}–{b // 60:02d}:{b % 60:02d}" for a, b in self.hours)


@lru_cache(maxsize=4096)
def _is_workday(holidays: tuple, workdays: tuple, day: date) -> bool:
    if day in workdays:
        return True
    if day in holidays:
        return False
    known = official(day)
    if known is not None:
        return known
    return day.weekday() < 5


def stages_text(stages: Iterable[str], lang: str) -> str:
    from . import codes

    return ("、" if lang == "zh" else ", ").join(codes.label("stage", s, lang) for s in stages)


def working_note(stages: Iterable[str], calendar: WorkCalendar, lang: str) -> str:
    """The line under a report's table naming the stages whose clocks ran on working time."""
    if lang == "zh":
        return (f"按工作时间计时的环节：{stages_text(stages, lang)}（办公时间 {calendar.hours_text(lang)}，"
                "跳过夜间、周末和法定节假日，调休上班日照常计时）")
    return (f"Stages on working time: {stages_text(stages, lang)} (office hours {calendar.hours_text()}; "
            "nights, weekends and public holidays skipped, make-up working days counted)")


def unknown_note(years: Iterable[int], lang: str) -> str:
    """The warning for years whose holidays the calendar does not know (counted as plain weekends)."""
    shown = ("、" if lang == "zh" else ", ").join(str(y) for y in sorted(set(years)))
    if lang == "zh":
        return (f"注意：工作日历不知道 {shown} 年的节假日和调休，按普通周末计算"
                "（在 wuye.yaml 的 policy.calendar.holidays / workdays 中补上）")
    return (f"Note: the working calendar does not know the holidays of {shown}: counted as plain weekends "
            "(add them to policy.calendar.holidays / workdays in wuye.yaml)")


def calendar_problems(policy: Mapping | None) -> list[tuple[tuple, str]]:
    """What `validate` reports of wuye.yaml's `policy.calendar` beyond its schema: office hours
    that overlap the hours before them, a day listed both as a holiday and as a workday."""
    from ..i18n import _

    section = (policy or {}).get("calendar") if isinstance(policy, Mapping) else None
    if not isinstance(section, Mapping):
        return []
    out = []
    hours = section.get("hours") or []
    try:
        spans = sorted((read_hours(h), i) for i, h in enumerate(hours))
    except ValueError:
        spans = []   # (the schema's to report)
    for ((_a, end), _i), ((start, _b), i) in zip(spans, spans[1:]):
        if start < end:
            out.append((("policy", "calendar", "hours", i), _("policy.calendar.hours.{index}: '{hours}' overlaps "
                                                              "other office hours").format(index=i, hours=hours[i])))
    try:
        holidays = {read_date(d) for d in section.get("holidays") or ()}
    except ValueError:
        holidays = set()
    for i, value in enumerate(section.get("workdays") or ()):
        try:
            day = read_date(value)
        except ValueError:
            continue
        if day in holidays:
            out.append((("policy", "calendar", "workdays", i), _("policy.calendar.workdays.{index}: {day} is also "
                                                                 "a holiday (policy.calendar.holidays)").format(
                index=i, day=day.isoformat())))
    return out
