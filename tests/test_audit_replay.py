"""The audit replays the history (issue 10): each attack a hostile staff member tried is now
refused by the tool or reported by `wuyectl audit` with its code, commit and record.

Forged commits are made as a person would make them: the file changed by hand, then
`git commit` with any author name and any message, the tool's trailer block included.
"""
from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from conftest import DIRECTOR, OPEN_REPAIR, UNIT, ticket_path
from test_sync import clones  # noqa: F401  (a fixture: two clones of one office and their remote)

from wuyectl import api
from wuyectl.errors import Refused

TID = "T-20261122-A001"
TPATH = ticket_path(TID)


# -- helpers ------------------------------------------------------------------------------
def forge(office, message: str, *, who: str, date: str | None = None, paths=("-a",)) -> str:
    """A hand commit in anyone's name with any message; returns its short id."""
    env = dict(os.environ)
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    args = ["git", "-c", f"user.name={who}", "-c", "user.email=x@example.com", "commit", "-q", "--no-verify",
            "-F", "-", *paths]
    proc = subprocess.run(args, cwd=office, env=env, input=message.encode("utf-8"), capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()
    return head(office)


def head(office) -> str:
    return subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=office, capture_output=True, text=True,
                          check=True).stdout.strip()


def trailers(action: str, record: str, role: str, at: str = "2026-11-22T09:14:00+08:00") -> str:
    return f"Wuye-Action: {action}\nWuye-Record: {record}\nWuye-Role: {role}\nWuye-At: {at}\n"


def _yaml():
    from ruamel.yaml import YAML

    return YAML()   # round-trip, as a person's editor keeps the file


def write_into_roster(config, name: str, role: str) -> None:
    """Add a person to wuye.yaml's staff list by hand (before 孙审, indented as the file is)."""
    text = config.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.endswith("name: 孙审"))
    dash = line[: line.index("name:")]
    entry = f"{dash}name: {name}\n{' ' * len(dash)}role: {role}\n"
    config.write_text(text.replace(line + "\n", entry + line + "\n"), encoding="utf-8")


def load(office, rel: str):
    return _yaml().load((office / rel).read_text(encoding="utf-8"))


def dump(office, rel: str, data) -> None:
    with open(office / rel, "w", encoding="utf-8") as fh:
        _yaml().dump(data, fh)


def text_of(data) -> str:
    import io

    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def findings(cli, *args) -> set[tuple[str, str, str]]:
    result = cli("audit", "-o", "json", *args)
    rows = json.loads(result.out) if result.out.strip() else []
    assert result.code == (7 if rows else 0), result
    return {(r["commit"], r["code"], r["path"]) for r in rows}


def rows_of(cli, *args) -> list[dict]:
    result = cli("audit", "-o", "json", *args)
    return json.loads(result.out) if result.out.strip() else []


def resolved_repair(cli, ticket) -> None:
    assert cli("assign", ticket, "--to", "李明", "--as", "王芳").code == 0
    assert cli("update", ticket, "--action", "resolve", "--set", "result=换了阀门", "--set", "signed_by=张三",
               "--as", "李明").code == 0


def violation(cli) -> tuple[str, str]:
    result = cli("open", "violation", "--category", "装修", "--unit", UNIT, "--description", "擅自拆墙", "-o", "ids",
                 "--as", "王芳")
    assert result.code == 0, result.err
    wid = result.out.strip()
    assert cli("escalate", wid, "--reason", "上门劝导", "--as", "王芳").code == 0
    return wid, f"violations/{wid[2:6]}/{wid}.yaml"


