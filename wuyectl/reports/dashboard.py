"""dashboard — the month at a glance, as charts (管理看板): one self-contained HTML file.

Each chart is drawn from a section of a report built exactly as `wuyectl report NAME` builds it
for the same month and as-of time, and its table beneath holds that section's rows as
`wuyectl report NAME … -o json` shows them: the figures are the reports', never recomputed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..domain import codes
from ..i18n import pick
from ..timeutil import as_of_text, read_iso
from . import build as build_report
from .base import OfficeData, Period
from .charts import Block, ChartData, number, page

TITLE = ("管理看板", "Dashboard")
MONTHS = 12   # the KPI trend: this many months, ending at the dashboard's month


@dataclass(frozen=True)
class Chart:
    """One chart of the dashboard, declared: which report and section its figures come from,
    which column labels the categories and which columns are charted (counts or percentages).

    rows: keep only the section's rows with these keys (the table beneath keeps every row).
    count_by: chart how many of the section's rows carry each value of `label` (a list's
        section, e.g. loans out), `blank` naming the empty value.
    target: a reference drawn beside the values: (label, the policy key giving it, default).
    trend: the report is built for each of the MONTHS months ending at the dashboard's month;
        the categories are the months, a series per row key of `rows`."""

    key: str
    title: tuple[str, str]
    note: tuple[str, str]
    report: str
    section: str
    label: str
    values: tuple[str, ...] = ("count",)
    kind: str = "bar"
    rows: tuple[str, ...] | None = None
    count_by: bool = False
    blank: tuple[str, str] = ("", "")
    target: tuple[tuple[str, str], str, float] | None = None
    trend: bool = False


RATES = ("dispatch_on_time", "completion", "callback", "satisfaction", "problem_solving")

CHARTS = [
    Chart("kpi_rates", ("服务质量指标（近12个月）", "Service KPIs, last 12 months"),
          ("受理及时率、处理完成率、回访率、满意率、问题解决率：各月按 report kpi 的公式",
           "dispatch on time, completion, callback, satisfaction, problem solving: each month by report kpi's formulas"),
          "kpi", "figures", "figure", ("value",), "line", rows=RATES, trend=True),
    Chart("kpi_received", ("受理总数（近12个月）", "Tickets received, last 12 months"),
          ("各月受理的工单数（重开不重复计）", "tickets received in each month (each once, however often reopened)"),
          "kpi", "figures", "figure", ("value",), "bar", rows=("received",), trend=True),
    Chart("sla_stages", ("各环节时限", "Time limits by stage"),
          ("本月受理工单各环节时钟：按时、超时、计时中（截至统计时点）",
           "clocks of the tickets received in the month: met, breached, running at the as-of time"),
          "sla", "stages", "stage", ("met", "breached", "due")),
    Chart("workload_departments", ("超时（按部门）", "Breaches by department"),
          ("本月派单、完成，及本月到时超时的时钟（记在当时负责该环节的人所在部门）",
           "assigned and resolved in the month, and clocks breached in it (charged to the department of whoever held the stage)"),
          "workload", "departments", "department", ("assigned", "resolved", "breached")),
    Chart("satisfaction_items", ("客户满意度（分项）", "Satisfaction per survey item"),
          ("非不满意 ÷ 评价份数；回收率低于70%时每低5个百分点各项减1个百分点（调整后）",
           "not dissatisfied ÷ forms rating the item; under a 70% response, 1 point off per full 5 points below (adjusted)"),
          "satisfaction", "items", "item", ("rate", "adjusted")),
    Chart("satisfaction_response", ("问卷回收率对照70%", "Survey response against 70%"),
          ("回收份数 ÷ 抽样户数；低于70%时满意率按上表调减", "forms returned ÷ households drawn; under 70% the rates are reduced"),
          "satisfaction", "summary", "figure", ("value",), "hbar", rows=("response_rate",),
          target=(("回收率标准", "required response"), "survey.min_response_rate", 0.7)),
    Chart("workload_people", ("工作量（按人员）", "Workload per person"),
          ("本月派单、完成，及记在本人名下的超时时钟", "assigned and resolved in the month, and the breached clocks charged to them"),
          "workload", "people", "person", ("assigned", "resolved", "breached")),
    Chart("assessment_scores", ("月度考核得分（按人员）", "Monthly assessment score per person"),
          ("四项指标的得分（公式见 report assessment --help）", "the score of the four figures (formulas: report assessment --help)"),
          "assessment", "people", "person", ("score",), "hbar"),
    Chart("assessment_grades", ("考核等级分布", "People per grade"),
          ("本月各等级人数（无可考核工作者为 n/a）", "people at each grade this month (n/a: nothing to judge)"),
          "assessment", "people", "grade", count_by=True),
    Chart("complaints_department", ("投诉（按部门）", "Complaints by department"),
          ("本月受理的投诉按处理部门", "complaints received in the month, by the department handling them"),
          "complaints", "by_department", "department"),
    Chart("complaints_outcome", ("投诉（按结果）", "Complaints by outcome"),
          ("本月受理的投诉截至统计时点的结果", "complaints received in the month, by outcome at the as-of time"),
          "complaints", "by_outcome", "outcome"),
    Chart("violations_steps", ("未结违章（按措施）", "Open violations by ladder step"),
          ("截至统计时点未结违章所处的措施", "open violations at the as-of time, by the step of their ladder"),
          "violations", "open_by_step", "step"),
    Chart("archive_loans", ("档案借出未还", "Archive loans out"),
          ("截至统计时点未归还的借阅，按是否逾期", "loans not returned at the as-of time, overdue or not"),
          "archive", "loans", "note", count_by=True, blank=("未逾期", "not overdue")),
]


def help_text() -> str:
    lines = ["Charts, each with its table beneath; the figures are the named report's section, built for the "
             "dashboard's month and as-of time exactly as `wuyectl report NAME --month M --as-of T -o json` shows it:"]
    for chart in CHARTS:
        source = f"report {chart.report}, section {chart.section}"
        if chart.trend:
            source += f" (each of the {MONTHS} months ending at --month)"
        if chart.report == "satisfaction":
            source += " (the latest campaign drawn by the end of the month)"
        if chart.count_by:
            what = f"its rows counted by {chart.label}"
        else:
            what = ", ".join(chart.values) + f" by {chart.label}"
            if chart.rows:
                what += " (rows " + ", ".join(chart.rows) + ")"
        if chart.target:
            what += f", against policy {chart.target[1]} (default {chart.target[2]:.0%})"
        lines.append(f"{chart.title[1]} ({chart.title[0]}): {source}: {what}.")
    return "\n\n".join(lines)


HELP = help_text()


def month_period(day: date, tz) -> Period:
    first = day.replace(day=1)
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return Period(first, nxt - timedelta(days=1), tz)


def months_ending(period: Period, count: int = MONTHS) -> list[Period]:
    out = [month_period(period.first, period.tz)]
    while len(out) < count:
        out.insert(0, month_period(out[0].first - timedelta(days=1), period.tz))
    return out


def latest_campaign(office, period: Period, as_of) -> str | None:
    """The survey campaign drawn last by the end of the month (and by the as-of time)."""
    end = min(period.end, as_of)
    drawn = [(read_iso(s["drawn_at"]), s["id"]) for s in OfficeData(office).surveys
             if s.get("drawn_at") and s.get("id") and read_iso(s["drawn_at"]) < end]
    return max(drawn)[1] if drawn else None


class Reports:
    """Each report the charts name, built once per (report, month) the way `report NAME` does."""

    def __init__(self, office, as_of, lang: str):
        self.office, self.as_of, self.lang = office, as_of, lang
        self.built: dict = {}

    def get(self, name: str, period: Period | None, **kw):
        key = (name, period, tuple(sorted(kw.items())))
        if key not in self.built:
            self.built[key] = build_report(self.office, name, period, self.as_of, self.lang, **kw)[0]
        return self.built[key]


def build(office, period: Period, as_of, lang: str) -> tuple[str, list[Block]]:
    """The dashboard's title and blocks for the month `period` (a calendar month)."""
    reports = Reports(office, as_of, lang)
    campaign = latest_campaign(office, period, as_of)
    blocks = []
    for chart in CHARTS:
        if chart.trend:
            blocks.append(_trend(chart, reports, period, lang))
        elif chart.report == "satisfaction":
            if campaign is None:
                blocks.append(Block(chart.key, pick(chart.title, lang), pick(chart.note, lang), None, [], [],
                                    {"report": "satisfaction", "section": chart.section},
                                    empty="本月底前没有问卷调查" if lang == "zh" else "No survey campaign drawn by the end of the month"))
            else:
                blocks.append(_block(chart, reports.get("satisfaction", None, campaign=campaign), lang,
                                     {"campaign": campaign}, office))
        else:
            blocks.append(_block(chart, reports.get(chart.report, period), lang, {"month": _month(period)}, office))
    name = ((office.config.get("community") or {}).get("name")) or ""
    title = f"{name} {pick(TITLE, lang)} {_month(period)}".strip()
    return title, blocks


