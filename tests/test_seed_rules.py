"""Rules of the office manuals (seeds) enforced by the workflow (issue 11): each stated once, in
a kind's workflow table or the policy, applied by the one engine — so `audit`, which replays
every step through the same engine, agrees with the command that took it.

- a paid repair is not resolved while the owner refuses the price (seed 001 二.2);
- a rectification deadline is not before the step that sets it;
- ID-card numbers: 15 digits, or 18 with the GB 11643 check digit; IDs and units take ASCII
  digits only;
- who may escalate a complaint to which level: the policy (`escalate_max_level`), from the
  seeds: the desk reports to the supervisor (1), the supervisor to the director (2), the
  director to the company (3);
- clocks: cleaning/greenery on site within 30 min of dispatch (seed 001 四.4); urgent tickets'
  own limits; a callback not before 24 h after the resolution (repairs: the next day) — one
  made earlier is recorded, and its clock breached; `get --due-within`;
- an archive item lent outside the office needs the director's approval (seed 003 24.3.1);
- a survey item left blank is not rated.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import DIRECTOR, UNIT
from helpers_kinds import ARCHIVIST, rows, unit_list, write_csv

EN = ("--lang", "en")
DAY = "2026-11-22"


def at(hhmm: str, day: str = DAY) -> dict:
    return {"WUYECTL_NOW": f"{day}T{hhmm}:00+08:00"}


def ok(result):
    assert result.code == 0, result.err
    return result.out.strip()


def show(cli, rid, env=None) -> dict:
    return json.loads(ok(cli("show", rid, "-o", "json", "--as", DIRECTOR, env=env)))


def ticket(cli, category="repair", *extra, env=None) -> str:
    return ok(cli("open", "ticket", "--channel", "phone", "--category", category, "--unit", UNIT,
                  "--description", "卫生间漏水", "-o", "ids", "--as", "王芳", *extra, env=env))


def audit_is_clean(run):
    result = run("audit", *EN)
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith("no findings in ")


# -- 1. a paid repair the owner refused the price of ------------------------------------------
def test_a_paid_repair_is_not_resolved_while_the_owner_refuses_the_price(cli, run, office, repo_state):
    tid = ticket(cli, "paid_repair")
    ok(cli("assign", tid, "--to", "李明", "--as", "王芳"))
    ok(cli("update", tid, "--action", "contact", "--set", "fee=120", "--set", "fee_consent=false", "--as", "李明"))
    before = repo_state()
    done = ("update", tid, "--action", "resolve", "--set", "result=更换水龙头", "--set", "signed_by=张三",
            "--as", "李明", *EN)
    refused = run(*done)
    assert (refused.code, refused.out, refused.err) == (
        5, "", f"wuyectl: {tid}: a paid repair cannot be resolved while the owner refuses the price (fee_consent "
               "is false); record the owner's consent first (--set fee_consent=true)\n")
    # nor by consenting "no" in the resolving step itself
    same_step = run(*done[:-2], "--set", "fee_consent=no", *EN)
    assert (same_step.code, same_step.err) == (5, refused.err)
    assert repo_state() == before
    # once the owner agrees to the price, the repair is resolved
    ok(cli("update", tid, "--action", "progress", "--set", "fee_consent=true", "--note", "业主同意报价", "--as", "李明"))
    ok(run(*done))
    assert show(cli, tid)["status"] == "resolved"
    audit_is_clean(run)
    # a file that says otherwise (written by hand) is invalid
    path = office / f"tickets/2026-11/{tid}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("fee_consent: true", "fee_consent: false"),
                    encoding="utf-8")
    checked = run("validate", f"tickets/2026-11/{tid}.yaml", "-o", "json")
    assert checked.code == 7
    assert [(p["code"], p["message"]) for p in json.loads(checked.out)["problems"]] == [
        ("W-fee-consent", "a resolved paid repair needs the owner's consent to the price (fee_consent is false)")]


# -- 2. a rectification deadline in the past ---------------------------------------------------
def test_a_rectify_deadline_before_the_step_is_refused(cli, run, repo_state):
    wid = ok(cli("open", "violation", "--category", "装修", "--unit", UNIT, "--description", "擅自封闭阳台",
                 "-o", "ids", "--as", "王芳"))
    ok(cli("escalate", wid, "--reason", "上门劝导", "--as", "王芳"))
    before = repo_state()
    past = run("escalate", wid, "--reason", "限期整改", "--deadline", "2026-11-21", "--as", "赵强", *EN)
    assert (past.code, past.out, past.err) == (
        5, "", f"wuyectl: {wid}: the deadline 2026-11-21 is before the step itself (2026-11-22): a rectification "
               "deadline is today or later\n")
    assert repo_state() == before
    # today is a deadline (the end of today)
    ok(cli("escalate", wid, "--reason", "限期整改", "--deadline", "2026-11-22", "--as", "赵强"))
    assert show(cli, wid)["measures"][-1]["deadline"] == "2026-11-22"
    audit_is_clean(run)


# -- 3. ID-card numbers and ASCII digits -------------------------------------------------------
@pytest.mark.parametrize("number, problem", [
    ("110105194912310021", "its check digit is wrong (GB 11643)"),
    ("1101051949123100", "15 digits, or 18 with the check digit (0-9 or X) last"),        # 16 digits
    ("1101051", "15 digits, or 18 with the check digit (0-9 or X) last"),                 # 7: was accepted
    ("11010519491231002Y", "15 digits, or 18 with the check digit (0-9 or X) last"),
    ("１１０１０５１９４９１２３１００２X", "15 digits, or 18 with the check digit (0-9 or X) last"),  # full width
    ("11010519491231002\U0001d7ce", "15 digits, or 18 with the check digit (0-9 or X) last"),   # 𝟎
])
def test_an_id_card_number_is_15_digits_or_18_with_its_check_digit(cli, number, problem, repo_state):
    before = repo_state()
    result = cli("open", "owner", "--unit", "3-2-1202", "--name", "李四", "--id-card", number, "--as", "王芳", *EN)
    assert (result.code, result.out, result.err) == (3, "", f"wuyectl: --id-card: not an ID-card number: {problem}\n")
    assert number not in result.err
    assert repo_state() == before


def test_valid_id_card_numbers_are_kept_with_a_capital_x(cli):
    ok(cli("open", "owner", "--unit", "3-2-1202", "--name", "李四", "--id-card", " 11010519491231002x ", "--as", "王芳"))
    ok(cli("open", "owner", "--unit", "3-2-1203", "--name", "王五", "--id-card", "110105491231002", "--as", "王芳"))
    assert show(cli, "3-2-1202")["owners"][0]["id_card"] == "1101**********002X"
    revealed = json.loads(ok(cli("show", "3-2-1203", "-o", "json", "--reveal", "--as", DIRECTOR)))
    assert revealed["owners"][0]["id_card"] == "110105491231002"


@pytest.mark.lang("en")
def test_the_check_digit_of_gb_11643():
    from wuyectl.domain.privacy import id_card_check_digit, id_card_problem

    # the standard's own example; weighted sums with the remainders 0, 1, 2 and 10 (mod 11)
    assert id_card_check_digit("11010519491231002") == "X"
    assert [id_card_check_digit(n) for n in ("44030419800101004", "44030419800101018", "44030419800101005",
                                             "44030419800101009")] == ["1", "0", "X", "2"]
    assert id_card_problem("440304198001010041") is None
    assert id_card_problem("440304198001010040") == "not an ID-card number: its check digit is wrong (GB 11643)"
    assert id_card_problem(11010519491231002) is not None     # a number, not text


def test_a_hand_written_id_card_number_is_checked_and_never_repeated(cli, write):
    write("owners/3/3-2-1205.yaml", """
        id: 3-2-1205
        owners:
        - name: 李四
          id_card: '110105194912310021'
        members:
        - name: 李小四
          id_card: '3301061990050'
        created_at: 2026-11-22T09:14:00+08:00
        """)
    checked = cli("validate", "owners/3/3-2-1205.yaml", *EN)
    assert checked.code == 7
    assert checked.out == (
        "owners/3/3-2-1205.yaml:4:3: owners.0.id_card: not an ID-card number: its check digit is wrong (GB 11643)\n"
        "owners/3/3-2-1205.yaml:7:3: members.0.id_card: not an ID-card number: 15 digits, or 18 with the check "
        "digit (0-9 or X) last\n")


@pytest.mark.parametrize("unit", ["3-2-12\U0001d7ce1", "3-2-12０1", "３-2-1201", "3-2-12٠1"])
def test_units_and_ids_take_ascii_digits_only(cli, unit, repo_state):
    before = repo_state()
    opened = cli("open", "owner", "--unit", unit, "--name", "李四", "--as", "王芳", *EN)
    assert (opened.code, opened.err) == (3, f"wuyectl: '{unit}' is not a owner ID\n")
    asked = cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", unit,
                "--description", "漏水", "--as", "王芳", *EN)
    assert (asked.code, asked.err) == (3, f"wuyectl: '{unit}' is not a owner ID\n")
    shown = cli("show", "T-20261122-A\U0001d7ce01", *EN)
    assert shown.code == 3
    assert repo_state() == before


def test_a_hand_written_unit_with_other_digits_fails_its_schema(cli, write):
    write("tickets/2026-11/T-20261122-A001.yaml", """
        id: T-20261122-A001
        status: received
        channel: phone
        category: repair
        urgency: normal
        unit: 3-2-12\U0001d7ce1
        description: 漏水
        escalation_level: 0
        received_at: 2026-11-22T09:14:00+08:00
        timeline:
        - at: 2026-11-22T09:14:00+08:00
          by: 王芳
          action: receive
        """)
    checked = cli("validate", "tickets/2026-11/T-20261122-A001.yaml", *EN)
    assert checked.code == 7
    assert checked.out.splitlines()[0] == \
        "tickets/2026-11/T-20261122-A001.yaml:6:1: unit: '3-2-12\U0001d7ce1' does not have the expected form"


@pytest.mark.lang("en")
def test_a_pattern_ends_at_the_end_of_the_text():
    """A final `$` in JSON Schema (ECMA-262) is the end of the text; Python's re also matches it
    before a final line break: the validators read it as the schema means it."""
    from wuyectl.store import schema

    ticket = {"id": "T-20261122-A001", "status": "received", "channel": "phone", "category": "repair",
              "urgency": "normal", "unit": "3-2-1201", "description": "漏水", "escalation_level": 0,
              "received_at": "2026-11-22T09:14:00+08:00",
              "timeline": [{"at": "2026-11-22T09:14:00+08:00", "by": "王芳", "action": "receive"}]}
    assert schema.problems(ticket, "ticket") == schema.explained(ticket, "ticket") == []
    broken = dict(ticket, unit="3-2-1201\n", received_at="2026-11-22T09:14:00+08:00\n")
    for check in (schema.problems, schema.explained):     # the compiled validator first, jsonschema alone
        assert check(broken, "ticket") == [
            (("received_at",), "received_at: '2026-11-22T09:14:00+08:00\\n' is not a time like 2026-11-22T09:14:00+08:00"),
            (("unit",), "unit: '3-2-1201\\n' does not have the expected form")]


def test_no_schema_pattern_takes_other_digits():
    """JSON Schema's \\d means 0-9 (ECMA-262) but Python's re, which validates here, takes any
    Unicode digit: the schemas spell digits [0-9]. Every pattern refuses a full-width and a
    mathematical digit where it takes an ASCII one."""
    root = Path(__file__).resolve().parent.parent / "schemas"
    patterns = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                patterns.append(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(root.glob("*.schema.json")):
        text = path.read_text(encoding="utf-8")
        assert "\\\\d" not in text, path.name
        walk(json.loads(text))
    assert len(patterns) > 20
    samples = {"^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "2026-11-22", "^[0-9]{4}H[12]$": "2026H2"}
    for pattern in patterns:
        if pattern in samples:
            good = samples[pattern]
            assert re.search(pattern, good)
            for other in ("２", "\U0001d7ce"):
                assert not re.search(pattern, good.replace("2", other, 1)), pattern


# -- 4. who escalates to which level: the policy -----------------------------------------------
def test_escalation_levels_by_role_come_from_the_policy(cli, run, repo_state):
    tid = ticket(cli, "complaint")                       # a complaint opens at level 1 (supervisor)
    before = repo_state()
    clerk = run("escalate", tid, "--to", "3", "--reason", "业主要求公司处理", "--as", "王芳", *EN)
    assert (clerk.code, clerk.out, clerk.err) == (
        6, "", f"wuyectl: {tid}: 王芳 (clerk) may not escalate to level 3 (company): a clerk escalates up to level 1 "
               "(policy escalate_max_level); level 3 needs director\n")
    # one level up from 1 is 2, the director's level: still beyond the desk
    up = run("escalate", tid, "--reason", "业主不满", "--as", "王芳", *EN)
    assert (up.code, up.err) == (
        6, f"wuyectl: {tid}: 王芳 (clerk) may not escalate to level 2 (director): a clerk escalates up to level 1 "
           "(policy escalate_max_level); level 2 needs director or supervisor\n")
    supervisor = run("escalate", tid, "--to", "3", "--reason", "业主要求公司处理", "--as", "赵强", *EN)
    assert (supervisor.code, supervisor.err) == (
        6, f"wuyectl: {tid}: 赵强 (supervisor) may not escalate to level 3 (company): a supervisor escalates up to "
           "level 2 (policy escalate_max_level); level 3 needs director\n")
    assert repo_state() == before
    ok(cli("escalate", tid, "--reason", "重大投诉，报管理处主任", "--as", "赵强"))
    ok(cli("escalate", tid, "--reason", "报公司品质部", "--as", DIRECTOR))
    assert show(cli, tid)["escalation_level"] == 3
    # the director lets the desk take a ticket to the director itself
    other = ticket(cli)
    assert run("escalate", other, "--to", "2", "--reason", "超时", "--as", "王芳").code == 6
    ok(cli("policy", "set", "escalate_max_level.clerk", "2", "--as", DIRECTOR))
    ok(cli("escalate", other, "--to", "2", "--reason", "超时未修", "--as", "王芳"))
    assert show(cli, other)["escalation_level"] == 2
    # the audit replays each escalation with the policy of its moment
    audit_is_clean(run)


def test_an_escalation_written_by_hand_beyond_the_role_is_an_audit_finding(cli, office):
    """The audit replays the step through the same engine: a clerk's level 3, forged into the
    file and committed in the tool's words, is the same refusal, as A-role."""
    from test_audit_replay import dump, forge, load, rows_of, trailers

    tid = ticket(cli, "complaint")
    rel = f"tickets/2026-11/{tid}.yaml"
    data = load(office, rel)
    data["escalation_level"] = 3
    data["timeline"].append({"at": f"{DAY}T09:14:00+08:00", "by": "王芳", "action": "escalate",
                             "note": "业主要求公司处理", "level": 3})
    dump(office, rel, data)
    commit = forge(office, f"{tid} escalate → 3\n\n" + trailers("escalate", tid, "clerk"), who="王芳")
    found = [(r["code"], r["message"]) for r in rows_of(cli, *EN) if r["commit"] == commit]
    assert found == [("A-role", f"{tid}: 王芳 (clerk) may not escalate to level 3 (company): a clerk escalates up "
                                "to level 1 (policy escalate_max_level); level 3 needs director")]


