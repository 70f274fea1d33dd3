"""validate keeps each file's verdict in the index, and a kept verdict is never stale: what the
checks read (the file, the files it names, the roster, the encrypted flag, the language) is
part of it. Whatever changes, the output is what a validate without any index prints."""
from __future__ import annotations

import pytest

from conftest import UNIT, ticket_path, visit_path

pytestmark = pytest.mark.lang("en")

INDEX = (".git/wuyectl/index.sqlite", ".git/wuyectl/index.sqlite-wal", ".git/wuyectl/index.sqlite-shm")


@pytest.fixture
def judged(monkeypatch):
    """The files judged (not answered from a kept verdict), in this process."""
    from wuyectl.store import validate

    seen: list[str] = []
    real = validate.Judge.__call__

    def spy(self, rel, data, unreadable=None):
        seen.append(rel)
        return real(self, rel, data, unreadable)

    monkeypatch.setattr(validate.Judge, "__call__", spy)
    return seen


def validate(cli, office, *args, cold=False):
    if cold:
        for name in INDEX:
            (office / name).unlink(missing_ok=True)
    result = cli("validate", *args)
    return result.code, result.out, result.err


def same_as_cold(cli, office, *args):
    """validate (warm) prints exactly what it prints with no index at all."""
    warm = validate(cli, office, *args)
    assert validate(cli, office, *args, cold=True) == warm
    return warm


def callback(cli, ticket) -> str:
    assert cli("assign", ticket, "--to", "李明", "--as", "王芳").code == 0
    assert cli("update", ticket, "--action", "resolve", "--set", "result=换了阀门", "--set", "signed_by=张三",
               "--as", "李明").code == 0
    result = cli("callback", ticket, "--method", "phone", "--rating", "satisfied", "--as", "王芳", "-o", "ids")
    assert result.code == 0, result.err
    return result.out.strip()


def test_a_second_run_reads_no_file_and_a_change_is_judged_alone(cli, office, git, new_ticket, judged):
    a, b = new_ticket(), new_ticket()
    assert validate(cli, office) == (0, "ok: 4 file(s) valid\n", "")
    assert sorted(judged) == sorted([ticket_path(a), ticket_path(b), f"owners/3/{UNIT}.yaml"])
    judged.clear()
    assert validate(cli, office) == (0, "ok: 4 file(s) valid\n", "")
    assert judged == []
    # a hand edit: that file alone, with its line
    path = office / ticket_path(b)
    path.write_text(path.read_text(encoding="utf-8").replace("status: received", "status: resolvd"), encoding="utf-8")
    code, out, err = validate(cli, office)
    assert judged == [ticket_path(b)]
    assert (code, err) == (7, "1 problem(s) in 4 file(s)\n")
    assert out.startswith(f"{ticket_path(b)}:2:1: status: 'resolvd' is not one of received, ")
    # the problem is kept too: the next run reads nothing and says the same
    judged.clear()
    assert validate(cli, office) == (code, out, err) and judged == []
    assert same_as_cold(cli, office) == (code, out, err)
    # committed by hand, then a tool action on the other: that one alone
    git("commit", "-q", "--no-verify", "-am", "hand")
    judged.clear()
    assert validate(cli, office) == (code, out, err) and judged == []
    assert cli("assign", a, "--to", "李明", "--as", "王芳").code == 0
    judged.clear()
    assert validate(cli, office) == (code, out, err)
    assert judged == [ticket_path(a)]


def test_a_named_file_that_goes_or_comes_shakes_the_verdicts_that_looked_for_it(cli, office, git, new_ticket, judged):
    tid = new_ticket()
    vid = callback(cli, tid)
    assert validate(cli, office)[0] == 0
    household = office / f"owners/3/{UNIT}.yaml"
    kept = household.read_bytes()
    household.unlink()   # by hand: the ticket and the visit name it, their files unchanged
    judged.clear()
    code, out, err = validate(cli, office)
    assert sorted(judged) == sorted([ticket_path(tid), visit_path(vid)])
    assert code == 7 and [line.split(":", 1)[0] for line in out.splitlines()] == [ticket_path(tid), visit_path(vid)]
    assert all(line.endswith(f": unit {UNIT} has no household record (owners/3/{UNIT}.yaml)") for line in out.splitlines())
    assert same_as_cold(cli, office) == (code, out, err)
    household.write_bytes(kept)   # back: the verdicts that did not find it are shaken again
    assert validate(cli, office) == (0, "ok: 4 file(s) valid\n", "")
    # the visit record of a callback, removed and committed
    git("rm", "-q", visit_path(vid))
    git("commit", "-q", "--no-verify", "-m", "gone")
    judged.clear()
    code, out, err = validate(cli, office)
    assert judged == [ticket_path(tid)]
    assert code == 7 and f"the callback of 2026-11-22T09:14:00+08:00 names no visit record ({vid})" in out
    assert same_as_cold(cli, office) == (code, out, err)
    git("revert", "--no-edit", "HEAD")
    assert validate(cli, office) == (0, "ok: 4 file(s) valid\n", "")


def test_the_roster_the_language_and_the_encrypted_flag_are_part_of_a_verdict(cli, office, git, new_ticket):
    tid = new_ticket()
    assert cli("assign", tid, "--to", "李明", "--as", "王芳").code == 0
    assert validate(cli, office)[0] == 0
    config = office / "wuye.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("name: 李明", "name: 李明明"), encoding="utf-8")
    code, out, err = validate(cli, office)
    assert code == 7 and "assignee '李明' is not on the staff roster" in out
    assert same_as_cold(cli, office) == (code, out, err)
    # the same verdicts, in Chinese
    zh = cli("validate", "--lang", "zh")
    assert zh.code == 7 and "不在" in zh.out and zh.out != out
    assert validate(cli, office) == (code, out, err)
    config.write_text(text, encoding="utf-8")
    assert validate(cli, office) == (0, "ok: 3 file(s) valid\n", "")
    # an office said to be encrypted whose phones are in clear
    config.write_text(text.replace("timezone:", "encrypted: true\ntimezone:", 1), encoding="utf-8")
    code, out, err = validate(cli, office)
    assert code == 7 and "in clear" in out
    assert same_as_cold(cli, office) == (code, out, err)


def test_paths_judge_what_they_name_and_unreadable_files_are_reported_again(cli, office, write, new_ticket, judged):
    a, b = new_ticket(), new_ticket()
    write(ticket_path("T-20261122-A009"), "id: [unclosed\n")
    first = validate(cli, office, "tickets")
    assert first[0] == 7 and first[1].startswith(f"{ticket_path('T-20261122-A009')}:2:1: bad YAML")
    judged.clear()
    assert validate(cli, office, ticket_path(a)) == (0, "ok: 1 file(s) valid\n", "")
    assert judged == []
    assert validate(cli, office, "tickets") == first
    assert validate(cli, office, "tickets", cold=True) == first
    assert validate(cli, office, ticket_path(b), "owners") == (0, "ok: 2 file(s) valid\n", "")


def test_many_files_are_judged_in_worker_processes_with_the_same_result(cli, office, write, new_ticket, monkeypatch):
    from wuyectl.store import cache

    for _ in range(3):
        new_ticket()
    write(ticket_path("T-20261122-A009"), "id: T-20261122-A009\nstatus: nonsense\n")
    alone = validate(cli, office, cold=True)
    monkeypatch.setattr(cache, "PARALLEL_AFTER", 1)
    assert validate(cli, office, cold=True) == alone
    assert alone[0] == 7 and alone[2] == "7 problem(s) in 6 file(s)\n"
