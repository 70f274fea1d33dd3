"""`company report NAME`: every office report, over all the offices of a company file."""
from __future__ import annotations

import os

import click

from ...i18n import _
from ..options import global_options, lang

_FORMATS = ["table", "csv", "json", "yaml", "xlsx"]
# the report command's own options that the company's command replaces or does without
_NOT_COPIED = {"output", "file", "lang", "as_", "repo"}


@click.group()
@global_options
def company():
    """The company's view over many offices (公司视图): each office's repository, listed with its
    git remote in a company file, fetched read-only and reported side by side."""


@company.group("report")
@global_options
def company_report():
    """Every office report (`wuyectl report NAME`) over the offices of the company file
    (--company FILE, else $WUYECTL_COMPANY, else ./company.yaml; format: docs/company.md).

    Each office is fetched read-only (a shallow git fetch; nothing is ever pushed) into a
    copy of its own under the cache folder next to the company file (`cache:`, default
    .wuyectl-company/), whose record index is kept between runs: a warm run parses only the
    records that changed. Period and --as-of are read in the company file's timezone, the same
    for every office.

    One rule per shape of table. Figures (figure, value, numerator, denominator): one row per
    office with each figure and its rank, then a total row computed from the summed numerators
    and denominators (never an average of rates); the numerators and denominators in the table
    after it. Rank 1 is the highest value, compared exactly (as fractions, not as the rounded
    text); equal values share a rank and the next rank skips (1, 2, 2, 4); n/a has no rank.
    Counts (a code and its count): one row per code, a column per office, and their total. Any
    other table: the office's name first, the offices' rows one after another in the company
    file's order.

    An office that cannot be fetched (bad URL, server down, permission denied) is named in the
    first table (管理处 / offices) with git's reason, left out of every other table and of the
    totals, and named on stderr; the others are still shown, and the exit code is 10. With
    --stale-ok its last fetched copy is used instead, counted, and marked "as of the last fetch
    at …" (the exit code is still 10). A missing company file exits 4, one that is not valid
    (YAML, schema, two offices with one name or remote) 7, an unknown report 2. An office whose
    report cannot be made (no such --campaign there) is named and left out as well; when no
    office can make it for the same reason, that is the error, with its own exit code.
    """


def _clock(zone_name: str):
    """What the period options need of an office: a timezone and now."""
    from ... import timeutil

    class Clock:
        tz = timeutil.zone(zone_name)

        def now(self):
            return timeutil.now(self.tz)

    return Clock()


def _make(name: str, source: click.Command, summary: str) -> click.Command:
    def callback(output, file, company_file, stale_ok, jobs, **kw):
        from ...app import company as app
        from ...reports.base import Period
        from .reports import as_of_time, resolve_period, within

        the_company = app.load(company_file)
        clock = _clock(the_company.timezone)
        period_given = {k: kw.pop(k, None) for k in ("month", "from_", "to")}
        as_of = kw.pop("as_of", None)
        if name == "handover":
            from ...timeutil import parse_date

            day = within(parse_date(kw["day"], what="--date"), "--date") if kw.get("day") else clock.now().date()
            span = Period(day, day, clock.tz)
            kw["day"] = day.isoformat()   # the company's day, the same for every office
        elif "month" in {p.name for p in source.params}:
            span = resolve_period(clock, period_given["month"], period_given["from_"], period_given["to"])
        else:
            span = None
        if output == "xlsx" and not file:
            from ...errors import UsageError

            raise UsageError(_("-o xlsx needs a FILE to write: wuyectl company report … -o xlsx report.xlsx"))
        combined, results = app.company_reports(the_company, [name], span, as_of_time(clock, as_of), lang(),
                                                jobs=jobs, stale_ok=stale_ok, options=kw)
        emit(combined[name], output, file)
        fail_if_unreachable(results)

    params = [p for p in source.params if p.name not in _NOT_COPIED]
    # (the help is the report's summary and one fixed epilog: both messages of the catalogue)
    command = click.Command(name, callback=callback, params=params, short_help=summary, help=summary,
                            epilog="Over every office of the company file. The figures and their formulas: "
                                   "`wuyectl report NAME --help`; how offices are combined: "
                                   "`wuyectl company report --help`.")
    command = global_options(command)
    for decorate in (
            click.argument("file", required=False, metavar="[FILE]"),
            click.option("-o", "--output", type=click.Choice(_FORMATS), default="table", show_default=True,
                         help="table, csv (UTF-8 with BOM), json, yaml, or xlsx (needs FILE)."),
            click.option("--company", "company_file", metavar="FILE", default=None,
                         help="The company file [WUYECTL_COMPANY, else ./company.yaml]."),
            click.option("--stale-ok", is_flag=True, default=False,
                         help="Use the last fetched copy of an office that cannot be fetched now (marked, counted)."),
            click.option("--jobs", "-j", type=click.IntRange(1, 64), default=min(os.cpu_count() or 1, 4),
                         show_default="processors, at most 4", help="Offices built at once (processes)."),
    ):
        command = decorate(command)
    return command


