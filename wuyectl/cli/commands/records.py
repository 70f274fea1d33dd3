"""`open`, `get`, `show`, `validate`: making and reading records."""
from __future__ import annotations

import click

from ...i18n import _
from .. import completion
from ..options import Code, actor_name, at_option, code_help, global_options, lang, note_option, office, output_option

_UNIT = completion.record_ids(kind="owner")
_ANY_ID = completion.record_ids(any_kind=True)   # <TAB> on a household: the units on file


class OpenGroup(click.Group):
    """`open KIND`: the kinds with a command of their own below, and any other registered
    kind that declares how it is opened (`Kind.new_record`), with `--set FIELD=VALUE`."""

    def list_commands(self, ctx):
        from ...domain.kinds import KINDS

        generic = [k.name for k in KINDS.values() if k.new_record is not None and k.name not in self.commands]
        return super().list_commands(ctx) + generic

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        from ...domain.kinds import KINDS

        kind = KINDS.get(name)
        return _open_generic(kind) if kind is not None and kind.new_record is not None else None


def _open_generic(kind):
    if kind.entry_fields:
        return _logbook(kind)

    @click.command(kind.name)
    @click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE", help="A field of the new record (repeatable).")
    @at_option
    @output_option("table", "json", "yaml", "ids", default="ids")
    @global_options
    def opener(sets, at, output):
        from ... import api
        from ..options import parse_pairs

        rid = api.open_record(office(), actor_name(), kind, parse_pairs(sets), at=at)
        _print_made(rid, output)

    opener.help = f"Open a {kind.name} record."
    return opener


@click.group("open", cls=OpenGroup)
@global_options
def open_():
    """Create a record: ticket, owner (household), visit, violation, archive item, or any
    other kind the office has."""


@open_.command("ticket")
@click.option("--channel", required=True, type=Code("channel"), metavar="CHANNEL",
              help=code_help("channel", "How it came in:", aliases=4))
@click.option("--category", required=True, type=Code("category"), metavar="CATEGORY",
              help=code_help("category"))
@click.option("--description", required=True, help="What the owner asks or reports.")
@click.option("--unit", default=None, shell_complete=_UNIT, help="The household, building-unit-room: 3-2-1201.")
@click.option("--building", default=None, help="Public area (公共区域): building.")
@click.option("--floor", default=None, help="Public area: floor.")
@click.option("--place", default=None, help="Public area: the place (e.g. 地下车库B区).")
@click.option("--reporter", default=None, help="Who reported it.")
@click.option("--phone", default=None, help="Their phone (masked in every listing).")
@click.option("--severity", default=None, type=Code("severity"), metavar="SEVERITY",
              help=code_help("severity", "Complaints:"))
@click.option("--urgency", default=None, type=Code("urgency"), metavar="URGENCY", help=code_help("urgency"))
@click.option("--dept", "department", default=None, type=Code("department"), metavar="DEPT",
              help=code_help("department", "The department it will go to:"))
@click.option("--system", "repair_system", default=None, help="Repairs: the system/part (维修系统/部件).")
@click.option("--damage", default=None, help="Repairs: the damage (损坏程度).")
@click.option("--appointment", default=None, metavar="TIME", help="Appointment time for the visit (预约上门时间).")
@click.option("--about", "about_staff", default=None, metavar="NAME",
              help="Complaints: the staff member it is about (投诉对象), on the roster; counted in their assessment.")
@note_option
@at_option
@output_option("table", "json", "yaml", "ids", default="table")
@global_options
def open_ticket(output, at, note, building, floor, place, appointment, **fields):
    """Register a request (受理). Prints the new ticket."""
    from ... import api

    location = {"building": building, "floor": floor, "place": place} if (building or floor or place) else None
    the_office = office()
    rid = api.open_ticket(the_office, actor_name(), location=location, appointment_at=appointment, at=at,
                          note=note, **fields)
    _print_made(rid, output)


def _print_made(rid: str, output: str) -> None:
    if output == "ids":
        click.echo(rid)
        return
    from ... import api
    from .. import output as out

    click.echo(out.record(api.show(office(), rid), output, lang()), nl=False)


PERSON_HELP = ("NAME or NAME,field=value,… with fields phone, id_card, gender, birth_date, relation, "
               "move_in_date, lease_end, employer, hukou, native_place (or 电话, 身份证号, 关系, 入住日期, 租期至 …)")


def people_options(f):
    f = click.option("--tenant", "tenants", multiple=True, metavar="PERSON", help="A tenant (repeatable): " + PERSON_HELP)(f)
    f = click.option("--member", "members", multiple=True, metavar="PERSON",
                     help="A household member (repeatable): " + PERSON_HELP)(f)
    f = click.option("--owner", "owners", multiple=True, metavar="PERSON", help="An owner (repeatable): " + PERSON_HELP)(f)
    return f


