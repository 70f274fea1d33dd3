"""`assign`, `update`, `escalate` and the short verbs (`resolve`, `close`, …).

The short verbs are made from the ticket workflow table, so a new action there is a new verb
here with no code.
"""
from __future__ import annotations

import click

from ..options import actor_name, at_option, global_options, output_option, parse_pairs, read_ids


def _done(done, output: str) -> None:
    """One line for a `Committed`: the records and the commit, or the IDs alone (`-o ids`)."""
    if output == "ids":
        click.echo("\n".join(done.ids))
    else:
        click.echo(f"{', '.join(done.ids)}: committed {done.commit[:10]}")


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

    _done(api.assign(office(), actor_name(), read_ids(ids), to=to, department=department, note=note, at=at),
          output)


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

    _done(api.act(office(), actor_name(), read_ids(ids), action, sets=parse_pairs(sets), note=note, at=at), output)


@click.command()
@click.argument("ids", nargs=-1, required=True, metavar="ID... | -")
@click.option("--reason", required=True, help="Why (recorded in the timeline).")
@click.option("--to", "to", type=int, default=None,
              help="Tickets: level 1 supervisor, 2 director, 3 company (default: one up).")
@click.option("--deadline", default=None, help="Violations: the deadline of a rectify step (YYYY-MM-DD).")
@click.option("--amount", default=None, help="Violations: the amount of a compensate or late_fee step.")
@at_option
@output_option("table", "ids", default="table")
@global_options
def escalate(ids, reason, to, deadline, amount, at, output):
    """Escalate (升级): tickets up the levels, violations to the next step of their ladder."""
    from ... import api
    from ..options import office

    _done(api.escalate(office(), actor_name(), read_ids(ids), reason=reason, to=to, deadline=deadline,
                       amount=amount, at=at), output)


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

        _done(api.act(office(), actor_name(), read_ids(ids), name, sets=parse_pairs(sets), note=note, at=at),
              output)

    verb.help = f"Short for `update --action {name}`."
    return verb


def _short_verbs():
    """A verb for every action of every kind's workflow (`resolve`, `rectify`, `return`…)."""
    from ...domain.kinds import KINDS

    names = dict.fromkeys(a.name for kind in KINDS.values() for a in kind.workflow.actions.values()
                          if a.via_command is None)
    return [_short_verb(name) for name in names]


@click.command()
@click.argument("ids", nargs=-1, required=True, metavar="ID... | -")
@click.option("--to", "borrower", required=True, help="Who borrows it.")
@click.option("--purpose", required=True, help="What for (借阅用途).")
@click.option("--due", default=None, help="When it comes back (default: 3 days; longer needs --approved-by a director).")
@click.option("--approved-by", default=None, help="The director who approves a longer loan, or one to someone outside the office.")
@at_option
@output_option("table", "ids", default="table")
@global_options
def lend(ids, borrower, purpose, due, approved_by, at, output):
    """Lend archive items (文件借阅)."""
    from ... import api
    from ..options import office

    _done(api.lend(office(), actor_name(), read_ids(ids), borrower=borrower, purpose=purpose, due_at=due,
                   approved_by=approved_by, at=at), output)


@click.command()
@click.argument("ids", nargs=-1, required=True, metavar="ID... | -")
@click.option("--witness", "witnesses", multiple=True, required=True, help="A person present (at least two).")
@click.option("--method", default=None, help="How: 粉碎, 焚烧 …")
@at_option
@output_option("table", "ids", default="table")
@global_options
def destroy(ids, witnesses, method, at, output):
    """Destroy archive items whose destruction is approved (the record stays)."""
    from ... import api
    from ..options import office

    _done(api.destroy(office(), actor_name(), read_ids(ids), witnesses=witnesses, method=method, at=at), output)


COMMANDS = [assign, update, escalate, lend, destroy] + _short_verbs()
