"""Clear errors (SPEC §5): one line saying what and where, a documented exit code, no
traceback, nothing written.  One test per kind of error, with its exact message.

Every command here runs in a fresh process (`run`), which also asserts there is no
'Traceback' on stderr; `repo_state()` before and after shows no commit was made and
`git status` did not change.
"""
from __future__ import annotations

import pytest


from conftest import UNIT, ticket_path

TID = "T-20261122-A001"


def refused(run, repo_state, *args, code: int, err: str, input=None):
    before = repo_state()
    result = run(*args, input=input)
    assert (result.code, result.err) == (code, err)
    assert result.out == ""
    assert repo_state() == before
    return result


@pytest.mark.lang("en")
def test_bad_yaml_names_path_line_and_column(run, cli, git, office, ticket, repo_state):
    path = office / ticket_path(ticket)
    path.write_text(path.read_text(encoding="utf-8").replace("channel: phone", "channel: [phone"), encoding="utf-8")
    git("commit", "-q", "--no-verify", "-am", "a broken hand edit")
    message = f"{ticket_path(ticket)}:4:9: bad YAML: expected ',' or ']', but got ':'\n"
    refused(run, repo_state, "assign", ticket, "--to", "李明", "--as", "王芳", code=7, err=message)
    refused(cli, repo_state, "show", ticket, code=7, err=message)


@pytest.mark.lang("en")
def test_schema_violation_with_did_you_mean(run, git, office, ticket, repo_state):
    path = office / ticket_path(ticket)
    path.write_text(path.read_text(encoding="utf-8").replace("status: received", "status: resolvd"), encoding="utf-8")
    git("commit", "-q", "--no-verify", "-am", "a typo committed past the hook")
    before = repo_state()
    result = run("validate")
    assert result.code == 7
    assert result.out == (f"{ticket_path(ticket)}:2:1: status: 'resolvd' is not one of received, assigned, "
                          "in_progress, resolved, closed, cancelled (did you mean 'resolved'?)\n")
    assert result.err == "1 problem(s) in 3 file(s)\n"
    assert repo_state() == before


@pytest.mark.lang("en")
def test_acting_on_a_schema_invalid_record_reports_the_violation(run, git, office, ticket, repo_state):
    path = office / ticket_path(ticket)
    path.write_text(path.read_text(encoding="utf-8").replace("status: received", "status: resolvd"), encoding="utf-8")
    git("commit", "-q", "--no-verify", "-am", "a typo committed past the hook")
    refused(run, repo_state, "assign", ticket, "--to", "李明", "--as", "王芳", code=7,
            err=(f"{ticket_path(ticket)}:2:1: status: 'resolvd' is not one of received, assigned, "
                 "in_progress, resolved, closed, cancelled (did you mean 'resolved'?)\n"))


@pytest.mark.lang("en")
def test_unknown_field_in_a_hand_edit(run, cli, git, office, ticket, repo_state):
    path = office / ticket_path(ticket)
    path.write_text(path.read_text(encoding="utf-8").replace("channel: phone", "chanel: phone"), encoding="utf-8")
    git("commit", "-q", "--no-verify", "-am", "renamed a key by mistake")
    refused(run, repo_state, "assign", ticket, "--to", "李明", "--as", "王芳", code=7,
            err=f"{ticket_path(ticket)}:1:1: missing required field 'channel' (and 1 more)\n")
    result = cli("validate", ticket_path(ticket))
    assert (result.code, result.out) == (7, (
        f"{ticket_path(ticket)}:1:1: missing required field 'channel'\n"
        f"{ticket_path(ticket)}:3:1: unknown field 'chanel' (did you mean 'channel'?)\n"))


@pytest.mark.lang("en")
def test_unknown_code_with_did_you_mean(run, repo_state):
    refused(run, repo_state, "open", "ticket", "--channel", "phone", "--category", "repiar", "--unit", UNIT,
            "--description", "漏水", "--as", "王芳", code=3,
            err=("wuyectl: unknown category 'repiar': use one of consultation, help, repair, paid repair, suggestion, "
                 "complaint, praise (did you mean 'repair'?)\n"))


