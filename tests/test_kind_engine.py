"""What the engine gives every kind that declares it (docs/adding-a-kind.md): `log KIND` with
an option per declared field, references checked when a record is opened, records of other
kinds opened in the same commit (by a new record's `ctx.open` or an action's `Change.open`),
the audit accepting exactly those, its policy settings in wuye.yaml, and its part of a desk's
monthly report. A notice board (公告栏) kind declared here, in the test alone, drives it."""
from __future__ import annotations

import json
import re

import pytest

from conftest import UNIT

from wuyectl.domain.kinds import DeskPart, Figure, Kind, Setting, daily_ids, register, unregister
from wuyectl.domain.workflow import ALL_STAFF, Action, Change, Workflow

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "additionalProperties": False,
    "required": ["id", "status", "title", "posted_at", "timeline"],
    "properties": {
        "id": {"type": "string"}, "status": {"enum": ["up", "down"]},
        "title": {"type": "string", "minLength": 1}, "unit": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "posted_at": {"type": "string"}, "ticket": {"type": "string"}, "violation": {"type": "string"},
        "timeline": {"type": "array", "items": {"type": "object"}},
    },
}


def _new(values, person, at, ctx):
    record = {"status": "up", **values, "posted_at": at,
              "timeline": [{"at": at, "by": person["name"], "action": "open"}]}
    if "损坏" in values.get("tags", []):
        record["ticket"] = ctx.open("ticket", {"category": "repair", "description": f"公告栏损坏：{values['title']}",
                                               "location": {"place": "公告栏"}, "origin": ctx.id})
    return record


def _take_down(change: Change) -> None:
    if change.record.get("unit"):
        change.record["violation"] = change.open("violation", {
            "category": "decoration", "description": "私贴广告", "unit": change.record["unit"],
            "origin": change.record["id"]})


def _desk(records_of, period, as_of, policy, lang):
    notices = records_of("notice")
    posted = sum(1 for n in notices if period.holds(n["posted_at"]))
    return DeskPart(figures=[(POSTED, posted, None)],
                    tables=[("up", ("在贴", "Up"), ("id", "title"), [[n["id"], n["title"]] for n in notices
                                                                     if n["status"] == "up"])])


POSTED = Figure("posted", "张贴", "posted", "notices posted in the period")

NOTICE = Kind(
    name="notice", plural="notices", folder="notices", id_form="N-20261122-A001",
    **daily_ids("N", "notices"), schema_doc=SCHEMA,
    workflow=Workflow(kind="notice", states=("up", "down"), initial="up", terminal=("down",), actions={
        "take_down": Action("take_down", ("up",), "down", roles=ALL_STAFF, effect=_take_down,
                            opens=("violation",)),
    }),
    columns=("id", "status", "title", "unit"),
    labels={"notices": ("公告", "notices")},
    codes={"action": {"take_down": ("撤下", "take down")}},
    refs={"unit": "owner"},
    people={"timeline.*.by": "timeline by"},
    opened_field="posted_at", logbook=True,
    entry_fields=("title", "unit", "tags"), entry_required=("title",), entry_lists=("tags",),
    settings={"keep_days": Setting(7, {"type": "integer", "minimum": 1}, "days a notice stays up")},
    desk="frontdesk", figures=(POSTED,), desk_report=_desk,
    new_record=_new,
)


@pytest.fixture
def notices():
    register(NOTICE)
    yield NOTICE
    unregister(NOTICE.name)


def test_log_opens_an_entry_with_an_option_per_field(cli, git, notices):
    made = cli("log", "notice", "--title", "停水通知", "--unit", UNIT, "--tags", "物业", "--tags", "通知",
               "--as", "王芳")
    assert (made.code, made.out, made.err) == (0, "N-20261122-A001\n", "")
    shown = json.loads(cli("show", "N-20261122-A001", "-o", "json", "--as", "王芳").out)
    assert shown["tags"] == ["物业", "通知"] and shown["unit"] == UNIT
    assert git("log", "-1", "--format=%s").strip() == "N-20261122-A001 open notice"
    # `log ID` is still the record's history
    history = cli("log", "N-20261122-A001", "-o", "json")
    assert [e["action"] for e in json.loads(history.out)] == ["open"]


@pytest.mark.lang("en")
def test_bad_entries_are_one_line_and_write_nothing(cli, git, notices):
    head = git("rev-parse", "HEAD")
    missing = cli("log", "notice", "--title", "x", "--unit", "9-9-909", "--as", "王芳")
    assert (missing.code, missing.out) == (4, "")
    assert missing.err == "wuyectl: unit 9-9-909 has no household record (owners/9/9-9-909.yaml)\n"
    unknown = cli("log", "notis", "--title", "x")
    assert unknown.code == 2 and unknown.err.startswith(
        "wuyectl: unknown logbook 'notis': use one of duty, lending, lostfound, parcel, pass, visitor, notice,")
    assert "did you mean 'notice'" in unknown.err
    assert cli("log", "notice", "--as", "王芳").code == 2     # --title is required
    assert git("rev-parse", "HEAD") == head


