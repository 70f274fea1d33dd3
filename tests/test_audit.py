"""The audit trail (issue 6): `wuyectl log ID` and `wuyectl audit [--since]`.

`log` shows, per commit touching a record: the author, when it was recorded, the action, the
business time when it differs (backdated entries marked) and the field-level change, with
personal numbers masked.

`audit` reads the whole history; for every finding kind of `wuyectl.app.audit.FINDING_KINDS` a test below
makes the offending history by hand (commits with `git -c user.name=… commit --no-verify`,
`git rm`, `git mv`, a Wuye-At trailer far before the commit date, a penalty written in by a
clerk, edits to a destroyed archive item or to a violation past retain_until) and checks it
is reported with its commit id, its kind and its file, and that audit exits 7. A history made
only by the tool has no findings (exit 0).
"""
from __future__ import annotations

import json
import os
import subprocess

import yaml

from conftest import DIRECTOR, MASKED, UNIT, ticket_path
from helpers_kinds import ARCHIVIST

from wuyectl.app.audit import FINDING_KINDS as KINDS

TID = "T-20261122-A001"
TPATH = ticket_path(TID)


# -- helpers ------------------------------------------------------------------------------
def hand_commit(office, message: str, *paths_or_all: str, who: str = "王芳", date: str | None = None,
                extra: list[str] | None = None) -> str:
    """A person's commit past the pre-commit hook (--no-verify); returns its short id."""
    env = dict(os.environ)
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    args = ["git", "-c", f"user.name={who}", "-c", "user.email=x@example.com", "commit", "-q", "--no-verify",
            "-F", "-", *(extra or [])]
    if paths_or_all == ("-a",):
        args.append("-a")
    proc = subprocess.run(args, cwd=office, env=env, input=message.encode("utf-8"), capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()
    return subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=office, capture_output=True,
                          text=True, check=True).stdout.strip()


def edit(office, relpath: str, change) -> None:
    """Change a record (`change(data)`) as a person's editor would: round-trip, the rest as is."""
    from ruamel.yaml import YAML

    path = office / relpath
    rt = YAML()
    data = rt.load(path.read_text(encoding="utf-8"))
    change(data)
    with open(path, "w", encoding="utf-8") as fh:
        rt.dump(data, fh)


def audit(cli, *args) -> tuple[int, list[dict], str]:
    result = cli("audit", "-o", "json", *args)
    rows = json.loads(result.out) if result.out.strip() else []
    return result.code, rows, result.err


def found(rows: list[dict]) -> set[tuple[str, str, str]]:
    return {(r["commit"], r["kind"], r["path"]) for r in rows}


def assert_reported(cli, expected: set[tuple[str, str, str]], *, exactly: bool = True) -> list[dict]:
    code, rows, err = audit(cli)
    assert code == 7, (code, rows, err)
    assert err == f"{len(rows)} finding(s)\n"
    if exactly:
        assert found(rows) == expected, rows
    else:
        assert expected <= found(rows), rows
    return rows


def test_every_finding_kind_has_a_test():
    """Each code is made by a test: here, in test_audit_replay.py (the replay's attacks),
    test_signing.py (signatures) and test_server*.py (pushes and the server's receipts)."""
    here = {"hand-edit", "deleted", "renamed", "invalid", "transition", "no-callback", "ladder-skip", "role",
            "past-retention", "backdated"}
    tests = os.path.dirname(__file__)
    text = "".join(open(os.path.join(tests, name), encoding="utf-8").read()
                   for name in sorted(os.listdir(tests)) if name.startswith("test_") and name.endswith(".py")
                   and name != "test_audit.py")
    made_elsewhere = {kind for kind in KINDS if f'"A-{kind}"' in text}
    assert set(KINDS) == here | made_elsewhere, set(KINDS) - here - made_elsewhere