# -- 5. clocks --------------------------------------------------------------------------------
def clocks(cli, tid, now: dict) -> dict:
    return {(r["stage"]): (r["due_at"], r["done_at"], r["state"]) for r in show(cli, tid, env=now)["sla"]}


def t(hhmm: str, day: str = DAY) -> str:
    return f"{day}T{hhmm}:00+08:00"


def test_cleaning_and_greenery_are_on_site_within_30_minutes_of_dispatch(cli):
    late = at("18:00")
    tid = ok(cli("open", "ticket", "--channel", "phone", "--category", "help", "--unit", UNIT, "--description",
                 "楼道有呕吐物", "-o", "ids", "--as", "王芳", "--at", f"{DAY} 09:00", env=late))
    ok(cli("assign", tid, "--to", "陈洁", "--at", f"{DAY} 09:02", "--as", "王芳", env=late))
    assert clocks(cli, tid, at("09:31"))["arrive"] == (t("09:32"), None, "due")
    assert clocks(cli, tid, at("09:33"))["arrive"] == (t("09:32"), None, "breached")
    ok(cli("update", tid, "--action", "contact", "--at", f"{DAY} 09:05", "--as", "陈洁", env=late))
    ok(cli("update", tid, "--action", "arrive", "--at", f"{DAY} 09:20", "--as", "陈洁", env=late))
    assert clocks(cli, tid, at("09:33"))["arrive"] == (t("09:32"), t("09:20"), "met")
    # the limit is the policy's
    ok(cli("policy", "set", "sla_minutes.arrive_cleaning", "15", "--as", DIRECTOR))
    assert clocks(cli, tid, at("09:33"))["arrive"] == (t("09:17"), t("09:20"), "breached")


