"""`open`, `get`, `show`, `validate`: making and reading records."""
from __future__ import annotations

import click

from ..options import actor_name, at_option, global_options, lang, office, output_option


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
@click.option("--channel", required=True, help="phone 电话, walk_in 来访, letter 来信, online 在线, patrol 巡查, "
                                               "suggestion_box 意见箱.")
@click.option("--category", required=True, help="consult 咨询, help 求助, repair 报修, paid_repair 有偿维修, "
                                                "suggestion 建议, complaint 投诉, praise 表扬.")
@click.option("--description", required=True, help="What the owner asks or reports.")
@click.option("--unit", default=None, help="The household, building-unit-room: 3-2-1201.")
@click.option("--building", default=None, help="Public area (公共区域): building.")
@click.option("--floor", default=None, help="Public area: floor.")
@click.option("--place", default=None, help="Public area: the place (e.g. 地下车库B区).")
@click.option("--reporter", default=None, help="Who reported it.")
@click.option("--phone", default=None, help="Their phone (masked in every listing).")
@click.option("--severity", default=None, help="Complaints: general 一般 or major 重大.")
@click.option("--urgency", default=None, help="normal or urgent 紧急.")
@click.option("--dept", "department", default=None, help="The department it will go to.")
@click.option("--system", "repair_system", default=None, help="Repairs: the system/part (维修系统/部件).")
@click.option("--damage", default=None, help="Repairs: the damage (损坏程度).")
@click.option("--appointment", default=None, help="Appointment time for the visit (预约上门时间).")
@click.option("--note", default=None)
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


@open_.command("owner")
@click.option("--unit", required=True, help="building-unit-room: 3-2-1201.")
@click.option("--name", required=True, help="The owner's name.")
@click.option("--phone", default=None)
@click.option("--id-card", default=None, help="ID-card number (masked in every listing).")
@click.option("--occupancy", default=None, help="self 自住, rented 出租, vacant 空置, decorating 装修中.")
@at_option
@output_option("table", "json", "yaml", "ids", default="ids")
@global_options
def open_owner(output, at, **fields):
    """Register a household (业户档案)."""
    from ... import api

    rid = api.open_owner(office(), actor_name(), at=at, **fields)
    _print_made(rid, output)


@open_.command("visit")
@click.option("--type", "type_", type=click.Choice(["callback", "home", "survey"]), required=True,
              help="callback 回访 (of a resolved ticket), home 走访, survey 问卷 (a returned form).")
@click.option("--ticket", default=None, help="callback: the ticket called back.")
@click.option("--rating", default=None, help="callback: satisfied 满意, basically_satisfied 基本满意, dissatisfied 不满意.")
@click.option("--item", "items", multiple=True, metavar="ITEM=RATING",
              help="callback: timeliness, quality, fee, attitude; survey: the eight items "
                   "(security 安全防范, parking 车辆管理, service 客户服务, repair 维修服务, cleaning 清洁保洁, "
                   "greenery 园林绿化, culture 社区文化, fees 费用管理) = excellent 优秀/good 良好/pass 合格/dissatisfied 不满意.")
@click.option("--method", default=None, help="callback: phone (default), visit, sms, wechat.")
@click.option("--note", default=None, help="callback: the owner's comments.")
@click.option("--unit", default=None, help="home, survey: the household.")
@click.option("--topic", "topics", multiple=True, help="home: security, cleaning, greenery, facilities, fees, other.")
@click.option("--opinion", default=None, help="home: the owner's opinions.")
@click.option("--suggestion", default=None, help="home, survey: suggestions.")
@click.option("--participant", "participants", multiple=True, help="home: other staff present (e.g. the director).")
@click.option("--complaint", default=None, help="home: a complaint raised; opened as a linked ticket.")
@click.option("--campaign", default=None, help="survey: the campaign, e.g. 2026H2.")
@click.option("--overall", default=None, help="survey: the overall rating.")
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
        raise click.UsageError(f"a {type_} visit needs {', '.join(missing)}")
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
@click.option("--category", required=True, help="decoration 装修, fire 消防, hygiene 公共道德/环境卫生, "
                                                "public_order 治安, fee_refusal 拒交费用, harm_others 损害他人利益.")