# -- a tool-made history --------------------------------------------------------------------
@pytest.mark.lang("en")
def test_a_tool_made_history_replays_with_no_findings_and_says_identities_are_unverified(cli, run, ticket):
    resolved_repair(cli, ticket)
    assert cli("callback", ticket, "--method", "phone", "--rating", "dissatisfied", "--as", "王芳").code == 0
    assert cli("update", ticket, "--action", "resolve", "--set", "result=再次更换", "--set", "signed_by=张三",
               "--as", "李明").code == 0
    assert cli("callback", ticket, "--method", "phone", "--rating", "satisfied", "--as", "王芳").code == 0
    wid, _ = violation(cli)
    assert cli("escalate", wid, "--reason", "限期整改", "--deadline", "2026-12-01", "--as", "赵强").code == 0
    assert cli("rectify", wid, "--note", "已恢复原状", "--as", "王芳").code == 0
    result = run("audit")
    assert (result.code, result.err) == (0, "")
    assert result.out == ("no findings in 17 commits; identities are not verified: no one on the roster has a "
                          "signing key, so each commit's author is who its maker said they were\n")


def test_the_sample_office_replays_with_no_findings():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    if subprocess.run(["git", "log", "-1", "--", "sample-records"], cwd=root, capture_output=True,
                      text=True).stdout.strip() == "":
        pytest.skip("the sample office's history is not in this clone (a shallow checkout?)")
    office = api.Office(str(root / "sample-records"))
    result = api.audit_report(office, checkpoint=False)
    assert result.findings == [] and result.commits > 500


# -- edit changes only free text ------------------------------------------------------------
@pytest.mark.lang("en")
def test_edit_refuses_workflow_fields_and_names_the_action(office, cli, ticket):
    resolved_repair(cli, ticket)
    text = (office / TPATH).read_text(encoding="utf-8")
    closed = text.replace("status: resolved", "status: closed", 1)
    with pytest.raises(Refused) as refused:
        api.edit_record(api.Office(str(office)), "王芳", ticket, closed)
    assert str(refused.value) == (f"{ticket}: edit changes only free text, not status: it changes only through "
                                  f"actions (allowed now: report back, notify, reopen, escalate, callback; wuyectl "
                                  f"update {ticket} --action …)")
    fee = text.replace("result: 换了阀门", "result: 换了阀门\nfee: 80", 1)
    with pytest.raises(Refused, match=r"not fee: it is recorded by an action: wuyectl update .* --action "
                                      r"contact/progress/resolve --set fee=…"):
        api.edit_record(api.Office(str(office)), "王芳", ticket, fee)
    imported = text.replace("result: 换了阀门", "result: 换了阀门\nsource_id: '311-1'", 1)
    with pytest.raises(Refused, match="not source_id"):
        api.edit_record(api.Office(str(office)), "王芳", ticket, imported)
    # free text is fine, and the audit agrees
    api.edit_record(api.Office(str(office)), "王芳", ticket, text.replace("卫生间漏水", "卫生间漏水，楼下渗水", 1))
    assert findings(cli) == set()


@pytest.mark.lang("en")
def test_edit_refuses_a_penalty_step_written_in_by_a_technician(office, cli):
    wid, rel = violation(cli)
    data = load(office, rel)
    data["measures"].append({"step": "rectify", "at": "2026-11-22T09:14:00+08:00", "by": "赵强", "deadline": "2026-12-01"})
    data["step"] = "rectify"
    text = text_of(data)
    with pytest.raises(Refused, match=rf"^{wid}: edit changes only free text, not step: a measure is the next step "
                                      rf"of the ladder: wuyectl escalate {wid} --reason …$"):
        api.edit_record(api.Office(str(office)), "李明", wid, text)


@pytest.mark.lang("en")
def test_an_imported_ticket_is_frozen(office, cli, run):
    csv = office.parent / "import.csv"
    csv.write_text("case,opened,category,text,address\n311-1,2026-11-20 08:00,repair,路灯不亮,3-2-1201\n",
                   encoding="utf-8")
    result = run("import", "tickets", str(csv), "--map", "case=source_id", "--map", "opened=received_at",
                 "--map", "category=category", "--map", "text=description", "--map", "address=unit",
                 "--timezone", "Asia/Shanghai", "--as", "王芳")
    assert result.code == 0, result.err
    tid = json.loads(run("get", "tickets", "-o", "json").out)[-1]["id"]
    rel = ticket_path(tid)
    text = (office / rel).read_text(encoding="utf-8")
    with pytest.raises(Refused, match="imported history is frozen as imported"):
        api.edit_record(api.Office(str(office)), "王芳", tid, text.replace("路灯不亮", "路灯不亮（补充）"))
    # later changes go through the workflow, and replay like any other
    assert cli("assign", tid, "--to", "李明", "--as", "王芳").code == 0
    assert findings(cli) == set()


