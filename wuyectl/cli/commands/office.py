"""`init` and `staff`: the office itself."""
from __future__ import annotations

import click

from ...i18n import _
from ..options import actor_name, global_options, lang, office, output_option


@click.command()
@click.argument("directory", default=".", metavar="[DIR]")
@click.option("--name", required=True, help="The community's name (小区名称).")
@click.option("--station", default="A", show_default=True,
              help="This clone's letter in record IDs (T-20261122-A001); give each synced clone its own.")
@click.option("--timezone", default="Asia/Shanghai", show_default=True, help="The office timezone.")
@click.option("--language", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="The office's label language.")
@click.option("--code", default=None, help="A short code for the community.")
@click.option("--no-hooks", is_flag=True, help="Do not install the git pre-commit hook.")
@global_options
def init(directory, name, station, timezone, language, code, no_hooks):
    """Make a new office repo: wuye.yaml, the record folders, a pre-commit hook.

    The acting person (--as) becomes the first staff member, as director.
    """
    from ... import api

    director = actor_name()
    if not director:
        import os

        director = os.environ.get("WUYECTL_USER")
    if not director:
        raise click.UsageError(_("say who the director is: --as NAME"))
    made = api.init_office(directory, name=name, director=director, station=station, timezone=timezone,
                           language=language, code=code, hooks=not no_hooks)
    click.echo(_("{root}: office {name}, station {station}, director {director}").format(
        root=made.root, name=name, station=station, director=director))


@click.group()
@global_options
def staff():
    """The staff roster in wuye.yaml."""


@staff.command("add")
@click.argument("name")
@click.option("--role", required=True, help="clerk, supervisor, director, technician, security, cleaner, "
                                            "gardener, archivist, auditor (or the Chinese label).")
@click.option("--dept", "department", default=None, help="maintenance, security, cleaning, landscaping, service.")
@click.option("--email", default=None)
@global_options
def staff_add(name, role, department, email):
    """Add a person to the roster (a supervisor or director only)."""
    from ... import api

    api.add_staff(office(), actor_name(), name, role, department, email)
    click.echo(name)


@staff.command("key")
@click.argument("name")
@click.option("--file", "key_file", metavar="KEY.pub", default=None,
              help="The person's SSH public key: one line as ssh-keygen writes it (- reads standard input).")
@click.option("--login", metavar="USER", default=None,
              help="The person's user name on the git server (what the server calls them when they push).")
@global_options
def staff_key(name, key_file, login):
    """Register a person's SSH signing key and/or git-server login.

    A supervisor or director may do it for anyone, anyone else for themself. From then on
    every change the person makes is signed with that key: set WUYECTL_SIGNING_KEY to the
    private key file (its public half must be this key). Make one with
    `ssh-keygen -t ed25519 -f KEY`. With policy require_signatures, nobody without a key
    may write: register keys before turning it on.
    """
    from ... import api
    from ...errors import BadValue
    from ...store import signing

    key_text = None
    if key_file is not None:
        try:
            if key_file == "-":
                import sys

                key_text = sys.stdin.read(65536)
            else:
                with open(key_file, "rb") as fh:
                    key_text = fh.read(65536).decode("utf-8", "replace")
        except OSError as exc:
            raise BadValue(_("{what}: cannot read it ({error})").format(what=key_file, error=exc.strerror or exc)) from None
    api.set_key(office(), actor_name(), name, key_text, login,
                key_source=_("standard input") if key_file == "-" else (key_file or _("the key")))
    click.echo(name if key_text is None else f"{name} {signing.fingerprint(key_text)}")


@staff.command("list")
@output_option("table", "json", "yaml", "csv")
@global_options
def staff_list(output):
    """The roster."""
    from ...domain import codes
    from .. import output as out

    people = office().staff()
    language = lang()
    if output == "json":
        click.echo(out.to_json(people))
        return
    if output == "yaml":
        click.echo(out.to_yaml(people), nl=False)
        return
    columns = ("name", "role", "department", "email")
    headers = [codes.field_label(c, language) for c in columns]
    rows = [[p["name"], codes.label("role", p["role"], language), codes.label("department", p.get("department"), language),
             p.get("email", "")] for p in people]
    click.echo(out.to_csv(headers, rows) if output == "csv" else out.table(headers, rows), nl=output != "csv")


@click.group()
@global_options
def policy():
    """The office's policy: time limits, who may see personal numbers, signatures … (the
    manuals' numbers unless set here)."""


@policy.command("set")
@click.argument("key", metavar="KEY")
@click.argument("value", metavar="VALUE", required=False)
@click.option("--default", "to_default", is_flag=True, help="Remove the setting: back to the manuals' number.")
@global_options
def policy_set(key, value, to_default):
    """Set one policy setting (a director only), as one commit the audit can check: e.g.
    `policy set backdate_limit_days 60`, `policy set sla_minutes.dispatch 20`,
    `policy set require_signatures true`, `policy set reveal_roles [director, supervisor]`."""
    from ...app.policy import set_policy
    from ...errors import UsageError

    if (value is None) == (not to_default):
        raise UsageError(_("give VALUE, or --default to remove the setting"))
    commit = set_policy(office(), actor_name(), key, None if to_default else value)
    click.echo((_("policy {key}: committed {commit}") if commit else _("policy {key}: not changed")).format(
        key=key, commit=(commit or "")[:10]))


@policy.command("show")
@global_options
def policy_show():
    """The policy settings wuye.yaml has (anything not listed is the manuals' number)."""
    from .. import output as out

    click.echo(out.to_yaml(office().config.get("policy") or {}), nl=False)


COMMANDS = [init, staff, policy]
