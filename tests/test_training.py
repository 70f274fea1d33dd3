"""Training records (培训记录, issue 15 §1, seed 001 五.1): an induction of at least 2 days for a
new staff member, the quarterly training for all, special training per post. Recorded from the
sign-in sheet by a supervisor or the director; the roster's findings (no induction, a quarter
worked through without training) are made by `report assessment` (tests/test_assessment.py)."""
from __future__ import annotations

import json
from datetime import date

import pytest

from wuyectl.domain.kinds import KINDS

KID = "E-20261122-A001"


def train(cli, *extra, who="赵强", kind="induction", start="2026-11-19", end="2026-11-20", people=("李明",)):
    args = ["open", "training", "--type", kind, "--topic", "物业跟随制制度", "--trainer", "赵强",
            "--first-day", start, "--last-day", end]
    for name in people:
        args += ["--attendees", name]
    return cli(*args, *extra, "--as", who)


def test_recording_a_training(cli, git, office):
    made = train(cli, "--class-hours", "12", "--results", "李明=pass", people=("李明", "陈洁"))
    assert (made.code, made.out, made.err) == (0, f"{KID}\n", "")
    assert git("log", "-1", "--format=%an|%s").strip() == f"赵强|{KID} open training"
    assert (office / "training/2026-11/E-20261122-A001.yaml").read_text(encoding="utf-8") == (
        "id: E-20261122-A001\n"
        "type: induction\n"
        "topic: 物业跟随制制度\n"
        "trainer: 赵强\n"
        "first_day: '2026-11-19'\n"
        "last_day: '2026-11-20'\n"
        "class_hours: 12\n"
        "attendees:\n"
        "  - 李明\n"
        "  - 陈洁\n"
        "results:\n"
        "  - name: 李明\n"
        "    result: pass\n"
        "recorded_at: 2026-11-22T09:14:00+08:00\n"
        "timeline:\n"
        "  - at: 2026-11-22T09:14:00+08:00\n"
        "    by: 赵强\n"
        "    action: open\n")
    rows = json.loads(cli("get", "training", "-o", "json", "--as", "王芳").out)
    assert [(r["id"], r["type"], r["attendees"]) for r in rows] == [(KID, "induction", ["李明", "陈洁"])]
    listed = cli("get", "training", "--as", "王芳", "--lang", "en")
    assert listed.code == 0 and "induction" in listed.out and "李明, 陈洁" in listed.out
    assert cli("validate").code == 0


@pytest.mark.parametrize("args, who, code, message", [
    ((), "王芳", 6, "王芳"),                                          # a clerk may not
    (("--last-day", "2026-11-18"), "赵强", 3, "2026-11-18"),                          # ends before it starts
    (("--last-day", "2026-11-23"), "赵强", 3, "2026-11-23"),                          # not held yet
    (("--attendees", "王小明"), "赵强", 3, "王小明"),                            # not on the roster
    (("--results", "陈洁=pass"), "赵强", 3, "陈洁"),                             # not an attendee
    (("--results", "李明=great"), "赵强", 3, "great"),                           # no such result
])
def test_bad_trainings_are_refused(refused, args, who, code, message):
    base = ["open", "training", "--type", "induction", "--topic", "制度", "--trainer", "赵强",
            "--first-day", "2026-11-19", "--last-day", "2026-11-20", "--attendees", "李明"]
    if args and args[0] == "--last-day":
        base[base.index("--last-day") + 1] = args[1]
        args = ()
    got, line = refused(*base, *args, "--as", who)
    assert got == code and message in line


def test_hand_edited_records_are_checked(cli, git, office):
    assert train(cli, "--results", "李明=pass").code == 0
    path = office / "training/2026-11/E-20261122-A001.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("last_day: '2026-11-20'", "last_day: '2026-11-18'").replace("name: 李明", "name: 陈洁"),
                    encoding="utf-8")
    found = cli("validate", "-o", "json")
    assert found.code == 7
    assert sorted(p["code"] for p in json.loads(found.out)["problems"]) == ["W-training-dates", "W-training-results"]


def test_quarters():
    from wuyectl.domain.kinds.training import quarter_of, quarter_name

    assert quarter_of(date(2026, 11, 22)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert quarter_of(date(2026, 1, 1)) == (date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_of(date(2026, 9, 30)) == (date(2026, 7, 1), date(2026, 9, 30))
    assert quarter_name(date(2026, 4, 1)) == "2026Q2"


def test_roster_findings():
    from wuyectl.domain.kinds.training import findings

    staff = [{"name": "甲", "role": "clerk"}, {"name": "乙", "role": "technician"}, {"name": "丙", "role": "auditor"},
             {"name": "丁", "role": "cleaner", "active": False}, {"name": "戊", "role": "cleaner"}]
    records = [
        {"id": "E-20260105-A001", "type": "induction", "first_day": "2026-01-05", "last_day": "2026-01-06", "attendees": ["甲"]},
        {"id": "E-20260401-A001", "type": "induction", "first_day": "2026-04-01", "last_day": "2026-04-01", "attendees": ["乙"]},
        {"id": "E-20260301-A001", "type": "induction", "first_day": "2026-03-02", "last_day": "2026-03-03", "attendees": ["戊"],
         "results": [{"name": "戊", "result": "fail"}]},
        {"id": "E-20260410-A001", "type": "quarterly", "first_day": "2026-04-10", "last_day": "2026-04-10", "attendees": ["甲"]},
        {"id": "E-20260815-A001", "type": "special", "first_day": "2026-08-15", "last_day": "2026-08-15", "attendees": ["甲"]},
    ]
    got = [(f["code"], f["person"], f["quarter"]) for f in findings(records, staff, {}, date(2026, 11, 22))]
    # 甲: inducted 01-05 (Q1 not worked through from its first day), Q2 trained, Q3 only a special
    # training; 乙: a one-day induction does not count; 丙 auditor and 丁 inactive: exempt;
    # 戊: failed the induction
    assert got == [("W-training-quarterly", "甲", "2026Q3"), ("W-training-induction", "乙", ""),
                   ("W-training-induction", "戊", "")]
    # the policy: one day is enough
    got = [(f["code"], f["person"], f["quarter"])
           for f in findings(records, staff, {"training": {"induction_min_days": 1}}, date(2026, 11, 22))]
    assert ("W-training-induction", "乙", "") not in got and ("W-training-quarterly", "乙", "2026Q3") in got


def test_registered():
    kind = KINDS["training"]
    assert kind.id_re.fullmatch(KID) and kind.path_of(KID) == "training/2026-11/E-20261122-A001.yaml"
