"""`wuyectl company report`: every office report over the offices of a company file (issue 15 §6).

The offices are bare repos made from small test offices, one of them unreachable; the last test
goes through a real gitolite3 over sshd (test_server_gitolite.py's server)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import OPEN_REPAIR

MONTH = ("--month", "2026-11")


def sh(*args, cwd=None, env=None) -> str:
    import os

    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode()


def state(bare: Path) -> tuple:
    """What a reader must never change in an office's repo: its refs and its files."""
    return sh("git", "for-each-ref", cwd=bare), sorted(str(p.relative_to(bare)) for p in bare.rglob("*"))


@pytest.fixture
def offices(office, office_template, cli, tmp_path):
    """幸福花园 (two repairs, one assigned) and 阳光小区 (one repair, assigned and resolved), as
    bare repos under server/; their folders of work are returned too."""
    server = tmp_path / "server"
    server.mkdir()
    a, b = office, tmp_path / "office-b"
    shutil.copytree(office_template, b, symlinks=True)
    first = cli(*OPEN_REPAIR, "--as", "王芳").out.strip()
    cli(*OPEN_REPAIR, "--as", "王芳")
    assert cli("assign", first, "--to", "李明", "--as", "王芳").code == 0
    theirs = cli(*OPEN_REPAIR, "--as", "王芳", "--repo", b).out.strip()
    assert cli("assign", theirs, "--to", "李明", "--as", "王芳", "--repo", b).code == 0
    assert cli("update", theirs, "--action", "resolve", "--set", "result=换了阀门", "--set", "signed_by=张三",
               "--as", "李明", "--repo", b).code == 0
    for repo, bare in ((a, server / "a.git"), (b, server / "b.git")):
        sh("git", "clone", "-q", "--bare", repo, bare)
        sh("git", "remote", "add", "origin", bare, cwd=repo)
    return {"幸福花园": (a, server / "a.git"), "阳光小区": (b, server / "b.git"), "ticket_b": theirs}


@pytest.fixture
def company(offices, tmp_path):
    """The company file: the two offices (one by an absolute path, one by a path relative to the
    file), and 远山苑, whose remote does not exist."""
    folder = tmp_path / "hq"
    folder.mkdir()
    path = folder / "company.yaml"
    path.write_text("company: 安居物业\n"
                    "offices:\n"
                    f"  - name: 幸福花园\n    remote: {offices['幸福花园'][1]}\n"
                    "  - name: 阳光小区\n    remote: ../server/b.git\n"
                    f"  - name: 远山苑\n    remote: file://{tmp_path / 'server' / 'missing.git'}\n", encoding="utf-8")
    return path


def masked(data: dict) -> dict:
    for row in data["sections"]["offices"]["rows"]:
        assert len(row["commit"]) in (0, 10) and (row["fetched_at"] == "" or row["fetched_at"].endswith("+00:00"))
        row["commit"] = "C" if row["commit"] else ""
        row["fetched_at"] = "T" if row["fetched_at"] else ""
    return data


