"""The working calendar (issue 15 §5): clocks on working time, per stage, by policy.

A stage on working time counts its limit in office hours (08:30–12:00, 13:30–17:30 by default)
on working days: China's official calendar (package chinesecalendar) — the 2026 National Day
week 10-01…10-07 off, the make-up working days Sun 2026-09-20 and Sat 2026-10-10 on — and the
office's overrides in wuye.yaml for a year the package does not know (2027 here).

The worked ticket (a repair, 李明): received Wed 2026-09-30 15:50, assigned 15:52, the owner
called 15:55, on site 16:00; resolve limit 8 h (480 min). On working time: 1.5 h on 09-30
(16:00–17:30), nothing 10-01…10-07, 6.5 h on Thu 10-08 (08:30–12:00, 13:30–16:30): due
2026-10-08 16:30. On calendar time: 2026-10-01 00:00, as before.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from conftest import DIRECTOR, UNIT

from wuyectl.domain.workdays import WorkCalendar

TZ = timezone(timedelta(hours=8))
LATE = {"WUYECTL_NOW": "2026-11-22T09:14:00+08:00"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def ok(result):
    assert result.code == 0, result.err
    return result.out


def policy(cli, key, value):
    ok(cli("policy", "set", key, value, "--as", DIRECTOR))


def repair(cli, day: str, arrive: str, *, received="15:50") -> str:
    """A repair received on `day` at `received`, on site at `arrive` (HH:MM or a full time)."""
    start = at(f"{day}T{received}")
    tid = ok(cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT,
                 "--description", "卫生间漏水", "-o", "ids", "--as", "王芳", "--at", f"{day} {received}",
                 env=LATE)).strip()
    ok(cli("assign", tid, "--to", "李明", "--as", "王芳", "--at", (start + timedelta(minutes=2)).strftime("%Y-%m-%d %H:%M"),
           env=LATE))
    ok(cli("update", tid, "--action", "contact", "--as", "李明",
           "--at", (start + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M"), env=LATE))
    when = arrive if " " in arrive else f"{day} {arrive}"
    ok(cli("update", tid, "--action", "arrive", "--as", "李明", "--at", when, env=LATE))
    return tid


def year_end_repair(office, git) -> str:
    """The same repair on Thu 2026-12-31 (on site 16:00), written by hand and committed: the
    CLI records no event ahead of this computer's clock, and the test must not depend on it."""
    tid = "T-20261231-A001"
    day = "2026-12-31"
    path = office / "tickets" / "2026-12" / f"{tid}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"""id: {tid}
status: in_progress
channel: phone
category: repair
urgency: normal
unit: {UNIT}
description: 卫生间漏水
department: maintenance
assignee: 李明
escalation_level: 0
received_at: {day}T15:50:00+08:00
timeline:
  - at: {day}T15:50:00+08:00
    by: 王芳
    action: receive
  - at: {day}T15:52:00+08:00
    by: 王芳
    action: assign
    to: 李明
    department: maintenance
  - at: {day}T15:55:00+08:00
    by: 李明
    action: contact
  - at: {day}T16:00:00+08:00
    by: 李明
    action: arrive