# -- a clean history ----------------------------------------------------------------------
def test_a_tool_made_history_has_no_findings(cli, new_ticket, run):
    # a backdate within the policy (a paper form entered later) is no finding
    assert new_ticket(at="2026-11-22 06:30") == TID
    assert cli("assign", TID, "--to", "李明", "--as", "王芳", "--at", "2026-11-22 07:00").code == 0
    assert cli("update", TID, "--action", "contact", "--as", "李明").code == 0
    assert cli("update", TID, "--action", "resolve", "--set", "result=换了阀门", "--set", "signed_by=张三",
               "--as", "李明").code == 0
    assert cli("callback", TID, "--method", "phone", "--rating", "satisfied", "--as", "王芳").code == 0
    result = run("audit")
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith("no findings in 12 commits; identities are not verified")
    assert cli("audit", "-o", "json").out.strip() in ("", "[]")


# -- each finding kind --------------------------------------------------------------------
def test_hand_edit(cli, office, ticket):
    edit(office, TPATH, lambda d: d.update(description="卫生间漏水，楼下渗水"))
    commit = hand_commit(office, "补充说明", "-a")
    rows = assert_reported(cli, {(commit, "hand-edit", TPATH)})
    assert rows[0]["author"] == "王芳"
    assert rows[0]["message"] == "changed without the tool (free text only)"
    # wuye.yaml changed by hand is one too
    config = office / "wuye.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("幸福花园", "幸福花园二期"), encoding="utf-8")
    second = hand_commit(office, "改名", "-a")
    assert_reported(cli, {(commit, "hand-edit", TPATH), (second, "hand-edit", "wuye.yaml")})


def test_deleted(cli, git, office, ticket):
    git("rm", "-q", TPATH)
    commit = hand_commit(office, "删除重复工单")
    assert_reported(cli, {(commit, "deleted", TPATH)})


def test_renamed(cli, git, office, ticket):
    (office / "tickets" / "2026-12").mkdir()
    moved = "tickets/2026-12/T-20261122-A001.yaml"
    git("mv", TPATH, moved)
    commit = hand_commit(office, "归档到12月")
    rows = assert_reported(cli, {(commit, "renamed", moved), (commit, "hand-edit", moved)}, exactly=False)
    assert any(r["kind"] == "renamed" and r["message"] == f"record file moved from {TPATH}" for r in rows)


def test_invalid(cli, office, ticket):
    path = office / TPATH
    path.write_text(path.read_text(encoding="utf-8").replace("status: received", "status: resolvd"), encoding="utf-8")
    commit = hand_commit(office, "typo", "-a")
    # (an unknown status is also not a workflow step: a transition finding besides)
    rows = assert_reported(cli, {(commit, "hand-edit", TPATH), (commit, "invalid", TPATH),
                                 (commit, "transition", TPATH)})
    assert any(r["kind"] == "invalid" and "'resolvd' is not one of" in r["message"] for r in rows)
    # a file that is not even YAML
    path.write_text("id: [broken\n", encoding="utf-8")
    second = hand_commit(office, "broken", "-a")
    rows = assert_reported(cli, {(second, "invalid", TPATH)}, exactly=False)
    assert any(r["commit"] == second and r["message"] == "not readable YAML at this commit" for r in rows)


def test_transition(cli, office, ticket):
    assert cli("update", TID, "--action", "cancel", "--note", "重复", "--as", "王芳").code == 0
    # a cancelled ticket brought back to work by hand
    edit(office, TPATH, lambda d: d.update(status="assigned", assignee="李明", department="maintenance"))
    commit = hand_commit(office, "恢复工单", "-a")
    rows = assert_reported(cli, {(commit, "hand-edit", TPATH), (commit, "transition", TPATH)})
    assert any(r["message"] == "status cancelled → assigned is not a workflow step" for r in rows)


def test_no_callback(cli, office, ticket):
    assert cli("assign", TID, "--to", "李明", "--as", "王芳").code == 0
    assert cli("update", TID, "--action", "resolve", "--set", "result=换了阀门", "--set", "signed_by=张三",
               "--as", "李明").code == 0
    edit(office, TPATH, lambda d: d.update(status="closed"))      # closed with no callback
    commit = hand_commit(office, "结单", "-a")
    rows = assert_reported(cli, {(commit, "hand-edit", TPATH), (commit, "no-callback", TPATH)})
    assert any(r["kind"] == "no-callback" and "needs a callback" in r["message"] for r in rows)


