"""`report kpi` keeps what it reads of a ticket that can no longer change (its clocks, its
status, its callbacks) in the index, by blob id (store/cache.py `summaries`,
reports/base.py `OfficeData.ticket_summaries`): a kept summary must always give the report a
fresh computation gives, whatever times the reports are asked about and in whatever order,
after a hand edit of a ticket, and after a change of the policy.

The office is test_reports.py's month (T1…T8: a reopen, a cancellation, a consultation
answered on the spot, a ticket resolved after the month, clocks breached and running), and T9:
a repair resolved 11-30 16:00 and never called back, whose callback clock runs, after its last
event, until the end of 12-01 (a summary made while it runs must not be kept).
"""
from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DIRECTOR, UNIT
from helpers_kinds import module_office
from test_reports import _build

AS_OF = ["2026-11-02T09:02+08:00", "2026-11-05T14:30+08:00", "2026-11-12T09:45+08:00", "2026-11-13T09:00+08:00",
         "2026-11-30T23:59+08:00", "2026-12-01T09:30+08:00", "2026-12-10T12:00+08:00", "2027-03-01T00:00+08:00"]


def _build_with_t9(root, now):
    from wuyectl import api

    ids = _build(root, now)
    office = api.Office(str(root))
    now("2026-11-30 15:00")
    t9 = api.open_ticket(office, "王芳", channel="phone", category="repair", unit=UNIT, description="水龙头滴水")
    now("2026-11-30 15:02")
    api.assign(office, "王芳", [t9], to="李明")
    for stamp, who, action, sets in (("15:05", "李明", "contact", {}), ("15:20", "李明", "arrive", {}),
                                     ("16:00", "李明", "resolve", {"result": "更换阀芯", "signed_by": "张三"}),
                                     ("16:05", "李明", "report_back", {}), ("16:10", "王芳", "notify", {})):
        now(f"2026-11-30 {stamp}")
        api.act(office, who, [t9], action, sets=sets)
    ids["T9"] = t9
    return ids


@pytest.fixture(scope="module")
def built(tmp_path_factory, office_template):
    return module_office(tmp_path_factory, office_template, "kept", _build_with_t9)


@pytest.fixture
def repo(built, tmp_path):
    """A copy of the module's office for one test (the tests write to its index)."""
    import shutil

    copy = tmp_path / "kept"
    shutil.copytree(built[0], copy, symlinks=True)
    return copy


def _kpi(cli, repo, month: str, as_of: str) -> dict:
    result = cli("report", "kpi", "--month", month, "--as-of", as_of, "-o", "json", "--repo", repo,
                 env={"WUYECTL_NOW": "2027-03-01T00:00:00+08:00"})
    assert (result.code, result.err) == (0, ""), result.err
    return json.loads(result.out)


def _forget(repo) -> None:
    db = sqlite3.connect(str(repo / ".git" / "wuyectl" / "index.sqlite"))
    db.execute("DELETE FROM summaries")
    db.commit()
    db.close()


def _kept(repo) -> int:
    db = sqlite3.connect(str(repo / ".git" / "wuyectl" / "index.sqlite"))
    try:
        return db.execute("SELECT count(*) FROM summaries").fetchone()[0]
    finally:
        db.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(AS_OF), month=st.sampled_from(["2026-11", "2026-12"]))
def test_kept_summaries_give_what_the_tickets_give_at_any_time_in_any_order(cli, built, order, month):
    repo = built[0]
    _forget(repo)
    for as_of in order:
        kept = _kpi(cli, repo, month, as_of)
        _forget(repo)
        assert kept == _kpi(cli, repo, month, as_of), (month, as_of)


def test_closed_tickets_are_kept_and_a_hand_edit_is_seen(cli, repo, git):
    before = _kpi(cli, repo, "2026-11", AS_OF[6])
    assert _kept(repo) >= 5   # T1 T2 T5 closed, T8 cancelled, T7 answered; T6 runs past every deadline
    assert _kpi(cli, repo, "2026-11", AS_OF[6]) == before
    # T1 (closed) recategorised by hand: its summary was kept, its blob is new
    path = repo / "tickets" / "2026-11" / "T-20261102-A001.yaml"
    text = path.read_text(encoding="utf-8")
    assert "category: repair\n" in text
    path.write_text(text.replace("category: repair\n", "category: help\n"), encoding="utf-8")
    edited = _kpi(cli, repo, "2026-11", AS_OF[6])
    by_category = {r["key"]: r["count"] for r in edited["sections"]["by_category"]["rows"]}
    assert (by_category["repair"], by_category["help"]) == (4, 2)   # T2 T3 T4 T9; T8 and T1
    _forget(repo)
    assert _kpi(cli, repo, "2026-11", AS_OF[6]) == edited


def test_a_policy_change_is_not_answered_from_summaries_made_under_the_old_one(cli, repo):
    before = _kpi(cli, repo, "2026-11", AS_OF[6])
    assert cli("policy", "set", "sla_minutes.dispatch", "30", "--as", DIRECTOR, "--repo", repo,
               env={"WUYECTL_NOW": "2026-12-10T12:00:00+08:00"}).code == 0
    after = _kpi(cli, repo, "2026-11", AS_OF[6])
    dispatch = {r["key"]: r for r in after["sections"]["figures"]["rows"]}["dispatch_on_time"]
    assert dispatch["numerator"] > {r["key"]: r for r in before["sections"]["figures"]["rows"]}[
        "dispatch_on_time"]["numerator"]   # T2 (20 min) and T6 (30 min) now in time
    _forget(repo)
    assert _kpi(cli, repo, "2026-11", AS_OF[6]) == after
