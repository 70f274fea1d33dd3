"""The office repo and the store: init, round-trip edits, hand edits and the hook, validate,
and ten clerks writing at the same moment (SPEC §1, §5)."""
from __future__ import annotations

import pytest

import os
import subprocess
import sys

from conftest import OPEN_REPAIR, UNIT, ticket_path

# Messages are asserted in English here (the default is Chinese: tests/test_messages.py).
pytestmark = pytest.mark.lang("en")


def test_init_makes_an_office_repo(run, tmp_path):
    target = tmp_path / "新小区"
    result = run("init", str(target), "--name", "阳光花园", "--station", "B", "--as", "周经理", cwd=tmp_path)
    assert result.code == 0, result.err
    assert result.out == f"{target.resolve()}: office 阳光花园, station B, director 周经理\n"
    config = (target / "wuye.yaml").read_text(encoding="utf-8")
    assert "name: 阳光花园" in config and "station: B" in config and "role: director" in config
    hook = target / ".git" / "hooks" / "pre-commit"
    assert hook.is_file() and os.access(hook, os.X_OK)
    log = subprocess.run(["git", "log", "--format=%an|%s%n%b"], cwd=target, capture_output=True, text=True).stdout
    assert log.startswith("周经理|init office 阳光花园\n")
    assert "Wuye-Action: init" in log and "Wuye-Role: director" in log
    status = subprocess.run(["git", "status", "--porcelain"], cwd=target, capture_output=True, text=True).stdout
    assert status == ""
    # the station letter is in the IDs; the director can work at once
    assert run("open", "owner", "--unit", "1-1-101", "--name", "李四", "--as", "周经理", cwd=target).code == 0
    opened = run("open", "ticket", "--channel", "phone", "--category", "consult", "--unit", "1-1-101",
                 "--description", "停车", "-o", "ids", "--as", "周经理", cwd=target)
    assert opened.out == "T-20261122-B001\n"
    again = run("init", str(target), "--name", "x", "--as", "周经理", cwd=tmp_path)
    assert (again.code, again.err) == (3, f"wuyectl: {target.resolve()} is already an office repo (wuye.yaml exists)\n")


def test_round_trip_keeps_comments_and_key_order(cli, git, office, new_ticket):
    tid = new_ticket()
    path = office / ticket_path(tid)
    # a person rewrites the file: comments, and description moved up under the id
    hand = f"""\
# 张先生来电，语气很急
id: {tid}
description: 卫生间漏水   # 楼下1101也受影响
status: received
category: repair
channel: phone
urgency: normal
reporter:
  name: 张先生
  phone: '13800138000'
unit: {UNIT}
escalation_level: 0
received_at: 2026-11-22T09:14:00+08:00
timeline:
  # 受理
  - at: 2026-11-22T09:14:00+08:00
    by: 王芳
    action: receive
"""
    path.write_text(hand, encoding="utf-8")
    git("commit", "-q", "-am", "补充说明")     # through the pre-commit hook: valid, accepted
    assert cli("assign", tid, "--to", "李明", "--as", "王芳").code == 0

    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# 张先生来电，语气很急\nid: {tid}\ndescription: 卫生间漏水   # 楼下1101也受影响\n")
    assert "  # 受理\n" in text
    keys = [line.split(":")[0] for line in text.splitlines() if line and line[0].isalpha()]
    original = ["id", "description", "status", "category", "channel", "urgency", "reporter", "unit",
                "escalation_level", "received_at", "timeline"]
    assert [k for k in keys if k in original] == original
    assert "assignee" in keys and "department" in keys
    # the diff of the assign commit is just the new lines and the status
    diff = git("show", "--format=", "-U0", "HEAD")
    removed = [l for l in diff.splitlines() if l.startswith("-") and not l.startswith("---")]
    assert removed == ["-status: received"]


def test_validate_a_good_repo(run, new_ticket):
    new_ticket()
    result = run("validate")
    assert (result.code, result.out, result.err) == (0, "ok: 3 file(s) valid\n", "")
    assert run("validate", "tickets").out == "ok: 1 file(s) valid\n"


def test_validate_reports_every_problem_with_path_line_col(run, git, office, write, new_ticket, repo_state):
    tid = new_ticket()
    write(ticket_path("T-20261122-A002"), """
        id: T-20261122-A002
        status: assigned
        channel: phone
        category: complaint
        unit: 8-8-808
        description: 噪音
        escalation_level: 0
        received_at: 2026-11-22T09:14:00+08:00
        timeline:
          - at: 2026-11-22T09:14:00+08:00
            by: 王芳
            action: receive
        """)
    write("owners/3/3-2-1202.yaml", """
        id: 3-2-1202
        owners:
          - name: 李四
            phone: 1380013
        occupancy: selfish
        created_at: 2026-11-22
        """)
    before = repo_state()
    result = run("validate")
    assert result.code == 7
    path = ticket_path("T-20261122-A002")
    # sorted by file and line; the column is where the offending key starts
    assert result.out.splitlines() == [
        "owners/3/3-2-1202.yaml:4:5: owners.0.phone: 1380013 is not a string",
        "owners/3/3-2-1202.yaml:5:1: occupancy: 'selfish' is not one of self, rented, vacant, decorating "
        "(did you mean 'self'?)",
        "owners/3/3-2-1202.yaml:6:1: created_at: '2026-11-22' is not a time like 2026-11-22T09:14:00+08:00",
        f"{path}:2:1: status assigned needs an assignee",
        f"{path}:5:1: unit 8-8-808 has no household record (owners/8/8-8-808.yaml)",
        f"{path}:7:1: a complaint is reported to the supervisor: escalation_level is at least 1",
    ]
    assert result.err == "6 problem(s) in 5 file(s)\n"
    assert repo_state() == before
    # one path only
    only = run("validate", "owners")
    assert only.code == 7 and len(only.out.splitlines()) == 3
    assert only.err == "3 problem(s) in 2 file(s)\n"
    assert tid


