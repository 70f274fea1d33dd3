"""`migrate encrypt`, `erase` and `keys`: personal data sealed at rest and erasable."""
from __future__ import annotations

import click

from ...i18n import _, ngettext
from .. import completion
from ..options import actor_name, global_options, office, output_option


@click.group()
@global_options
def migrate():
    """Convert an office made by an earlier version."""


@migrate.command("encrypt")
@global_options
def migrate_encrypt():
    """Seal every phone and ID-card number in the record files, in one commit (a director or
    supervisor). From then on every write seals them: the files, git history from this commit
    on and the index cache hold only masks and ciphertext. The keys are wrapped for the
    people in the reveal roles who have an SSH key on the roster (wuyectl staff key), and live
    in .git/wuyectl/keys, outside history: back that folder up with the office. History
    before this commit keeps the numbers it had."""
    from ...app.privacy import migrate_encrypt as run

    done = run(office(), actor_name())
    click.echo(_("encrypted {values} personal values in {records} records ({subjects} data keys): "
                 "committed {commit}").format(values=done.values, records=done.records, subjects=done.subjects,
                                              commit=done.commit[:10]))


@click.command()
@click.argument("record_id", required=False, metavar="[UNIT|ID]", shell_complete=completion.record_ids(any_kind=True))
@click.option("--reason", default=None, help="Why (the owner's request, moved out …); kept in the record and history.")
@click.option("--expired", is_flag=True,
              help="Instead of a unit: every record with its own key (a ticket with no unit) closed longer "
                   "ago than policy keep_personal_days.")
@global_options
def erase(record_id, reason, expired):
    """Erase a household's personal data for good (a director only): its data key is
    destroyed, so its phone and ID-card numbers and birth dates cannot be read again from the
    files or from any commit since `migrate encrypt` (PIPL art. 47) — history before the
    migration keeps what it had, and erase says so. Public-area tickets that hold one of the
    household's numbers are erased with it; a record with a key of its own (a ticket with no
    unit) can also be erased by its ID. The records stay, marked erased with who, when and
    why, and every report's figures stay the same."""
    from ...app import privacy
    from ...errors import UsageError

    if expired and record_id:
        raise UsageError(_("give a UNIT or ID, or --expired, not both"))
    if not expired and not record_id:
        raise UsageError(_("give a UNIT or ID, or --expired"))
    the_office = office()
    if expired:
        done = privacy.erase_expired(the_office, actor_name(), reason=reason)
        if not done:
            click.echo(_("nothing past its keeping time"))
            return
    else:
        done = privacy.erase(the_office, actor_name(), record_id, reason=reason)
    for item in done:
        click.echo(ngettext("{id}: erased ({keys} key destroyed), committed {commit}",
                            "{id}: erased ({keys} keys destroyed), committed {commit}", len(item.keys)).format(
            id=item.subject, keys=len(item.keys), commit=item.commit[:10]))
        for note in item.notes:
            click.echo(_("note: {note}").format(note=note), err=True)


@click.group()
@global_options
def keys():
    """The office's keys for personal data: whom they are wrapped for (the people in the
    reveal roles with an SSH key on the roster) and whom they should be."""


@keys.command("status")
@output_option("table", "json")
@global_options
def keys_status(output="table"):
    """Whether personal data is encrypted, the office key, whom it is wrapped for."""
    from ...app.privacy import key_status
    from .. import output as out

    status = key_status(office())
    if output == "json":
        click.echo(out.to_json(status))
        return
    lines = [_("encrypted: {yes}").format(yes=_("yes") if status["encrypted"] else _("no")),
             _("keystore: {path}").format(path=status["keystore"])]
    if status["office_key"]:
        lines += [_("office key: {id}, {count} data keys").format(id=status["office_key"], count=status["data_keys"]),
                  _("wrapped for: {names}").format(names=", ".join(status["wrapped_for"]) or "-")]
    lines.append(_("should be: {names}").format(names=", ".join(status["should_be"]) or "-"))
    for why in status["left_out"]:
        lines.append(_("left out: {who}").format(who=why))
    if status["office_key"] and sorted(status["wrapped_for"]) != sorted(status["should_be"]):
        lines.append(_("not as the roster says: a person who can reveal runs `wuyectl keys rewrap`"))
    click.echo("\n".join(lines))


@keys.command("rewrap")
@global_options
def keys_rewrap():
    """Wrap the office key for exactly the people the roster allows now; when someone is no
    longer allowed, a new office key replaces it, so their key opens nothing from now on.
    Takes your own SSH key (WUYECTL_SIGNING_KEY) and a reveal role."""
    from ...app.privacy import follow_roster

    click.echo(rewrap_text(follow_roster(office(), actor_name(), required=True)))


def rewrap_text(done) -> str:
    if done.done == "off":
        return _("personal data is not encrypted in this office")
    if done.done == "same":
        return _("the keys are wrapped for the people the roster allows")
    if done.done == "pending":
        if getattr(done, "by", None):
            return _("the office keys still need re-wrapping ({change}): {names} runs `wuyectl keys rewrap` "
                     "with their SSH key in WUYECTL_SIGNING_KEY ({why})").format(
                change=_change(done), names=", ".join(done.by), why=done.why)
        return _("the office keys still need re-wrapping ({change}): a person who can reveal runs "
                 "`wuyectl keys rewrap` ({why})").format(change=_change(done), why=done.why)
    if done.done == "rotated":
        return _("new office key, wrapped for the roster ({change})").format(change=_change(done))
    return _("office key re-wrapped ({change})").format(change=_change(done))


def follow(the_office, actor: str | None, *, about: str | None = None) -> None:
    """After a committed change of who may reveal (staff add/key/leave, policy set
    reveal_roles): re-wrap the office key for the roster now, and say on standard error what
    was done or who still has to (nothing when the office is not encrypted). The change is
    committed whatever happens here. `about`: the person the change was about — said when the
    office key cannot be wrapped for them (no key, or one of a kind age cannot take); without
    it (reveal roles changed), everyone so left out is named."""
    from ...app.privacy import follow_roster
    from ...errors import WuyeError

    try:
        done = follow_roster(the_office, actor)
    except WuyeError as exc:
        click.echo(_("the office keys were not re-wrapped ({error}): a person who can reveal runs "
                     "`wuyectl keys rewrap`").format(error=exc), err=True)
        return
    if done.done == "off":
        return
    if done.done != "same":
        click.echo(rewrap_text(done), err=True)
    for why in done.left_out:   # in a reveal role, but the office key cannot be wrapped for them
        if about is None or why.startswith(f"{about} ("):
            click.echo(_("cannot reveal until then: {who}").format(who=why), err=True)


def _change(done) -> str:
    """+NAME for a person added, -NAME for one removed, ~NAME for one whose key was replaced."""
    both = set(done.added) & set(done.removed)
    parts = ([f"~{name}" for name in done.added if name in both] + [f"+{name}" for name in done.added if name not in both]
             + [f"-{name}" for name in done.removed if name not in both])
    return ", ".join(parts)


COMMANDS = [migrate, erase, keys]