@open_.command("owner")
@click.option("--unit", required=True, help="building-unit-room: 3-2-1201.")
@click.option("--name", default=None, help="The (first) owner's name.")
@click.option("--phone", default=None, help="The first owner's phone (masked in every listing).")
@click.option("--id-card", default=None, help="The first owner's ID-card number (masked in every listing).")
@click.option("--occupancy", default=None, type=Code("occupancy"), metavar="OCCUPANCY", help=code_help("occupancy"))
@people_options
@at_option
@output_option("table", "json", "yaml", "ids", default="ids")
@global_options
def open_owner(output, at, **fields):
    """Register a household (业户档案): its owners (--name, or --owner for each), members and
    tenants."""
    from ... import api

    rid = api.open_owner(office(), actor_name(), at=at, **fields)
    _print_made(rid, output)


@click.group("household")
@global_options
def household():
    """A household's people (业户档案): owners, members, tenants."""


@household.command("add")
@click.argument("unit")
@people_options
@global_options
def household_add(unit, owners, members, tenants):
    """Add owners, members or tenants to a household on file (one commit, an edit of the
    household)."""
    from ... import api

    commit = api.add_people(office(), actor_name(), unit, owners=owners, members=members, tenants=tenants)
    click.echo(_("{unit}: committed {commit}").format(unit=unit, commit=commit[:10]))


@open_.command("visit")
@click.option("--type", "type_", type=Code("visit_type", "visit type"), required=True, metavar="TYPE",
              help="callback 回访 (of a resolved ticket), home 走访, survey 问卷 (a returned form).")
@click.option("--ticket", default=None, shell_complete=completion.record_ids("callback"),
              help="callback: the ticket called back.")
@click.option("--rating", default=None, type=Code("rating"), metavar="RATING", help=code_help("rating", "callback:"))
@click.option("--item", "items", multiple=True, metavar="ITEM=RATING",
              help="callback: timeliness, quality, fee, attitude; survey: the eight items "
                   "(security 安全防范, parking 车辆管理, service 客户服务, repair 维修服务, cleaning 清洁保洁, "
                   "greenery 园林绿化, culture 社区文化, fees 费用管理) = excellent 优秀/good 良好/pass 合格/dissatisfied 不满意.")
@click.option("--method", default=None, type=Code("method"), metavar="METHOD",
              help=code_help("method", "callback (default phone):"))
@click.option("--note", default=None, help="callback: the owner's comments.")
@click.option("--unit", default=None, shell_complete=_UNIT, help="home, survey: the household.")
@click.option("--topic", "topics", multiple=True, type=Code("topic"), metavar="TOPIC",
              help=code_help("topic", "home (repeatable):"))
@click.option("--opinion", default=None, help="home: the owner's opinions.")
@click.option("--suggestion", default=None, help="home, survey: suggestions.")
@click.option("--participant", "participants", multiple=True, metavar="NAME", shell_complete=completion.staff,
              help="home: other staff present (e.g. the director).")
@click.option("--complaint", default=None, help="home: a complaint raised; opened as a linked ticket.")
@click.option("--campaign", default=None, help="survey: the campaign, e.g. 2026H2.")
@click.option("--overall", default=None, type=Code("survey_level", "overall rating"), metavar="RATING",
              help=code_help("survey_level", "survey: the overall rating:"))
@click.option("--reason", default=None, help="survey: reasons given.")
@at_option
@output_option("table", "json", "yaml", "ids", default="ids")
@global_options
def open_visit(type_, ticket, rating, items, method, note, unit, topics, opinion, suggestion, participants,
               complaint, campaign, overall, reason, at, output):
    """Record a visit. A callback closes its ticket (or reopens it when dissatisfied); a
    complaint raised on a home visit becomes a ticket in the same commit."""
    from ... import api

    needs = {"callback": {"--ticket": ticket, "--rating": rating},
             "home": {"--unit": unit, "--topic": topics},
             "survey": {"--campaign": campaign, "--unit": unit, "--overall": overall}}[type_]
    missing = [name for name, value in needs.items() if not value]
    if missing:
        raise click.UsageError(_("a {type} needs {options}").format(
            type=_codes().shown("visit_type", type_), options=", ".join(missing)))
    if type_ == "callback":
        made = _callback(ticket, rating, items, method, note, at)
    elif type_ == "home":
        made, tid = api.open_home_visit(office(), actor_name(), unit=unit, topics=topics, opinions=opinion,
                                        suggestions=suggestion, participants=participants, complaint=complaint, at=at)
        if tid:
            _print_made(made, output)
            made = tid   # then the ticket the complaint became
    else:
        made = api.open_survey_response(office(), actor_name(), campaign=campaign, unit=unit, items=_pairs(items),
                                        overall=overall, reasons=reason, suggestions=suggestion, at=at)
    _print_made(made, output)


def _pairs(items) -> dict:
    from ..options import parse_pairs

    return parse_pairs(items, "--item", "ITEM=RATING", strip=True)


def _callback(ticket, rating, items, method, note, at) -> str:
    from ... import api

    return api.open_callback(office(), actor_name(), ticket=ticket, rating=rating, method=method, note=note,
                             items=_pairs(items), at=at)


@open_.command("violation")
@click.option("--category", required=True, type=Code("violation_category", "violation category"), metavar="CATEGORY",
              help=code_help("violation_category"))