@click.option("--description", required=True)
@click.option("--severity", default=None, help="general 一般 (no loss, no threat to public safety) or major 重大.")
@click.option("--subtype", default=None, help="e.g. 堵塞消防通道, 高空抛物, 乱停车, 擅自改变房屋结构.")
@click.option("--unit", default=None)
@click.option("--building", default=None)
@click.option("--floor", default=None)
@click.option("--place", default=None)
@click.option("--evidence", multiple=True, help="A photo or document path inside the office repo (repeatable).")
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
@click.option("--title", required=True)
@click.option("--category", required=True, help="site_plan 小区平面图, owner_records 业主资料, tenant_records 租户资料, "
                                                "staff_records, management_records 管理记录, contracts 合同, "
                                                "violation_records 违章记录, other.")
@click.option("--medium", required=True, help="paper 纸质, disk 磁盘/光盘, electronic 电子.")
@click.option("--location", required=True, help="Cabinet/box, e.g. 档案柜3-2.")
@click.option("--retention", "retention_years", required=True, help="Years to keep.")
@click.option("--confidential", is_flag=True, help="Confidential (owner, tenant, staff records always are).")
@click.option("--filed-on", default=None, help="Filing date (default: today).")
@click.option("--note", default=None)
@at_option
@output_option("table", "json", "yaml", "ids", default="ids")
@global_options
def open_archive(output, at, **fields):
    """File an archive item (档案)."""
    from ... import api

    rid = api.open_archive(office(), actor_name(), at=at, **fields)
    _print_made(rid, output)


@click.command("callback")
@click.argument("ticket")
@click.option("--rating", required=True, help="satisfied 满意, basically_satisfied 基本满意, dissatisfied 不满意.")
@click.option("--item", "items", multiple=True, metavar="ITEM=RATING")
@click.option("--method", default=None)
@click.option("--note", default=None)
@at_option
@output_option("table", "json", "yaml", "ids", default="ids")
@global_options
def callback(ticket, rating, items, method, note, at, output):
    """Short for `open visit --type callback --ticket TICKET`."""
    vid = _callback(ticket, rating, items, method, note, at)
    _print_made(vid, output)


@click.command()
@click.argument("kind")
@click.option("--where", multiple=True, metavar="FIELD=VALUE",
              help="Only records whose FIELD is VALUE (codes or labels; dotted for nested: reporter.name).")
@click.option("--overdue", is_flag=True, help="Tickets: a time limit breached now; violations: a rectify deadline "
                                               "passed; archive: loans not returned in time.")
@click.option("--mine", is_flag=True, help="Only tickets assigned to the acting person.")
@click.option("--due-within", default=None, metavar="DURATION", help="Open records with a time limit falling due "
              "between now and then: 30m, 2h, 1d (tickets' clocks, rectify deadlines, loans).")
@click.option("--reveal", is_flag=True, help="Show phone and ID-card numbers unmasked (permitted roles only).")
@output_option("table", "json", "yaml", "csv", "ids")
@global_options
def get(kind, where, overdue, mine, due_within, reveal, output):
    """List records: tickets, owners, visits, violations, archive, surveys."""
    from ... import api
    from ...domain.kinds import kind_named
    from .. import output as out

    the_kind = kind_named(kind)
    the_office = office()
    if reveal:
        api.check_reveal(the_office, actor_name())
    me = the_office.actor(actor_name())["name"] if mine else None
    broken: list = []
    rows = api.list_records(the_office, the_kind, where=where, overdue=overdue, mine=me, problems=broken,
                            due_within=due_within)
    for problem in broken:   # listed, not hidden: the office must know a record is unreadable
        click.echo(f"{problem} (left out)", err=True)
    click.echo(out.listing(the_kind, rows, output, lang(), reveal=reveal), nl=False)