def _violation(cli) -> tuple[str, str]:
    result = cli("open", "violation", "--category", "装修", "--unit", UNIT, "--description", "擅自拆墙", "-o", "ids",
                 "--as", "王芳")
    assert result.code == 0, result.err
    wid = result.out.strip()
    return wid, f"violations/{wid[2:6]}/{wid}.yaml"


def test_ladder_skip(cli, office):
    wid, path = _violation(cli)
    measure = {"step": "rectify", "at": "2026-11-22T09:14:00+08:00", "by": "赵强", "deadline": "2026-12-01",
               "note": "限期整改"}
    edit(office, path, lambda d: d.update(measures=[measure], step="rectify"))   # persuasion skipped
    commit = hand_commit(office, "直接限期整改", "-a", who="赵强")
    rows = assert_reported(cli, {(commit, "hand-edit", path), (commit, "ladder-skip", path)})
    assert any(r["kind"] == "ladder-skip" and "out of order" in r["message"] for r in rows)


def test_role_penalty_by_a_clerk_in_a_hand_edit(cli, office):
    wid, path = _violation(cli)
    assert cli("escalate", wid, "--reason", "上门劝导", "--as", "王芳").code == 0      # persuade: anyone
    penalty = {"step": "rectify", "at": "2026-11-22T09:14:00+08:00", "by": "王芳", "deadline": "2026-12-01",
               "note": "限期整改"}
    edit(office, path, lambda d: (d["measures"].append(penalty), d.update(step="rectify")))
    commit = hand_commit(office, "限期整改", "-a", who="王芳")
    rows = assert_reported(cli, {(commit, "hand-edit", path), (commit, "role", path)})
    role = [r for r in rows if r["kind"] == "role"]
    assert len(role) == 1 and "王芳 (clerk)" in role[0]["message"] and "supervisor or director" in role[0]["message"]


def test_past_retention_of_a_violation(cli, office):
    wid, path = _violation(cli)
    assert cli("escalate", wid, "--reason", "上门劝导", "--as", "王芳").code == 0
    assert cli("close", wid, "--note", "已整改", "--as", "赵强").code == 0
    retain = yaml.safe_load((office / path).read_text(encoding="utf-8"))["retain_until"]
    assert str(retain) == "2027-11-22"
    # within retention, an edit is just a hand edit; after it, it is also past-retention
    edit(office, path, lambda d: d.update(description="擅自拆墙（已复原）"))
    within = hand_commit(office, "补充", "-a", date="2027-06-01T10:00:00+08:00")
    edit(office, path, lambda d: d.update(description="改写旧记录"))
    after = hand_commit(office, "改写", "-a", date="2028-01-05T10:00:00+08:00")
    rows = assert_reported(cli, {(within, "hand-edit", path), (after, "hand-edit", path),
                                 (after, "past-retention", path)})
    assert any(r["kind"] == "past-retention" and r["message"] == "changed after its retention ended" for r in rows)


def test_past_retention_of_a_destroyed_archive_item(cli, office):
    assert cli("staff", "add", ARCHIVIST, "--role", "archivist", "--as", DIRECTOR).code == 0
    result = cli("open", "archive", "--title", "小区平面图", "--category", "site_plan", "--medium", "paper",
                 "--location", "柜1", "--retention", "1", "--filed-on", "2024-01-10", "-o", "ids", "--as", ARCHIVIST)
    assert result.code == 0, result.err
    aid = result.out.strip()
    path = f"archive/{aid}.yaml"
    for args in (("request-destruction", aid, "--as", ARCHIVIST),
                 ("update", aid, "--action", "review_destruction", "--as", "赵强"),
                 ("approve-destruction", aid, "--as", DIRECTOR),
                 ("destroy", aid, "--witness", "王芳", "--witness", "赵强", "--as", ARCHIVIST)):
        step = cli(*args)
        assert step.code == 0, (args, step.err)
    assert audit(cli)[0] == 0
    edit(office, path, lambda d: d.update(location="柜2"))
    commit = hand_commit(office, "改位置", "-a")
    rows = assert_reported(cli, {(commit, "hand-edit", path), (commit, "past-retention", path)})
    assert any(r["kind"] == "past-retention" and r["message"] == "changed after it was destroyed" for r in rows)