def test_urgent_tickets_have_their_own_limits(cli):
    late = at("18:00")
    normal = ok(cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT,
                    "--description", "水龙头滴水", "-o", "ids", "--as", "王芳", "--at", f"{DAY} 09:00", env=late))
    urgent = ok(cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT, "--urgency",
                    "紧急", "--description", "水管爆裂", "-o", "ids", "--as", "王芳", "--at", f"{DAY} 09:00", env=late))
    assert clocks(cli, normal, at("09:00"))["dispatch"] == (t("09:05"), None, "due")
    assert clocks(cli, urgent, at("09:00"))["dispatch"] == (t("09:01"), None, "due")    # 立即: 1 min
    for tid in (normal, urgent):
        ok(cli("assign", tid, "--to", "李明", "--at", f"{DAY} 09:01", "--as", "王芳", env=late))
        ok(cli("update", tid, "--action", "contact", "--at", f"{DAY} 09:03", "--as", "李明", env=late))
    assert clocks(cli, normal, at("09:10"))["arrive"] == (t("09:33"), None, "due")
    assert clocks(cli, urgent, at("09:10"))["arrive"] == (t("09:04"), None, "breached")   # 应急: 1 min
    # the contact limit is not an urgent one: unchanged
    assert clocks(cli, urgent, at("09:10"))["contact"] == (t("09:11"), t("09:03"), "met")
    ok(cli("policy", "set", "sla_minutes_urgent.arrive", "20", "--as", DIRECTOR))
    assert clocks(cli, urgent, at("09:10"))["arrive"] == (t("09:23"), None, "due")