# -- forged commits --------------------------------------------------------------------------
def forged_rectify(office, cli, *, in_the_name_of: str) -> tuple[str, str, list[dict]]:
    """李明 (technician) writes a rectify step into a violation by hand, in someone's name, and
    commits it in the tool's words; returns (violation, path, the audit rows of that commit)."""
    wid, rel = violation(cli)
    data = load(office, rel)
    at = "2026-11-22T09:14:00+08:00"
    data["measures"].append({"step": "rectify", "at": at, "by": in_the_name_of, "deadline": "2026-12-01"})
    data["step"] = "rectify"
    data["timeline"].append({"at": at, "by": in_the_name_of, "action": "escalate", "note": "限期整改", "step": "rectify"})
    dump(office, rel, data)
    commit = forge(office, f"{wid} escalate\n\n" + trailers("escalate", wid, "technician"), who="李明")
    return wid, rel, [r for r in rows_of(cli) if r["commit"] == commit]


@pytest.mark.lang("en")
def test_a_penalty_in_a_supervisors_name_forged_by_a_technician(office, cli):
    wid, rel, rows = forged_rectify(office, cli, in_the_name_of="赵强")
    assert {(r["code"], r["path"]) for r in rows} == {("A-wrong-actor", rel)}
    assert rows[0]["message"] == "'escalate' is in the name of 赵强, not 李明 who made the commit"


@pytest.mark.lang("en")
def test_a_penalty_by_a_technician_in_his_own_name_is_not_permitted(office, cli):
    wid, _, rows = forged_rectify(office, cli, in_the_name_of="李明")
    # the replay refuses the step, and the rule on who imposes penalties says the same
    assert {(r["code"], r["message"]) for r in rows} == {
        ("A-role", f"李明 (technician) may not escalate {wid}: needs director or supervisor"),
        ("A-role", "李明 (technician) may not impose rectify by deadline: needs a supervisor or director")}


@pytest.mark.lang("en")
def test_an_invented_callback_closing_a_repair(office, cli, run, ticket):
    resolved_repair(cli, ticket)
    data = load(office, TPATH)
    data["status"] = "closed"
    data["timeline"].append({"at": "2026-11-22T09:14:00+08:00", "by": "王芳", "action": "callback",
                             "rating": "satisfied", "visit": "R-20261122-A009"})
    dump(office, TPATH, data)
    commit = forge(office, f"R-20261122-A009 callback {ticket}\n\n" + trailers("callback", ticket, "clerk"), who="王芳")
    rows = [r for r in rows_of(cli) if r["commit"] == commit]
    assert {(r["code"], r["path"]) for r in rows} == {("A-no-callback", TPATH)}
    assert rows[0]["message"] == "the callback of 2026-11-22T09:14:00+08:00 names no visit record (R-20261122-A009)"
    # validate sees it in the working tree too
    assert "W-callback-visit" in run("validate", "-o", "json").out


@pytest.mark.lang("en")
def test_a_close_that_is_a_callback_in_disguise(office, cli, ticket):
    resolved_repair(cli, ticket)
    data = load(office, TPATH)
    data["status"] = "closed"
    data["timeline"].append({"at": "2026-11-22T09:14:00+08:00", "by": "王芳", "action": "close"})
    dump(office, TPATH, data)
    commit = forge(office, f"{ticket} close\n\n" + trailers("close", ticket, "clerk"), who="王芳")
    rows = [r for r in rows_of(cli) if r["commit"] == commit]
    assert ("A-unexplained", TPATH) in {(r["code"], r["path"]) for r in rows}
    assert any("is closed by its callback" in r["message"] for r in rows)