def test_a_new_record_opens_a_ticket_in_the_same_commit(cli, git, notices):
    made = cli("log", "notice", "--title", "东门公告栏", "--tags", "损坏", "--as", "王芳", "-o", "ids")
    assert made.out == "N-20261122-A001\nT-20261122-A001\n"
    assert git("log", "-1", "--format=%s").strip() == "N-20261122-A001 open notice → T-20261122-A001"
    assert git("show", "--stat", "--format=", "HEAD").count("|") == 2
    ticket = json.loads(cli("show", "T-20261122-A001", "-o", "json", "--as", "王芳").out)
    assert (ticket["status"], ticket["channel"], ticket["origin"]) == ("received", "patrol", "N-20261122-A001")
    assert json.loads(cli("show", "N-20261122-A001", "-o", "json", "--as", "王芳").out)["ticket"] == "T-20261122-A001"
    assert cli("audit", "-o", "json").out.strip() == "[]"


def test_an_action_opens_a_violation_that_the_audit_replays(cli, git, notices):
    cli("log", "notice", "--title", "小广告", "--unit", UNIT, "--as", "王芳")
    done = cli("update", "N-20261122-A001", "--action", "take_down", "--as", "李明")
    assert (done.code, done.err) == (0, "")
    assert done.out.startswith("N-20261122-A001, W-20261122-A001：已提交 ")
    violation = json.loads(cli("show", "W-20261122-A001", "-o", "json", "--as", "王芳").out)
    assert (violation["origin"], violation["category"], violation["found_by"]) == ("N-20261122-A001", "decoration", "李明")
    assert cli("audit", "-o", "json").out.strip() == "[]"


def test_its_settings_are_policy_and_its_figures_a_desk_report(cli, notices):
    assert cli("policy", "set", "notice.keep_days", "3", "--as", "刘主任").code == 0
    bad = cli("policy", "set", "notice.keep_days", "0", "--as", "刘主任")
    assert bad.code != 0 and "keep_days" in bad.err
    assert NOTICE.setting({"notice": {"keep_days": 3}}, "keep_days") == 3
    assert NOTICE.setting({}, "keep_days") == 7
    cli("log", "notice", "--title", "停水通知", "--as", "王芳")
    report = json.loads(cli("report", "frontdesk", "--month", "2026-11", "-o", "json", "--as", "王芳").out)
    notice = report["sections"]["notice"]["rows"]
    assert notice == [{"key": "posted", "figure": "张贴", "value": 1, "numerator": 1, "denominator": None}]
    assert report["sections"]["notice.up"]["rows"] == [{"id": "N-20261122-A001", "title": "停水通知"}]
    assert "posted (张贴) = notices posted in the period" in cli("report", "frontdesk", "--help").out


def test_a_personal_number_in_a_column_is_masked_in_every_format():
    """A kind that lists a personal field as a column without a cell of its own: the table,
    CSV and xlsx mask it as JSON and `show` do; --reveal shows it."""
    from wuyectl.cli import output

    kind = Kind(name="keyholder", plural="keyholders", folder="keyholders", id_re=re.compile(r"K-[0-9]"),
                path_of=lambda rid: f"keyholders/{rid}.yaml", id_form="K-…", columns=("id", "phone"),
                personal={"phone": "phone"})
    register(kind)
    try:
        rows = [{"id": "K-1", "phone": "13812345678"}]
        assert output.listing(kind, rows, "csv", "zh") == "\ufeff编号,电话\r\nK-1,138****5678\r\n"
        assert "138****5678" in output.listing(kind, rows, "table", "zh")
        assert "13812345678" in output.listing(kind, rows, "table", "zh", reveal=True)
    finally:
        unregister(kind.name)


def test_kinds_that_share_a_label_or_code_give_it_the_same_words():
    """Labels and codes are registered first come, first kept: a second kind declaring the
    same key with other words would be shown the first kind's without a word. Every shared key
    must read the same in each kind that declares it."""
    from wuyectl.domain.kinds import KINDS

    seen, clashes = {}, []
    for kind in KINDS.values():
        pairs = [(("label", key), pair) for key, pair in kind.labels.items()]
        pairs += [((group, code), pair) for group, table in kind.codes.items() for code, pair in table.items()]
        for key, pair in pairs:
            first = seen.setdefault(key, (kind.name, tuple(pair)[:2]))
            if first[1] != tuple(pair)[:2]:
                clashes.append((key, first, (kind.name, tuple(pair)[:2])))
    assert clashes == []