@click.command()
@click.argument("record_id", metavar="ID")
@click.option("--reveal", is_flag=True, help="Show phone and ID-card numbers unmasked (permitted roles only).")
@output_option("table", "json", "yaml")
@global_options
def show(record_id, reveal, output):
    """One record with its timeline, its time limits (SLA clocks) and its git history.
    A household (3-2-1201) also lists its tickets, visits and violations."""
    from ... import api
    from .. import output as out

    the_office = office()
    if reveal:
        api.check_reveal(the_office, actor_name())
    click.echo(out.record(api.show(the_office, record_id), output, lang(), reveal=reveal), nl=False)


@click.command("import")
@click.argument("what", type=click.Choice(["owners", "tickets"]))
@click.argument("path", metavar="FILE.csv|FILE.xlsx")
@click.option("--map", "mapping", multiple=True, metavar="COLUMN=field",
              help="owners: unit, owner.name, owner.phone, owner.id_card, owner.birth_date, building_area, "
                   "handover_date, occupancy … (the usual Chinese headings are known). tickets: source_id, "
                   "received_at, closed_at, category, channel, description (repeatable: joined), place, unit, "
                   "reporter, phone, department, result.")
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--skip-bad", is_flag=True, help="owners: write the good rows and list the bad ones.")
@click.option("--timezone", default=None, help="tickets: the timezone of the file's local times (e.g. America/Los_Angeles).")
@click.option("--category-map", default=None, metavar="FILE", help="tickets: 'source category: code' lines; '*' for the rest.")
@click.option("--channel-map", default=None, metavar="FILE", help="tickets: 'source channel: code' lines; '*' for the rest.")
@click.option("--batch", type=click.IntRange(1, 100000), default=2000, show_default=True,
              help="tickets: records per commit (each commit all or nothing).")
@global_options
def import_(what, path, mapping, dry_run, skip_bad, timezone, category_map, channel_map, batch):
    """Bring in an owners roster (业主信息统计表: one commit, or nothing if a row is bad) or a
    ticket history (rows it cannot take are listed; the rest written in batches)."""
    import sys

    from ... import api
    from ...errors import Exit

    name = click.format_filename(path)
    if what == "tickets":
        if not timezone:
            raise click.UsageError("import tickets needs --timezone (the zone of the file's times)")
        def show_progress(done, total):
            click.echo(f"\rimported {done} of {total}", err=True, nl=done == total)

        bar = show_progress if sys.stderr.isatty() and not dry_run else None
        result = api.import_tickets(office(), actor_name(), path, mapping=mapping, timezone=timezone,
                                    category_map=category_map, channel_map=channel_map, dry_run=dry_run,
                                    batch=batch, progress=bar)
        for row, message in result.bad:
            click.echo(f"{name}:{row}: {message}", err=True)
        verb = "would import" if dry_run else "imported"
        count = len(result.written) if not dry_run else result.rows - len(result.bad)
        click.echo(f"{verb} {count} ticket(s) in {len(result.commits)} commit(s); {len(result.bad)} row(s) not taken")
        return
    result = api.import_owners(office(), actor_name(), path, mapping=mapping, dry_run=dry_run, skip_bad=skip_bad)
    for row, message in result.bad:
        click.echo(f"{name}:{row}: {message}", err=True)
    if dry_run:
        click.echo(f"dry run: {len(result.bad)} bad row(s); nothing written")
    elif result.commit:
        click.echo(f"imported {len(result.written)} household(s) in commit {result.commit[:10]}"
                   + (f"; skipped {len(result.bad)} bad row(s)" if result.bad else ""))
    elif result.bad:
        click.echo(f"{len(result.bad)} bad row(s); nothing written (fix them, or --skip-bad)", err=True)
    else:
        click.echo("no rows to import")
    if result.bad and not (skip_bad and result.commit):
        raise SystemExit(Exit.INVALID)