@pytest.mark.lang("en")
def test_a_field_changed_beside_a_real_step(office, cli, ticket):
    assert cli("assign", ticket, "--to", "李明", "--as", "王芳").code == 0
    data = load(office, TPATH)
    data["status"] = "in_progress"
    data["fee"] = 500
    data["timeline"].append({"at": "2026-11-22T09:14:00+08:00", "by": "李明", "action": "contact"})
    dump(office, TPATH, data)
    commit = forge(office, f"{ticket} contact\n\n" + trailers("contact", ticket, "technician"), who="李明")
    rows = [r for r in rows_of(cli) if r["commit"] == commit]
    assert [(r["code"], r["message"]) for r in rows] == [
        ("A-unexplained", "'contact' by 李明 does not produce this change: fee differ from what the step records")]


@pytest.mark.lang("en")
def test_source_id_set_by_hand_switches_off_nothing(office, cli, ticket):
    resolved_repair(cli, ticket)
    data = load(office, TPATH)
    data["source_id"] = "x"
    data["status"] = "closed"
    dump(office, TPATH, data)
    commit = forge(office, "补录", who="王芳")
    rows = [r for r in rows_of(cli) if r["commit"] == commit]
    assert ("A-hand-edit", TPATH) in {(r["code"], r["path"]) for r in rows}
    hand = [r for r in rows if r["code"] == "A-hand-edit"][0]
    assert hand["message"] == "changed without the tool (workflow fields: status, source_id)"


def test_a_trailer_line_in_a_subject_counts_for_nothing(office, cli, ticket):
    data = load(office, TPATH)
    data["description"] = "改了"
    dump(office, TPATH, data)
    commit = forge(office, "Wuye-Action: edit\nWuye-Record: " + ticket + "\nWuye-Role: clerk\n", who="王芳")
    assert (commit, "A-hand-edit", TPATH) in findings(cli)


# -- the roster --------------------------------------------------------------------------------
@pytest.mark.lang("en")
def test_a_promotion_by_hand_is_not_honoured(office, cli, ticket):
    config = office / "wuye.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"(name: 王芳\n\s+role:) clerk", r"\1 director", text), encoding="utf-8")
    assert "role: director" in config.read_text(encoding="utf-8").split("王芳", 1)[1][:40]
    forged = forge(office, "staff 王芳\n\nWuye-Action: staff-add\nWuye-Role: director\n", who=DIRECTOR)
    # the tool does not believe it (test_the_commands_too_…); a commit made by hand in her name,
    # in the tool's words, claiming the role, is reported
    assert cli("staff", "add", "钱七", "--role", "director", "--as", "王芳").code == 6
    write_into_roster(config, "钱七", "director")
    added = forge(office, "staff add 钱七 主任\n\nWuye-Action: staff-add\nWuye-Role: director\n", who="王芳")
    rows = rows_of(cli)
    got = {(r["commit"], r["code"], r["path"]) for r in rows}
    assert (forged, "A-roster", "wuye.yaml") in got
    assert (added, "A-role", "") in got and (added, "A-roster", "wuye.yaml") in got
    promotion = [r for r in rows if r["commit"] == forged][0]["message"]
    assert promotion == f"roster changed by 'staff-add' by {DIRECTOR} (director), not honoured: 王芳: clerk → director"
    role = [r for r in rows if r["commit"] == added and r["code"] == "A-role"][0]["message"]
    assert role == "the commit claims the role director; 王芳 is clerk on the roster at this commit"


def test_someone_not_on_the_roster(office, cli, ticket):
    data = load(office, TPATH)
    data["description"] = "改了"
    dump(office, TPATH, data)
    commit = forge(office, f"{ticket} edit\n\nWuye-Action: edit\nWuye-Record: {ticket}\nWuye-Role: clerk\n", who="张三")
    assert (commit, "A-unknown-actor", "") in findings(cli)


