"""The ticket lifecycle of SPEC §2.1, run from the shell (a fresh process per command), and the
audit trail it leaves in git (SPEC §4 "Commits")."""
from __future__ import annotations

import pytest

import json

from conftest import DIRECTOR, OPEN_REPAIR, PHONE, UNIT, ticket_path, visit_path

TID = "T-20261122-A001"


def _log(git, *args, fmt="%an%x1f%s%x1f%b%x1e"):
    """Commits newest first as (author, subject, body)."""
    text = git("log", f"--format={fmt}", *args)
    return [tuple(item.strip("\n").split("\x1f")) for item in text.split("\x1e") if item.strip("\n")]


def _trailers(body: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in body.splitlines():
        if line.startswith("Wuye-") and ": " in line:
            key, value = line.split(": ", 1)
            out.setdefault(key, []).append(value)
    return out


def _show(run, tid, **kw) -> dict:
    """`show ID -o json` through `run` (a process) or `cli` (in-process)."""
    result = run("show", tid, "-o", "json", **kw)
    assert result.code == 0, result.err
    return json.loads(result.out)


@pytest.mark.lang("en")
def test_repair_lifecycle_from_the_shell(office, run, git):
    start = int(git("rev-list", "--count", "HEAD"))

    opened = run(*OPEN_REPAIR, "--as", "王芳")
    assert (opened.code, opened.out, opened.err) == (0, TID + "\n", "")

    assert run("assign", TID, "--to", "李明", "--dept", "maintenance", "--as", "王芳").code == 0
    # global options before the verb work too (kubectl style)
    assert run("--as", "李明", "update", TID, "--action", "contact").code == 0
    assert run("update", TID, "--action", "arrive", "--as", "李明").code == 0

    refused = run("update", TID, "--action", "resolve", "--set", "result=更换密封圈", "--as", "李明")
    assert refused.code == 5
    assert refused.err == f"wuyectl: {TID}: cannot resolve without signed_by (--set signed_by=…)\n"
    assert refused.out == ""

    resolved = run("update", TID, "--action", "resolve", "--set", "result=更换密封圈", "--set", "signed_by=张先生",
                   "--as", "李明")
    assert resolved.code == 0, resolved.err
    record = _show(run, TID)
    assert record["status"] == "resolved"
    assert record["result"] == "更换密封圈"
    assert record["signed_by"] == "张先生"
    assert record["signed_at"] == "2026-11-22T09:14:00+08:00"

    callback = run("open", "visit", "--type", "callback", "--ticket", TID, "--rating", "satisfied",
                   "--method", "phone", "--note", "师傅很细心", "--as", "王芳")
    assert (callback.code, callback.out, callback.err) == (0, "V-20261122-A001\n", "")

    shown = _show(run, TID)
    assert shown["status"] == "closed"
    assert [e["action"] for e in shown["timeline"]] == ["receive", "assign", "contact", "arrive", "resolve", "callback"]
    assert shown["timeline"][-1]["rating"] == "satisfied"
    assert shown["timeline"][-1]["visit"] == "V-20261122-A001"
    visit = office / visit_path("V-20261122-A001")
    assert visit.is_file()
    assert "ticket: T-20261122-A001" in visit.read_text(encoding="utf-8")
    # the callback is ONE commit touching both the visit and the ticket, and nothing else
    touched = git("show", "--name-only", "--format=", "HEAD").split()
    assert sorted(touched) == sorted([ticket_path(TID), visit_path("V-20261122-A001")])

    # -- the audit trail: one commit per successful command, authored by the actor ------
    commits = _log(git, f"-{int(git('rev-list', '--count', 'HEAD')) - start}")
    assert len(commits) == 6 == int(git("rev-list", "--count", "HEAD")) - start
    commits.reverse()
    assert [c[0] for c in commits] == ["王芳", "王芳", "李明", "李明", "李明", "王芳"]
    assert [c[1] for c in commits] == [
        f"{TID} open 报修 {UNIT}",
        f"{TID} assign → 工程部 李明",
        f"{TID} contact",
        f"{TID} arrive",
        f"{TID} resolve",
        f"V-20261122-A001 callback {TID} 满意, closed",
    ]
    trailers = [_trailers(c[2]) for c in commits]
    assert [t["Wuye-Action"] for t in trailers] == [["open"], ["assign"], ["contact"], ["arrive"], ["resolve"],
                                                   ["callback"]]
    assert [t["Wuye-Role"] for t in trailers] == [["clerk"], ["clerk"], ["technician"], ["technician"],
                                                 ["technician"], ["clerk"]]
    assert all(TID in t["Wuye-Record"] for t in trailers)
    assert trailers[-1]["Wuye-Record"] == ["V-20261122-A001", TID]
    # author of every commit is the actor, also as git records it
    assert git("log", "-1", "--format=%an|%cn").strip() == "王芳|王芳"

    # `git log --grep 'Wuye-Record: ID'` finds exactly the ticket's history
    found = git("log", "--format=%s", "--grep", f"Wuye-Record: {TID}").splitlines()
    assert found == [c[1] for c in reversed(commits)]
    assert git("log", "--format=%h", "--grep", f"Wuye-Record: {TID}", "--", ticket_path(TID)).split() == \
        git("log", "--format=%h", "--", ticket_path(TID)).split()
    # no personal numbers in any commit message
    assert PHONE not in git("log", "--format=%B")
    assert git("status", "--porcelain", "--untracked-files=all") == ""


def test_dissatisfied_callback_reopens_to_the_last_assignee(office, run, cli, git, new_ticket):
    tid = new_ticket()
    assert cli("assign", tid, "--to", "李明", "--as", "王芳").code == 0
    # re-dispatched before the work was done: the last assignee is 陈洁
    assert cli("assign", tid, "--to", "陈洁", "--as", "赵强").code == 0
    assert cli("update", tid, "--action", "contact", "--as", "陈洁").code == 0
    assert cli("update", tid, "--action", "arrive", "--as", "陈洁").code == 0
    assert cli("update", tid, "--action", "resolve", "--set", "result=疏通", "--set", "signed_by=张先生",
               "--as", "陈洁").code == 0
    before = int(git("rev-list", "--count", "HEAD"))

    result = run("open", "visit", "--type", "callback", "--ticket", tid, "--rating", "dissatisfied",
                 "--note", "还在漏", "--as", "王芳")
    assert (result.code, result.out, result.err) == (0, "V-20261122-A001\n", "")

    shown = _show(cli, tid)
    assert shown["status"] == "assigned"
    assert shown["assignee"] == "陈洁"
    assert "signed_by" not in shown and "signed_at" not in shown
    assert [e["action"] for e in shown["timeline"][-2:]] == ["callback", "reopen"]
    assert shown["timeline"][-2]["rating"] == "dissatisfied"
    assert shown["timeline"][-1]["to"] == "陈洁"
    assert int(git("rev-list", "--count", "HEAD")) == before + 1
    assert git("log", "-1", "--format=%s").strip() == f"V-20261122-A001 callback {tid} 不满意, reopened → 陈洁"
    assert sorted(git("show", "--name-only", "--format=", "HEAD").split()) == \
        sorted([ticket_path(tid), visit_path("V-20261122-A001")])
    # the re-dispatch clock of the second cycle: met at once (reopened to the assignee)
    redispatch = [c for c in shown["sla"] if c["stage"] == "redispatch"]
    assert [(c["state"], c["cycle"]) for c in redispatch] == [("met", 2)]
    # and the ticket goes round again
    assert cli("update", tid, "--action", "contact", "--as", "陈洁").code == 0
    assert git("status", "--porcelain") == ""


def test_consultation_is_answered_on_the_spot(run, cli, git):
    opened = run("open", "ticket", "--channel", "walk_in", "--category", "consult", "--unit", UNIT,
                 "--description", "物业费什么时候交", "-o", "ids", "--as", "王芳")
    assert opened.code == 0
    tid = opened.out.strip()
    answered = run("update", tid, "--action", "answer", "--note", "每月5日前在客服中心交", "--as", "王芳")
    assert answered.code == 0, answered.err
    shown = _show(cli, tid)
    assert shown["status"] == "resolved"
    assert shown["result"] == "每月5日前在客服中心交"
    assert "assignee" not in shown
    # no dispatch clock for an answered consultation
    assert [c["stage"] for c in shown["sla"] if c["stage"] in ("dispatch", "contact")] == []
    # a consultation needs no callback: the desk closes it
    assert cli("update", tid, "--action", "close", "--as", "王芳").code == 0
    assert _show(cli, tid)["status"] == "closed"
    assert git("log", "-1", "--format=%(trailers:key=Wuye-Action,valueonly)").strip() == "close"


@pytest.mark.lang("en")
def test_answer_is_only_for_what_can_be_answered_at_the_desk(cli, new_ticket, repo_state):
    tid = new_ticket("repair")
    before = repo_state()
    result = cli("update", tid, "--action", "answer", "--set", "result=x", "--as", "王芳")
    assert result.code == 5
    assert result.err == f"wuyectl: {tid}: 'answer' is only for consultation, suggestion, praise, not repair\n"
    assert repo_state() == before


@pytest.mark.lang("en")
def test_complaints_open_escalated(run, cli):
    general = cli("open", "ticket", "--channel", "phone", "--category", "complaint", "--unit", UNIT,
                  "--description", "楼上装修噪音", "-o", "ids", "--as", "王芳")
    major = run("open", "ticket", "--channel", "letter", "--category", "投诉", "--severity", "重大",
                "--unit", UNIT, "--description", "电梯困人", "-o", "ids", "--as", "王芳")
    assert general.code == major.code == 0
    g, m = _show(cli, general.out.strip()), _show(cli, major.out.strip())
    assert (g["severity"], g["escalation_level"]) == ("general", 1)
    assert (m["severity"], m["escalation_level"]) == ("major", 2)
    assert [(e["action"], e.get("level")) for e in m["timeline"]] == [("receive", None), ("escalate", 2)]

    # a repair opens at the front desk (0) and goes up one level at a time, or --to a level
    tid = cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT,
              "--description", "门禁坏了", "-o", "ids", "--as", "王芳").out.strip()
    assert _show(cli, tid)["escalation_level"] == 0
    assert cli("escalate", tid, "--reason", "超时未修", "--as", "王芳").code == 0
    assert _show(cli, tid)["escalation_level"] == 1
    up = run("escalate", tid, "--to", "2", "--reason", "超时未修，报管理处主任", "--as", "赵强")
    assert up.code == 0, up.err
    # the company level is the director's to reach (policy escalate_max_level)
    top = run("escalate", tid, "--reason", "业主投诉到公司", "--as", DIRECTOR)
    assert top.code == 0, top.err
    shown = _show(cli, tid)
    assert shown["escalation_level"] == 3
    assert shown["timeline"][-1] == {"at": "2026-11-22T09:14:00+08:00", "by": DIRECTOR, "action": "escalate",
                                     "note": "业主投诉到公司", "level": 3}
    top = run("escalate", tid, "--reason", "again", "--as", DIRECTOR)
    assert (top.code, top.err) == (5, f"wuyectl: {tid}: is already at the company level (3)\n")
    down = run("escalate", m["id"], "--to", "1", "--reason", "x", "--as", "赵强")
    assert (down.code, down.err) == (5, f"wuyectl: {m['id']}: is already at level 2; --to must be higher\n")


