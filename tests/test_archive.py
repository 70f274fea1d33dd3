"""Archive items (SPEC §2.5, issue 3): filing, loans (≤ 3 days unless the director approves;
never confidential items or disks), the overdue list, and destruction: request (archivist) →
review (supervisor) → approve (director) → destroy with two witnesses; the record stays."""
from __future__ import annotations

import json

import pytest

from conftest import DIRECTOR
from helpers_kinds import ARCHIVIST, commits, touched

NOW = "2026-11-22T09:14:00+08:00"


@pytest.fixture
def archivist(cli):
    result = cli("staff", "add", ARCHIVIST, "--role", "档案管理员", "--as", DIRECTOR)
    assert result.code == 0, result.err
    return ARCHIVIST


def _file(cli, *args, who=ARCHIVIST) -> str:
    result = cli("open", "archive", *args, "--as", who)
    assert result.code == 0, result.err
    return result.out.strip()


def _record(cli, aid) -> dict:
    return json.loads(cli("show", aid, "-o", "json", "--as", "王芳").out)


@pytest.fixture
def items(cli, archivist):
    """A: a site plan past its retention; B: owner records (confidential); C: a disk;
    D: contracts, within retention."""
    a = _file(cli, "--title", "小区平面图", "--category", "小区平面图", "--medium", "纸质", "--location", "档案柜1-1",
              "--retention", "1", "--filed-on", "2024-01-10")
    b = _file(cli, "--title", "业主登记表", "--category", "owner_records", "--medium", "paper", "--location", "档案柜2",
              "--retention", "10")
    c = _file(cli, "--title", "监控录像", "--category", "management_records", "--medium", "disk", "--location", "柜3",
              "--retention", "2")
    d = _file(cli, "--title", "保洁外包合同", "--category", "contracts", "--medium", "paper", "--location", "柜4",
              "--retention", "5")
    return a, b, c, d


@pytest.mark.lang("en")
def test_filing(cli, git, items, repo_state):
    a, b, c, d = items
    assert (a, b, c, d) == ("A-2026-A001", "A-2026-A002", "A-2026-A003", "A-2026-A004")
    assert git("log", "-1", "--format=%an|%s").strip() == f"{ARCHIVIST}|{d} file 合同"
    assert touched(git) == [f"archive/{d}.yaml"]
    record = _record(cli, a)
    assert {k: record[k] for k in ("status", "title", "category", "medium", "confidential", "location", "filed_on",
                                   "retention_years", "destroy_after")} == {
        "status": "filed", "title": "小区平面图", "category": "site_plan", "medium": "paper", "confidential": False,
        "location": "档案柜1-1", "filed_on": "2024-01-10", "retention_years": 1, "destroy_after": "2025-01-10"}
    # owner records are always confidential, even when not flagged
    assert (_record(cli, b)["confidential"], _record(cli, b)["destroy_after"]) == (True, "2036-11-22")

    before = repo_state()
    for args, who, code, message in [
        (("--retention", "永久"), ARCHIVIST, 3, "wuyectl: --retention '永久' is not a number of years"),
        (("--retention", "1"), "李明", 6,
         "wuyectl: 李明 (technician) may not file archive items: needs archivist, clerk, supervisor or director"),
        (("--retention", "1", "--medium", "胶片"), ARCHIVIST, 3,
         "wuyectl: unknown medium '胶片': use one of paper, disk, electronic"),
    ]:
        base = {"--title": "x", "--category": "other", "--medium": "paper", "--location": "柜"}
        extra = dict(zip(args[::2], args[1::2]))
        base.update(extra)
        flat = [x for pair in base.items() for x in pair]
        result = cli("open", "archive", *flat, "--as", who)
        assert (result.code, result.out, result.err) == (code, "", message + "\n"), args
    assert repo_state() == before
    listed = cli("get", "archive", "--where", "confidential=True", "-o", "ids", "--as", "王芳")
    assert listed.out == b + "\n"


