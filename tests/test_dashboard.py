"""`wuyectl report dashboard`: one self-contained HTML page of charts whose figures are the
reports' own — checked in a real browser (headless Chromium): every chart is drawn where it
stands, and the DOM's tables and chart values equal `wuyectl report NAME … -o json`."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from wuyectl.reports import charts, dashboard, module
from wuyectl.reports.base import heading


def heading_in(report: str, key: str) -> str:
    """A column's Chinese heading: the report's own (assessment has some), else the shared one."""
    own = getattr(module(report), "HEADINGS", {})
    return own[key][0] if key in own else heading(key, "zh")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample-records"
MONTH = "2026-11"
AS_OF = "2026-11-24T18:00:00+08:00"
TIME_LIMIT = 180
FETCH = re.compile(r"""(?:\b(?:src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//)"""
                   r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import)""", re.I)


def wuyectl(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUYECTL_") and k != "COLUMNS"}
    env["WUYECTL_NOW"] = AS_OF
    result = subprocess.run([sys.executable, "-m", "wuyectl", *args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=TIME_LIMIT)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def report_json(name: str, *extra: str) -> dict:
    result = wuyectl("--repo", str(SAMPLE), "report", name, *extra, "--as-of", AS_OF, "-o", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# ---- the page as the browser leaves it --------------------------------------------------------

class Dom(HTMLParser):
    """The dumped DOM's tables (their data-* attributes, headings and rows), each chart's
    figure (data-box, the values its SVG carries) and <body>'s data-* attributes."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tables, self.figures, self.body, self.empty = [], {}, {}, []
        self._stack: list[str] = []
        self._table = self._row = self._cell = self._figure = self._desc = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.body = attrs
        elif tag == "table":
            self._table = {"attrs": attrs, "headings": [], "rows": [], "row_attrs": []}
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._row_attrs = attrs
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""
        elif tag == "figure":
            self._figure = {"attrs": attrs, "values": [], "no_data": False}
            self.figures[attrs["data-chart"]] = self._figure
        elif tag == "desc" and self._figure is not None and "value" in (attrs.get("class") or "").split():
            self._desc = ""
        elif tag == "text" and self._figure is not None and "no_data" in (attrs.get("class") or ""):
            self._figure["no_data"] = True
        elif tag == "p" and "empty" in (attrs.get("class") or ""):
            self.empty.append(attrs)

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._desc is not None:
            self._desc += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row_attrs or self._table["headings"]:
                self._table["rows"].append(self._row)
                self._table["row_attrs"].append(self._row_attrs)
            else:
                self._table["headings"] = self._row
            self._row = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None
        elif tag == "figure":
            self._figure = None
        elif tag == "desc" and self._desc is not None:
            self._figure["values"].append(self._desc)
            self._desc = None


def chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("chromium not installed: the dashboard's browser test needs the Debian package 'chromium'")
    return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           # let the page's scripts run (the font loaded, the boxes measured) first
                           "--hide-scrollbars", "--virtual-time-budget=10000", f"--user-data-dir={tmp / 'profile'}", *args],
                          capture_output=True, text=True, timeout=TIME_LIMIT)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample office's dashboard for the month, as written and as the browser leaves it
    (its dumped DOM), and a full-page screenshot."""
    tmp = tmp_path_factory.mktemp("dashboard")
    page = tmp / "dashboard.html"
    result = wuyectl("--repo", str(SAMPLE), "report", "dashboard", "--month", MONTH, "--as-of", AS_OF, "-o", str(page))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{page}\n"
    dumped = chromium("--window-size=1200,900", "--dump-dom", page.as_uri(), tmp=tmp)
    assert dumped.returncode == 0, dumped.stderr
    dom = Dom(dumped.stdout)
    height = int(dom.body["data-height"])
    shot = tmp / "dashboard.png"
    taken = chromium(f"--window-size=1200,{height}", f"--screenshot={shot}", page.as_uri(), tmp=tmp)
    assert taken.returncode == 0 and shot.exists(), taken.stderr
    return page, dom, shot


def test_every_chart_is_drawn_where_it_stands(built):
    Image = pytest.importorskip("PIL.Image", reason="Pillow not installed: it reads the browser's screenshot")
    _page, dom, shot = built
    assert set(dom.figures) == {c.key for c in dashboard.CHARTS}
    image = Image.open(shot).convert("RGB")
    for key, figure in dom.figures.items():
        x, y, width, height = (int(v) for v in figure["attrs"]["data-box"].split(","))
        assert width > 600 and height > 100, (key, figure["attrs"]["data-box"])
        assert x + width <= image.width and y + height <= image.height, key
        region = image.crop((x, y, x + width, y + height))
        inked = sum(region.convert("L").histogram()[:200])
        assert inked > 0.01 * width * height, (key, inked)        # not blank: axes, bars, labels
        assert len(region.getcolors(maxcolors=width * height)) > 20, key   # more than a flat box
    # the embedded face (the subset of the package's Noto Sans SC) is what the text is set in
    assert charts.FONT_FAMILY in dom.body.get("data-fonts", ""), dom.body


def _chart(key: str):
    return next(c for c in dashboard.CHARTS if c.key == key)


def _expected_values(chart, table) -> list[str]:
    """What the chart's SVG must carry, in its order (series after series), from the table."""
    columns = table["attrs"]["data-columns"].split(",")
    if chart.count_by:
        at = columns.index(chart.label)
        return [str(n) for n in Counter(row[at] or chart.blank[0] for row in table["rows"]).values()]
    rows = [(attrs.get("data-key"), row) for attrs, row in zip(table["row_attrs"], table["rows"])]
    kept = [row for key, row in rows if chart.rows is None or key in chart.rows]
    out = []
    for column in chart.values:
        at = columns.index(column)
        out += [row[at] for row in kept if row[at] and row[at] != "n/a" and not row[at].startswith("不适用")]
    if chart.target:
        out += [f"{chart.target[2] * 100:.1f}%"] * len(kept)
    return out