""", encoding="utf-8")
    git("add", str(path))
    git("commit", "-q", "-m", f"{tid} on paper, entered by hand")
    return tid


def clock(cli, tid, stage, now="2026-10-05T10:00:00+08:00") -> dict:
    rows = json.loads(ok(cli("show", tid, "-o", "json", env={"WUYECTL_NOW": now})))["sla"]
    return next(r for r in rows if r["stage"] == stage)


@pytest.fixture
def working(cli):
    policy(cli, "sla_minutes.resolve", "480")
    policy(cli, "working_time", "[resolve]")
    return cli


# -- the clock arithmetic ----------------------------------------------------------------------
CAL = WorkCalendar.from_policy({})


def test_national_day_week_is_skipped():
    assert CAL.add(at("2026-09-30T16:00"), 480) == at("2026-10-08T16:30")
    assert CAL.add(at("2026-09-30T16:00"), 90) == at("2026-09-30T17:30")   # the close, not the next opening
    assert CAL.add(at("2026-09-30T16:00"), 91) == at("2026-10-08T08:31")


def test_make_up_working_days_count():
    assert CAL.is_workday(date(2026, 9, 20)) and CAL.is_workday(date(2026, 10, 10))   # Sun, Sat (调休)
    assert not CAL.is_workday(date(2026, 10, 11)) and not CAL.is_workday(date(2026, 10, 7))
    # Fri 10-09 16:00 + 8 h: 1.5 h on Friday, 6.5 h on the make-up Saturday
    assert CAL.add(at("2026-10-09T16:00"), 480) == at("2026-10-10T16:30")
    # Fri 09-18 16:00 + 8 h: Sat 09-19 off, Sun 09-20 a working day
    assert CAL.add(at("2026-09-18T16:00"), 480) == at("2026-09-20T16:30")


def test_a_start_outside_the_hours_counts_from_the_next_opening():
    assert CAL.add(at("2026-11-20T19:00"), 30) == at("2026-11-23T09:00")   # Fri evening → Monday
    assert CAL.add(at("2026-11-23T12:10"), 30) == at("2026-11-23T14:00")   # over lunch
    assert CAL.add(at("2026-11-23T03:00"), 0) == at("2026-11-23T03:00")


def test_the_office_hours_come_from_policy():
    early = WorkCalendar.from_policy({"hours": ["09:00-18:00"]})
    assert early.add(at("2026-11-23T17:00"), 120) == at("2026-11-24T10:00")
    with pytest.raises(ValueError):
        WorkCalendar.from_policy({"hours": ["08:00-12:00", "11:00-17:00"]})   # overlapping


def test_a_year_the_package_does_not_know_counts_plain_weekends_unless_overridden():
    assert not CAL.known_year(2027) and CAL.known_year(2026)
    assert CAL.is_workday(date(2027, 1, 1))          # a Friday: not known to be a holiday
    assert CAL.unknown_years(at("2026-12-31T16:00"), at("2027-01-04T09:00")) == [2027]
    known = WorkCalendar.from_policy({"holidays": ["2027-01-01"], "workdays": ["2027-01-02"]})
    assert known.known_year(2027) and not known.is_workday(date(2027, 1, 1)) and known.is_workday(date(2027, 1, 2))
    # Thu 2026-12-31 16:00 + 8 h: 1.5 h, New Year's Day off, 6.5 h on the Saturday made a workday
    assert known.add(at("2026-12-31T16:00"), 480) == at("2027-01-02T16:30")


starts = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(lambda d: d.replace(tzinfo=TZ))
minutes = st.integers(min_value=0, max_value=6 * 24 * 60)


@settings(max_examples=300, deadline=None)
@given(starts, minutes)
def test_working_minutes_between_start_and_deadline_are_the_limit(start, n):
    due = CAL.add(start, n)
    assert abs(CAL.minutes_between(start, due) - n) < 1e-6
    assert due >= start + timedelta(minutes=n)     # never earlier than on calendar time
    if n:   # and not a moment later than needed: one minute before, one minute short
        assert CAL.minutes_between(start, due - timedelta(minutes=1)) < n


@settings(max_examples=200, deadline=None)
@given(starts, st.integers(min_value=0, max_value=3 * 24 * 60), minutes, minutes)
def test_the_deadline_is_monotone_in_start_and_minutes(start, later, n, m):
    assert CAL.add(start, n) <= CAL.add(start + timedelta(minutes=later), n)
    assert CAL.add(start, min(n, m)) <= CAL.add(start, max(n, m))


@settings(max_examples=200, deadline=None)
@given(starts, st.integers(min_value=1, max_value=3000))
def test_a_start_outside_hours_counts_from_the_next_opening(start, n):
    opening = CAL.add(start, 0.0001)   # (the first working moment at or after start)
    assert CAL.add(start, n) == CAL.add(opening - timedelta(minutes=0.0001), n)


# -- the clocks of a ticket --------------------------------------------------------------------
def test_calendar_time_is_the_default_and_unchanged(cli):
    policy(cli, "sla_minutes.resolve", "480")
    row = clock(cli, repair(cli, "2026-09-30", "16:00"), "resolve")
    assert (row["started_at"], row["due_at"], row["state"], row["time"]) == (
        "2026-09-30T16:00:00+08:00", "2026-10-01T00:00:00+08:00", "breached", "calendar")


def test_a_resolve_limit_on_working_time_skips_the_national_day_week(working):
    tid = repair(working, "2026-09-30", "16:00")
    row = clock(working, tid, "resolve")
    assert (row["due_at"], row["state"], row["time"]) == ("2026-10-08T16:30:00+08:00", "due", "working")
    assert "unknown_years" not in row
    assert clock(working, tid, "resolve", now="2026-10-08T16:31:00+08:00")["state"] == "breached"
    # the other stages stay on calendar time
    contact = clock(working, tid, "contact")
    assert (contact["due_at"], contact["time"]) == ("2026-09-30T16:02:00+08:00", "calendar")


def test_a_make_up_saturday_counts(working):
    row = clock(working, repair(working, "2026-10-09", "16:00"), "resolve", now="2026-10-10T09:00:00+08:00")
    assert row["due_at"] == "2026-10-10T16:30:00+08:00"


def test_a_make_up_sunday_counts(working):
    row = clock(working, repair(working, "2026-09-18", "16:00"), "resolve", now="2026-09-19T09:00:00+08:00")
    assert row["due_at"] == "2026-09-20T16:30:00+08:00"


def test_a_2027_override(working, office, git):
    tid = year_end_repair(office, git)
    plain = clock(working, tid, "resolve", now="2027-01-01T09:00:00+08:00")
    # 2027 unknown to the package: plain weekends (Fri 01-01 a working day), and said so
    assert (plain["due_at"], plain["unknown_years"]) == ("2027-01-01T16:30:00+08:00", [2027])
    policy(working, "calendar.holidays", "[2027-01-01]")
    policy(working, "calendar.workdays", "[2027-01-02]")
    row = clock(working, tid, "resolve", now="2027-01-01T09:00:00+08:00")
    assert row["due_at"] == "2027-01-02T16:30:00+08:00" and "unknown_years" not in row


@pytest.mark.parametrize("key, value, line", [
    ("calendar.holidays", "[2027-02-30]",
     "policy.calendar.holidays.0: '2027-02-30' 不是形如 2026-11-22 的日期"),
    ("calendar.workdays", "[2027-1-2]",
     "policy.calendar.workdays.0: '2027-1-2' 不是形如 2026-11-22 的日期"),
    ("calendar.holidays", "[tomorrow]",
     "policy.calendar.holidays.0: 'tomorrow' 不是形如 2026-11-22 的日期"),
    ("calendar.hours", "[17:30-08:30]",
     "policy.calendar.hours.0: '17:30-08:30' 不是办公时间，应形如 08:30-12:00"),
])
def test_a_bad_override_is_refused(cli, refused, key, value, line):
    code, err = refused("policy", "set", key, value, "--as", DIRECTOR)
    assert (code, err) == (3, f"wuyectl: {line}\n")   # a bad value (Exit.BAD_VALUE), nothing written


def test_overlapping_hours_and_a_day_both_off_and_on_are_refused(cli, refused):
    code, err = refused("policy", "set", "calendar.hours", "[08:00-12:00, 11:00-17:00]", "--as", DIRECTOR)
    assert (code, err) == (3, "wuyectl: 政策 calendar：办公时间有重叠，或某天既是节假日又是工作日"
                              "（['08:00-12:00', '11:00-17:00']）\n")
    policy(cli, "calendar.holidays", "[2027-01-01]")
    code, err = refused("policy", "set", "calendar.workdays", "[2027-01-01]", "--as", DIRECTOR)
    assert code == 3, err
    code, err = refused("policy", "set", "working_time", "[resolve, lunch]", "--as", DIRECTOR)
    assert code == 3 and err.startswith("wuyectl: policy.working_time.1: 'lunch' "), err


def hand_edit(office, lines: str) -> None:
    path = office / "wuye.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.endswith("policy:\n  backdate_limit_days: 36500\n")
    path.write_text(text + lines, encoding="utf-8")


def test_validate_flags_a_hand_edited_override_that_is_not_a_date(cli, office):
    hand_edit(office, "  calendar:\n    holidays: [2027-01-01, 2027-13-01]\n")
    result = cli("validate")
    assert (result.code, result.out, result.err) == (7, "", "wuye.yaml:31:28: policy.calendar.holidays.1: '2027-13-01' 不是形如 2026-11-22 的日期\n")


def test_validate_flags_overlapping_hours_and_a_day_both_off_and_on(cli, office):
    hand_edit(office, "  working_time: [resolve]\n  calendar:\n    hours: [08:00-12:00, 11:00-13:00]\n"
                      "    holidays: [2027-01-01]\n    workdays: [2027-01-04, 2027-01-01]\n")
    result = cli("validate")
    assert result.code == 7, result
    assert "wuye.yaml:32:26: policy.calendar.hours.1：'11:00-13:00' 与其他办公时间重叠" in result.out
    assert "wuye.yaml:34:28: policy.calendar.workdays.1：2027-01-01 同时也是节假日（policy.calendar.holidays）" \
        in result.out
    # meanwhile the clocks read the hours joined (08:00–13:00) and the day as a workday
    from wuyectl.domain.sla import Policy

    calendar = Policy.from_config({"calendar": {"hours": ["08:00-12:00", "11:00-13:00"], "holidays": ["2027-01-01"],
                                                "workdays": ["2027-01-01"]}}).calendar
    assert calendar.hours == ((480, 780),) and calendar.is_workday(date(2027, 1, 1))


# -- what people read ---------------------------------------------------------------------------
def test_show_marks_the_clocks_on_working_time(working):
    tid = repair(working, "2026-09-30", "16:00")
    text = ok(working("show", tid, env={"WUYECTL_NOW": "2026-10-05T10:00:00+08:00"}))
    assert "完成（工作时间）" in text
    line = next(line for line in text.splitlines() if "完成（工作时间）" in line)
    assert "2026-10-08 16:30" in line
    english = ok(working("show", tid, "--lang", "en", env={"WUYECTL_NOW": "2026-10-05T10:00:00+08:00"}))
    assert "resolve (working time)" in english


def test_show_warns_of_an_unknown_year(working, office, git):
    tid = year_end_repair(office, git)
    text = ok(working("show", tid, env={"WUYECTL_NOW": "2027-01-01T09:00:00+08:00"}))
    assert ("注意：工作日历不知道 2027 年的节假日和调休，按普通周末计算"
            "（在 wuye.yaml 的 policy.calendar.holidays / workdays 中补上）\n") in text


def test_report_sla_names_the_stages_on_working_time(working):
    repair(working, "2026-09-30", "16:00")
    env = {"WUYECTL_NOW": "2026-10-05T10:00:00+08:00"}
    text = ok(working("report", "sla", "--month", "2026-09", env=env))
    assert text.endswith("\n按工作时间计时的环节：完成（办公时间 08:30–12:00、13:30–17:30，"
                         "跳过夜间、周末和法定节假日，调休上班日照常计时）\n")
    data = json.loads(ok(working("report", "sla", "--month", "2026-09", "-o", "json", env=env)))
    assert data["calendar"] == {"working_time": ["resolve"], "hours": ["08:30-12:00", "13:30-17:30"],
                                "unknown_years": []}
    kpi = ok(working("report", "kpi", "--month", "2026-09", "--lang", "en", env=env))
    assert kpi.endswith("\nStages on working time: resolve (office hours 08:30–12:00, 13:30–17:30; nights, "
                        "weekends and public holidays skipped, make-up working days counted)\n")


def test_reports_on_calendar_time_say_nothing_new(cli):
    env = {"WUYECTL_NOW": "2026-10-05T10:00:00+08:00"}
    data = json.loads(ok(cli("report", "sla", "--month", "2026-09", "-o", "json", env=env)))
    assert "calendar" not in data
    assert "工作时间" not in ok(cli("report", "kpi", "--month", "2026-09", env=env))


def test_a_change_of_calendar_policy_changes_the_listing_and_the_kept_summaries(working):
    tid = repair(working, "2026-09-30", "16:00")
    env = {"WUYECTL_NOW": "2026-10-05T10:00:00+08:00"}

    def listed():
        rows = json.loads(ok(working("get", "tickets", "-o", "json", env=env)))   # (computed by the listing)
        return next(c["due_at"] for r in rows if r["id"] == tid for c in r["sla"] if c["stage"] == "resolve")

    def breaches():
        data = json.loads(ok(working("report", "kpi", "--month", "2026-09", "-o", "json", env=env)))
        return {r["key"]: r["count"] for r in data["sections"]["breaches"]["rows"]}["resolve"]

    assert (listed(), breaches()) == ("2026-10-08T16:30:00+08:00", 0)
    policy(working, "calendar.hours", "[08:00-18:00]")   # 2 h on 09-30, 6 h on 10-08: 14:00
    assert listed() == "2026-10-08T14:00:00+08:00"
    policy(working, "calendar.holidays", "[2026-10-08]")   # the office closes one more day
    assert listed() == "2026-10-09T14:00:00+08:00"
    policy(working, "working_time", "[]")                 # back to calendar time
    assert (listed(), breaches()) == ("2026-10-01T00:00:00+08:00", 1)


def test_kept_report_summaries_are_not_read_under_another_calendar(working):
    """A finished ticket's KPI summary is kept by the index (its clocks no longer change); the
    key it is kept under holds the policy, calendar included, so a change is never answered
    from a summary made under the old one."""
    tid = repair(working, "2026-09-30", "16:00")
    ok(working("update", tid, "--action", "resolve", "--set", "result=换密封圈", "--set", "signed_by=张三",
               "--as", "李明", "--at", "2026-10-08 16:00", env=LATE))

    def breaches():
        data = json.loads(ok(working("report", "kpi", "--month", "2026-09", "-o", "json", env=LATE)))
        return {r["key"]: r["count"] for r in data["sections"]["breaches"]["rows"]}["resolve"]

    assert breaches() == breaches() == 0           # the second from the kept summary
    policy(working, "calendar.holidays", "[2026-10-08]")
    assert breaches() == 0                          # due 10-09 now: still in time
    policy(working, "calendar.hours", "[08:30-09:00]")
    assert breaches() == 0                          # half an hour a day: due in November
    policy(working, "working_time", "[]")
    assert breaches() == 1                          # calendar time: due 10-01 00:00, resolved 10-08


def test_the_policy_key_of_kept_summaries_holds_the_calendar():
    from wuyectl.domain.sla import Policy
    from wuyectl.reports.base import rules_key

    plain = Policy.from_config({"working_time": ["resolve"]})
    other = Policy.from_config({"working_time": ["resolve"], "calendar": {"holidays": ["2027-01-01"]}})
    assert rules_key((), plain) != rules_key((), other)
    assert rules_key((), plain) == rules_key((), Policy.from_config({"working_time": ["resolve"]}))
    assert "version=" in repr(plain.calendar)   # the official calendar's data version too