# -- figures: one row per office, totals from numerators, ranks -------------------------------
@pytest.mark.lang("en")
def test_kpi_json_has_a_row_per_office_totals_from_numerators_and_ranks(company, cli, tmp_path):
    result = cli("company", "report", "kpi", *MONTH, "--company", company, "-o", "json", "--jobs", "1")
    assert result.code == 10
    missing = tmp_path / "server" / "missing.git"
    assert result.err == (f"wuyectl: 1 of 3 offices could not be fetched now: 远山苑 left out "
                          f"('{missing}' does not appear to be a git repository)\n")
    data = masked(json.loads(result.out))
    assert (data["company"], data["report"], data["title"]) == ("安居物业", "kpi", "安居物业 Service KPIs")
    assert (data["period"], data["as_of"]) == ({"from": "2026-11-01", "to": "2026-11-30"}, "2026-11-22T09:14:00+08:00")
    assert list(data["sections"]) == ["offices", "figures", "figures.counts", "by_category", "by_channel", "breaches"]
    assert data["sections"]["offices"]["rows"] == [
        {"key": "ok", "office": "幸福花园", "fetch_status": "fetched", "commit": "C", "fetched_at": "T", "reason": ""},
        {"key": "ok", "office": "阳光小区", "fetch_status": "fetched", "commit": "C", "fetched_at": "T", "reason": ""},
        {"key": "unreachable", "office": "远山苑", "fetch_status": "unreachable", "commit": "", "fetched_at": "",
         "reason": f"'{missing}' does not appear to be a git repository"}]
    figures = data["sections"]["figures"]
    assert figures["columns"] == ["office", "received", "received.rank", "dispatch_on_time", "dispatch_on_time.rank",
                                  "completion", "completion.rank", "callback", "callback.rank", "satisfaction",
                                  "satisfaction.rank", "problem_solving", "problem_solving.rank"]
    # completion: 0 of 2 and 1 of 1 make 1 of 3 (33.3%), not the average of 0% and 100%
    assert figures["rows"] == [
        {"key": "幸福花园", "office": "幸福花园", "received": 2, "received.rank": 1, "dispatch_on_time": "100.0%",
         "dispatch_on_time.rank": 1, "completion": "0.0%", "completion.rank": 2, "callback": "n/a",
         "callback.rank": None, "satisfaction": "n/a", "satisfaction.rank": None, "problem_solving": "n/a",
         "problem_solving.rank": None},
        {"key": "阳光小区", "office": "阳光小区", "received": 1, "received.rank": 2, "dispatch_on_time": "100.0%",
         "dispatch_on_time.rank": 1, "completion": "100.0%", "completion.rank": 1, "callback": "0.0%",
         "callback.rank": 1, "satisfaction": "n/a", "satisfaction.rank": None, "problem_solving": "n/a",
         "problem_solving.rank": None},
        {"key": "total", "office": "total", "received": 3, "received.rank": None, "dispatch_on_time": "100.0%",
         "dispatch_on_time.rank": None, "completion": "33.3%", "completion.rank": None, "callback": "0.0%",
         "callback.rank": None, "satisfaction": "n/a", "satisfaction.rank": None, "problem_solving": "n/a",
         "problem_solving.rank": None}]
    counts = data["sections"]["figures.counts"]["rows"]
    assert [(r["office"], r["completion.numerator"], r["completion.denominator"], r["received.numerator"],
             r["received.denominator"], r["dispatch_on_time.numerator"], r["dispatch_on_time.denominator"])
            for r in counts] == [("幸福花园", 0, 2, 2, None, 1, 1), ("阳光小区", 1, 1, 1, None, 1, 1),
                                 ("total", 1, 3, 3, None, 2, 2)]
    # counts: one row per code, a column per office, the total
    assert data["sections"]["by_category"]["columns"] == ["category", "幸福花园", "阳光小区", "total"]
    assert data["sections"]["by_category"]["rows"][2] == {"key": "repair", "category": "repair", "幸福花园": 2,
                                                          "阳光小区": 1, "total": 3}


def test_kpi_table_in_chinese(company, cli):
    result = cli("company", "report", "kpi", *MONTH, "--company", company, "--jobs", "1")
    assert result.code == 10
    out = result.out.split("\n\n")
    assert out[0] == "安居物业 服务质量指标  统计期间 2026-11-01 – 2026-11-30  计算时点 2026-11-22 09:14+08:00"
    assert out[2] == "\n".join([
        "指标:",
        "管理处    受理总数    受理总数排名    受理及时率    受理及时率排名    处理完成率    处理完成率排名    回访率    "
        "回访率排名    满意率    满意率排名    问题解决率    问题解决率排名",
        "--------  ----------  --------------  ------------  ----------------  ------------  ----------------  "
        "--------  ------------  --------  ------------  ------------  ----------------",
        "幸福花园  2           1               100.0%        1                 0.0%          2                 "
        "n/a                     n/a                     n/a",
        "阳光小区  1           2               100.0%        1                 100.0%        1                 "
        "0.0%      1             n/a                     n/a",
        "合计      3                           100.0%                          33.3%                           "
        "0.0%                    n/a                     n/a"])
    assert "远山苑    无法获取" in out[1]
    assert result.err.startswith("wuyectl: 3 个管理处中有 1 个当前无法获取：远山苑 已排除（")