def _where(table) -> tuple[str, ...]:
    attrs = table["attrs"]
    if "data-campaign" in attrs:
        return ("--campaign", attrs["data-campaign"])
    return ("--month", attrs["data-month"])


def test_the_tables_and_the_charts_hold_the_reports_json(built):
    _page, dom, _shot = built
    assert len(dom.tables) == len(dashboard.CHARTS)
    checked = set()
    for table in dom.tables:
        attrs = table["attrs"]
        name, section = attrs["data-report"], attrs["data-section"]
        assert attrs["data-as-of"] == AS_OF
        if "data-trend" in attrs:   # one row per month: that month's `report kpi` figures
            keys = attrs["data-trend"].split(",")
            chart = next(c for c in dashboard.CHARTS if c.trend and ",".join(c.rows) == attrs["data-trend"])
            months = [a["data-month"] for a in table["row_attrs"]]
            assert len(months) == dashboard.MONTHS and months[-1] == MONTH
            values = {k: [] for k in keys}
            for month, row in zip(months, table["rows"]):
                shown = report_json(name, "--month", month)["sections"][section]["rows"]
                by_key = {r["key"]: r for r in shown}
                assert row == [month] + [str(by_key[k]["value"]) for k in keys], month
                assert table["headings"][1:] == [by_key[k]["figure"] for k in keys]
                for k in keys:
                    if by_key[k]["value"] != "n/a":
                        values[k].append(str(by_key[k]["value"]))
            assert dom.figures[chart.key]["values"] == [v for k in keys for v in values[k]], chart.key
            checked.add(chart.key)
            continue
        shown = report_json(name, *_where(table))["sections"][section]
        assert attrs["data-columns"].split(",") == shown["columns"]
        assert table["headings"] == [heading_in(name, c) for c in shown["columns"]], (name, section)
        expected = [["" if row[c] is None else str(row[c]) for c in shown["columns"]] for row in shown["rows"]]
        assert table["rows"] == expected, (name, section)
        if "key" in (shown["rows"][0] if shown["rows"] else {}):
            assert [a["data-key"] for a in table["row_attrs"]] == [r["key"] for r in shown["rows"]]
        for chart in (c for c in dashboard.CHARTS if c.report == name and c.section == section and not c.trend):
            figure = dom.figures[chart.key]
            if figure["no_data"]:
                assert all(v in ("0", "") for v in _expected_values(chart, table)), chart.key
                assert figure["values"] == []
            elif chart.kind == "hbar":   # (pygal draws a horizontal chart's series last first)
                assert sorted(figure["values"]) == sorted(_expected_values(chart, table)), chart.key
            else:
                assert figure["values"] == _expected_values(chart, table), chart.key
            checked.add(chart.key)
    assert checked == {c.key for c in dashboard.CHARTS}


