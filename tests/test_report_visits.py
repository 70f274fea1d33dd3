"""`report visits` (issue 15 §2): home visits by person, and the finding R-director-visit for a
month in which no director took part in one (seed 003 19.6)."""
from __future__ import annotations

import json

import pytest

from conftest import DIRECTOR, UNIT

OCT = {"WUYECTL_NOW": "2026-10-12T10:00:00+08:00"}
NOV = {"WUYECTL_NOW": "2026-11-05T15:00:00+08:00"}
LATER = {"WUYECTL_NOW": "2026-12-02T09:00:00+08:00"}


@pytest.fixture
def visits(cli):
    """October: a clerk's visit alone. November: the director with the supervisor (a complaint
    raised), and the clerk again."""
    def home(*args, env):
        result = cli("open", "visit", "--type", "home", "--unit", UNIT, *args, env=env)
        assert result.code == 0, result.err
        return result.out.split()
    october = home("--topic", "security", "--opinion", "夜间门岗无人", "--as", "王芳", env=OCT)
    november = home("--topic", "fees", "--topic", "设施", "--participant", "赵强", "--complaint", "电梯经常停运",
                    "--as", DIRECTOR, env=NOV)
    clerk = home("--topic", "fees", "--as", "王芳", env={"WUYECTL_NOW": "2026-11-20T10:00:00+08:00"})
    return october, november, clerk


def _report(cli, month, env=LATER, *extra):
    result = cli("report", "visits", "--month", month, "-o", "json", *extra, env=env)
    assert result.code == 0, result.err
    return json.loads(result.out)


@pytest.mark.lang("en")
def test_a_month_without_the_director_is_a_finding(cli, visits):
    october = _report(cli, "2026-10")
    assert october["sections"]["findings"] == {
        "title": "Findings", "columns": ["code", "month", "message"],
        "rows": [{"key": "R-director-visit:2026-10", "code": "R-director-visit", "month": "2026-10",
                  "message": "no director took part in a home visit in 2026-10 (the director takes part in at least one a month)"}]}
    figures = {r["key"]: r["value"] for r in october["sections"]["figures"]["rows"]}
    assert figures == {"home_visits": 1, "households": 1, "complaints": 0, "director_visits": 0}
    # the table shows it too
    table = cli("report", "visits", "--month", "2026-10", env=LATER).out
    assert "R-director-visit  2026-10  no director took part in a home visit in 2026-10" in table


@pytest.mark.lang("en")
def test_a_month_with_the_director_has_no_finding_and_each_person_counts(cli, visits):
    october, (visit, ticket), (clerk,) = visits
    november = _report(cli, "2026-11")
    assert november["sections"]["findings"]["rows"] == []
    assert {r["key"]: r["value"] for r in november["sections"]["figures"]["rows"]} == {
        "home_visits": 2, "households": 1, "complaints": 1, "director_visits": 1}
    # most visits first, then by name
    assert november["sections"]["by_person"]["rows"] == [
        {"key": DIRECTOR, "person": DIRECTOR, "role": "director", "home_visits": 1, "units_visited": 1,
         "topics": "facilities 1, fees 1", "complaints_raised": 1, "callbacks": 0, "callbacks_good": 0},
        {"key": "王芳", "person": "王芳", "role": "clerk", "home_visits": 1, "units_visited": 1, "topics": "fees 1",
         "complaints_raised": 0, "callbacks": 0, "callbacks_good": 0},
        {"key": "赵强", "person": "赵强", "role": "supervisor", "home_visits": 1, "units_visited": 1,
         "topics": "facilities 1, fees 1", "complaints_raised": 1, "callbacks": 0, "callbacks_good": 0}]
    assert [r["id"] for r in november["sections"]["visits"]["rows"]] == [visit, clerk]
    assert november["sections"]["visits"]["rows"][0]["tickets"] == ticket
    # both months at once: one finding, October's
    both = cli("report", "visits", "--from", "2026-10-01", "--to", "2026-11-30", "-o", "json", env=LATER)
    assert [r["key"] for r in json.loads(both.out)["sections"]["findings"]["rows"]] == ["R-director-visit:2026-10"]


@pytest.mark.lang("en")
def test_a_month_not_over_says_so(cli, visits):
    december = _report(cli, "2026-12")
    assert [r["message"] for r in december["sections"]["findings"]["rows"]] == [
        "no director took part in a home visit in 2026-12 (the director takes part in at least one a month); "
        "the month is not over yet"]
    # as of before the director's November visit, November had none yet
    early = _report(cli, "2026-11", LATER, "--as-of", "2026-11-04 12:00")
    assert [r["key"] for r in early["sections"]["findings"]["rows"]] == ["R-director-visit:2026-11"]


def test_the_report_is_in_chinese_by_default(cli, visits):
    out = cli("report", "visits", "--month", "2026-10", env=LATER).out
    assert out.startswith("走访情况统计")
    assert "R-director-visit  2026-10  " in out