def facts(period: Period, as_of, lang: str) -> list[tuple[str, str]]:
    return [(codes.field_label("period", lang), f"{period.first.isoformat()} – {period.last.isoformat()}"),
            (codes.field_label("as_of", lang), as_of_text(as_of))]


def render(office, period: Period, as_of, lang: str) -> str:
    """The dashboard as one self-contained HTML page."""
    title, blocks = build(office, period, as_of, lang)
    footer = ("每个图表下的表格即 wuyectl report 相应报表同月同统计时点的数据。" if lang == "zh" else
              "Each chart's table is the section of the named wuyectl report for the same month and as-of time.")
    return page(title, facts(period, as_of, lang), blocks, lang, footer)


def _month(period: Period) -> str:
    return period.first.strftime("%Y-%m")


def _block(chart: Chart, report, lang: str, where: dict, office, skip: tuple = ()) -> Block:
    """`skip`: row keys kept in the table but not charted (a company's total row)."""
    sec = report.section(chart.section)
    keys = sec.keys or [None] * len(sec.rows)
    label_at = sec.columns.index(chart.label)
    kept = [(k, row) for k, row in zip(keys, sec.rows) if (chart.rows is None or k in chart.rows) and k not in skip]
    if chart.count_by:
        seen: dict = {}
        for _k, row in kept:
            text = row[label_at] or pick(chart.blank, lang)
            seen[text] = seen.get(text, 0) + 1
        data = ChartData(chart.kind, list(seen), [(sec.headings[label_at], list(seen.values()), False)])
    else:
        series = []
        for column in chart.values:
            at = sec.columns.index(column)
            values = [number(row[at]) for _k, row in kept]
            percent = any(getattr(row[at], "fraction", None) is not None for _k, row in kept) or \
                (chart.target is not None)
            series.append((sec.headings[at], values, percent))
        target = None
        if chart.target is not None:
            label, policy_key, default = chart.target
            target = (pick(label, lang), round(float(_policy(office, policy_key, default)) * 100, 1))
        data = ChartData(chart.kind, [str(row[label_at]) for _k, row in kept], series, target)
    attrs = {"report": chart.report, "section": chart.section, "columns": ",".join(sec.columns), **where,
             "as_of": report.as_of.isoformat(timespec="seconds")}
    return Block(chart.key, f"{pick(chart.title, lang)}", pick(chart.note, lang), data, sec.headings, sec.rows,
                 attrs, [{"key": k} for k in keys] if sec.keys else None)


