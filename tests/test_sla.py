"""SLA clocks (SPEC §2.1 table): computed from the timeline and "now", never stored.

A worked example, checked at several moments with WUYECTL_NOW.  Events are recorded with
`--at` (the business time); a clock only sees events up to "now", so one timeline answers
"what did the clocks say at 09:10, at 09:30, …".

Repair, maintenance (李明):      Help, cleaning (陈洁):
  09:00 received                    09:00 received
  09:03 assigned   (dispatch 5 min) 09:02 assigned
  09:20 contact    (10 min: late)   09:40 contact  (30 min for others: late by 8 min)
  09:45 arrive     (30 min)         10:00 resolve
  11:00 resolve    (2 h)
"""
from __future__ import annotations

import json

import pytest

from conftest import UNIT

DAY = "2026-11-22"
LATE = "2026-11-25T09:00:00+08:00"   # "now" while building: every --at is in its past


def t(hhmm: str, day: str = DAY) -> str:
    return f"{day}T{hhmm}:00+08:00"


@pytest.fixture
def repair(cli, monkeypatch):
    monkeypatch.setenv("WUYECTL_NOW", LATE)
    tid = cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT,
              "--description", "厨房水管爆裂", "-o", "ids", "--as", "王芳", "--at", f"{DAY} 09:00").out.strip()
    steps = [
        ("assign", tid, "--to", "李明", "--at", f"{DAY} 09:03", "--as", "王芳"),
        ("update", tid, "--action", "contact", "--at", f"{DAY} 09:20", "--as", "李明"),
        ("update", tid, "--action", "arrive", "--at", f"{DAY} 09:45", "--as", "李明"),
        ("update", tid, "--action", "resolve", "--set", "result=更换水管", "--set", "signed_by=张三",
         "--at", f"{DAY} 11:00", "--as", "李明"),
    ]
    for step in steps:
        result = cli(*step)
        assert result.code == 0, result.err
    monkeypatch.setenv("WUYECTL_NOW", t("09:14"))
    return tid


def clocks(cli, tid, now) -> list[tuple]:
    result = cli("show", tid, "-o", "json", env={"WUYECTL_NOW": now})
    assert result.code == 0, result.err
    rows = json.loads(result.out)["sla"]
    for row in rows:
        assert {"stage", "due_at", "done_at", "state"} <= set(row)
    return [(r["stage"], r["due_at"], r["done_at"], r["state"]) for r in rows]


def test_received_only_dispatch_is_due(cli, repair):
    assert clocks(cli, repair, t("09:02")) == [("dispatch", t("09:05"), None, "due")]


def test_assigned_maintenance_contact_is_due_within_10_minutes(cli, repair):
    assert clocks(cli, repair, t("09:10")) == [
        ("dispatch", t("09:05"), t("09:03"), "met"),
        ("contact", t("09:13"), None, "due"),
        ("arrive", None, None, "pending"),
        ("progress", "2026-11-23T09:00:00+08:00", None, "due"),
    ]


def test_contact_breached_while_still_running(cli, repair):
    rows = clocks(cli, repair, t("09:16"))
    assert rows[1] == ("contact", t("09:13"), None, "breached")


def test_contact_breached_when_done_late_arrive_due(cli, repair):
    rows = clocks(cli, repair, t("09:30"))
    assert rows[:3] == [
        ("dispatch", t("09:05"), t("09:03"), "met"),
        ("contact", t("09:13"), t("09:20"), "breached"),
        ("arrive", t("09:50"), None, "due"),
    ]


def test_on_site_resolve_due_two_hours_later(cli, repair):
    rows = clocks(cli, repair, t("10:00"))
    assert rows[2:4] == [("arrive", t("09:50"), t("09:45"), "met"), ("resolve", t("11:45"), None, "due")]


def test_after_resolve_report_back_notify_and_callback(cli, repair):
    rows = {r[0]: r for r in clocks(cli, repair, t("12:30"))}
    assert rows["resolve"] == ("resolve", t("11:45"), t("11:00"), "met")
    assert rows["report_back"] == ("report_back", t("11:30"), None, "breached")
    assert rows["notify"] == ("notify", t("12:00"), None, "breached")
    # repairs: the callback is due by the end of the next day
    assert rows["callback"] == ("callback", "2026-11-23T23:59:59+08:00", None, "due")
    assert rows["progress"][3] == "met"
    assert list(rows) == ["dispatch", "contact", "arrive", "resolve", "progress", "report_back", "notify", "callback"]


def test_callback_breached_after_midnight_of_the_next_day(cli, repair):
    assert clocks(cli, repair, "2026-11-23T23:59:59+08:00")[-1][3] == "due"
    assert clocks(cli, repair, "2026-11-24T00:00:00+08:00")[-1] == \
        ("callback", "2026-11-23T23:59:59+08:00", None, "breached")