@pytest.mark.lang("en")
def test_cancel_needs_a_note_then_nothing_more(run, cli, new_ticket, repo_state):
    tid = new_ticket()
    before = repo_state()
    bare = run("update", tid, "--action", "cancel", "--as", "王芳")
    assert (bare.code, bare.out, bare.err) == (5, "", f"wuyectl: {tid}: 'cancel' needs --note with the reason\n")
    assert repo_state() == before
    assert cli("update", tid, "--action", "cancel", "--note", "重复登记", "--as", "王芳").code == 0
    assert _show(cli, tid)["status"] == "cancelled"
    after = run("update", tid, "--action", "arrive", "--as", "李明")
    assert after.code == 5
    assert after.err == f"wuyectl: {tid}: cannot arrive: the ticket is cancelled; allowed now: nothing (it is finished)\n"


@pytest.mark.lang("en")
def test_impossible_transition_lists_the_allowed_actions(run, new_ticket, repo_state):
    tid = new_ticket()
    before = repo_state()
    result = run("update", tid, "--action", "contact", "--as", "李明")
    assert result.code == 5
    assert result.err == f"wuyectl: {tid}: cannot contact: the ticket is received; allowed now: assign, cancel, escalate\n"
    assert result.out == ""
    assert repo_state() == before


@pytest.mark.lang("en")
def test_a_repair_is_closed_by_its_callback_not_by_close(run, cli, new_ticket, repo_state):
    tid = new_ticket()
    cli("assign", tid, "--to", "李明", "--as", "王芳")
    cli("update", tid, "--action", "resolve", "--set", "result=换阀门", "--set", "signed_by=张先生", "--as", "李明")
    before = repo_state()
    result = run("update", tid, "--action", "close", "--as", "王芳")
    assert result.code == 5
    assert result.err == (f"wuyectl: {tid}: a resolved repair is closed by its callback: "
                          "wuyectl open visit --type callback --ticket ID --rating …\n")
    assert repo_state() == before
    # the callback must go through `open visit`, not `update --action callback`
    direct = run("update", tid, "--action", "callback", "--as", "王芳")
    assert (direct.code, direct.err) == (5, f"wuyectl: {tid}: 'callback' is recorded with `wuyectl open visit`\n")