@pytest.mark.lang("en")
def test_unknown_set_field_with_did_you_mean(run, cli, ticket, repo_state):
    cli("assign", ticket, "--to", "李明", "--as", "王芳")
    refused(run, repo_state, "update", ticket, "--action", "contact", "--set", "apointment_at=2026-11-22 10:00",
            "--as", "李明", code=3,
            err="wuyectl: cannot --set apointment_at with 'contact': it sets appointment_at, promised_at, fee, "
                "fee_consent (did you mean 'appointment_at'?)\n")


@pytest.mark.lang("en")
def test_impossible_transition(run, ticket, repo_state):
    refused(run, repo_state, "update", ticket, "--action", "resolve", "--set", "result=x", "--as", "王芳", code=5,
            err=f"wuyectl: {ticket}: cannot resolve: the ticket is received; allowed now: assign, cancel, escalate\n")


@pytest.mark.lang("en")
def test_unreadable_at_date(run, cli, ticket, repo_state):
    refused(run, repo_state, "assign", ticket, "--to", "李明", "--at", "2026-13-45 10:00", "--as", "王芳", code=3,
            err="wuyectl: cannot read --at time '2026-13-45 10:00': use 2026-11-22T09:14:00+08:00 or '2026-11-22 09:14'\n")
    refused(cli, repo_state, "assign", ticket, "--to", "李明", "--at", "明天下午", "--as", "王芳", code=3,
            err="wuyectl: cannot read --at time '明天下午': use 2026-11-22T09:14:00+08:00 or '2026-11-22 09:14'\n")


@pytest.mark.lang("en")
def test_missing_id(run, cli, repo_state):
    refused(run, repo_state, "show", "T-20261122-A999", code=4,
            err="wuyectl: no ticket T-20261122-A999 (looked for tickets/2026-11/T-20261122-A999.yaml)\n")
    refused(cli, repo_state, "update", "T-20261122-A999", "--action", "contact", "--as", "李明", code=4,
            err="wuyectl: no ticket T-20261122-A999 (looked for tickets/2026-11/T-20261122-A999.yaml)\n")


@pytest.mark.lang("en")
def test_id_cannot_leave_the_repo(run, cli, repo_state):
    forms = "(T-20261122-A001, V-…, W-…, A-2026-A001, a unit like 3-2-1201, a campaign like 2026H2, Z-…, D-…, L-…, F-…, P-…, R-…, E-… or G-…)"
    message = f"wuyectl: '../../etc/passwd' is not a record ID {forms}\n"
    refused(run, repo_state, "show", "../../etc/passwd", code=3, err=message)
    refused(cli, repo_state, "update", "../../etc/passwd", "--action", "contact", "--as", "王芳", code=3, err=message)
    refused(cli, repo_state, "show", "T-20261122-A001/../../../wuye", code=3,
            err=f"wuyectl: 'T-20261122-A001/../../../wuye' is not a record ID {forms}\n")


@pytest.mark.lang("en")
def test_validate_path_outside_the_repo(run, cli, office, repo_state):
    outside = office.parent / "outside.yaml"
    outside.write_text("id: x\n", encoding="utf-8")
    refused(run, repo_state, "validate", "../outside.yaml", code=3,
            err=f"wuyectl: ../outside.yaml: is outside the office repo {office.resolve()}\n")
    refused(cli, repo_state, "validate", "../../../../../../etc/passwd", code=3,
            err=f"wuyectl: ../../../../../../etc/passwd: is outside the office repo {office.resolve()}\n")


@pytest.mark.lang("en")
def test_person_not_on_the_roster(run, cli, ticket, repo_state):
    refused(run, repo_state, "assign", ticket, "--to", "李明", "--as", "王小芳", code=6,
            err="wuyectl: '王小芳' is not on the staff roster of wuye.yaml (did you mean '王芳'?)\n")
    refused(cli, repo_state, "assign", ticket, "--to", "张无忌", "--as", "王芳", code=6,
            err="wuyectl: '张无忌' is not on the staff roster of wuye.yaml\n")


@pytest.mark.lang("en")
def test_nobody_acting(run, ticket, repo_state):
    refused(run, repo_state, "assign", ticket, "--to", "李明", code=6,
            err="wuyectl: who is acting? give --as NAME (or set WUYECTL_USER)\n")