def _trend(chart: Chart, reports: Reports, period: Period, lang: str) -> Block:
    months = months_ending(period)
    built = [reports.get(chart.report, m) for m in months]
    first = built[-1].section(chart.section)
    at = first.columns.index(chart.values[0])
    label_at = first.columns.index(chart.label)
    wanted = [k for k in first.keys if k in chart.rows]
    names = {k: row[label_at] for k, row in zip(first.keys, first.rows)}
    table_rows, series = [], {k: [] for k in wanted}
    for month, rep in zip(months, built):
        sec = rep.section(chart.section)
        by_key = dict(zip(sec.keys, sec.rows))
        table_rows.append([_month(month)] + [by_key[k][at] for k in wanted])
        for k in wanted:
            series[k].append(number(by_key[k][at]))
    percent = chart.kind == "line"
    data = ChartData(chart.kind, [_month(m) for m in months],
                     [(names[k], series[k], percent) for k in wanted])
    month_heading = "月份" if lang == "zh" else "month"
    return Block(chart.key, pick(chart.title, lang), pick(chart.note, lang), data,
                 [month_heading] + [names[k] for k in wanted], table_rows,
                 {"report": chart.report, "section": chart.section, "columns": ",".join(["month", *wanted]),
                  "trend": ",".join(wanted),
                  "as_of": reports.as_of.isoformat(timespec="seconds")},
                 [{"month": _month(m)} for m in months])