def test_list_reports_put_the_office_first_and_every_format_renders(company, cli, tmp_path):
    result = cli("company", "report", "sla", *MONTH, "--company", company, "-o", "json", "--jobs", "2",
                 "--lang", "en")
    assert result.code == 10
    rows = json.loads(result.out)["sections"]["stages"]["rows"]
    assert [(r["office"], r["stage"], r["due"], r["met"]) for r in rows if r["key"] == "dispatch"] == [
        ("幸福花园", "dispatch", 1, 1), ("阳光小区", "dispatch", 0, 1)]
    for fmt in ("csv", "yaml", "table"):
        assert cli("company", "report", "kpi", *MONTH, "--company", company, "-o", fmt).code == 10
    yaml = cli("company", "report", "kpi", *MONTH, "--company", company, "-o", "yaml").out
    assert "company: 安居物业\n" in yaml and "  completion: 33.3%\n" in yaml
    book = tmp_path / "kpi.xlsx"
    result = cli("company", "report", "kpi", *MONTH, "--company", company, "-o", "xlsx", book)
    assert (result.code, result.out) == (10, f"{book}\n")
    from openpyxl import load_workbook

    sheet = load_workbook(book)["指标"]
    assert [c.value for c in sheet["A"]][2:] == ["幸福花园", "阳光小区", "合计"]
    assert sheet["F5"].value == pytest.approx(1 / 3) and sheet["F5"].number_format == "0.0%"


# -- reading the offices: read-only, cached, warm ---------------------------------------------
def test_a_warm_run_parses_no_record_and_a_new_commit_only_its_own(company, offices, cli, monkeypatch):
    from wuyectl.store import cache

    parsed: list[str] = []
    real = cache.parse_file
    monkeypatch.setattr(cache, "parse_file", lambda path: parsed.append(path) or real(path))
    before = {name: state(offices[name][1]) for name in ("幸福花园", "阳光小区")}
    args = ("company", "report", "kpi", *MONTH, "--company", company, "-o", "json", "--jobs", "1")
    cold = cli(*args)
    assert cold.code == 10 and len(parsed) == 3          # the three tickets, once each
    parsed.clear()
    warm = cli(*args)
    assert (warm.code, parsed) == (10, [])
    assert masked(json.loads(warm.out)) == masked(json.loads(cold.out))
    # the offices' repos were only read
    assert {name: state(offices[name][1]) for name in ("幸福花园", "阳光小区")} == before
    # 阳光小区 works on and pushes: only its changed ticket is read again
    b, tid = offices["阳光小区"][0], offices["ticket_b"]
    assert cli("callback", tid, "--rating", "satisfied", "--method", "phone", "--as", "王芳", "--repo", b).code == 0, \
        cli("callback", "--help").out
    sh("git", "push", "-q", "origin", "HEAD:master", cwd=b)
    again = cli(*args)
    assert again.code == 10 and [Path(p).name for p in parsed] == [f"{tid}.yaml"]
    totals = json.loads(again.out)["sections"]["figures"]["rows"][-1]
    assert (totals["callback"], totals["satisfaction"]) == ("100.0%", "100.0%")
    # the cache is next to the company file, one clone per remote
    assert len(list((company.parent / ".wuyectl-company").iterdir())) == 3