@click.option("--description", required=True, help="What was found.")
@click.option("--severity", default=None, type=Code("severity"), metavar="SEVERITY",
              help="general 一般 (no loss, no threat to public safety) or major 重大.")
@click.option("--subtype", default=None, help="e.g. 堵塞消防通道, 高空抛物, 乱停车, 擅自改变房屋结构.")
@click.option("--unit", default=None, shell_complete=_UNIT, help="The household, building-unit-room: 3-2-1201.")
@click.option("--building", default=None, help="Public area (公共区域): building.")
@click.option("--floor", default=None, help="Public area: floor.")
@click.option("--place", default=None, help="Public area: the place (e.g. 地下车库B区).")
@click.option("--evidence", multiple=True, metavar="PATH", shell_complete=completion.files,
              help="A photo or document path inside the office repo (repeatable).")
@at_option
@output_option("table", "json", "yaml", "ids", default="ids")
@global_options
def open_violation(category, description, severity, subtype, unit, building, floor, place, evidence, at, output):
    """Record an owner violation (业主违章); any staff member may."""
    from ... import api

    location = {"building": building, "floor": floor, "place": place} if (building or floor or place) else None
    rid = api.open_violation(office(), actor_name(), category=category, description=description, severity=severity,
                             unit=unit, location=location, subtype=subtype, evidence=evidence, at=at)
    _print_made(rid, output)


@open_.command("archive")
@click.option("--title", required=True, help="What the item is (档案名称).")
@click.option("--category", required=True, type=Code("archive_category", "archive category"), metavar="CATEGORY",
              help=code_help("archive_category"))
@click.option("--medium", required=True, type=Code("medium"), metavar="MEDIUM", help=code_help("medium"))
@click.option("--location", required=True, help="Cabinet/box, e.g. 档案柜3-2.")
@click.option("--retention", "retention_years", required=True, help="Years to keep.")
@click.option("--confidential", is_flag=True, help="Confidential (owner, tenant, staff records always are).")
@click.option("--filed-on", default=None, metavar="DATE", help="Filing date (default: today).")
@note_option
@at_option
@output_option("table", "json", "yaml", "ids", default="ids")
@global_options
def open_archive(output, at, **fields):
    """File an archive item (档案)."""
    from ... import api

    rid = api.open_archive(office(), actor_name(), at=at, **fields)
    _print_made(rid, output)


@click.command("callback")
@click.argument("ticket", shell_complete=completion.record_ids("callback"))
@click.option("--rating", required=True, type=Code("rating"), metavar="RATING", help=code_help("rating"))
@click.option("--item", "items", multiple=True, metavar="ITEM=RATING",
              help="A rating per item: timeliness, quality, fee, attitude (repeatable), e.g. quality=满意.")
@click.option("--method", default=None, type=Code("method"), metavar="METHOD",
              help=code_help("method", "How the owner was reached (default phone):"))
@click.option("--note", default=None, help="The owner's comments.")
@at_option
@output_option("table", "json", "yaml", "ids", default="ids")
@global_options
def callback(ticket, rating, items, method, note, at, output):
    """Short for `open visit --type callback --ticket TICKET`."""
    vid = _callback(ticket, rating, items, method, note, at)
    _print_made(vid, output)


@click.command()
@click.argument("kind", shell_complete=completion.kinds)
@click.argument("file", required=False, metavar="[FILE]", shell_complete=completion.files)
@click.option("--where", multiple=True, metavar="FIELD=VALUE",
              help="Only records whose FIELD is VALUE (codes or labels; dotted for nested: reporter.name).")
@click.option("--overdue", is_flag=True, help="Tickets: a time limit breached now; violations: a rectify deadline "
                                               "passed; archive: loans not returned in time.")
@click.option("--mine", is_flag=True, help="Only tickets assigned to the acting person.")
@click.option("--all", "everything", is_flag=True,
              help="Tickets: closed and cancelled ones too (by default only the open ones are listed).")
@click.option("--due-within", default=None, metavar="DURATION", help="Open records with a time limit falling due "
              "between now and then: 30m, 2h, 1d (tickets' clocks, rectify deadlines, loans).")
