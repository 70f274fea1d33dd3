"""`assign`, `update`, `escalate` and the short verbs (`resolve`, `close`, …).

The short verbs are made from the ticket workflow table, so a new action there is a new verb
here with no code.
"""
from __future__ import annotations

import click

from ..options import actor_name, at_option, global_options, output_option, read_ids


def _done(commit: str, ids: list[str], output: str) -> None:
    if output == "ids":
        click.echo("\n".join(ids))
    else:
        click.echo(f"{', '.join(ids)}: committed {commit[:10]}")


@click.command()
@click.argument("ids", nargs=-1, required=True, metavar="ID... | -")
@click.option("--to", "to", required=True, help="The person (on the roster).")
@click.option("--dept", "department", default=None, help="The department (default: the person's).")
@click.option("--note", default=None)
@at_option
@output_option("table", "ids", default="table")
@global_options
def assign(ids, to, department, note, at, output):
    """Dispatch (派单) tickets to a person."""
    from ... import api
    from ..options import office

    ids = read_ids(ids)
    commit = api.assign(office(), actor_name(), ids, to=to, department=department, note=note, at=at)
    _done(commit, ids, output)


@click.command()
@click.argument("ids", nargs=-1, required=True, metavar="ID... | -")
@click.option("--action", "action", required=True,
              help="contact, arrive, progress, resolve, report_back, notify, close, reopen, cancel, answer.")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE", help="Fields the action records (repeatable).")
@click.option("--note", default=None)
@at_option
@output_option("table", "ids", default="table")
@global_options
def update(ids, action, sets, note, at, output):
    """Take a workflow action on records: one commit for all of them."""
    from ... import api
    from ..options import office

    ids = read_ids(ids)
    commit = api.act(office(), actor_name(), ids, action, sets=sets, note=note, at=at)
    _done(commit, ids, output)


@click.command()
@click.argument("ids", nargs=-1, required=True, metavar="ID... | -")
@click.option("--reason", required=True, help="Why (recorded in the timeline).")
@click.option("--to", "to", type=int, default=None, help="Level: 1 supervisor, 2 director, 3 company (default: one up).")
@at_option
@output_option("table", "ids", default="table")
@global_options
def escalate(ids, reason, to, at, output):
    """Escalate (升级) tickets up the levels."""
    from ... import api
    from ..options import office

    ids = read_ids(ids)
    commit = api.escalate(office(), actor_name(), ids, reason=reason, to=to, at=at)
    _done(commit, ids, output)


def _short_verb(name: str):
    @click.command(name.replace("_", "-"))
    @click.argument("ids", nargs=-1, required=True, metavar="ID... | -")
    @click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE")
    @click.option("--note", default=None)
    @at_option
    @output_option("table", "ids", default="table")
    @global_options
    def verb(ids, sets, note, at, output):
        from ... import api
        from ..options import office

        ids = read_ids(ids)
        commit = api.act(office(), actor_name(), ids, name, sets=sets, note=note, at=at)
        _done(commit, ids, output)

    verb.help = f"Short for `update --action {name}`."
    return verb


def _short_verbs():
    from ...domain.kinds import TICKET_WORKFLOW

    return [_short_verb(a.name) for a in TICKET_WORKFLOW.actions.values() if a.via_command is None]


COMMANDS = [assign, update, escalate] + _short_verbs()