def test_an_urgent_security_ticket_is_on_site_within_a_minute(cli):
    ok(cli("staff", "add", "张勇", "--role", "security", "--dept", "security", "--as", DIRECTOR))
    late = at("18:00")
    tid = ok(cli("open", "ticket", "--channel", "phone", "--category", "help", "--unit", UNIT, "--urgency", "urgent",
                 "--description", "家中老人摔倒", "-o", "ids", "--as", "王芳", "--at", f"{DAY} 09:00", env=late))
    calm = ok(cli("open", "ticket", "--channel", "phone", "--category", "help", "--unit", UNIT,
                  "--description", "车辆被剐蹭，调取监控", "-o", "ids", "--as", "王芳", "--at", f"{DAY} 09:00", env=late))
    for each in (tid, calm):
        ok(cli("assign", each, "--to", "张勇", "--at", f"{DAY} 09:01", "--as", "王芳", env=late))
    ok(cli("update", tid, "--action", "arrive", "--at", f"{DAY} 09:02", "--as", "张勇", env=late))
    assert clocks(cli, tid, at("09:30"))["arrive"] == (t("09:02"), t("09:02"), "met")
    assert "arrive" not in clocks(cli, calm, at("09:30"))       # no arrival time for the rest of security


def resolved_help(cli, resolved="10:00") -> str:
    late = at("18:00")
    tid = ok(cli("open", "ticket", "--channel", "phone", "--category", "help", "--unit", UNIT,
                 "--description", "帮忙搬桶装水", "-o", "ids", "--as", "王芳", "--at", f"{DAY} 09:00", env=late))
    ok(cli("assign", tid, "--to", "陈洁", "--at", f"{DAY} 09:02", "--as", "王芳", env=late))
    ok(cli("update", tid, "--action", "resolve", "--set", "result=已搬上楼", "--at", f"{DAY} {resolved}",
           "--as", "陈洁", env=late))
    return tid