# -- merges ------------------------------------------------------------------------------------
def test_an_evil_merge_that_deletes_a_complaint(office, cli, git, new_ticket):
    complaint = new_ticket("complaint")
    git("checkout", "-q", "-b", "side")
    other = new_ticket("repair")
    git("checkout", "-q", "master" if "master" in git("branch") else "main")
    assert cli("assign", complaint, "--to", "赵强", "--as", "王芳").code == 0
    git("merge", "-q", "--no-ff", "--no-commit", "side")
    git("rm", "-q", ticket_path(complaint))
    merge = forge(office, "sync with origin/main\n\n" + "Wuye-Action: sync\nWuye-Role: clerk\n", who="王芳",
                  paths=())
    got = findings(cli)
    assert (merge, "A-deleted", ticket_path(complaint)) in got
    assert (merge, "A-unexplained", ticket_path(complaint)) in got
    # the side's own commit was replayed, and is clean
    assert not any(path == ticket_path(other) for _, _, path in got)
    # and the complaint's history is still there to read
    log = json.loads(cli("log", complaint, "-o", "json").out)
    assert [e["action"] for e in log][:2] == ["open", "assign"]


# -- time ---------------------------------------------------------------------------------------
@pytest.mark.lang("en")
def test_an_event_time_after_its_commit(office, cli, ticket):
    data = load(office, TPATH)
    data["description"] = "改了"
    dump(office, TPATH, data)
    commit = forge(office, f"{ticket} edit\n\n" + trailers("edit", ticket, "clerk", at="2026-12-30T09:00:00+08:00"),
                   who="王芳", date="2026-11-23T09:00:00+08:00")
    rows = [r for r in rows_of(cli) if r["commit"] == commit]
    assert [(r["code"], r["message"]) for r in rows] == [
        ("A-event-time", "business time 2026-12-30T09:00:00+08:00 is after the commit was made "
                         "(2026-11-23T09:00:00+08:00)")]


@pytest.mark.lang("en")
def test_an_event_dated_before_the_records_last_is_refused(cli, ticket):
    result = cli("assign", ticket, "--to", "李明", "--as", "王芳", "--at", "2026-11-22 08:00")
    assert result.code == 5
    assert result.err == (f"wuyectl: {ticket}: assign at 2026-11-22T08:00:00+08:00 is earlier than its previous "
                          "event (2026-11-22T09:14:00+08:00); events are recorded in the order they happened\n")


def test_since_follows_the_first_parent_order_not_commit_dates(office, cli, ticket):
    data = load(office, TPATH)
    data["description"] = "改了"
    dump(office, TPATH, data)
    late = forge(office, "a", who="王芳", date="2026-12-10T10:00:00+08:00")
    data["description"] = "又改了"
    dump(office, TPATH, data)
    # a commit that claims to be old, made after the one of 12-10
    claimed_old = forge(office, "b", who="王芳", date="2020-01-01T10:00:00+08:00")
    assert findings(cli, "--since", "2026-12-01") == {(late, "A-hand-edit", TPATH), (claimed_old, "A-hand-edit", TPATH)}


# -- rewritten history ------------------------------------------------------------------------
@pytest.mark.lang("en")
def test_a_rewritten_history_is_noticed(office, cli, git, new_ticket):
    complaint = new_ticket("complaint")
    opened = head(office)
    new_ticket("repair")
    assert findings(cli) == set()          # audited: the checkpoint remembers this history
    before = git("rev-parse", "HEAD").strip()
    git("rebase", "-q", "--onto", f"{opened}^", opened)      # the complaint's opening is gone
    git("reflog", "expire", "--expire=now", "--all")
    git("gc", "-q", "--prune=now")
    assert not (office / ticket_path(complaint)).exists()
    rows = rows_of(cli)
    assert [(r["code"], r["commit"]) for r in rows] == [("A-rewritten", before[:10])]
    assert rows[0]["message"].startswith(f"commit {before[:10]}, the head of the history audited on ")
    assert rows[0]["message"].endswith(", is no longer in it: the history was rewritten since")