# -- loans -------------------------------------------------------------------------------------
@pytest.mark.lang("en")
def test_a_loan_is_three_days_at_most_unless_the_director_approves(cli, git, items, repo_state):
    a, b, c, d = items
    before = repo_state()
    for args, code, message in [
        ((a, "--due", "2026-11-25T09:15:00+08:00"), 5,
         f"wuyectl: {a}: a loan longer than 3 days needs a director's approval: --approved-by NAME"),
        ((a, "--due", "2026-11-30", "--approved-by", "赵强"), 6,
         f"wuyectl: {a}: 赵强 is not a director: a loan longer than 3 days needs a director"),
        ((a, "--due", "2026-11-30", "--approved-by", "王五"), 6,
         "wuyectl: '王五' is not on the staff roster of wuye.yaml (did you mean '王芳'?)"),
        ((a, "--due", "2026-11-21"), 5, f"wuyectl: {a}: the loan's due time must be after it is lent"),
        ((b,), 5, f"wuyectl: {b}: a confidential item is never lent (档案…不可借出)"),
        ((c,), 5, f"wuyectl: {c}: disks are never lent"),
    ]:
        result = cli("lend", *args, "--to", "赵强", "--purpose", "查阅", "--as", ARCHIVIST)
        assert (result.code, result.out, result.err) == (code, "", message + "\n"), args
    technician = cli("lend", a, "--to", "李明", "--purpose", "查阅", "--as", "李明")
    assert (technician.code, technician.err) == (
        6, f"wuyectl: 李明 (technician) may not lend {a}: needs archivist, clerk, director or supervisor\n")
    assert repo_state() == before

    # three days exactly: no approval needed
    start = commits(git)
    assert cli("lend", a, "--to", "赵强", "--purpose", "核对车位图", "--due", "2026-11-25T09:14:00+08:00",
               "--as", ARCHIVIST).code == 0
    assert commits(git) == start + 1
    assert git("log", "-1", "--format=%s").strip() == f"{a} lend → 赵强"
    record = _record(cli, a)
    assert record["status"] == "lent"
    assert record["loans"] == [{"borrower": "赵强", "purpose": "核对车位图", "lent_at": NOW,
                                "due_at": "2026-11-25T09:14:00+08:00", "lent_by": ARCHIVIST}]
    twice = cli("lend", a, "--to", "王芳", "--purpose", "查阅", "--as", ARCHIVIST)
    assert (twice.code, twice.err) == (5, f"wuyectl: {a}: cannot lend: the archive item is lent; allowed now: return\n")

    # longer, approved by the director
    assert cli("lend", d, "--to", "赵强", "--purpose", "续签谈判", "--due", "2026-12-10", "--approved-by", DIRECTOR,
               "--as", "王芳").code == 0
    loan = _record(cli, d)["loans"][0]
    assert (loan["due_at"], loan["approved_by"], loan["lent_by"]) == ("2026-12-10T00:00:00+08:00", DIRECTOR, "王芳")
    assert cli("validate").code == 0


@pytest.mark.lang("en")
def test_return_and_the_overdue_list(cli, git, items):
    a, b, c, d = items
    assert cli("lend", a, "--to", "赵强", "--purpose", "查阅", "--as", ARCHIVIST).code == 0   # due in 3 days
    assert _record(cli, a)["loans"][0]["due_at"] == "2026-11-25T09:14:00+08:00"
    assert cli("lend", d, "--to", "李明", "--purpose", "查阅", "--due", "2026-11-28", "--approved-by", DIRECTOR,
               "--as", ARCHIVIST).code == 0
    on_time = cli("get", "archive", "--overdue", "-o", "ids", "--as", "王芳", env={"WUYECTL_NOW": "2026-11-25T09:14:00+08:00"})
    assert on_time.out == ""
    late = {"WUYECTL_NOW": "2026-11-26T10:00:00+08:00"}
    assert cli("get", "archive", "--overdue", "-o", "ids", "--as", "王芳", env=late).out == a + "\n"
    table = cli("get", "archive", "--overdue", "--as", "王芳", env=late).out
    assert "赵强 → 2026-11-25 09:14" in table

    start = commits(git)
    assert cli("return", a, "--as", ARCHIVIST, env=late).code == 0
    assert commits(git) == start + 1
    record = _record(cli, a)
    assert record["status"] == "filed"
    assert record["loans"][0]["returned_at"] == "2026-11-26T10:00:00+08:00"
    assert cli("get", "archive", "--overdue", "-o", "ids", "--as", "王芳", env=late).out == ""
    not_lent = cli("return", a, "--as", ARCHIVIST, env=late)
    assert not_lent.code == 5
    assert not_lent.err.startswith(f"wuyectl: {a}: cannot return: the archive item is filed; allowed now: ")