@click.option("--reveal", is_flag=True, help="Show phone and ID-card numbers unmasked (permitted roles only).")
@output_option("table", "json", "yaml", "csv", "xlsx", "ids")
@global_options
def get(kind, file, where, overdue, mine, everything, due_within, reveal, output):
    """List records: tickets (the open ones, newest first; --all for every one), owners,
    visits, violations, archive, surveys. csv (UTF-8 with BOM) and xlsx are for Excel: whole
    values under a title row with the time and the filter; xlsx needs FILE, and any other
    format is written to FILE when one is given."""
    from ...app.listing import list_records, open_only, parse_where   # (not all of api: a listing imports no writer)
    from ...domain import codes
    from ...domain.kinds import kind_named
    from ...errors import UsageError
    from .. import output as out

    if output == "xlsx" and not file:
        raise UsageError(_("-o xlsx needs a FILE to write: wuyectl get … -o xlsx tickets.xlsx"))
    the_kind = kind_named(kind)
    the_office = office()
    if reveal:
        from ...app.office import check_reveal

        check_reveal(the_office, actor_name())
    me = the_office.actor(actor_name())["name"] if mine else None
    broken: list = []
    rows = list_records(the_office, the_kind, where=where, overdue=overdue, mine=me, problems=broken,
                            everything=everything, due_within=due_within, actor=actor_name(), reveal=reveal)
    for problem in broken:   # listed, not hidden: the office must know a record is unreadable
        click.echo(_("{problem} (left out)").format(problem=problem), err=True)
    language = lang()
    about = None
    if output in ("csv", "xlsx"):   # the export's title row: what, as of when, chosen how (as typed)
        chosen = [codes.field_label("open_only", language)] if open_only(the_kind, parse_where(the_kind, where),
                                                                            everything) else []
        chosen += [f"--where {w}" for w in where] + (["--overdue"] if overdue else [])
        chosen += ([f"--mine ({me})"] if me else []) + ([f"--due-within {due_within}"] if due_within else [])
        about = out.About(codes.field_label(the_kind.plural, language),
                          [(codes.field_label("as_of", language), out.as_of_text(the_office.now())),
                           (codes.field_label("filter", language),
                            " ".join(chosen) or codes.field_label("all", language))])
    text = out.listing(the_kind, rows, output, language, reveal=reveal, about=about, path=file,
                       limit=None if file else out.terminal_width())
    if file:
        if output != "xlsx":
            with open(file, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        click.echo(file)
    else:
        click.echo(text, nl=False)


@click.command()
@click.argument("record_id", metavar="ID", shell_complete=completion.record_ids(any_kind=True))
@click.option("--reveal", is_flag=True, help="Show phone and ID-card numbers unmasked (permitted roles only).")
@output_option("table", "json", "yaml")
@global_options
def show(record_id, reveal, output):
    """One record with its timeline, its time limits (SLA clocks) and its git history.
    A household (3-2-1201) also lists its tickets, visits and violations."""
    from ...app import listing   # (not all of api: a page imports no writer)
    from .. import output as out

    the_office = office()
    if reveal:
        from ...app.office import check_reveal

        check_reveal(the_office, actor_name())
    click.echo(out.record(listing.show(the_office, record_id, actor=actor_name(), reveal=reveal), output, lang(),
                          reveal=reveal, limit=out.terminal_width()), nl=False)


@click.command("import")
@click.argument("what", type=click.Choice(["owners", "tenants", "members", "tickets"]))
@click.argument("path", metavar="FILE.csv|FILE.xlsx", shell_complete=completion.files)
@click.option("--map", "mapping", multiple=True, metavar="COLUMN=field",
              help="owners: unit, owner.name, owner.phone, owner.id_card, owner.birth_date, building_area, "
                   "handover_date, occupancy, member.name, tenant.name, tenant.lease_end … (the headings of "
                   "业主信息统计表, 产权清单 and the usual Chinese ones are known). tenants, members: unit, name, "
                   "phone, id_card, move_in_date, lease_end, relation … (租住人员信息登记表 is known). tickets: "
                   "source_id, received_at, closed_at, status, category, channel, description (repeatable: "
                   "joined), place, unit, reporter, phone, department, result.")
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--skip-bad", is_flag=True, help="Write the good rows and list the bad ones (without it, one bad row "
                                               "and nothing is written).")
@click.option("--date-order", type=click.Choice(["ymd", "dmy", "mdy"]), default="ymd", show_default=True,
              help="How to read dates of numbers with the year last: 04/03/2017 is 4 March (dmy) or April 3 "
                   "(mdy). Under ymd, the Chinese order, year-first dates are read and year-last ones only when "
                   "day and month cannot be swapped (13/03/2017).")
@click.option("--timezone", default=None, help="tickets: the timezone of the file's local times (e.g. America/Los_Angeles).")
@click.option("--category-map", default=None, metavar="FILE", shell_complete=completion.files,
              help="tickets: 'source category: code' lines; '*' for the rest.")
@click.option("--channel-map", default=None, metavar="FILE", shell_complete=completion.files,
              help="tickets: 'source channel: code' lines; '*' for the rest.")
@click.option("--status-map", "status_pairs", multiple=True, metavar="SOURCE=STATUS",
              help="tickets, with --map COLUMN=status: a source status as received, resolved, closed or cancelled "
                   "(repeatable; '*=closed' for the rest). Known already: Open/Pending/待处理 → received, "
                   "Closed/Completed/已完成/已关闭 → closed, Cancelled/Referred Out/已取消 → cancelled.")
@click.option("--batch", type=click.IntRange(1, 100000), default=2000, show_default=True,
              help="tickets: records per commit (each commit all or nothing).")
@global_options
def import_(what, path, mapping, dry_run, skip_bad, date_order, timezone, category_map, channel_map, status_pairs,
            batch):
    """Bring in an owners roster (业主信息统计表: one household a row), tenants or members (one
    person a row, into households on file), or a ticket history. Rows that cannot be taken
    are listed with every problem and summarised by reason; with one of them nothing is
    written (exit 7) unless --skip-bad. Owners and people: one commit; tickets: batches."""
    import sys

    from ... import api
    from ...errors import Exit

    name = click.format_filename(path)
    if what == "tickets":
        if not timezone:
            raise click.UsageError(_("import tickets needs --timezone (the zone of the file's times)"))

        def show_progress(done, total):
            click.echo("\r" + _("imported {done} of {total}").format(done=done, total=total), err=True, nl=done == total)

        bar = show_progress if sys.stderr.isatty() and not dry_run else None
        result = api.import_tickets(office(), actor_name(), path, mapping=mapping, timezone=timezone,
                                    category_map=category_map, channel_map=channel_map, status_pairs=status_pairs,
                                    date_order=date_order, dry_run=dry_run, skip_bad=skip_bad, batch=batch,
                                    progress=bar)
        would = _("{n} ticket(s) in {k} commit(s)").format(n=result.good, k=result.batches)
        done = _("{n} ticket(s) in {k} commit(s)").format(n=len(result.written), k=len(result.commits))
    else:
        if what == "owners":
            result = api.import_owners(office(), actor_name(), path, mapping=mapping, dry_run=dry_run,
                                       skip_bad=skip_bad, date_order=date_order)
            would = _("{n} household(s) in 1 commit").format(n=result.good)
            done = _("{n} household(s) in commit {commit}").format(n=len(result.written),
                                                                   commit=(result.commit or "")[:10])
        else:
            result = api.import_people(office(), actor_name(), path, what[:-1], mapping=mapping, dry_run=dry_run,
                                       skip_bad=skip_bad, date_order=date_order)
            people = _("tenant(s)") if what == "tenants" else _("member(s)")
            would = _("{n} {people} in 1 commit").format(n=result.good, people=people)
            done = _("{n} {people} into {units} household(s) in commit {commit}").format(
                n=result.taken, people=people, units=len(result.written), commit=(result.commit or "")[:10])
    if result.ignored:
        click.echo(_("{file}: columns not imported: {columns}").format(file=name, columns=", ".join(result.ignored)),
                   err=True)
    _refusals(name, result.refused)
    bad = len(result.refused)
    if dry_run:
        if bad and not skip_bad:
            click.echo(_("dry run: {n} bad row(s); nothing would be written (fix them, or --skip-bad: would "
                         "import {what})").format(n=bad, what=would))
        else:
            click.echo(_("dry run: would import {what}").format(what=would)
                       + (_("; {n} bad row(s) skipped").format(n=bad) if bad else ""))
    elif result.written:
        click.echo(_("imported {what}").format(what=done) + (_("; skipped {n} bad row(s)").format(n=bad) if bad else ""))
    elif bad:
        click.echo((_("{n} bad row(s) and no good one; nothing written") if skip_bad else
                    _("{n} bad row(s); nothing written (fix them, or --skip-bad)")).format(n=bad), err=True)
    else:
        click.echo(_("no rows to import"))
    if bad and not (skip_bad and result.good):
        raise SystemExit(Exit.INVALID)


SHOWN_ROWS = 10     # refused rows listed in full; the rest are summarised by reason
SHOWN_POSITIONS = 5


def _refusals(name: str, refused) -> None:
    """The first refused rows in full (`FILE:LINE: every problem`), then, when there are more,
    a count per reason with the first positions, and the distinct unmapped values with counts."""
    from ...app.spreadsheet import position
    from ...domain import codes

    lines = refused.lines()
    for number, message in lines[:SHOWN_ROWS]:
        click.echo(f"{name}:{number}: {message}", err=True)
    if len(lines) <= SHOWN_ROWS:
        return
    click.echo(_("… {n} more row(s) not taken; all {total} by reason:").format(n=len(lines) - SHOWN_ROWS,
                                                                              total=len(lines)), err=True)
    for reason, count, positions in refused.reasons():
        shown = ", ".join(str(p) for p in positions[:SHOWN_POSITIONS]) + (", …" if count > SHOWN_POSITIONS else "")
        click.echo(f"  {reason}: {count} ({position(refused.word, shown, count)})", err=True)
    unmapped = refused.unmapped()
    if unmapped:
        click.echo(_("values not mapped:"), err=True)
        for what, value, count in unmapped:
            click.echo(f"  {codes.noun(what)} '{value}': {count}", err=True)


@click.group()
@global_options
def survey():
    """Satisfaction survey campaigns (客户意见征询)."""


@survey.command("plan")
@click.argument("campaign", metavar="CAMPAIGN")
@click.option("--period", required=True, metavar="FROM..TO",
              help="When the forms go out and come back: 2027-05-10..2027-05-31.")
@click.option("--share", default=None, metavar="SHARE",
              help="The share of households drawn at random: 0.1 or 10% (default: policy survey.sample_ratio, "
                   "10%). Everyone who complained since the last campaign or was unhappy in it is drawn too "
                   "(二次重点抽样), always.")
@click.option("--item", "items", multiple=True, type=Code("survey_item", "survey item"), metavar="ITEM",
              help=code_help("survey_item", "The form's items (repeatable; default all eight):"))
@click.option("--by", "drafted_by", default=None, metavar="NAME", shell_complete=completion.staff,
              help="Who drafted it: a supervisor or the director (default: you).")
@note_option
@at_option
@output_option("table", "ids", default="table")
@global_options
def survey_plan(campaign, period, share, items, drafted_by, note, at, output):
    """Record a campaign's plan (客户意见征询计划): period, share, the form's items, who drafted
    it. The director approves it (survey approve) before the sample may be drawn; a plan
    changed again later needs approving again."""
    from ... import api

    first, last = api.read_period(period)
    done = api.plan_survey(office(), actor_name(), campaign, start=first, end=last, share=share, items=items,
                           drafted_by=drafted_by, note=note, at=at)
    _done_line(done, output)


@survey.command("approve")
@click.argument("campaign", metavar="CAMPAIGN")
@note_option
@at_option
@output_option("table", "ids", default="table")
@global_options
def survey_approve(campaign, note, at, output):
    """The director approves a campaign's plan (管理处主任审核); director only."""
    from ... import api

    _done_line(api.approve_plan(office(), actor_name(), campaign, note=note, at=at), output)


def _done_line(done, output: str) -> None:
    if output == "ids":
        click.echo("\n".join(done.ids))
    else:
        click.echo(_("{ids}: committed {commit}").format(ids=", ".join(done.ids), commit=done.commit[:10]))


@survey.command("sample")
@click.option("--campaign", required=True, help="e.g. 2026H2 (twice a year).")
@click.option("--seed", type=int, default=None, help="Random seed (recorded), to draw reproducibly.")
@output_option("table", "json", "yaml", "ids", default="table")
@global_options
def survey_sample(campaign, seed, output):
    """Draw the sample of a campaign whose plan the director approved: the plan's share of
    households at random (rounded up), plus every household that complained since the last
    campaign or was dissatisfied in it. Stored in surveys/CAMPAIGN.yaml."""
    from ... import api
    from .. import output as out

    record = api.draw_sample(office(), actor_name(), campaign, seed=seed)
    if output == "ids":
        click.echo("\n".join(record["households"]))
    elif output in ("json", "yaml"):
        click.echo(out.to_json(record) if output == "json" else out.to_yaml(record), nl=output == "json")
    else:
        click.echo(_("{campaign}: {drawn} of {population} households drawn ({complainants} who complained), "
                     "seed {seed}").format(campaign=campaign, drawn=len(record["households"]),
                                           population=record["population"],
                                           complainants=len(record["complainants"]), seed=record["seed"]))


@click.command("follow-up")
@click.argument("ids", nargs=-1, required=True, metavar="ID... | -", shell_complete=completion.record_ids("follow_up"))
@click.option("--note", required=True, metavar="TEXT", help="What was said (the owner's answer, what the office will do).")
@click.option("--outcome", required=True, type=Code("followup_outcome", "outcome"), metavar="OUTCOME",
              help=code_help("followup_outcome", "The outcome:"))
@click.option("--method", default=None, type=Code("method"), metavar="METHOD",
              help=code_help("method", "How the household was reached (default phone):"))
@at_option
@output_option("table", "ids", default="table")
@global_options
def follow_up(ids, note, outcome, method, at, output):
    """A follow-up call on returned survey forms (客户意见回访记录): every form with a dissatisfied
    rating or a written opinion needs one within policy survey.followup_days (7) days; one that
    did not reach the household (unreachable) does not count. `get visits --overdue` lists the
    forms still waiting past that."""
    from ... import api
    from ..options import read_ids

    _done_line(api.follow_up(office(), actor_name(), read_ids(ids), note=note, outcome=outcome, method=method,
                             at=at), output)


@click.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...", shell_complete=completion.files)
@click.option("--staged", is_flag=True, help="Check what is staged for the next commit (the pre-commit hook).")
@output_option("table", "json")
@global_options
def validate(paths, staged, output):
    """Check records: schema, IDs, references, workflow. One `path:line:col: message` per problem;
    `-o json`: {checked, problems: [{path, line, col, code, message}]} (the codes are in the
    error reference)."""
    from ...errors import Exit, RepoError
    from ...store import validate as checks

    # `wuyectl validate sample-records` from outside the office works too.
    try:
        the_office = office(search_from=paths[0] if paths else None)
    except RepoError:
        if not paths:
            raise
        # A path in no office: judged against the office we are in, which refuses it as
        # outside the repo (exit 3) rather than "not an office repo".
        the_office = office()
    if staged:
        count, problems = checks.validate_staged_files(the_office)
    else:
        rels = [the_office.user_path(p) for p in paths] if paths else None
        count, problems = checks.validate_office(the_office, rels)
    if output == "json":
        from .. import output as out

        click.echo(out.to_json({"checked": count, "problems": [p.as_dict() for p in problems]}))
    else:
        for problem in problems:
            click.echo(str(problem))
    if problems:
        click.echo(_("{count} problem(s) in {files} file(s)").format(count=len(problems), files=count), err=True)
        raise SystemExit(Exit.INVALID)
    if not staged and output == "table":
        click.echo(_("ok: {count} file(s) valid").format(count=count))


@click.command()
@click.argument("record_id", metavar="ID", shell_complete=completion.record_ids(any_kind=True))
@global_options
def edit(record_id):
    """Open a record in $EDITOR; on save it is validated and committed as one `edit`."""
    from ... import api

    the_office = office()
    _kind, loaded = the_office.load(record_id)
    text = click.edit(loaded.raw.decode("utf-8"), extension=".yaml", require_save=True)
    if text is None:
        click.echo(_("{id}: not changed").format(id=record_id))
        return
    commit = api.edit_record(the_office, actor_name(), record_id, text, expected=loaded.raw)
    click.echo((_("{id}: committed {commit}") if commit else _("{id}: not changed")).format(
        id=record_id, commit=(commit or "")[:10]))





class LogGroup(click.Group):
    """`log KIND --FIELD VALUE …` writes an entry in one of the office's logbooks (the kinds that
    declare `entry_fields`); `log ID` shows a record's history from git."""

    def _books(self):
        from ...domain.kinds import KINDS

        return {k.name: k for k in KINDS.values() if k.logbook and k.new_record is not None}

    def list_commands(self, ctx):
        return sorted(self._books())

    def get_command(self, ctx, name):
        if name == "history":
            return history
        kind = self._books().get(name)
        return _logbook(kind) if kind is not None else None

    def shell_complete(self, ctx, incomplete):
        """<TAB>: the logbooks, and the IDs of every kind (`log ID`)."""
        return super().shell_complete(ctx, incomplete) + _ANY_ID(ctx, None, incomplete)

    def parse_args(self, ctx, args):
        import re

        first = args[0] if args else None
        if first is not None and first not in ctx.help_option_names and first not in self._books():
            if re.fullmatch(r"[a-z][a-z_-]*", first) and first != "history":
                from ...errors import UsageError, did_you_mean

                raise UsageError(_("unknown logbook '{name}': use one of {books}, or `wuyectl log ID` for a "
                                   "record's history{hint}").format(
                    name=first, books=", ".join(self._books()), hint=did_you_mean(first, list(self._books()))))
            if first != "history":
                args = ["history", *args]
        return super().parse_args(ctx, args)


def _logbook(kind):
    """`log KIND` and `open KIND`: one option for each of the kind's `entry_fields`, labelled."""
    from ...domain import codes

    @click.command(kind.name)
    @at_option
    @output_option("table", "json", "yaml", "ids", default="ids")
    @global_options
    def entry(at, output, **given):
        from ... import api

        values = {}
        for field in kind.entry_fields:
            value = given.get(field)
            if value not in (None, ()):
                values[field] = list(value) if field in kind.entry_lists else value
        ids = api.open_entry(office(), actor_name(), kind, values, at=at)
        if output == "ids":
            click.echo("\n".join(ids))
            return
        _print_made(ids[0], output)
        for other in ids[1:]:
            click.echo(_("opened with it: {id}").format(id=other))

    common = list(entry.params)
    entry.params = []   # the kind's fields first, in their order, then the common options
    for field in kind.entry_fields:
        label = f"{codes.field_label(field, 'zh')} ({codes.field_label(field, 'en')})"
        group = kind.code_fields.get(field)
        entry = click.option(f"--{field.replace('_', '-')}", field, required=field in kind.entry_required,
                             multiple=field in kind.entry_lists, metavar=field.upper(),
                             type=Code(group) if group else None,
                             help=code_help(group, label + ":") if group else label)(entry)
    entry.params += common
    entry.help = kind.entry_help or f"Write a {kind.name} entry."
    return entry


@click.group("log", cls=LogGroup, invoke_without_command=False)
def log():
    """A record's audit trail (`wuyectl log ID`), or a new entry in one of the front desk's
    logbooks (`wuyectl log KIND --FIELD VALUE …`; the logbooks are the commands below)."""


@click.command("history", hidden=True)
@click.argument("record_id", metavar="ID", shell_complete=completion.record_ids(any_kind=True))
@output_option("table", "json", "yaml")
@global_options
def history(record_id, output):
    """A record's audit trail from git: who changed what, when it was recorded, when it
    happened (backdated entries are marked), and the field-level change."""
    from ... import api
    from ...domain import codes
    from .. import output as out
    from ...domain.privacy import masked

    entries = api.record_log(office(), record_id)
    for entry in entries:
        entry["changes"] = masked(entry["changes"])
    if output in ("json", "yaml"):
        click.echo(out.to_json(entries) if output == "json" else out.to_yaml(entries), nl=output == "json")
        return
    language = lang()
    for entry in entries:
        mark = ""
        if entry["backdated"]:
            mark = "  ⚠ " + (_("backdated, beyond policy") if entry["beyond_policy"] else _("backdated"))
        at = f"  @ {out.short(entry['at'])}" if entry["at"] and entry["backdated"] else ""
        click.echo(f"{entry['commit']}  {out.short(entry['recorded_at'])}  {entry['author']}  "
                   f"{codes.label('action', entry['action'], language)}{at}{mark}")
        for change in entry["changes"]:
            if change["field"] == "timeline+":
                event = change["new"]
                click.echo(f"    + {codes.label('action', event.get('action'), language)} "
                           f"{out.short(event.get('at'))} {event.get('by', '')} {event.get('note', '')}".rstrip())
            else:
                click.echo(f"    {change['field']}: {_show(change['old'])} → {_show(change['new'])}")


def _show(value) -> str:
    return "∅" if value is None else str(value)


@click.command("audit")
@click.option("--since", default=None, metavar="DATE",
              help="Only the commits from the first whose event time is DATE or later (in history order).")
@click.option("--remote", default=None, metavar="NAME",
              help="Also compare with what that git server received (its receipts; see `wuyectl server`).")
@output_option("table", "json", "csv")
@global_options
def audit(since, remote, output):
    """Replay the history and list findings, each with its code, commit and record: every
    commit is checked against what the tool would have done — by whom (the roster as the tool
    changed it, signatures when keys are registered), which workflow step explains each change,
    when (event time against commit time), and merges against git's own merge. Exits 7 when it
    finds anything. See the README's audit section for what this proves and what it does not."""
    from ... import api
    from ...domain import codes
    from ...errors import Exit
    from .. import output as out

    the_office = office()
    if since:   # a date or a time in the office's timezone, told to git as ISO 8601
        from ... import timeutil

        since = timeutil.iso(timeutil.parse_time(since, the_office.tz, what="--since"))
    result = api.audit_report(the_office, since)
    found = list(result.findings)
    if remote:
        from ...app.server import compare_with_remote

        found += compare_with_remote(the_office, remote)
    rows = [f.as_dict() for f in found]
    columns = ["commit", "date", "author", "code", "path", "message"]
    headings = [codes.field_label(c, lang()) for c in columns]
    if output == "json":
        click.echo(out.to_json(rows))
    elif output == "csv":
        click.echo(out.to_csv(headings, [[r[c] for c in columns] for r in rows]), nl=False)
    elif rows:
        click.echo(out.table(headings, [[r["commit"], out.short(r["date"]), r["author"], r["code"], r["path"],
                                         r["message"]] for r in rows]))
    if rows:
        click.echo(_("{count} finding(s)").format(count=len(rows)), err=True)
        raise SystemExit(Exit.INVALID)
    if output != "table":
        click.echo("", nl=False)
        return
    if result.signatures:
        click.echo(_("no findings in {count} commits; signatures verified against the keys on the "
                     "roster at each commit").format(count=result.replayed_total))
    else:
        click.echo(_("no findings in {count} commits; identities are not verified: no one on the "
                     "roster has a signing key, so each commit's author is who its maker said they were").format(
            count=result.replayed_total))
COMMANDS = [open_, callback, get, show, validate, edit, import_, household, survey, follow_up, log, audit]


@click.command("sync")
@click.argument("remote", default="origin")
@global_options
def sync(remote):
    """Fetch, merge (record by record, field by field), validate, push. A field changed in
    both places is refused with both values shown; nothing is pushed and the repo stays as it was."""
    from ... import api

    result = api.sync(office(), actor_name(), remote)
    what = _("merged and pushed") if result["merged"] else _("up to date") if result["old"] != result["new"] else _("pushed")
    click.echo(_("{what}: {branch} {old} → {new} ({remote})").format(
        what=what, branch=result["branch"], old=(result["old"] or "")[:10], new=(result["new"] or "")[:10], remote=remote))
    keys = result.get("keys")
    if keys:   # an encrypted office: its keystore travelled too (app/sync.py sync_keys)
        parts = []
        if keys["taken"]:
            parts.append(_("{count} data keys taken").format(count=len(keys["taken"])))
        if keys["erased"]:
            parts.append(_("{count} erased keys deleted").format(count=len(keys["erased"])))
        if keys["resealed"]:
            parts.append(_("{count} data keys sealed to the office key again").format(count=len(keys["resealed"])))
        if parts:
            click.echo(_("keys: {what}").format(what=", ".join(parts)))
        if keys["pending"]:
            click.echo(_("keys: {count} data keys wait for a person who can reveal to sync ({why})").format(
                count=len(keys["pending"]), why=keys["why"]), err=True)
        if keys["problem"]:
            click.echo(_("keys: {problem}").format(problem=keys["problem"]), err=True)


@click.command("merge-driver", hidden=True)
@click.argument("base")
@click.argument("ours")
@click.argument("theirs")
@click.argument("name")
def merge_driver(base, ours, theirs, name):
    """git merge driver for record files (used by `sync`)."""
    from ...app import sync as syncing

    raise SystemExit(syncing.merge_files(base, ours, theirs, name))


COMMANDS += [sync, merge_driver]


def _codes():
    from ...domain import codes   # (heavy imports inside commands: `wuyectl --help` starts fast)

    return codes