def test_an_unreachable_office_can_be_shown_from_its_last_copy_when_asked(company, offices, cli):
    args = ("company", "report", "kpi", *MONTH, "--company", company, "-o", "json", "--jobs", "1", "--lang", "en")
    assert cli(*args).code == 10
    shutil.move(offices["阳光小区"][1], offices["阳光小区"][1].with_suffix(".moved"))
    left = cli(*args)
    data = json.loads(left.out)
    assert [r["office"] for r in data["sections"]["figures"]["rows"]] == ["幸福花园", "total"]
    assert data["sections"]["offices"]["rows"][1]["key"] == "unreachable"
    assert "阳光小区 left out (" in left.err and "远山苑 left out (" in left.err and left.code == 10
    stale = cli(*args, "--stale-ok")
    data = json.loads(stale.out)
    assert stale.code == 10
    assert [r["office"] for r in data["sections"]["figures"]["rows"]] == ["幸福花园", "阳光小区", "total"]
    row = data["sections"]["offices"]["rows"][1]
    assert row["key"] == "stale" and row["fetch_status"] == "last fetched copy"
    assert row["reason"].startswith(f"as of the last fetch at {row['fetched_at']}; now unreachable: ")
    assert f"阳光小区 shown as of the last fetch at {row['fetched_at']} (" in stale.err