def callback_clock(cli, tid, now: dict) -> dict:
    rows = [r for r in show(cli, tid, env=now)["sla"] if r["stage"] == "callback"]
    return {k: rows[-1].get(k) for k in ("not_before", "due_at", "done_at", "state")}


def test_a_callback_before_24_hours_is_recorded_and_breaches_its_clock(cli, run):
    """Seed 001: callbacks 24-48 h after the resolution. One made earlier still happened (the
    owner was called, the ticket closes), so it is recorded; its clock says it was too early."""
    early = resolved_help(cli)
    assert callback_clock(cli, early, at("12:00")) == {
        "not_before": t("10:00", "2026-11-23"), "due_at": t("10:00", "2026-11-24"), "done_at": None, "state": "due"}
    ok(run("callback", early, "--rating", "满意", "--as", "王芳", env=at("09:59", "2026-11-23")))
    assert show(cli, early, env=at("12:00", "2026-11-23"))["status"] == "closed"
    assert callback_clock(cli, early, at("12:00", "2026-11-23")) == {
        "not_before": t("10:00", "2026-11-23"), "due_at": t("10:00", "2026-11-24"),
        "done_at": t("09:59", "2026-11-23"), "state": "breached"}
    on_time = resolved_help(cli)
    ok(run("callback", on_time, "--rating", "满意", "--as", "王芳", env=at("10:00", "2026-11-23")))
    assert callback_clock(cli, on_time, at("12:00", "2026-11-23"))["state"] == "met"
    # the sla report counts the early one with the breaches
    report = json.loads(ok(cli("report", "sla", "--month", "2026-11", "-o", "json", *EN,
                               env=at("12:00", "2026-11-23"))))
    callback = rows(report, "stages")["callback"]
    assert (callback["met"], callback["breached"]) == (1, 1)
    audit_is_clean(run)


