"""`report NAME`: one subcommand per report, each with its figures in its --help."""
from __future__ import annotations

import json

import click

from ...i18n import _
from ..options import global_options, lang, office

_FORMATS = ["table", "csv", "json", "xlsx"]


def period_options(f):
    f = click.option("--as-of", "as_of", default=None, metavar="TIME",
                     help="Compute the clocks as they stood then (default: now).")(f)
    f = click.option("--to", "to", default=None, metavar="DATE", help="Last day of the period (inclusive).")(f)
    f = click.option("--from", "from_", default=None, metavar="DATE", help="First day of the period.")(f)
    f = click.option("--month", default=None, metavar="YYYY-MM", help="The period: a calendar month (default: this month).")(f)
    return f


def output_options(f):
    f = click.argument("file", required=False, metavar="[FILE]")(f)
    f = click.option("-o", "--output", type=click.Choice(_FORMATS), default="table", show_default=True,
                     help="table, csv (UTF-8 with BOM), json, or xlsx (needs FILE).")(f)
    return f


# The days a report may be about: a year short of the calendar's ends, so the clocks and the
# periods around a day (the day after, a week before …) are dates too.
FIRST_DAY, LAST_DAY = (2, 1, 1), (9998, 12, 31)


def within(day, what: str):
    """`day` (a date) if a report can be about it; else a BadValue naming `what`."""
    from datetime import date

    from ...errors import BadValue

    if not date(*FIRST_DAY) <= day <= date(*LAST_DAY):
        raise BadValue(_("{what} {day} is outside the dates a report can cover ({first} to {last})").format(
            what=what, day=day.isoformat(), first=date(*FIRST_DAY).isoformat(), last=date(*LAST_DAY).isoformat()))
    return day


def resolve_period(the_office, month, from_, to):
    from datetime import date, timedelta

    from ...errors import BadValue, UsageError
    from ...reports.base import Period
    from ...timeutil import parse_date

    if month and (from_ or to):
        raise UsageError(_("give --month, or --from/--to, not both"))
    if month:
        try:
            year, mon = (int(x) for x in month.split("-"))
            first = date(year, mon, 1)
        except ValueError:
            raise BadValue(_("cannot read --month '{month}': use YYYY-MM").format(month=month)) from None
        nxt = date(year + (mon == 12), mon % 12 + 1, 1)
        return Period(within(first, "--month"), within(nxt - timedelta(days=1), "--month"), the_office.tz)
    if from_ or to:
        if not (from_ and to):
            raise UsageError(_("--from and --to go together"))
        first, last = within(parse_date(from_, what="--from"), "--from"), within(parse_date(to, what="--to"), "--to")
        if last < first:
            raise BadValue(_("--to {last} is before --from {first}").format(last=last, first=first))
        return Period(first, last, the_office.tz)
    today = the_office.now().date()
    first = today.replace(day=1)
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return Period(first, nxt - timedelta(days=1), the_office.tz)


def as_of_time(the_office, as_of):
    from ... import timeutil

    return timeutil.parse_time(as_of, the_office.tz, what="--as-of") if as_of else the_office.now()


def emit(rep, output, file, head: dict | None = None):
    """The one renderer (cli/output.py) to the terminal or FILE (written whole); `head`: keys
    JSON and YAML carry before the report's own (the company's name)."""
    from ...errors import UsageError
    from ...store.shared import write_output
    from .. import output as out

    if output == "xlsx":
        if not file:
            raise UsageError(_("-o xlsx needs a FILE to write: wuyectl report … -o xlsx report.xlsx"))
        out.report_xlsx(rep, file)
        click.echo(file)
        return
    if output in ("json", "yaml"):
        data = {**(head or {}), **out.report_json(rep)}
        text = out.to_json(data) + "\n" if output == "json" else out.to_yaml(json.loads(out.to_json(data)))
    elif output == "csv":
        text = out.report_csv(rep)
    else:
        text = out.report_text(rep, lang())
    if file:
        write_output(file, text.encode("utf-8"))
        click.echo(file)
    else:
        click.echo(text, nl=False)


@click.group()
@global_options
def report():
    """Reports on the office's records (统计报表): one command each; each states what it
    counts and its formulas in its own --help (`wuyectl report kpi --help`)."""