# -- destruction -------------------------------------------------------------------------------
@pytest.mark.lang("en")
def test_destruction_request_review_approve_destroy(cli, git, office, items, repo_state):
    a, b, c, d = items
    start = commits(git)

    def refused(args, code, message):
        before = repo_state()
        result = cli(*args)
        assert (result.code, result.out, result.err) == (code, "", message + "\n"), args
        assert repo_state() == before

    refused(("request-destruction", d, "--as", ARCHIVIST), 5,
            f"wuyectl: {d}: its retention runs until 2031-11-22; it may not be destroyed before")
    refused(("request-destruction", a, "--as", "王芳"), 6,
            f"wuyectl: 王芳 (clerk) may not request destruction {a}: needs archivist")
    refused(("approve-destruction", a, "--as", DIRECTOR), 5,
            f"wuyectl: {a}: cannot approve destruction: the archive item is filed; "
            "allowed now: lend, request destruction")
    assert cli("request-destruction", a, "--note", "已过保存期", "--as", ARCHIVIST).code == 0

    refused(("review-destruction", a, "--as", ARCHIVIST), 6,
            f"wuyectl: {ARCHIVIST} (archivist) may not review destruction {a}: needs supervisor")
    refused(("review-destruction", a, "--as", DIRECTOR), 6,
            f"wuyectl: {DIRECTOR} (director) may not review destruction {a}: needs supervisor")
    refused(("approve-destruction", a, "--as", DIRECTOR), 5,
            f"wuyectl: {a}: cannot approve destruction: the archive item is destruction requested; "
            "allowed now: review destruction")
    assert cli("update", a, "--action", "review_destruction", "--as", "赵强").code == 0

    refused(("approve-destruction", a, "--as", "赵强"), 6,
            f"wuyectl: 赵强 (supervisor) may not approve destruction {a}: needs director")
    assert cli("approve-destruction", a, "--as", DIRECTOR).code == 0

    refused(("destroy", a, "--witness", "王芳", "--witness", "赵强", "--as", "王芳"), 6,
            f"wuyectl: 王芳 (clerk) may not destroy {a}: needs archivist, director or supervisor")
    refused(("destroy", a, "--witness", "王芳", "--as", ARCHIVIST), 5,
            f"wuyectl: {a}: destruction is carried out with at least two witnesses: --witness A --witness B")
    refused(("destroy", a, "--witness", "王芳", "--witness", "王芳", "--as", ARCHIVIST), 5,
            f"wuyectl: {a}: destruction is carried out with at least two witnesses: --witness A --witness B")
    refused(("update", a, "--action", "destroy", "--as", ARCHIVIST), 5,
            f"wuyectl: {a}: 'destroy' is recorded with `wuyectl destroy`")
    assert cli("destroy", a, "--witness", "王芳", "--witness", "赵强", "--method", "粉碎", "--as", ARCHIVIST).code == 0

    # request, review, approve, destroy: four commits, each touching only the record
    assert commits(git) == start + 4
    log = git("log", "-4", "--format=%an|%s").splitlines()
    assert log == [f"{ARCHIVIST}|{a} destroy", f"{DIRECTOR}|{a} approve_destruction", f"赵强|{a} review_destruction",
                   f"{ARCHIVIST}|{a} request_destruction"]
    assert touched(git) == [f"archive/{a}.yaml"]
    # the record stays, destroyed, with the whole procedure on it
    assert (office / f"archive/{a}.yaml").is_file()
    record = _record(cli, a)
    assert record["status"] == "destroyed"
    assert record["destruction"] == {
        "requested_by": ARCHIVIST, "requested_at": NOW, "reviewed_by": "赵强", "reviewed_at": NOW,
        "approved_by": DIRECTOR, "approved_at": NOW, "destroyed_at": NOW, "witnesses": ["王芳", "赵强"],
        "method": "粉碎"}
    refused(("lend", a, "--to", "赵强", "--purpose", "查阅", "--as", ARCHIVIST), 5,
            f"wuyectl: {a}: cannot lend: the archive item is destroyed; allowed now: nothing (it is finished)")
    assert cli("get", "archive", "--where", "status=已销毁", "-o", "ids", "--as", "王芳").out == a + "\n"
    assert cli("validate").code == 0