def test_pre_commit_hook_keeps_invalid_records_out(git, office, new_ticket, repo_state):
    tid = new_ticket()
    path = office / ticket_path(tid)
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("category: repair", "category: repiar"), encoding="utf-8")
    git("add", ticket_path(tid))
    head = git("rev-parse", "HEAD")
    proc = git("commit", "-m", "手工修改", check=False)
    assert proc.returncode != 0
    output = proc.stdout.decode() + proc.stderr.decode()
    assert (f"{ticket_path(tid)}:4:1: category: 'repiar' is not one of consult, help, repair, paid_repair, "
            "suggestion, complaint, praise (did you mean 'repair'?)") in output
    assert "Traceback" not in output
    assert git("rev-parse", "HEAD") == head
    # fixed, the same hand commit goes through
    path.write_text(good.replace("description: 卫生间漏水", "description: 卫生间漏水（急）"), encoding="utf-8")
    git("add", ticket_path(tid))
    assert git("commit", "-m", "手工修改", check=False).returncode == 0
    assert git("log", "-1", "--format=%an").strip() == "王芳"


def test_pre_commit_hook_checks_bad_yaml(git, office, write):
    write(ticket_path("T-20261122-A009"), "id: T-20261122-A009\nstatus: [received\n")
    git("add", "-A")
    proc = git("commit", "-m", "broken", check=False)
    assert proc.returncode != 0
    assert f"{ticket_path('T-20261122-A009')}:3:1: bad YAML" in proc.stdout.decode() + proc.stderr.decode()


def test_ten_clerks_at_the_same_moment(office, git):
    start = int(git("rev-list", "--count", "HEAD"))
    command = [sys.executable, "-m", "wuyectl", *OPEN_REPAIR, "--as", "王芳"]
    procs = [subprocess.Popen(command, cwd=office, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(10)]
    results = [(p.wait(timeout=120), p.stdout.read().decode(), p.stderr.read().decode()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert [r[0] for r in results] == [0] * 10, [r[2] for r in results]
    ids = sorted(r[1].strip() for r in results)
    assert ids == [f"T-20261122-A{n:03d}" for n in range(1, 11)]
    assert int(git("rev-list", "--count", "HEAD")) == start + 10
    assert git("status", "--porcelain", "--untracked-files=all") == ""
    # each commit touches exactly its own ticket
    for n in range(10):
        files = git("show", "--name-only", "--format=", f"HEAD~{n}").split()
        assert len(files) == 1 and files[0].startswith("tickets/2026-11/")
    assert sorted(git("log", "-10", "--format=%(trailers:key=Wuye-Record,valueonly)").split()) == ids


def test_a_failed_write_leaves_files_and_index_as_before(cli, office, new_ticket, repo_state):
    """If git cannot commit, the record file and the index are put back."""
    tid = new_ticket()
    path = office / ticket_path(tid)
    text = path.read_text(encoding="utf-8")
    before = repo_state()
    # a pre-existing index.lock makes `git commit` fail after the file was written
    lock = office / ".git" / "index.lock"
    lock.write_text("")
    try:
        result = cli("assign", tid, "--to", "李明", "--as", "王芳")
    finally:
        lock.unlink()
    assert result.code == 9
    assert result.err.startswith("wuyectl: git update-index failed: fatal: Unable to create")
    assert path.read_text(encoding="utf-8") == text
    assert repo_state() == before


def test_repo_from_option_or_environment(run, cli, office, tmp_path, monkeypatch, new_ticket):
    tid = new_ticket()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    by_option = run("get", "tickets", "-o", "ids", "--repo", str(office), cwd=elsewhere)
    assert (by_option.code, by_option.out) == (0, f"{tid}\n")
    monkeypatch.chdir(elsewhere)
    by_env = cli("assign", tid, "--to", "李明", "--as", "王芳", env={"WUYECTL_REPO": str(office)})
    assert by_env.code == 0, by_env.err
    # from a sub-folder of the office, the office is found by walking up
    monkeypatch.chdir(office / "tickets")
    assert cli("get", "tickets", "--where", "status=assigned", "-o", "ids").out == f"{tid}\n"


def test_a_yaml_directive_in_one_file_does_not_reach_the_next_written():
    """ruamel keeps a `%YAML 1.1` directive it read on its (shared) instance and would write it
    at the top of every later file (found by the hostile-file property test)."""
    from wuyectl.store import yamlio

    record = yamlio.load_roundtrip("id: T-20261122-A001\n")
    yamlio.load_roundtrip("%YAML 1.1\n---\nid: x\n")
    assert yamlio.dump(record) == "id: T-20261122-A001\n"