def test_the_page_fetches_nothing_and_carries_its_font(built):
    page, _dom, _shot = built
    text = page.read_text(encoding="utf-8")
    assert not FETCH.search(text), FETCH.search(text).group(0)
    assert "<link" not in text and "<script src" not in text and "<img" not in text and "<iframe" not in text
    assert re.search(r"@font-face\{font-family:'WuyeCJK';[^}]*src:url\(data:font/otf;base64,", text)
    assert "font-family:'WuyeCJK'" in text.replace(" ", "") or "'WuyeCJK', " in text
    assert '<html lang="zh-CN">' in text and "<h1>阳光花园 管理看板 2026-11</h1>" in text
    size = page.stat().st_size
    assert size < 1_000_000, size                         # reasonably small: a font subset, not the font


def test_the_page_in_english(tmp_path):
    page = tmp_path / "board.HTML"
    result = wuyectl("--repo", str(SAMPLE), "report", "dashboard", "--month", MONTH, "--as-of", AS_OF,
                     "-o", "html", str(page), "--lang", "en")
    assert result.returncode == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    assert '<html lang="en">' in text and "<h1>阳光花园 Dashboard 2026-11</h1>" in text
    assert "<h2>Service KPIs, last 12 months</h2>" in text and "<h2>Open violations by ladder step</h2>" in text
    assert "<th>dispatch on time</th>" in text and "受理及时率" not in text
    assert not FETCH.search(text)


# ---- the command line, on the test office ----------------------------------------------------

def test_the_test_office_gets_a_dashboard_and_it_is_the_same_each_time(cli, office, tmp_path):
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    assert cli("report", "dashboard", "--month", "2026-11", "-o", str(first)).out == f"{first}\n"
    assert cli("report", "dashboard", "--month", "2026-11", "-o", "html", str(second)).code == 0
    text = first.read_text(encoding="utf-8")
    assert text == second.read_text(encoding="utf-8")
    mask = os.umask(0)
    os.umask(mask)
    assert first.stat().st_mode & 0o777 == 0o666 & ~mask      # as any file the user writes
    assert not list(tmp_path.glob(".dashboard-*"))
    assert "<h1>幸福花园 管理看板 2026-11</h1>" in text
    assert "本月底前没有问卷调查" in text                  # no survey campaign yet: said, not drawn
    assert "计算时点：2026-11-22 09:14+08:00" in text or "2026-11-22" in text


@pytest.mark.parametrize("args, code, says", [
    (["-o", "board.pdf"], 3, "name the file FILE.html"),
    (["-o", "board"], 3, "name the file FILE.html"),
    (["-o", "html"], 2, "-o html needs a FILE"),
    (["-o", "a.html", "b.html"], 2, "give the file once"),
    (["-o", "nowhere/board.html"], 3, "cannot write nowhere/board.html"),
    (["--month", "2026-13", "-o", "board.html"], 3, "--month"),
    (["--as-of", "yesterday-ish", "-o", "board.html"], 3, "--as-of"),
])
@pytest.mark.lang("en")
def test_bad_input_is_one_line_and_writes_nothing(refused, office, args, code, says):
    got, line = refused("report", "dashboard", *args)
    assert got == code and says in line, line
    assert not list(office.glob("*.html")) and not list(office.glob(".dashboard-*"))