def test_the_checkpoint_replays_only_new_commits(office, cli, ticket):
    first = api.audit_report(api.Office(str(office)))
    assert first.findings == [] and first.commits == 8
    assert cli("assign", ticket, "--to", "李明", "--as", "王芳").code == 0
    again = api.audit_report(api.Office(str(office)))
    assert (again.commits, again.replayed_total, again.findings) == (1, 9, [])


def test_worktrees_on_other_branches_keep_their_own_checkpoints(office, cli, git, ticket, tmp_path):
    """Worktrees share one git folder, not one branch: auditing one is no rewrite of the other."""
    other = tmp_path / "other"
    git("worktree", "add", "-q", "-b", "side", str(other))
    assert cli("assign", ticket, "--to", "李明", "--as", "王芳").code == 0
    assert api.audit_report(api.Office(str(office))).findings == []
    assert cli("escalate", ticket, "--reason", "业主催促", "--as", "王芳", "--repo", str(other)).code == 0
    assert api.audit_report(api.Office(str(other))).findings == []
    again = api.audit_report(api.Office(str(office)))
    assert (again.commits, again.findings) == (0, [])


# -- offices that sync ---------------------------------------------------------------------------
@pytest.mark.lang("en")
def test_a_synced_field_level_merge_replays_clean_in_both_offices(clones, cli):  # noqa: F811 (the fixture)
    from test_sync import at

    a, b, remote = clones
    assert cli(*OPEN_REPAIR, "--as", "王芳", env=at("09:15")).out.strip() == TID
    assert cli("sync", "--as", "王芳", env=at("09:15")).code == 0
    assert cli("sync", "--as", "王芳", "--repo", b, env=at("09:15")).code == 0
    assert cli("assign", TID, "--to", "李明", "--as", "王芳", env=at("09:20")).code == 0
    assert cli("escalate", TID, "--reason", "业主催促", "--as", "赵强", "--repo", b, env=at("09:17")).code == 0
    assert cli("sync", "--as", "王芳", env=at("09:25")).code == 0
    assert cli("sync", "--as", "王芳", "--repo", b, env=at("09:26")).out.startswith("merged and pushed")
    assert cli("sync", "--as", "王芳", env=at("09:30")).code == 0
    for repo in (a, b):
        result = cli("audit", "-o", "json", "--repo", repo)
        assert (result.code, json.loads(result.out)) == (0, []), result.out


# -- signatures ---------------------------------------------------------------------------------
@pytest.fixture
def keys(tmp_path, monkeypatch):
    """`keys(name)`: a new ed25519 key pair; returns the private key's path."""
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    folder = tmp_path / "keys"
    folder.mkdir()

    def _make(name: str):
        path = folder / name
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True,
                       capture_output=True)
        return path

    return _make


