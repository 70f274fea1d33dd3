"""`assign`, `update`, `escalate` and the short verbs (`resolve`, `close`, …).

The short verbs and the actions `update --help` lists are made from the kinds' workflow
tables, so a new action there is a new verb here with no code.
"""
from __future__ import annotations

import click

from ...i18n import _
from .. import completion
from ..options import (Code, actor_name, at_option, code_help, global_options, note_option, output_option,
                       parse_pairs, read_ids, set_option)


def _ids_argument(action: str | None = None):
    """The records acted on: IDs, or `-` to read them from standard input; <TAB> offers
    the IDs of the kinds that have `action` (`update`: the --action typed)."""
    return click.argument("ids", nargs=-1, required=True, metavar="ID... | -",
                          shell_complete=completion.record_ids(action))


def _done(done, output: str) -> None:
    """One line for a `Committed`: the records and the commit, or the IDs alone (`-o ids`)."""
    if output == "ids":
        click.echo("\n".join(done.ids))
    else:
        click.echo(_("{ids}: committed {commit}").format(ids=", ".join(done.ids), commit=done.commit[:10]))


@click.command()
@_ids_argument("assign")
@click.option("--to", "to", required=True, metavar="NAME", shell_complete=completion.staff,
              help="The person it goes to (on the roster).")
@click.option("--dept", "department", type=Code("department"), default=None, metavar="DEPT",
              help=code_help("department", "The department (default: the person's):"))
@note_option
@at_option
@output_option("table", "ids", default="table")
@global_options
def assign(ids, to, department, note, at, output):
    """Dispatch (派单) tickets to a person."""
    from ... import api
    from ..options import office

    _done(api.assign(office(), actor_name(), read_ids(ids), to=to, department=department, note=note, at=at),
          output)


class UpdateCommand(click.Command):
    """`update`: its help ends with the actions of every kind, from their workflow tables."""

    def format_epilog(self, ctx, formatter):
        from ...domain import codes
        from ...domain.kinds import KINDS

        rows = []
        for kind in KINDS.values():
            taken = [a for a in kind.workflow.actions.values() if a.via_command is None]
            elsewhere = [a for a in kind.workflow.actions.values() if a.via_command is not None]
            if not taken:
                continue
            text = ", ".join(f"{a.name} {codes.label('action', a.name, 'zh')}" for a in taken)
            if elsewhere:
                text += "; through their own command: " + ", ".join(
                    f"{a.name} ({a.via_command})" for a in elsewhere)
            rows.append((kind.name, text))
        with formatter.section("Actions (the code, its Chinese label or an alias)"):
            formatter.write_dl(rows)
        super().format_epilog(ctx, formatter)


@click.command(cls=UpdateCommand)
@_ids_argument()
@click.option("--action", "action", required=True, metavar="ACTION", shell_complete=completion.actions,
              help="The step taken: its code or label (contact or 联系业主 or 联系); the actions of each "
                   "kind are listed below.")
@set_option
@note_option
@at_option
@output_option("table", "ids", default="table")
@global_options
def update(ids, action, sets, note, at, output):
    """Take a workflow action on records: one commit for all of them."""
    from ... import api
    from ..options import office

    _done(api.act(office(), actor_name(), read_ids(ids), action, sets=parse_pairs(sets), note=note, at=at), output)


@click.command()
@_ids_argument("escalate")
@click.option("--reason", required=True, help="Why (recorded in the timeline).")
@click.option("--to", "to", type=int, default=None, metavar="LEVEL", shell_complete=completion.escalation_levels,
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
    from ...domain import codes

    @click.command(name.replace("_", "-"))
    @_ids_argument(name)
    @set_option
    @note_option
    @at_option
    @output_option("table", "ids", default="table")
    @global_options
    def verb(ids, sets, note, at, output):
        from ... import api
        from ..options import office

        _done(api.act(office(), actor_name(), read_ids(ids), name, sets=parse_pairs(sets), note=note, at=at),
              output)

    verb.help = f"{codes.label('action', name, 'zh')}: short for `update --action {name}`."
    return verb


def _short_verbs():
    """A verb for every action of every kind's workflow (`resolve`, `rectify`, `return`…)."""
    from ...domain.kinds import KINDS

    names = dict.fromkeys(a.name for kind in KINDS.values() for a in kind.workflow.actions.values()
                          if a.via_command is None)
    return [_short_verb(name) for name in names]


@click.command()
@_ids_argument("lend")
@click.option("--to", "borrower", required=True, metavar="NAME", shell_complete=completion.staff,
              help="Who borrows it.")
@click.option("--purpose", required=True, help="What for (借阅用途).")
@click.option("--due", default=None, metavar="TIME",
              help="When it comes back (default: 3 days; longer needs --approved-by a director).")
@click.option("--approved-by", default=None, metavar="NAME", shell_complete=completion.staff,
              help="The director who approves a longer loan, or one to someone outside the office.")
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
@_ids_argument("destroy")
@click.option("--witness", "witnesses", multiple=True, required=True, metavar="NAME", shell_complete=completion.staff,
              help="A person present (at least two).")
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