# -- bad input: one line, its own exit code, nothing written -----------------------------------
@pytest.mark.lang("en")
@pytest.mark.parametrize("text, code, message", [
    (None, 4, "wuyectl: hq/company.yaml: no such company file (give --company FILE or set WUYECTL_COMPANY)"),
    ("company: [\n", 7, "hq/company.yaml:2:1: bad YAML: expected the node content, but found '<stream end>'"),
    ("company: 安居物业\n", 7, "hq/company.yaml:1:1: missing required field 'offices'"),
    ("company: 安居物业\noffices:\n  - name: A\n    remote: /x\n    colour: red\n", 7,
     "hq/company.yaml:5:5: offices.0: unknown field 'colour'"),
    ("company: 安居物业\noffices:\n  - name: A\n    remote: /x\n  - name: A\n    remote: /y\n", 7,
     "hq/company.yaml:5:5: offices 0 and 1 have the same name 'A'"),
    ("company: 安居物业\ntimezone: Mars/Base\noffices:\n  - name: A\n    remote: /x\n", 7,
     "hq/company.yaml:2:1: unknown timezone 'Mars/Base'"),
])
def test_a_bad_company_file_is_one_line_and_its_exit_code(tmp_path, cli, monkeypatch, text, code, message):
    (tmp_path / "hq").mkdir()
    if text is not None:
        (tmp_path / "hq" / "company.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = cli("company", "report", "kpi", "--company", "hq/company.yaml")
    assert (result.code, result.out, result.err.count("\n")) == (code, "", 1)
    assert result.err == message + "\n"
    assert not (tmp_path / "hq" / ".wuyectl-company").exists()


@pytest.mark.lang("en")
def test_the_company_file_from_the_environment_and_an_unknown_report(company, cli, monkeypatch):
    monkeypatch.setenv("WUYECTL_COMPANY", str(company))
    assert cli("company", "report", "kpi", *MONTH, "--jobs", "1").code == 10
    result = cli("company", "report", "kpis")
    assert result.code == 2 and result.err.startswith("wuyectl: No such command 'kpis'")
    result = cli("company", "report", "kpi", "--month", "2026-13")
    assert (result.code, result.err) == (3, "wuyectl: cannot read --month '2026-13': use YYYY-MM\n")


def test_help_states_the_rules(cli):
    text = cli("company", "report", "--help", "--lang", "en").out
    assert "never an average of rates" in " ".join(text.split())
    assert "equal values share a rank and the next rank skips (1, 2, 2, 4)" in " ".join(text.split())
    assert "the exit code is 10" in " ".join(text.split())


def test_ranks_share_ties_and_skip():
    from fractions import Fraction

    from wuyectl.app.company import ranks

    assert ranks([Fraction(1, 2), Fraction(2, 3), None, Fraction(1, 2), Fraction(1, 4)]) == [2, 1, None, 2, 4]


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(deadline=None)   # (the first example imports the reports)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=8))
def test_totals_come_from_numerators_and_ranks_follow_the_exact_rates(pairs):
    from fractions import Fraction

    from wuyectl.app.company import _figures
    from wuyectl.reports.base import Section, percent

    pairs = [(min(n, d), d) for n, d in pairs]
    parts = [(f"O{i}", Section("figures", "Figures", ["figure", "value", "numerator", "denominator"], [],
                               [["rate", percent(n, d), n, d], ["count", n, n, None]], ["rate", "count"]))
             for i, (n, d) in enumerate(pairs)]
    table, counts = _figures("figures", parts, "en")
    *rows, total = table.rows
    assert total[1] == percent(sum(n for n, _d in pairs), sum(d for _n, d in pairs))
    assert total[3] == sum(n for n, _d in pairs) and counts.rows[-1][1:] == [sum(n for n, _ in pairs),
                                                                             sum(d for _, d in pairs), total[3], None]
    exact = [Fraction(n, d) if d else None for n, d in pairs]
    for (n, d), row, mine in zip(pairs, rows, exact):
        assert row[2] == (None if mine is None else 1 + sum(1 for other in exact if other is not None and other > mine))
        assert row[4] == 1 + sum(1 for m, _ in pairs if m > n)


# -- through a real git server ------------------------------------------------------------------
from test_server_gitolite import CONF, admin_push, gitolite  # noqa: E402,F401  (its fixture)


@pytest.mark.lang("en")
def test_offices_on_gitolite_are_read_and_a_denied_one_is_named(gitolite, offices, cli, tmp_path):
    server = gitolite
    admin_push(server, tmp_path, CONF + "\nrepo secret\n    RW+     =   liu\n", ("liu", "wang"))
    a = offices["幸福花园"][0]
    sh("git", "push", "-q", server.url("office"), "HEAD:master", cwd=a, env=server.env("liu"))
    path = tmp_path / "company.yaml"
    path.write_text(f"company: 安居物业\noffices:\n  - name: 幸福花园\n    remote: {server.url('office')}\n"
                    f"  - name: 保密\n    remote: ssh://{server.account}@127.0.0.1:{server.port}/secret\n",
                    encoding="utf-8")
    before = sh("git", "-c", "safe.directory=*", "for-each-ref", cwd=server.repo("office"))
    result = cli("company", "report", "kpi", *MONTH, "--company", path, "-o", "json", "--jobs", "1",
                 env=server.env("wang"))
    assert result.code == 10, result.err
    data = json.loads(result.out)
    assert [r["office"] for r in data["sections"]["figures"]["rows"]] == ["幸福花园", "total"]
    assert data["sections"]["figures"]["rows"][0]["received"] == 2
    denied = data["sections"]["offices"]["rows"][1]
    assert denied["key"] == "unreachable" and "DENIED" in denied["reason"], denied
    assert result.err.startswith("wuyectl: 1 of 2 offices could not be fetched now: 保密 left out (")
    assert sh("git", "-c", "safe.directory=*", "for-each-ref", cwd=server.repo("office")) == before


@pytest.mark.parametrize("name", __import__("wuyectl.reports", fromlist=["NAMES"]).NAMES)
def test_every_report_has_its_company_form(company, cli, name):
    if name == "satisfaction":   # (no office has a survey: the request itself is wrong)
        result = cli("company", "report", name, "--campaign", "2026H2", "--company", company, "--jobs", "1")
        assert (result.code, result.out) == (4, "") and result.err.count("\n") == 1, result.err
        return
    extra = () if name == "handover" else MONTH
    result = cli("company", "report", name, *extra, "--company", company, "-o", "json", "--jobs", "1")
    assert result.code == 10, result.err
    data = json.loads(result.out)
    assert [r["key"] for r in data["sections"]["offices"]["rows"]] == ["ok", "ok", "unreachable"], data


def test_the_handover_sheet_lists_each_offices_open_tickets_as_the_office_does(company, offices, cli):
    """Days after the last step, the sheet still lists the tickets open then, in the company's
    form as in each office's own (the office reads its open tickets for the handover)."""
    day = ("--date", "2026-11-26")
    result = cli("company", "report", "handover", *day, "--company", company, "-o", "json", "--jobs", "1")
    assert result.code == 10, result.err
    rows = json.loads(result.out)["sections"]["open"]["rows"]
    for name in ("幸福花园", "阳光小区"):
        own = json.loads(cli("report", "handover", *day, "-o", "json", "--repo", offices[name][0]).out)
        assert bool(own["sections"]["open"]["rows"]) == (name == "幸福花园"), name   # (its repairs of 11-22)
        assert [{k: v for k, v in r.items() if k != "office"} for r in rows if r["office"] == name] == \
            own["sections"]["open"]["rows"], name


# -- the company's dashboard --------------------------------------------------------------------
def test_the_company_dashboard_charts_each_office_and_holds_the_company_reports_json(company, cli, tmp_path):
    """`company report dashboard`: the offices side by side in one page, in a real browser:
    every chart drawn, each table the section of `company report NAME -o json`, the unreachable
    office named in the first table and the exit code 10."""
    from test_dashboard import Dom, chromium

    from wuyectl.reports import dashboard

    page = tmp_path / "company.html"
    result = cli("company", "report", "dashboard", *MONTH, "--company", company, "-o", page, "--jobs", "1")
    assert (result.code, result.out) == (10, f"{page}\n")
    assert "远山苑" in result.err and result.err.count("\n") == 1
    dumped = chromium("--window-size=1200,900", "--dump-dom", page.as_uri(), tmp=tmp_path)
    assert dumped.returncode == 0, dumped.stderr
    dom = Dom(dumped.stdout)
    assert set(dom.figures) == {c.key for c in dashboard.COMPANY_CHARTS}
    offices = next(t for t in dom.tables if t["attrs"].get("data-section") == "offices")
    assert [(row[0], row[1]) for row in offices["rows"]] == [("幸福花园", "已获取"), ("阳光小区", "已获取"), ("远山苑", "无法获取")]
    shown = {}
    for chart in dashboard.COMPANY_CHARTS:
        if chart.report not in shown:
            got = cli("company", "report", chart.report, *MONTH, "--company", company, "-o", "json", "--jobs", "1")
            shown[chart.report] = json.loads(got.out)["sections"]
        section = shown[chart.report][chart.section]
        if not section["rows"]:   # nothing to chart (no archive loans out): said, not drawn
            assert any(e.get("data-report") == chart.report and e.get("data-section") == chart.section
                       for e in dom.empty), chart.key
            continue
        table = next(t for t in dom.tables if t["attrs"].get("data-report") == chart.report
                     and t["attrs"].get("data-section") == chart.section)
        expected = [["" if row[c] is None else str(row[c]) for c in section["columns"]] for row in section["rows"]]
        assert table["rows"] == expected, chart.key
        drawn = [r for r in section["rows"] if r.get("key") != "total"]
        if chart.key == "company_kpi_received":
            assert dom.figures[chart.key]["values"] == [str(r["received"]) for r in drawn]
    image_path = tmp_path / "company.png"
    height = int(dom.body["data-height"])
    taken = chromium(f"--window-size=1200,{height}", f"--screenshot={image_path}", page.as_uri(), tmp=tmp_path)
    assert taken.returncode == 0, taken.stderr
    Image = pytest.importorskip("PIL.Image", reason="Pillow not installed: it reads the browser's screenshot")
    image = Image.open(image_path).convert("L")
    for key, figure in dom.figures.items():
        if figure["no_data"] or all(float(v.rstrip("%") or 0) == 0 for v in figure["values"]):
            continue   # (pygal's "no data" box, or bars of length 0: nothing to see but the axes)
        x, y, width, height = (int(v) for v in figure["attrs"]["data-box"].split(","))
        region = image.crop((x, y, x + width, y + height))
        assert sum(region.histogram()[:200]) > 0.01 * width * height, key


def test_the_company_dashboard_refuses_a_file_that_is_no_page(company, refused):
    assert refused("company", "report", "dashboard", *MONTH, "--company", str(company), "-o", "board.pdf",
                   "--lang", "en") == (3, "wuyectl: the dashboard is an HTML page: name the file FILE.html, not 'board.pdf'\n")