def backdate_limit(wuyectl, days: int) -> None:
    """Set policy backdate_limit_days with the director's `policy set` (the test office allows
    100 years, so that its events dated 2026-11-22 stay within the limit on any day)."""
    done = wuyectl("policy", "set", "backdate_limit_days", str(days), "--as", DIRECTOR)
    assert done.code == 0, done.err


def test_backdated_beyond_policy(cli, office, ticket):
    backdate_limit(cli, 31)
    edit(office, TPATH, lambda d: d.update(description="卫生间漏水（补录）"))
    message = (f"{TID} assign\n\nWuye-Action: assign\nWuye-Record: {TID}\nWuye-Role: clerk\n"
               "Wuye-At: 2026-01-05T09:00:00+08:00\n")
    commit = hand_commit(office, message, "-a", date="2026-11-22T10:00:00+08:00")
    # (the forged 'assign' changed only the description: no step explains that either)
    rows = assert_reported(cli, {(commit, "backdated", ""), (commit, "unexplained", TPATH)})
    assert rows[0]["message"] == "business time 2026-01-05T09:00:00+08:00 is more than 31 days before the commit"
    # a backdate within the policy (a paper form entered the next day) is no finding
    edit(office, TPATH, lambda d: d.update(description="卫生间漏水（补录2）"))
    second = hand_commit(office, message.replace("2026-01-05T09:00", "2026-11-21T09:00"), "-a",
                         date="2026-11-22T11:00:00+08:00")
    assert_reported(cli, {(commit, "backdated", ""), (commit, "unexplained", TPATH), (second, "unexplained", TPATH)})


def test_audit_since_and_table_output(cli, run, office, ticket):
    edit(office, TPATH, lambda d: d.update(description="早先的手工修改"))
    old = hand_commit(office, "旧", "-a", date="2026-11-23T10:00:00+08:00")
    edit(office, TPATH, lambda d: d.update(description="后来的手工修改"))
    new = hand_commit(office, "新", "-a", date="2026-12-10T10:00:00+08:00")
    code, rows, _ = audit(cli, "--since", "2026-12-01")
    assert code == 7 and found(rows) == {(new, "hand-edit", TPATH)}
    assert audit(cli, "--since", "2027-01-01")[0] == 0
    table = run("audit")
    assert table.code == 7 and table.err == "2 finding(s)\n"
    lines = table.out.splitlines()
    assert any(old in line and "hand-edit" in line and TPATH in line for line in lines)
    assert any(new in line and "hand-edit" in line and TPATH in line for line in lines)