def test_acting_person_from_environment_or_git_config(run, cli, git, ticket):
    by_env = cli("assign", ticket, "--to", "李明", env={"WUYECTL_USER": "王芳"})
    assert by_env.code == 0, by_env.err
    assert git("log", "-1", "--format=%an").strip() == "王芳"
    git("config", "user.name", "赵强")
    by_git = run("assign", ticket, "--to", "陈洁")
    assert by_git.code == 0, by_git.err
    assert git("log", "-1", "--format=%an").strip() == "赵强"


@pytest.mark.lang("en")
def test_auditor_may_not_write(run, cli, ticket, repo_state):
    refused(run, repo_state, "assign", ticket, "--to", "李明", "--as", "孙审", code=6,
            err="wuyectl: 孙审 (auditor) has read-only access\n")
    refused(cli, repo_state, "open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT,
            "--description", "x", "--as", "孙审", code=6, err="wuyectl: 孙审 (auditor) has read-only access\n")
    # reading is fine
    assert cli("get", "tickets", "-o", "ids", "--as", "孙审").out == f"{ticket}\n"


@pytest.mark.lang("en")
def test_a_role_that_may_not_take_the_action(run, ticket, repo_state):
    refused(run, repo_state, "assign", ticket, "--to", "李明", "--as", "李明", code=6,
            err=f"wuyectl: 李明 (technician) may not assign {ticket}: needs clerk, director or supervisor\n")


@pytest.mark.lang("en")
def test_staff_add_by_a_clerk_is_refused(run, repo_state):
    refused(run, repo_state, "staff", "add", "新人", "--role", "clerk", "--as", "王芳", code=6,
            err="wuyectl: 王芳 (clerk) may not add staff: needs supervisor or director\n")


@pytest.mark.lang("en")
def test_uncommitted_hand_edit_is_not_overwritten(run, office, ticket, repo_state):
    path = office / ticket_path(ticket)
    edited = path.read_text(encoding="utf-8").replace("description: 卫生间漏水", "description: 卫生间漏水，楼下天花板渗水")
    path.write_text(edited, encoding="utf-8")
    refused(run, repo_state, "assign", ticket, "--to", "李明", "--as", "王芳", code=8,
            err=(f"wuyectl: {ticket_path(ticket)}: has changes not committed (a hand edit?); commit or discard them "
                 f"first (git diff -- {ticket_path(ticket)})\n"))
    assert path.read_text(encoding="utf-8") == edited


@pytest.mark.lang("en")
def test_unit_that_does_not_exist(run, repo_state):
    refused(run, repo_state, "open", "ticket", "--channel", "phone", "--category", "repair", "--unit", "9-9-9999",
            "--description", "漏水", "--as", "王芳", code=4,
            err="wuyectl: unit 9-9-9999 has no household record (open it first: wuyectl open owner --unit 9-9-9999 …)\n")


@pytest.mark.lang("en")
def test_at_in_the_future_is_refused(run, ticket, repo_state):
    # (the future of the computer's clock, not of WUYECTL_NOW: see test_commit_safety.py)
    refused(run, repo_state, "assign", ticket, "--to", "李明", "--at", "2999-01-01 09:14", "--as", "王芳", code=3,
            err="wuyectl: --at 2999-01-01T09:14:00+08:00 is in the future (by this computer's clock)\n")


def test_usage_errors_are_one_line(run, repo_state):
    before = repo_state()
    result = run("assign", "T-20261122-A001", "--as", "王芳")
    assert result.code == 2
    assert result.err.count("\n") == 1 and result.err.startswith("wuyectl: ") and "--to" in result.err
    assert repo_state() == before


@pytest.mark.lang("en")
def test_not_an_office(run, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run("get", "tickets", cwd=elsewhere)
    assert result.code == 9
    assert result.err == f"wuyectl: {elsewhere.resolve()} is not an office repo (no wuye.yaml; run `wuyectl init`)\n"



@pytest.mark.lang("en")
def test_listing_does_not_hide_a_broken_record(run, git, office, ticket):
    path = office / ticket_path(ticket)
    path.write_text(path.read_text(encoding="utf-8").replace("channel: phone", "channel: [phone"), encoding="utf-8")
    git("commit", "-q", "--no-verify", "-am", "a broken hand edit")
    result = run("get", "tickets")
    assert f"{ticket_path(ticket)}:4:9: bad YAML: expected ',' or ']', but got ':'" in result.err