def test_met_callback_stops_the_clocks(cli, repair, monkeypatch):
    monkeypatch.setenv("WUYECTL_NOW", LATE)
    assert cli("update", repair, "--action", "report_back", "--at", f"{DAY} 11:20", "--as", "李明").code == 0
    assert cli("update", repair, "--action", "notify", "--at", f"{DAY} 11:50", "--as", "王芳").code == 0
    assert cli("callback", repair, "--rating", "satisfied", "--at", "2026-11-23 16:00", "--as", "王芳").code == 0
    rows = {r[0]: r for r in clocks(cli, repair, LATE)}
    assert rows["report_back"] == ("report_back", t("11:30"), t("11:20"), "met")
    assert rows["notify"] == ("notify", t("12:00"), t("11:50"), "met")
    assert rows["callback"] == ("callback", "2026-11-23T23:59:59+08:00", "2026-11-23T16:00:00+08:00", "met")
    assert all(r[3] in ("met", "breached") for r in rows.values())


def test_other_departments_contact_30_minutes_callback_48_hours(cli, monkeypatch):
    monkeypatch.setenv("WUYECTL_NOW", LATE)
    tid = cli("open", "ticket", "--channel", "phone", "--category", "help", "--unit", UNIT,
              "--description", "楼道有垃圾", "-o", "ids", "--as", "王芳", "--at", f"{DAY} 09:00").out.strip()
    assert cli("assign", tid, "--to", "陈洁", "--at", f"{DAY} 09:02", "--as", "王芳").code == 0
    assert clocks(cli, tid, t("09:31"))[1] == ("contact", t("09:32"), None, "due")
    assert clocks(cli, tid, t("09:33"))[1] == ("contact", t("09:32"), None, "breached")
    assert cli("update", tid, "--action", "contact", "--at", f"{DAY} 09:40", "--as", "陈洁").code == 0
    assert cli("update", tid, "--action", "resolve", "--set", "result=已清理", "--at", f"{DAY} 10:00",
               "--as", "陈洁").code == 0
    rows = {r[0]: r for r in clocks(cli, tid, t("10:30"))}
    assert rows["contact"] == ("contact", t("09:32"), t("09:40"), "breached")
    # cleaning: on site within 30 minutes of the dispatch (seed 001); the resolution on site is
    # the latest it can have been there
    assert rows["arrive"] == ("arrive", t("09:32"), t("10:00"), "breached")
    assert "resolve" not in rows                                   # the 2 h repair clock is for repairs
    assert rows["report_back"] == ("report_back", t("11:00"), None, "due")   # cleaning: 1 h
    assert rows["notify"] == ("notify", t("11:00"), None, "due")
    assert rows["callback"] == ("callback", "2026-11-24T10:00:00+08:00", None, "due")   # 48 h


def test_appointment_starts_the_arrive_clock(cli, monkeypatch):
    monkeypatch.setenv("WUYECTL_NOW", LATE)
    tid = cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT,
              "--description", "空调不制冷", "-o", "ids", "--as", "王芳", "--at", f"{DAY} 09:00").out.strip()
    cli("assign", tid, "--to", "李明", "--at", f"{DAY} 09:01", "--as", "王芳")
    result = cli("update", tid, "--action", "contact", "--set", "appointment_at=2026-11-22 14:00",
                 "--at", f"{DAY} 09:05", "--as", "李明")
    assert result.code == 0, result.err
    rows = {r[0]: r for r in clocks(cli, tid, t("14:10"))}
    assert rows["contact"] == ("contact", t("09:11"), t("09:05"), "met")
    assert rows["arrive"] == ("arrive", t("14:30"), None, "due")


def test_get_overdue_lists_tickets_breaching_now(run, cli, monkeypatch):
    monkeypatch.setenv("WUYECTL_NOW", t("09:14"))
    late = cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT,
               "--description", "停电", "-o", "ids", "--as", "王芳", "--at", f"{DAY} 09:00").out.strip()
    fresh = cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT,
                "--description", "门铃坏", "-o", "ids", "--as", "王芳").out.strip()
    cancelled = cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT,
                    "--description", "重复", "-o", "ids", "--as", "王芳", "--at", f"{DAY} 08:00").out.strip()
    cli("update", cancelled, "--action", "cancel", "--note", "重复登记", "--as", "王芳")

    result = run("get", "tickets", "--overdue", "-o", "ids")
    assert (result.code, result.out, result.err) == (0, f"{late}\n", "")
    # "now" is overridable: at 09:20 the fresh one (received 09:14) breaches its dispatch too
    later = run("get", "tickets", "--overdue", "-o", "ids", env={"WUYECTL_NOW": t("09:20")})
    assert later.out == f"{fresh}\n{late}\n"        # newest first
    # before either deadline nothing is overdue
    early = cli("get", "tickets", "--overdue", "-o", "ids", env={"WUYECTL_NOW": t("09:04")})
    assert (early.code, early.out) == (0, "")


def test_show_table_has_the_clocks(cli, repair):
    out = cli("show", repair, "--lang", "en", env={"WUYECTL_NOW": t("12:30")}).out
    assert "SLA clocks:" in out
    lines = out.splitlines()
    row = next(line for line in lines if line.startswith("report back"))
    assert row.split()[-1] == "breached"
    assert "2026-11-22 11:30" in row
