"""`open`, `get`, `show`, `validate`: making and reading records."""
from __future__ import annotations

import click

from ..options import actor_name, at_option, global_options, lang, office, output_option


@click.group("open")
@global_options
def open_():
    """Create a record: ticket, owner (household) or visit."""


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
    from ... import queries
    from .. import output as out

    click.echo(out.record(queries.show(office(), rid), output, lang()), nl=False)


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
@click.option("--type", "type_", type=click.Choice(["callback"]), required=True,
              help="callback 回访 (of a resolved ticket).")
@click.option("--ticket", required=True, help="The ticket called back.")
@click.option("--rating", required=True, help="Overall: satisfied 满意, basically_satisfied 基本满意, dissatisfied 不满意.")
@click.option("--item", "items", multiple=True, metavar="ITEM=RATING",
              help="Per item: timeliness, quality, fee, attitude (repeatable).")
@click.option("--method", default=None, help="phone (default), visit, sms, wechat.")
@click.option("--note", default=None, help="The owner's comments.")
@at_option
@output_option("table", "json", "yaml", "ids", default="ids")
@global_options
def open_visit(type_, ticket, rating, items, method, note, at, output):
    """Record a visit. A callback closes its ticket, or reopens it when dissatisfied."""
    vid = _callback(ticket, rating, items, method, note, at)
    _print_made(vid, output)


def _callback(ticket, rating, items, method, note, at) -> str:
    from ... import api
    from ...errors import BadValue

    pairs = {}
    for item in items:
        if "=" not in item:
            raise BadValue(f"--item needs ITEM=RATING, not '{item}'")
        key, value = item.split("=", 1)
        pairs[key.strip()] = value.strip()
    return api.open_callback(office(), actor_name(), ticket=ticket, rating=rating, method=method, note=note,
                             items=pairs, at=at)


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
@click.option("--overdue", is_flag=True, help="Only open tickets with a time limit breached now.")
@click.option("--mine", is_flag=True, help="Only tickets assigned to the acting person.")
@output_option("table", "json", "yaml", "csv", "ids")
@global_options
def get(kind, where, overdue, mine, output):
    """List records: tickets, owners, visits."""
    from ... import queries
    from ...domain.kinds import kind_named
    from .. import output as out

    the_kind = kind_named(kind)
    the_office = office()
    me = the_office.actor(actor_name())["name"] if mine else None
    rows = queries.list_records(the_office, the_kind, where=where, overdue=overdue, mine=me)
    click.echo(out.listing(the_kind, rows, output, lang()), nl=False)


@click.command()
@click.argument("record_id", metavar="ID")
@output_option("table", "json", "yaml")
@global_options
def show(record_id, output):
    """One record with its timeline, its time limits (SLA clocks) and its git history."""
    from ... import queries
    from .. import output as out

    click.echo(out.record(queries.show(office(), record_id), output, lang()), nl=False)


@click.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--staged", is_flag=True, help="Check what is staged for the next commit (the pre-commit hook).")
@global_options
def validate(paths, staged):
    """Check records: schema, IDs, references, workflow. One `path:line:col: message` per problem."""
    from ...errors import Exit
    from ...store import validate as checks

    the_office = office()
    if staged:
        count, problems = checks.validate_staged_files(the_office)
    else:
        rels = [the_office.user_path(p) for p in paths] if paths else None
        count, problems = checks.validate_office(the_office, rels)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {count} file(s)", err=True)
        raise SystemExit(Exit.INVALID)
    if not staged:
        click.echo(f"ok: {count} file(s) valid")


COMMANDS = [open_, callback, get, show, validate]