def _policy(office, dotted: str, default):
    value = office.config.get("policy") or {}
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return default if value is None else value


# -- the company's dashboard (wuyectl company report dashboard) ---------------------------------
# The same page over the company's combined reports (app/company.combine): a figure per office
# and their total, a count per office. `values=()`: every office's column of a counts table.
RATE_TITLES = {"dispatch_on_time": ("受理及时率", "Dispatch on time"), "completion": ("处理完成率", "Completion"),
               "callback": ("回访率", "Callback rate"), "satisfaction": ("满意率", "Satisfaction"),
               "problem_solving": ("问题解决率", "Problem solving")}
COMPANY_CHARTS = [
    # one bar per office for each rate (fifty offices stay readable); the figures' table once, under the last
    *[Chart(f"company_kpi_{rate}", (f"{zh}（按管理处）", f"{en} by office"),
            ("各管理处按 report kpi 的公式；合计由分子分母相加求得（表格见本组最后一图之下）",
             "each office by report kpi's formula; the total from the summed numerators and denominators "
             "(the table is under the last chart of the group)"),
            "kpi", "figures", "office", (rate,), "hbar") for rate, (zh, en) in RATE_TITLES.items()],
    Chart("company_kpi_received", ("受理总数（按管理处）", "Tickets received by office"),
          ("本月受理的工单数", "tickets received in the month"), "kpi", "figures", "office", ("received",), "hbar"),
    Chart("company_breaches", ("超时（按环节、管理处）", "Breaches by stage and office"),
          ("本月受理工单超时的时钟数", "breached clocks of the tickets received in the month"),
          "kpi", "breaches", "stage", ()),
    Chart("company_complaints", ("投诉（按部门、管理处）", "Complaints by department and office"),
          ("本月受理的投诉按处理部门", "complaints received in the month, by the department handling them"),
          "complaints", "by_department", "department", ()),
    Chart("company_violations", ("未结违章（按措施、管理处）", "Open violations by step and office"),
          ("截至统计时点未结违章所处的措施", "open violations at the as-of time, by the step of their ladder"),
          "violations", "open_by_step", "step", ()),
    Chart("company_loans", ("档案借出未还（按管理处）", "Archive loans out by office"),
          ("截至统计时点借出未还的档案", "archive items lent and not back at the as-of time"),
          "archive", "loans", "office", count_by=True),
]
COMPANY_REPORTS = tuple(dict.fromkeys(c.report for c in COMPANY_CHARTS))


def company_render(company: str, reports: dict, period: Period, as_of, lang: str) -> str:
    """The company's dashboard: `reports` maps each name of COMPANY_REPORTS to the company's
    combined Report (what `wuyectl company report NAME -o json` shows)."""
    from dataclasses import replace

    blocks = []
    for position, chart in enumerate(COMPANY_CHARTS):
        report = reports[chart.report]
        if chart.values == () and not chart.count_by:
            columns = report.section(chart.section).columns
            chart = replace(chart, values=tuple(c for c in columns if c not in (chart.label, "total")))
        block = _block(chart, report, lang, {"month": _month(period), "company": company}, None, skip=("total",))
        after = COMPANY_CHARTS[position + 1] if position + 1 < len(COMPANY_CHARTS) else None
        if after is not None and (after.report, after.section) == (chart.report, chart.section):
            block = replace(block, table=False)   # the same table follows under the next chart
        blocks.append(block)
    offices = reports[COMPANY_REPORTS[0]].section("offices")
    blocks.insert(0, Block("company_offices", offices.title, "", None, offices.headings, offices.rows,
                           {"report": COMPANY_REPORTS[0], "section": "offices"}))
    title = f"{company} {pick(TITLE, lang)} {_month(period)}".strip()
    footer = ("每个图表下的表格即 wuyectl company report 相应报表同月同统计时点的数据。" if lang == "zh" else
              "Each chart's table is the section of the named wuyectl company report for the same month and as-of time.")
    return page(title, facts(period, as_of, lang), blocks, lang, footer)