def test_a_repair_is_called_back_the_next_day(cli, run):
    tid = ticket(cli, env=at("16:00"))
    ok(cli("assign", tid, "--to", "李明", "--as", "王芳", env=at("16:01")))
    ok(cli("update", tid, "--action", "resolve", "--set", "result=换阀门", "--set", "signed_by=张三",
           "--as", "李明", env=at("17:00")))
    assert callback_clock(cli, tid, at("17:00")) == {
        "not_before": t("00:00", "2026-11-23"), "due_at": "2026-11-23T23:59:59+08:00", "done_at": None,
        "state": "due"}
    ok(cli("callback", tid, "--rating", "满意", "--as", "王芳", env=at("00:00", "2026-11-23")))
    assert callback_clock(cli, tid, at("12:00", "2026-11-23"))["state"] == "met"


def test_the_callback_bound_is_the_policy_s(cli):
    ok(cli("policy", "set", "callback_not_before_hours", "2", "--as", DIRECTOR))
    tid = resolved_help(cli)
    assert callback_clock(cli, tid, at("10:00"))["not_before"] == t("12:00")
    ok(cli("policy", "set", "callback_not_before_hours", "0", "--as", DIRECTOR))   # no bound
    ok(cli("callback", tid, "--rating", "满意", "--as", "王芳", env=at("10:30")))
    assert callback_clock(cli, tid, at("11:00")) == {
        "not_before": None, "due_at": t("10:00", "2026-11-24"), "done_at": t("10:30"), "state": "met"}


