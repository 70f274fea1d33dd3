"""Charts as inline SVG (pygal), and the self-contained HTML page that holds them.

pygal draws SVG with real <text> for every label and value (so the page's DOM holds them, and
a screen reader or a test can read them), is pure Python (no numpy) and imports in a fraction
of matplotlib's time. Its default JavaScript (tooltips, fetched from a CDN) is switched off
(`js=[]`): the page fetches nothing.

`page(title, facts, blocks, lang)` is the whole page: a title, a line of facts (period, as-of
time), then one block per chart — its title, its formula's short text, the chart, and its
table beneath. A block is plain data (`Block`), so any view of the records (the office's
dashboard, a company's view over many offices) makes its blocks and calls `page`.
"""
from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

FONT_FAMILY = "WuyeCJK"   # the embedded subset of the package's Noto Sans SC, named first
FONT_STACK = f"'{FONT_FAMILY}', 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif"
KINDS = ("bar", "hbar", "line", "pie")
COLOURS = ("#2f6db5", "#e07b39", "#3a9e5f", "#c94a4a", "#8a63b8", "#8c6d3a", "#d45ba4", "#6f7d8c")


@dataclass
class ChartData:
    """What one chart draws: `kind` (bar, hbar, line, pie), the category labels, and series
    of (name, values, percent?); a value is a number or None (nothing to show)."""

    kind: str
    labels: list[str]
    series: list[tuple[str, list, bool]]
    target: tuple[str, float] | None = None   # a reference drawn as its own series (e.g. 70%)


@dataclass
class Block:
    """One chart and its table. `attrs` become data-* attributes of the table (what report,
    section and period its figures come from), `row_attrs` one dict per row."""

    key: str
    title: str
    note: str
    chart: ChartData | None
    headings: list[str]
    rows: list[list]
    attrs: dict = field(default_factory=dict)
    row_attrs: list[dict] | None = None
    empty: str = ""
    table: bool = True     # False: the chart alone (the next block's table holds its figures)