def signed_commit(office, message: str, *, who: str, key) -> str:
    """A hand commit in `who`'s name, signed with `key` (git's own SSH signing)."""
    args = ["git", "-c", f"user.name={who}", "-c", "user.email=x@example.com", "-c", "gpg.format=ssh",
            "-c", f"user.signingkey={key}", "commit", "-q", "--no-verify", "-S", "-a", "-F", "-"]
    proc = subprocess.run(args, cwd=office, input=message.encode("utf-8"), capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()
    return head(office)


@pytest.mark.lang("en")
def test_signatures_are_verified_against_the_roster_at_each_commit(office, cli, run, keys):
    wang, zhao = keys("wang"), keys("zhao")
    assert cli("staff", "key", "王芳", "--file", f"{wang}.pub", "--as", DIRECTOR).code == 0
    assert cli("staff", "key", "赵强", "--file", f"{zhao}.pub", "--as", DIRECTOR).code == 0
    opened = run(*OPEN_REPAIR, "--as", "王芳", env={"WUYECTL_SIGNING_KEY": str(wang)})
    assert opened.code == 0, opened.err
    tid = opened.out.strip()
    result = run("audit")
    assert (result.code, result.out) == (0, "no findings in 10 commits; signatures verified against the keys on "
                                            "the roster at each commit\n")
    rel = ticket_path(tid)
    data = load(office, rel)
    data["description"] = "改一"
    dump(office, rel, data)
    unsigned = forge(office, f"{tid} edit\n\n" + trailers("edit", tid, "clerk"), who="王芳")
    data["description"] = "改二"
    dump(office, rel, data)
    others_key = signed_commit(office, f"{tid} edit\n\n" + trailers("edit", tid, "clerk"), who="王芳", key=zhao)
    rows = rows_of(cli)
    assert [(r["commit"], r["code"], r["message"]) for r in rows] == [
        (unsigned, "A-unsigned", "not signed although 王芳 has a signing key on the roster (the tool signs for them)"),
        (others_key, "A-bad-signature", "signed by 赵强 (" + signing_fingerprint(zhao) + "), not by a key 王芳 had "
                                        "on the roster at this commit")]


def test_require_signatures_makes_every_unsigned_commit_a_finding(office, cli, git):
    config = office / "wuye.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("policy:\n", "policy:\n  require_signatures: true\n"),
                      encoding="utf-8")
    changed = forge(office, "policy", who=DIRECTOR)
    got = findings(cli)
    assert (changed, "A-hand-edit", "wuye.yaml") in got
    assert (changed, "A-unsigned", "") not in got            # the policy holds from the next commit
    assert cli(*OPEN_REPAIR, "--as", "王芳").code == 5       # the tool refuses: she has no key
    (office / "notes.txt").write_text("x", encoding="utf-8")
    git("add", "notes.txt")
    hand = forge(office, "notes", who="王芳")
    assert (hand, "A-unsigned", "") in findings(cli)


def signing_fingerprint(key) -> str:
    from wuyectl.store import signing

    return signing.fingerprint(open(f"{key}.pub", encoding="utf-8").read())


# -- the policy ---------------------------------------------------------------------------------
@pytest.mark.lang("en")
def test_the_policy_is_the_directors_to_change_and_each_commit_is_judged_by_its_own(office, cli, run, ticket):
    assert cli("policy", "set", "backdate_limit_days", "1", "--as", "王芳").code == 6
    result = run("policy", "set", "backdate_limit_days", "60", "--as", DIRECTOR)
    assert (result.code, result.out) == (0, f"policy backdate_limit_days: committed {head(office)}\n")
    assert "Wuye-Action: policy\n" in subprocess.run(["git", "log", "-1", "--format=%B"], cwd=office,
                                                     capture_output=True, text=True).stdout
    assert run("policy", "show").out == "backdate_limit_days: 60\n"
    assert findings(cli) == set()
    # the same change forged by a clerk, in the tool's words
    config = office / "wuye.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("backdate_limit_days: 60", "backdate_limit_days: 9000"),
                      encoding="utf-8")
    forged = forge(office, "policy backdate_limit_days = 9000\n\nWuye-Action: policy\nWuye-Role: clerk\n", who="王芳")
    rows = [r for r in rows_of(cli) if r["commit"] == forged]
    assert [(r["code"], r["message"]) for r in rows] == [
        ("A-roster", "office configuration (policy) changed by 'policy' by 王芳 (clerk), which does not change it "
                     "(taken as written)")]