@click.group()
@global_options
def survey():
    """Satisfaction survey campaigns (客户意见征询)."""


@survey.command("sample")
@click.option("--campaign", required=True, help="e.g. 2026H2 (twice a year).")
@click.option("--seed", type=int, default=None, help="Random seed (recorded), to draw reproducibly.")
@output_option("table", "json", "yaml", "ids", default="table")
@global_options
def survey_sample(campaign, seed, output):
    """Draw the sample: 10% of households at random (rounded up), plus every household that
    complained since the last campaign or was dissatisfied in it. Stored in surveys/CAMPAIGN.yaml."""
    from ... import api
    from .. import output as out

    record = api.draw_sample(office(), actor_name(), campaign, seed=seed)
    if output == "ids":
        click.echo("\n".join(record["households"]))
    elif output in ("json", "yaml"):
        click.echo(out.to_json(record) if output == "json" else out.to_yaml(record), nl=output == "json")
    else:
        click.echo(f"{campaign}: {len(record['households'])} of {record['population']} households drawn "
                   f"({len(record['complainants'])} who complained), seed {record['seed']}")


@click.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
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
        click.echo(f"{len(problems)} problem(s) in {count} file(s)", err=True)
        raise SystemExit(Exit.INVALID)
    if not staged and output == "table":
        click.echo(f"ok: {count} file(s) valid")


@click.command()
@click.argument("record_id", metavar="ID")
@global_options
def edit(record_id):
    """Open a record in $EDITOR; on save it is validated and committed as one `edit`."""
    from ... import api

    the_office = office()
    _, loaded = the_office.load(record_id)
    text = click.edit(loaded.raw.decode("utf-8"), extension=".yaml", require_save=True)
    if text is None:
        click.echo(f"{record_id}: not changed")
        return
    commit = api.edit_record(the_office, actor_name(), record_id, text, expected=loaded.raw)
    click.echo(f"{record_id}: " + (f"committed {commit[:10]}" if commit else "not changed"))





@click.command("log")
@click.argument("record_id", metavar="ID")
@output_option("table", "json", "yaml")
@global_options
def log(record_id, output):
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
            mark = ("  ⚠ 补录" if language == "zh" else "  ⚠ backdated") + (
                ("，超出规定" if language == "zh" else ", beyond policy") if entry["beyond_policy"] else "")
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
    if output == "json":
        click.echo(out.to_json(rows))
    elif output == "csv":
        click.echo(out.to_csv(columns, [[r[c] for c in columns] for r in rows]), nl=False)
    elif rows:
        click.echo(out.table(columns, [[r["commit"], out.short(r["date"]), r["author"], r["code"], r["path"], r["message"]]
                                       for r in rows]))
    if rows:
        click.echo(f"{len(rows)} finding(s)", err=True)
        raise SystemExit(Exit.INVALID)
    if output != "table":
        click.echo("", nl=False)
        return
    if result.signatures:
        click.echo(f"no findings in {result.replayed_total} commits; signatures verified against the keys on the "
                   "roster at each commit")
    else:
        click.echo(f"no findings in {result.replayed_total} commits; identities are not verified: no one on the "
                   "roster has a signing key, so each commit's author is who its maker said they were")
COMMANDS = [open_, callback, get, show, validate, edit, import_, survey, log, audit]


@click.command("sync")
@click.argument("remote", default="origin")
@global_options
def sync(remote):
    """Fetch, merge (record by record, field by field), validate, push. A field changed in
    both places is refused with both values shown; nothing is pushed and the repo stays as it was."""
    from ... import api

    result = api.sync(office(), actor_name(), remote)
    what = "merged and pushed" if result["merged"] else "up to date" if result["old"] != result["new"] else "pushed"
    click.echo(f"{what}: {result['branch']} {(result['old'] or '')[:10]} → {(result['new'] or '')[:10]} ({remote})")


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