def test_get_due_within_lists_open_records_due_soon(cli, run, archivist_and_items):
    late = at("18:00")
    # received 09:00, dispatch due 09:05; assigned 09:02, contact (maintenance) due 09:12
    waiting = ok(cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT,
                     "--description", "门铃坏", "-o", "ids", "--as", "王芳", "--at", f"{DAY} 09:00", env=late))
    assigned = ok(cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT,
                      "--description", "灯不亮", "-o", "ids", "--as", "王芳", "--at", f"{DAY} 09:00", env=late))
    ok(cli("assign", assigned, "--to", "李明", "--at", f"{DAY} 09:02", "--as", "王芳", env=late))

    def due(kind, window, now):
        result = run("get", kind, "--due-within", window, "-o", "ids", env=now)
        assert result.code == 0, result.err
        return result.out.split()

    assert due("tickets", "3m", at("09:01")) == []
    # (newest first: both were received at 09:00, the later number first)
    assert due("tickets", "4m", at("09:01")) == [assigned, waiting]        # 09:05 is within 4 minutes
    assert due("tickets", "30m", at("09:04")) == [assigned, waiting]
    # past its limit is overdue, not due soon
    assert due("tickets", "30m", at("09:06")) == [assigned]
    # a day ahead: the assigned one's progress clock (the owner hears from us within 24 h); the
    # one never dispatched has only its breached dispatch clock
    assert due("tickets", "1d", at("09:13")) == [assigned]
    # a rectify deadline runs to the end of its day; a loan to its due time
    wid = ok(cli("open", "violation", "--category", "装修", "--unit", UNIT, "--description", "擅自封闭阳台",
                 "-o", "ids", "--as", "王芳", env=at("09:00")))
    ok(cli("escalate", wid, "--reason", "上门劝导", "--as", "王芳", env=at("09:00")))
    ok(cli("escalate", wid, "--reason", "限期整改", "--deadline", "2026-11-23", "--as", "赵强", env=at("09:00")))
    assert due("violations", "1d", at("10:00")) == []
    assert due("violations", "2d", at("10:00")) == [wid]                   # due 11-24 00:00
    item = archivist_and_items
    ok(cli("lend", item, "--to", "李明", "--purpose", "维修参考", "--as", ARCHIVIST, env=at("10:00")))
    assert due("archive", "2d", at("10:00")) == []
    assert due("archive", "3d", at("10:00")) == [item]                     # due in 3 days
    for window, code, message in (
            ("30", 3, "wuyectl: --due-within '30': give a duration like 30m, 2h or 1d"),
            ("３0m", 3, "wuyectl: --due-within '３0m': give a duration like 30m, 2h or 1d"),
            ("-1h", 3, "wuyectl: --due-within '-1h': give a duration like 30m, 2h or 1d")):
        bad = run("get", "tickets", "--due-within", window, *EN)
        assert (bad.code, bad.out, bad.err) == (code, "", message + "\n")
    owners = run("get", "owners", "--due-within", "1d", *EN)
    assert (owners.code, owners.err) == (3, "wuyectl: --due-within is for tickets, visits, violations, archive, decorations, lending, "
                                               "parcels, passes and visitors\n")


# -- 6. lending outside the office ------------------------------------------------------------
@pytest.fixture
def archivist_and_items(cli):
    ok(cli("staff", "add", ARCHIVIST, "--role", "archivist", "--as", DIRECTOR))
    return ok(cli("open", "archive", "--title", "保洁外包合同", "--category", "contracts", "--medium", "paper",
                  "--location", "柜4", "--retention", "5", "--as", ARCHIVIST))