def test_the_page_builder_takes_any_blocks():
    """The company view's way in: its own blocks, the same page."""
    block = charts.Block("offices", "各处受理", "每个管理处本月受理数",
                         charts.ChartData("bar", ["阳光花园", "幸福花园"], [("受理", [12, 30], False)]),
                         ["管理处", "受理"], [["阳光花园", 12], ["幸福花园", 30]], {"report": "kpi"})
    text = charts.page("公司看板", [("统计期间", "2026-11")], [block], "zh")
    assert '<figure class="chart" data-chart="offices">' in text
    assert re.findall(r'<desc class="value">([^<]*)</desc>', text) == ["12", "30"]
    assert '<table data-report="kpi"><thead><tr><th>管理处</th><th>受理</th></tr></thead>' in text
    assert not FETCH.search(text)


@pytest.mark.lang("en")
def test_the_help_names_every_chart_and_its_report(cli):
    shown = cli("report", "dashboard", "--help").out
    flat = " ".join(shown.split())
    for chart in dashboard.CHARTS:
        assert f"{chart.title[1]} ({chart.title[0]}): report {chart.report}, section {chart.section}" in flat, chart.key
    assert "dashboard" in cli("report", "--help").out


def test_chinese_renders_from_the_embedded_font_where_no_cjk_font_is_installed(built, tmp_path):
    """The browser is given only a Latin font (fontconfig pointed at DejaVu or Liberation): the
    page's Chinese title looks as it does with the system's CJK fonts too, while the same page
    without its @font-face shows the Chinese as boxes."""
    Image = pytest.importorskip("PIL.Image", reason="Pillow not installed: it reads the browser's screenshot")
    from PIL import ImageChops

    latin = next((d for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")
                  if os.path.isdir(d)), None)
    cjk = next((d for d in ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto") if os.path.isdir(d)), None)
    if latin is None or cjk is None:
        pytest.skip("fonts not installed: a Latin-only font folder (fonts-dejavu-core) and fonts-noto-cjk are needed")
    page, _dom, _shot = built
    bare = tmp_path / "bare.html"
    bare.write_text(re.sub(r"@font-face\{[^}]*\}", "", page.read_text(encoding="utf-8")), encoding="utf-8")

    def fonts(*folders: str) -> Path:
        config = tmp_path / f"fonts-{len(folders)}.conf"
        config.write_text('<?xml version="1.0"?>\n<fontconfig>' + "".join(f"<dir>{d}</dir>" for d in folders)
                          + f"<cachedir>{tmp_path / 'fc'}</cachedir></fontconfig>\n", encoding="utf-8")
        return config

    def title(path: Path, config: Path):
        shot = tmp_path / f"{path.stem}-{config.stem}.png"
        before = os.environ.get("FONTCONFIG_FILE")
        os.environ["FONTCONFIG_FILE"] = str(config)
        try:
            taken = chromium("--window-size=1200,160", f"--screenshot={shot}", path.as_uri(), tmp=tmp_path / shot.stem)
        finally:
            if before is None:
                os.environ.pop("FONTCONFIG_FILE", None)
            else:
                os.environ["FONTCONFIG_FILE"] = before
        assert taken.returncode == 0, taken.stderr
        return Image.open(shot).convert("L").crop((200, 20, 1000, 80))

    def apart(one, other) -> float:
        """The share of pixels that differ clearly."""
        return sum(ImageChops.difference(one, other).histogram()[64:]) / (one.width * one.height)

    latin_only, with_cjk = fonts(latin), fonts(latin, cjk)
    shown = title(page, with_cjk)
    alike, unlike = apart(title(page, latin_only), shown), apart(title(bare, latin_only), shown)
    assert alike < 0.005 and unlike > 0.03, (alike, unlike)


@given(st.dates(min_value=date(3, 1, 1), max_value=date(9998, 12, 31)))
def test_the_trend_is_twelve_calendar_months_ending_with_the_month(day):
    months = dashboard.months_ending(dashboard.month_period(day, timezone.utc))
    assert len(months) == dashboard.MONTHS and months[-1].first == day.replace(day=1)
    for before, after in zip(months, months[1:]):
        assert before.first.day == 1 and before.last + timedelta(days=1) == after.first