@pytest.mark.lang("en")
def test_the_commands_too_ignore_a_promotion_by_hand(office, cli, run, ticket):
    config = office / "wuye.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"(name: 王芳\n\s+role:) clerk", r"\1 director", text), encoding="utf-8")
    refused = ("wuyectl: 王芳 is director in wuye.yaml, but clerk as the roster's history has it (a hand edit is "
               "not honoured; roles change with the tool)\n")
    # uncommitted, then committed (as the director, in the tool's words): either way
    for commit in (False, True):
        if commit:
            forge(office, "staff 王芳\n\nWuye-Action: staff-add\nWuye-Role: director\n", who=DIRECTOR)
        for args in (["show", ticket, "--reveal"], ["staff", "add", "钱七", "--role", "director"],
                     ["assign", ticket, "--to", "李明"]):
            result = run(*args, "--as", "王芳")
            assert (result.code, result.err) == (6, refused), args
    # someone written into the roster by hand is no one
    write_into_roster(config, "钱八", "director")
    result = run("assign", ticket, "--to", "李明", "--as", "钱八")
    assert result.err == ("wuyectl: 钱八 is in wuye.yaml but no tool step put them on the roster (a hand edit): a "
                          "supervisor or director adds them with `wuyectl staff add`\n")
    # the others work as before
    assert run("assign", ticket, "--to", "李明", "--as", "赵强").code == 0
    # a manager adds the person for real: their hand-written line is replaced, and they act
    forge(office, "钱八 by hand", who=DIRECTOR)
    assert run("staff", "add", "钱八", "--role", "clerk", "--as", DIRECTOR).code == 0
    assert run("update", ticket, "--action", "contact", "--as", "钱八").code == 0
    staff = [line for line in config.read_text(encoding="utf-8").splitlines() if "钱八" in line]
    assert len(staff) == 1
    rows = [r for r in rows_of(cli) if r["path"] == "wuye.yaml" or r["code"] in ("A-role", "A-unknown-actor")]
    # the forged promotion, and the line written in by hand; the staff add that replaced it is clean
    assert [r["code"] for r in rows] == ["A-roster", "A-roster"]
    assert rows[1]["message"] == "roster changed by a hand commit, not honoured: 钱八: (new) → director"


# -- the replay in worker processes -----------------------------------------------------------
def test_workers_find_the_same_in_the_same_order(office, cli, new_ticket, monkeypatch):
    from wuyectl.app import replay

    for category in ("repair", "complaint", "consult"):
        tid = new_ticket(category)
        data = load(office, ticket_path(tid))
        data["status"] = "closed"
        dump(office, ticket_path(tid), data)
        forge(office, f"{tid} close\n\n" + trailers("close", tid, "clerk"), who="王芳")
    wid, rel, _ = forged_rectify(office, cli, in_the_name_of="赵强")
    monkeypatch.setattr(replay, "PARALLEL_FROM", 1)
    one = replay.replay(str(office), "", use_checkpoint=False, workers=1)
    two = replay.replay(str(office), "", use_checkpoint=False, workers=2)
    assert len(one.findings) == 6
    assert [f.as_dict() for f in one.findings] == [f.as_dict() for f in two.findings]


def test_a_checkpointed_replay_finds_what_a_whole_replay_finds(office, cli, git, new_ticket, monkeypatch):
    """The checkpoint only saves work: audited after every commit or once at the end, in one
    process or several, with git's list of commits read in small pieces, the findings are
    the same, in the same order."""
    from wuyectl.app import replay

    monkeypatch.setattr(replay, "CHUNK", 3)   # a new `git diff-tree` every 3 commits
    monkeypatch.setattr(replay, "BATCH", 2)   # blobs asked of git 2 commits ahead

    def audited() -> list[dict]:
        return [f.as_dict() for f in api.audit_report(api.Office(str(office))).findings]

    closed = new_ticket("repair")
    audited()
    data = load(office, ticket_path(closed))
    data["status"] = "closed"
    dump(office, ticket_path(closed), data)
    forge(office, f"{closed} close\n\n" + trailers("close", closed, "clerk"), who="王芳")
    audited()
    gone = new_ticket("complaint")
    git("rm", "-q", ticket_path(gone))
    forge(office, "删除重复工单", who="王芳", paths=())
    audited()
    forged_rectify(office, cli, in_the_name_of="赵强")   # (its rows come from a checkpointed audit)
    new_ticket("consult")
    step_by_step = audited()
    monkeypatch.setattr(replay, "PARALLEL_FROM", 1)
    whole = [f.as_dict() for f in replay.replay(str(office), "", use_checkpoint=False, workers=1).findings]
    shared = [f.as_dict() for f in replay.replay(str(office), "", use_checkpoint=False, workers=3).findings]
    assert {f["code"] for f in whole} >= {"A-unexplained", "A-deleted", "A-wrong-actor"}
    assert step_by_step == whole == shared