def test_lending_outside_the_office_needs_the_director(cli, run, archivist_and_items, repo_state):
    item = archivist_and_items
    before = repo_state()
    lend = ("lend", item, "--to", "业主委员会 林国栋", "--purpose", "审阅服务合同", "--as", ARCHIVIST)
    bare = run(*lend, *EN)
    assert (bare.code, bare.out, bare.err) == (
        5, "", f"wuyectl: {item}: 业主委员会 林国栋 is not on the office's staff roster: a loan outside the office "
               "needs the director's approval (--approved-by NAME)\n")
    by_supervisor = run(*lend, "--approved-by", "赵强", *EN)
    assert (by_supervisor.code, by_supervisor.err) == (
        6, f"wuyectl: {item}: 赵强 is not a director: a loan to 业主委员会 林国栋, outside the office, needs the "
           "director's approval\n")
    assert repo_state() == before
    ok(run(*lend, "--approved-by", DIRECTOR))
    loan = show(cli, item)["loans"][-1]
    assert (loan["borrower"], loan["approved_by"]) == ("业主委员会 林国栋", DIRECTOR)
    ok(cli("update", item, "--action", "return", "--as", ARCHIVIST))
    # staff borrow for their work without an approval
    ok(run("lend", item, "--to", "李明", "--purpose", "维修参考", "--as", ARCHIVIST))
    assert "approved_by" not in show(cli, item)["loans"][-1]
    audit_is_clean(run)


# -- 7. a survey item left blank --------------------------------------------------------------
SURVEY_ITEMS = ["security", "parking", "service", "repair", "cleaning", "greenery", "culture", "fees"]


def test_a_blank_survey_item_is_not_rated(cli, run, tmp_path, repo_state):
    roster = write_csv(tmp_path / "roster.csv", "房号,业主姓名\n" + "".join(f"{u},业主{i}\n"
                                                                         for i, u in enumerate(unit_list(9))))
    ok(cli("import", "owners", roster, "--as", "王芳"))
    ok(cli("policy", "set", "survey.sample_ratio", "0.3", "--as", DIRECTOR))
    ok(cli("survey", "plan", "2026H2", "--period", "2026-11-22..2026-12-10", "--as", "赵强"))   # 30%, the policy's
    ok(cli("survey", "approve", "2026H2", "--as", DIRECTOR))
    drawn = ok(cli("survey", "sample", "--campaign", "2026H2", "--seed", "5", "-o", "ids", "--as", "王芳")).split()
    assert len(drawn) == 3                                 # 30% of 10 households

    def form(unit, *args, **rated):
        items = [f"--item={i}={rated.get(i, 'good')}" for i in SURVEY_ITEMS if i not in args]
        return run("open", "visit", "--type", "survey", "--campaign", "2026H2", "--unit", unit, *items,
                   "--overall", "good", "--as", "王芳", *EN)

    # an item not entered at all is refused: a blank is said (`--item parking=`), not forgotten
    before = repo_state()
    forgotten = form(drawn[0], "parking")
    assert (forgotten.code, forgotten.out, forgotten.err) == (
        3, "", "wuyectl: the form rates all eight items; missing: parking (an item left blank on the form: "
               "--item parking=)\n")
    assert repo_state() == before
    # the first form left 车辆管理 (parking) blank
    blank = ok(form(drawn[0], parking=""))
    assert show(cli, blank)["items"] == {i: "good" for i in SURVEY_ITEMS if i != "parking"}
    ok(form(drawn[1], parking="dissatisfied"))
    ok(form(drawn[2], parking="good", fees="dissatisfied"))
    report = json.loads(ok(cli("report", "satisfaction", "--campaign", "2026H2", "-o", "json", *EN)))
    per_item = {k: (r["forms"], r["rated"], r["not_dissatisfied"], r["rate"]) for k, r in rows(report, "items").items()}
    assert per_item["parking"] == (3, 2, 1, "50.0%")       # the blank neither for nor against: 1 ÷ 2
    assert per_item["fees"] == (3, 3, 2, "66.7%")
    assert per_item["security"] == (3, 3, 3, "100.0%")
    assert per_item["overall"] == (3, 3, 3, "100.0%")
    assert cli("validate").code == 0