def _make(name: str, help_text: str, *, period: bool = True, extra=None):
    def callback(output, file, month=None, from_=None, to=None, as_of=None, **kw):
        from ...reports import build

        the_office = office()
        span = resolve_period(the_office, month, from_, to) if period else None
        if name == "handover" and kw.get("day"):   # a day's sheet: a day a report can be about
            from ...timeutil import parse_date

            within(parse_date(kw["day"], what="--date"), "--date")
        rep, left_out = build(the_office, name, span, as_of_time(the_office, as_of), lang(), **kw)
        emit(rep, output, file)
        if left_out:
            click.echo(_("wuyectl: {count} record(s) with unreadable times were left out "
                         "(wuyectl validate shows them)").format(count=left_out), err=True)

    command = click.command(name, cls=ReportCommand, short_help=help_text)(callback)
    command = global_options(command)
    command = output_options(command)
    if period:
        command = period_options(command)
    for decorate in extra or ():
        command = decorate(command)
    report.add_command(command)
    return command


class ReportCommand(click.Command):
    """Its help is the report module's docstring and formulas, loaded only when asked for,
    so `wuyectl --help` does not import every report."""

    def format_help_text(self, ctx, formatter):
        from ...reports import module

        mod = module(self.name)
        formatter.write_paragraph()
        with formatter.indentation():
            for paragraph in [mod.__doc__.strip()] + mod.HELP.split("\n\n"):
                formatter.write_text(" ".join(paragraph.split()))
                formatter.write_paragraph()


COMMANDS = [report]


def register() -> None:
    from ...reports import NAMES, SUMMARY

    for name in NAMES:
        extra = []
        period = True
        if name == "handover":
            period = False
            extra.append(click.option("--date", "day", default=None, metavar="DATE", help="The day (default: today)."))
            extra.append(click.option("--as-of", "as_of", default=None, metavar="TIME", help="Clocks as of then (default: end of the day, or now)."))
        if name == "resolution":
            extra.append(click.option("--by", type=click.Choice(["category", "source_category"]), default="category",
                                      show_default=True, help="Group by our category, or by the source's own "
                                                              "category of imported tickets."))
        if name == "satisfaction":
            period = False
            extra.append(click.option("--campaign", required=True, help="The campaign, e.g. 2026H2."))
            extra.append(click.option("--as-of", "as_of", default=None, metavar="TIME", help="Default: now."))
        _make(name, SUMMARY[name], period=period, extra=extra)
    report.add_command(dashboard)


@click.command("dashboard", cls=ReportCommand,
               short_help="The month as charts, one self-contained HTML file (管理看板): -o FILE.html.")
@global_options
@click.option("--month", default=None, metavar="YYYY-MM", help="The month (default: this month); the KPI trend "
                                                               "is the twelve months ending with it.")
@click.option("--as-of", "as_of", default=None, metavar="TIME", help="Compute the clocks as they stood then (default: now).")
@click.option("-o", "--output", "output", required=True, metavar="FILE.html",
              help="The HTML file to write (or `-o html FILE.html`).")
@click.argument("file", required=False, metavar="[FILE.html]")
def dashboard(month, as_of, output, file):
    from ...reports import dashboard as board

    path = page_path(output, file, "report dashboard")
    the_office = office()
    span = resolve_period(the_office, month, None, None)
    write_page(path, board.render(the_office, span, as_of_time(the_office, as_of), lang()))


def page_path(output: str, file: str | None, command: str) -> str:
    """The HTML file named by `-o FILE.html` (or `-o html FILE.html`), checked before anything
    is built."""
    import os

    from ...errors import BadValue, UsageError

    if output == "html":
        if not file:
            raise UsageError(_("-o html needs a FILE to write: wuyectl {command} -o html dashboard.html").format(command=command))
        path = file
    elif file:
        raise UsageError(_("give the file once: wuyectl {command} -o dashboard.html").format(command=command))
    else:
        path = output
    if not path.lower().endswith((".html", ".htm")):
        raise BadValue(_("the dashboard is an HTML page: name the file FILE.html, not '{path}'").format(path=path))
    if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise BadValue(_("cannot write {path}: {reason}").format(path=path, reason=os.strerror(2)))
    return path


def write_page(path: str, text: str) -> None:
    """The page written whole (a refused or failed run leaves no file behind)."""
    from ...store.shared import write_output

    write_output(path, text.encode("utf-8"))
    click.echo(path)


register()