def fail_if_unreachable(results) -> None:
    """Exit 10 with one line naming every office not fetched now (after the others were shown)."""
    from ...app import company as app
    from ...errors import Exit, WuyeError

    missed = app.unreachable(results)
    if missed:
        raise WuyeError(unreachable_line(missed, len(results)), exit_code=Exit.UNREACHABLE)


def unreachable_line(missed, total: int) -> str:
    """One line naming every office not fetched now, each with its reason."""
    parts = []
    for result in missed:
        if result.error:
            part = _("{office} has no report, left out ({reason})")
        elif result.fetched.status == "stale":
            part = _("{office} shown as of the last fetch at {time} ({reason})")
        else:
            part = _("{office} left out ({reason})")
        parts.append(part.format(office=result.name, reason=result.error or result.fetched.reason,
                                 time=result.fetched.fetched_at))
    return _("{count} of {total} offices could not be fetched now: {offices}").format(
        count=len(missed), total=total, offices="; ".join(parts))


def emit(rep, output: str, file: str | None) -> None:
    """The one renderer (cli/output.py); JSON and YAML also name the company."""
    from .reports import emit as emit_report

    emit_report(rep, output, file, head={"company": rep.meta.get("company")})


def register() -> None:
    from ...reports import NAMES, SUMMARY
    from .reports import report

    for name in NAMES:
        source = report.commands.get(name)
        if source is not None:
            company_report.add_command(_make(name, source, SUMMARY.get(name, "")))
    company_report.add_command(dashboard)


@click.command("dashboard", short_help="The company's month as charts, one self-contained HTML file: -o FILE.html.")
@global_options
@click.option("--month", default=None, metavar="YYYY-MM", help="The month (default: this month).")
@click.option("--as-of", "as_of", default=None, metavar="TIME", help="Compute the clocks as they stood then (default: now).")
@click.option("-o", "--output", "output", required=True, metavar="FILE.html",
              help="The HTML file to write (or `-o html FILE.html`).")
@click.argument("file", required=False, metavar="[FILE.html]")
@click.option("--company", "company_file", metavar="FILE", default=None,
              help="The company file [WUYECTL_COMPANY, else ./company.yaml].")
@click.option("--stale-ok", is_flag=True, default=False,
              help="Use the last fetched copy of an office that cannot be fetched now (marked, counted).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=min(os.cpu_count() or 1, 4),
              show_default="processors, at most 4", help="Offices built at once (processes).")
def dashboard(month, as_of, output, file, company_file, stale_ok, jobs):
    """The company's dashboard (公司管理看板): the offices side by side, as charts with their
    tables, in one self-contained HTML page — service KPIs and tickets received per office,
    breaches by stage, complaints by department, open violations by step and archive loans
    out, each office's column and the company's total. Every table is the section of
    `wuyectl company report NAME --month M --as-of T -o json` (kpi, complaints, violations,
    archive); an office that cannot be fetched is named in the first table, left out of the
    charts and totals, and the exit code is 10."""
    from ...app import company as app
    from ...reports import dashboard as board
    from .reports import as_of_time, page_path, resolve_period, write_page

    path = page_path(output, file, "company report dashboard")
    the_company = app.load(company_file)
    clock = _clock(the_company.timezone)
    span = resolve_period(clock, month, None, None)
    moment = as_of_time(clock, as_of)
    combined, results = app.company_reports(the_company, board.COMPANY_REPORTS, span, moment, lang(),
                                            jobs=jobs, stale_ok=stale_ok)
    write_page(path, board.company_render(the_company.name, combined, span, moment, lang()))
    fail_if_unreachable(results)


register()

COMMANDS = [company]
