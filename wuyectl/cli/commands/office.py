"""`init` and `staff`: the office itself."""
from __future__ import annotations

import click

from ...i18n import _
from .. import completion
from ..options import Code, actor_name, code_help, global_options, lang, office, output_option


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
@click.option("--shared", is_flag=True,
              help="For several accounts of one group on one folder: core.sharedRepository=group, folders "
                   "setgid and group-writable (the group is the folder's).")
@click.option("--in-enclosing-repo", is_flag=True,
              help="DIR is inside another git repository: make the office a folder of that repository "
                   "(without this, init refuses).")
@global_options
def init(directory, name, station, timezone, language, code, no_hooks, shared, in_enclosing_repo):
    """Make a new office repo: wuye.yaml, the record folders, a pre-commit hook.

    The acting person (--as) becomes the first staff member, as director. A pre-commit hook
    that is not wuyectl's is kept as it is.
    """
    import os
    import shlex

    from ... import api
    from ...app.office import foreign_hook, share_group

    director = actor_name()
    if not director:
        director = os.environ.get("WUYECTL_USER")
    if not director:
        raise click.UsageError(_("say who the director is: --as NAME"))
    made = api.init_office(directory, name=name, director=director, station=station, timezone=timezone,
                           language=language, code=code, hooks=not no_hooks, shared=shared,
                           in_enclosing_repo=in_enclosing_repo)
    click.echo(_("{root}: office {name}, station {station}, director {director}").format(
        root=made.root, name=name, station=station, director=director))
    kept = None if no_hooks else foreign_hook(made)
    if kept:
        click.echo(_("a pre-commit hook that is not wuyectl's is in place and was kept: {path} (to check records "
                     "in hand commits, have it run: wuyectl validate --staged)").format(path=kept))
    if shared:
        click.echo(_("shared with the group {group}: each other account of the group declares the folder safe "
                     "for git once: git config --global --add safe.directory {path}").format(
                         group=share_group(made.top), path=shlex.quote(made.top)))


@click.group()
@global_options
def staff():
    """The staff roster in wuye.yaml."""


@staff.command("add")
@click.argument("name")
@click.option("--role", required=True, type=Code("role"), metavar="ROLE", help=code_help("role"))
@click.option("--dept", "department", default=None, type=Code("department"), metavar="DEPT",
              help=code_help("department"))
@click.option("--email", default=None, help="Their e-mail address (kept on the roster).")
@global_options
def staff_add(name, role, department, email):
    """Add a person to the roster (a supervisor or director only)."""
    from ... import api

    from .privacy import follow

    the_office = office()
    api.add_staff(the_office, actor_name(), name, role, department, email)
    click.echo(name)
    follow(the_office, actor_name(), about=name)


@staff.command("key")
@click.argument("name", shell_complete=completion.staff)
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
    from .privacy import follow

    the_office = office()
    api.set_key(the_office, actor_name(), name, key_text, login,
                key_source=_("standard input") if key_file == "-" else (key_file or _("the key")))
    click.echo(name if key_text is None else f"{name} {signing.fingerprint(key_text)}")
    if key_text is not None:
        follow(the_office, actor_name(), about=name)


@staff.command("leave")
@click.argument("name", shell_complete=completion.staff)
@global_options
def staff_leave(name):
    """Take a person off the roster: they leave the office (a supervisor or director; only a
    director removes a director). Their entry stays, marked `active: false`, so history keeps
    their name; they may no longer act or reveal. When personal data is encrypted, the office
    key is replaced by a new one wrapped for the people who remain (this takes your SSH key in
    WUYECTL_SIGNING_KEY; otherwise a person who can reveal runs `wuyectl keys rewrap`)."""
    from ...app.office import leave_staff
    from .privacy import follow

    the_office = office()
    commit = leave_staff(the_office, actor_name(), name)
    click.echo(_("{name} left the office: committed {commit}").format(name=name, commit=commit[:10]))
    follow(the_office, actor_name())


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
@click.argument("key", metavar="KEY", shell_complete=completion.policy_keys)
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
    the_office = office()
    commit = set_policy(the_office, actor_name(), key, None if to_default else value)
    click.echo((_("policy {key}: committed {commit}") if commit else _("policy {key}: not changed")).format(
        key=key, commit=(commit or "")[:10]))
    if commit and str(key).strip().split(".")[0].strip() == "reveal_roles":
        from .privacy import follow

        follow(the_office, actor_name())


@policy.command("show")
@global_options
def policy_show():
    """The policy settings wuye.yaml has (anything not listed is the manuals' number)."""
    from .. import output as out

    click.echo(out.to_yaml(office().config.get("policy") or {}), nl=False)


COMMANDS = [init, staff, policy]