def number(value) -> float | None:
    """A cell as the chart reads it: a count, a percentage in points (the Percent's fraction ×
    100), or None for text ('n/a', a label)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    fraction = getattr(value, "fraction", None)
    return None if fraction is None else round(fraction * 100, 1)


def svg(chart: ChartData, lang: str, number_: int) -> str:
    """The chart as an inline <svg> element (no XML declaration, no script, a stable id)."""
    import pygal
    from pygal.style import Style

    style = Style(font_family=FONT_STACK, background="white", plot_background="white", foreground="#333",
                  foreground_strong="#222", foreground_subtle="#ddd", colors=COLOURS, title_font_size=15,
                  label_font_size=12, major_label_font_size=12, legend_font_size=12, value_font_size=10,
                  value_label_font_size=11, no_data_font_size=20, guide_stroke_color="#ddd",
                  major_guide_stroke_color="#ccc")
    make = {"bar": pygal.Bar, "hbar": pygal.HorizontalBar, "line": pygal.Line, "pie": pygal.Pie}[chart.kind]
    legend = chart.kind == "pie" or len(chart.series) + (chart.target is not None) > 1
    slot = 720 / max(1, len(chart.labels))                     # the width each category has
    widest = max((_width(label) for label in chart.labels), default=0)
    rotate = chart.kind in ("bar", "line") and widest > slot - 6
    percent = bool(chart.series) and all(p for _n, _v, p in chart.series) and chart.kind != "pie"
    counts = [v for _n, values, p in chart.series if not p for v in values if v is not None]
    if chart.kind == "hbar":
        height = max(170, 70 + 34 * len(chart.labels) * max(1, len(chart.series) + (chart.target is not None)) // 2)
    else:
        height = 360 if len(chart.series) > 1 or chart.kind in ("line", "pie") else 280
    options = dict(js=[], style=style, width=760,
                   height=height + (40 if rotate else 0) + 22 * (_legend_rows(chart) - 1) * legend,
                   print_values=chart.kind != "line", print_values_position="top", legend_at_bottom=True,
                   legend_at_bottom_columns=_legend_columns(chart),
                   x_label_rotation=30 if rotate else 0, truncate_label=-1, truncate_legend=-1,
                   show_minor_x_labels=True, dots_size=3, margin=12, spacing=8,
                   margin_bottom=12 + (40 if rotate else 0) + 22 * (_legend_rows(chart) - 1) * legend,
                   show_legend=legend, explicit_size=False,
                   no_data_text="无数据" if lang == "zh" else "No data", include_x_axis=True)
    if percent:
        options["range"] = (0, 100)
    elif counts and chart.kind != "pie" and all(float(v).is_integer() for v in counts):
        top = max(max(counts), 1)
        step = max(1, -(-top // 8))
        options["y_labels"] = list(range(0, top + step, step))   # whole numbers on a count's axis
    drawn = make(**options)
    drawn.uuid = f"dash-{number_}"
    if chart.kind == "pie":
        name, values, percent = chart.series[0]
        for label, value in zip(chart.labels, values):
            if value:
                drawn.add(label, [value], formatter=_format(percent))
    elif any(v is not None for _n, values, _p in chart.series for v in values):   # (all n/a: "no data")
        drawn.x_labels = chart.labels
        for name, values, percent in chart.series:
            drawn.add(name, values, formatter=_format(percent))
        if chart.target is not None:
            name, value = chart.target
            drawn.add(name, [value] * len(chart.labels), formatter=_format(True))
    text = drawn.render(is_unicode=True, disable_xml_declaration=True)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)   # pygal's generator comments (a date, its URLs)
    return text


def _legend_columns(chart: ChartData) -> int:
    """As many legend entries a row as fit beside each other in the chart's width."""
    names = [name for name, _v, _p in chart.series] + ([chart.target[0]] if chart.target else [])
    if chart.kind == "pie":
        names = list(chart.labels)
    widest = max((_width(name) for name in names), default=0) + 36   # the colour box and a gap
    return max(1, min(len(names), 6, 720 // widest))


def _legend_rows(chart: ChartData) -> int:
    entries = len(chart.labels) if chart.kind == "pie" else len(chart.series) + (chart.target is not None)
    return -(-entries // _legend_columns(chart))


def _width(label: str) -> int:
    """About how wide a label is drawn at 12px: CJK characters full width, others about half."""
    return sum(12 if ord(c) > 0x2E80 else 7 for c in str(label))


def _format(percent: bool):
    if percent:
        return lambda v: "" if v is None else f"{v:.1f}%"
    return lambda v: "" if v is None else str(v)   # as the table beneath writes it (100.0, not 100)


def cell(value) -> str:
    """A table cell as the JSON shows it ('' for nothing)."""
    return "" if value is None else str(value)


def _attrs(attrs: dict) -> str:
    return "".join(f' data-{k.replace("_", "-")}="{html.escape(str(v))}"' for k, v in attrs.items() if v is not None)


STYLE = """
body{font-family:%(stack)s;color:#222;background:#f4f5f7;margin:0}
main{width:800px;margin:0 auto;background:white;padding:24px 20px 40px}
h1{font-size:24px;margin:0 0 4px}
.facts{color:#555;font-size:13px;margin:0 0 20px}
section.block{margin:28px 0 0;page-break-inside:avoid}
h2{font-size:17px;margin:0 0 2px;border-left:4px solid #2f6db5;padding-left:8px}
.note{color:#666;font-size:12px;margin:2px 0 8px 12px}
figure.chart{margin:0;border:1px solid #e3e5e8;border-radius:4px;background:white}
figure.chart svg{display:block;width:100%%;height:auto}
table{border-collapse:collapse;font-size:12px;margin:10px 0 0;width:100%%}
th,td{border:1px solid #d8dbe0;padding:3px 6px;text-align:left}
th{background:#f0f2f5;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.empty{color:#888;font-size:13px}
footer{margin-top:28px;color:#888;font-size:11px}
@media print{body{background:white}main{width:auto;padding:0}}
"""

# Where each chart stands, written into the DOM (data-box="x,y,width,height" on its figure, the
# page's height and the font faces loaded on <body>): what a headless browser's --dump-dom
# reports, for a screenshot check.
BOXES = """
(function(){function boxes(){var f=document.querySelectorAll('figure.chart');for(var i=0;i<f.length;i++){
var r=f[i].getBoundingClientRect();f[i].setAttribute('data-box',[r.left+window.scrollX,r.top+window.scrollY,
r.width,r.height].map(Math.round).join(','));}
document.body.setAttribute('data-height',Math.ceil(document.documentElement.scrollHeight));}
boxes();if(document.fonts){document.fonts.ready.then(function(){var loaded=[];
document.fonts.forEach(function(f){if(f.status==='loaded'){loaded.push(f.family.replace(/["']/g,''));}});
document.body.setAttribute('data-fonts',loaded.join(','));boxes();});}})();
"""


def page(title: str, facts: list[tuple[str, str]], blocks: list[Block], lang: str, footer: str = "") -> str:
    """The whole page: self-contained (styles, the font subset and the charts inline; no URL is
    fetched), in `lang`."""
    parts = [f"<h1>{html.escape(title)}</h1>",
             '<p class="facts">' + "　".join(f"{html.escape(k)}：{html.escape(v)}" if lang == "zh" else
                                            f"{html.escape(k)}: {html.escape(v)}" for k, v in facts) + "</p>"]
    for i, block in enumerate(blocks):
        parts.append(f'<section class="block" id="{html.escape(block.key)}">')
        parts.append(f"<h2>{html.escape(block.title)}</h2>")
        if block.note:
            parts.append(f'<p class="note">{html.escape(block.note)}</p>')
        if block.chart is not None:
            parts.append(f'<figure class="chart" data-chart="{html.escape(block.key)}">{svg(block.chart, lang, i + 1)}</figure>')
        if block.table:
            parts.append(_table(block, lang))
        parts.append("</section>")
    if footer:
        parts.append(f"<footer>{html.escape(footer)}</footer>")
    body = "\n".join(parts)
    font = font_face(_visible_text(title + " ".join(f"{k}{v}" for k, v in facts) + body + footer))
    return ("<!DOCTYPE html>\n"
            f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n"
            f"<style>\n{font}{STYLE % {'stack': FONT_STACK}}</style>\n</head>\n"
            f"<body>\n<main>\n{body}\n</main>\n<script>{BOXES}</script>\n</body>\n</html>\n")


def _table(block: Block, lang: str) -> str:
    if not block.rows:
        return f'<p class="empty"{_attrs(block.attrs)}>{html.escape(block.empty or ("（无）" if lang == "zh" else "(none)"))}</p>'
    head = "".join(f"<th>{html.escape(h)}</th>" for h in block.headings)
    rows = []
    for i, row in enumerate(block.rows):
        extra = _attrs(block.row_attrs[i]) if block.row_attrs else ""
        cells = "".join(f'<td{" class=n" if number(v) is not None else ""}>{html.escape(cell(v))}</td>' for v in row)
        rows.append(f"<tr{extra}>{cells}</tr>")
    return (f'<table{_attrs(block.attrs)}><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _visible_text(markup: str) -> str:
    text = re.sub(r"<style.*?</style>", "", markup, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


@lru_cache(maxsize=1)
def _font_bytes() -> bytes:
    return resources.files("wuyectl").joinpath("fonts/NotoSansSC-subset.otf").read_bytes()


def font_face(text: str) -> str:
    """An @font-face holding only the characters of `text` (and ASCII), from the package's
    Noto Sans SC, as base64 inside the page: Chinese renders where no CJK font is installed."""
    import io
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.ERROR)
    chars = {ord(c) for c in text if not c.isspace()} | set(range(0x20, 0x7F)) | {0x3000, 0xFF1A, 0xFF08, 0xFF09}
    font = TTFont(io.BytesIO(_font_bytes()), recalcTimestamp=False)
    options = subset.Options()
    # (the default layout features: kerning and the like, not the vertical and alternate forms)
    options.name_IDs = ["*"]          # the font's names and its OFL notice stay with it
    options.notdef_outline = True
    options.recalc_timestamp = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(chars))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    data = base64.b64encode(out.getvalue()).decode("ascii")
    return (f"@font-face{{font-family:'{FONT_FAMILY}';font-style:normal;font-weight:400;"
            f"src:url(data:font/otf;base64,{data}) format('opentype')}}\n")