# -- log ID -------------------------------------------------------------------------------
def test_log_shows_who_when_what_and_masks_phones(cli, run, office, new_ticket):
    assert new_ticket(at="2026-11-22 06:30") == TID
    assert cli("assign", TID, "--to", "李明", "--as", "王芳", "--at", "2026-11-22 07:00").code == 0
    path = office / TPATH
    path.write_text(path.read_text(encoding="utf-8").replace("13800138000", "13911112222"), encoding="utf-8")
    commit = hand_commit(office, "改电话", "-a", who="赵强", date="2026-11-22T10:00:00+08:00")
    result = run("log", TID)
    assert result.code == 0 and result.err == ""
    out = result.out
    assert "13800138000" not in out and "13911112222" not in out
    entries = [block for block in out.split("\n") if block and not block.startswith(" ")]
    assert len(entries) == 3
    # (recorded: the commit's date, the real clock; @: the business time)
    assert entries[0].endswith("  王芳  登记  @ 2026-11-22 06:30  ⚠ 补录")
    assert entries[1].endswith("  王芳  派单  @ 2026-11-22 07:00  ⚠ 补录")
    assert entries[2] == f"{commit}  2026-11-22 10:00  赵强  (hand edit)" or entries[2].startswith(commit)
    assert f"    reporter.phone: ∅ → {MASKED}\n" in out
    assert f"    reporter.phone: {MASKED} → 139****2222\n" in out
    assert "    status: received → assigned\n" in out and "    assignee: ∅ → 李明\n" in out
    english = run("log", TID, "--lang", "en").out
    assert "⚠ backdated" in english
    data = json.loads(run("log", TID, "-o", "json").out)
    assert [e["author"] for e in data] == ["王芳", "王芳", "赵强"]
    assert [e["action"] for e in data] == ["open", "assign", "(hand edit)"]
    assert [e["backdated"] for e in data] == [True, True, False]
    assert data[1]["at"] == "2026-11-22T07:00:00+08:00"
    assert data[2]["commit"] == commit
    assert {"field": "reporter.phone", "old": MASKED, "new": "139****2222"} in data[2]["changes"]
    assert "13800138000" not in json.dumps(data, ensure_ascii=False)


def test_log_marks_backdating_beyond_policy(run, office, ticket):
    backdate_limit(run, 31)
    edit(office, TPATH, lambda d: d.update(description="补录"))
    message = (f"{TID} assign\n\nWuye-Action: assign\nWuye-Record: {TID}\nWuye-Role: clerk\n"
               "Wuye-At: 2026-01-05T09:00:00+08:00\n")
    hand_commit(office, message, "-a", date="2026-11-22T10:00:00+08:00")
    out = run("log", TID).out
    assert "@ 2026-01-05 09:00  ⚠ 补录，超出规定" in out
    assert "⚠ backdated, beyond policy" in run("log", TID, "--lang", "en").out


def test_log_of_a_deleted_record_still_shows_its_history(cli, git, office, ticket):
    git("rm", "-q", TPATH)
    hand_commit(office, "删除")
    data = json.loads(cli("log", TID, "-o", "json").out)
    assert [e["action"] for e in data] == ["open", "(hand edit)"]
    assert {"field": "status", "old": "received", "new": None} in data[1]["changes"]


def test_log_through_a_broken_version(cli, office, ticket):
    """A hand edit that broke the file, then its repair: log says so instead of failing."""
    path = office / TPATH
    good = path.read_text(encoding="utf-8")
    for broken in ("- not\n- a mapping\n", "id: [broken\n"):
        path.write_text(broken, encoding="utf-8")
        hand_commit(office, "broken", "-a")
        path.write_text(good.replace("卫生间漏水", "卫生间漏水。"), encoding="utf-8")
        hand_commit(office, "repaired", "-a")
        path.write_text(good, encoding="utf-8")
        hand_commit(office, "back", "-a")
    result = cli("log", TID, "-o", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert [e["changes"][0] for e in data[1:3]] == [
        {"field": "(file)", "old": None, "new": "(not readable YAML)"},
        {"field": "(file)", "old": "(not readable YAML)", "new": None}]
    assert {"field": "description", "old": None, "new": "卫生间漏水。"} in data[2]["changes"]
    table = cli("log", TID)
    assert table.code == 0 and "    (file): ∅ → (not readable YAML)\n" in table.out
    assert "__unreadable__" not in table.out
    code, rows, _ = audit(cli)           # and audit reads the broken versions too
    assert code == 7
    assert [r["message"] for r in rows if r["kind"] == "invalid"] == ["not readable YAML at this commit"] * 2


def test_log_of_a_missing_record(run):
    result = run("log", "T-20261122-A404")
    assert (result.code, result.out, result.err) == (
        4, "", "wuyectl: no ticket T-20261122-A404 (looked for tickets/2026-11/T-20261122-A404.yaml)\n")