def test_short_verbs_and_basically_satisfied(cli, new_ticket):
    tid = new_ticket()
    assert cli("assign", tid, "--to", "李明", "--as", "王芳").code == 0
    assert cli("contact", tid, "--as", "李明").code == 0
    assert cli("resolve", tid, "--set", "result=换水龙头", "--set", "signed_by=张三", "--as", "李明").code == 0
    shortcut = cli("callback", tid, "--rating", "基本满意", "--as", "王芳")
    assert (shortcut.code, shortcut.out) == (0, "V-20261122-A001\n")
    shown = json.loads(cli("show", tid, "-o", "json").out)
    assert shown["status"] == "closed"
    visit = json.loads(cli("show", "V-20261122-A001", "-o", "json").out)
    assert visit["ratings"] == {"overall": "basically_satisfied"}
    assert visit["type"] == "callback" and visit["ticket"] == tid and visit["method"] == "phone"


@pytest.mark.lang("en")
def test_several_ids_and_stdin_make_one_commit(run, cli, git, new_ticket, repo_state):
    a, b, c = new_ticket(), new_ticket(), new_ticket()
    assert (a, b, c) == ("T-20261122-A001", "T-20261122-A002", "T-20261122-A003")
    count = int(git("rev-list", "--count", "HEAD"))

    both = run("assign", a, b, "--to", "李明", "--as", "王芳")
    assert both.code == 0, both.err
    assert int(git("rev-list", "--count", "HEAD")) == count + 1
    assert sorted(git("show", "--name-only", "--format=", "HEAD").split()) == [ticket_path(a), ticket_path(b)]
    assert git("log", "-1", "--format=%(trailers:key=Wuye-Record,valueonly)").split() == [a, b]

    piped = run("assign", "-", "--to", "陈洁", "--as", "王芳", input=f"{b}\n{c}\n")
    assert piped.code == 0, piped.err
    assert int(git("rev-list", "--count", "HEAD")) == count + 2
    assert sorted(git("show", "--name-only", "--format=", "HEAD").split()) == [ticket_path(b), ticket_path(c)]
    assert git("log", "-1", "--format=%s").strip() == f"{b}, {c} assign → 保洁部 陈洁"

    mixed = run("update", a, "-", "--action", "contact", "--as", "李明", input=f"{b} {c}\n")
    assert mixed.code == 0, mixed.err
    assert int(git("rev-list", "--count", "HEAD")) == count + 3
    assert sorted(git("show", "--name-only", "--format=", "HEAD").split()) == sorted(map(ticket_path, (a, b, c)))

    # all or nothing: one refused record refuses the whole command
    d = new_ticket()
    before = repo_state()
    refused = run("update", a, d, "--action", "arrive", "--as", "李明")
    assert refused.code == 5
    assert refused.err == f"wuyectl: {d}: cannot arrive: the ticket is received; allowed now: assign, cancel, escalate\n"
    assert repo_state() == before
    assert [e["action"] for e in json.loads(cli("show", a, "-o", "json").out)["timeline"]][-1] == "contact"
