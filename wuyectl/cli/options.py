"""Shared options, applied the same way on every command that needs them."""
from __future__ import annotations

import os
import sys

import click

from .context import seen as _seen, settings  # noqa: F401  (settings: the options' store, read here and by commands)


def _store(name):
    def callback(ctx, param, value):
        if value is not None:
            settings(ctx)[name] = value
        return value
    return callback


def global_options(f):
    """--repo, --as, --lang: accepted on the group and on every command (kubectl-style), and
    read first wherever they stand (eager), so what the other options say — an unknown code,
    say — is told in the language asked for and about the office named."""
    from . import completion

    f = click.option("--lang", type=click.Choice(["zh", "en"]), default=None, expose_value=False, is_eager=True,
                     callback=_store("lang"), help="Labels and messages in Chinese (zh, default) or English (en) [WUYECTL_LANG].")(f)
    f = click.option("--as", "as_", metavar="NAME", default=None, expose_value=False, is_eager=True,
                     callback=_store("actor"), shell_complete=completion.staff,
                     help="The staff member acting [WUYECTL_USER, then git config user.name].")(f)
    f = click.option("--repo", metavar="PATH", default=None, expose_value=False, is_eager=True,
                     callback=_store("repo"), shell_complete=completion.folders,
                     help="The office repo [WUYECTL_REPO, else the one containing this folder].")(f)
    return f


class Code(click.ParamType):
    """An option that takes a code of `group` (codes.py): given as the code, either label or
    an alias (`--channel 微信` is online), checked and turned into the code by `codes.resolve`
    — the rule every code the tool reads goes by; <TAB> offers the spellings."""

    def __init__(self, group: str, what: str | None = None):
        self.group = group
        self.what = what
        self.name = (what or group).replace(" ", "_")

    def convert(self, value, param, ctx):
        from ..domain import codes

        return codes.resolve(self.group, value, what=self.what)

    def shell_complete(self, ctx, param, incomplete):
        from . import completion

        return completion.codes(self.group)(ctx, param, incomplete)


def code_help(group: str, text: str = "", *, aliases: int = 0) -> str:
    """An option's help that lists the codes of `group` with their Chinese labels (and up to
    `aliases` of each code's aliases), from the codes table: `text`, then `phone 电话, …`."""
    from ..domain import codes

    def one(code):
        known = codes.spellings(group, code)[3:]
        shown = ", ".join(known[:aliases]) + (" …" if len(known) > aliases else "")
        return f"{code} {codes.label(group, code, 'zh')}" + (f" ({shown})" if aliases and known else "")

    listed = ", ".join(one(code) for code in codes.choices(group))
    return f"{text} {listed}.".strip() if text else f"{listed}."


def note_option(f):
    return click.option("--note", default=None, metavar="TEXT",
                        help="A note recorded with the step in the timeline (the reason, where one is needed).")(f)


def set_option(f):
    return click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE",
                        help="A field the action records, e.g. result=更换密封圈 (repeatable).")(f)


def output_option(*formats: str, default: str = "table"):
    def decorator(f):
        return click.option("-o", "--output", "output", type=click.Choice(list(formats)), default=default,
                            show_default=True, help="Output format.")(f)
    return decorator


def at_option(f):
    return click.option("--at", metavar="TIME", default=None,
                        help="When it really happened: 2026-11-22T09:14:00+08:00 or '2026-11-22 09:14' "
                             "(office time). Default: now.")(f)


def office(search_from: str | None = None):
    """The office repo of this command (opened once): --repo, WUYECTL_REPO, else the one
    containing `search_from` or the current folder."""
    from ..store.office import Office

    s = settings()
    if "office" not in s:
        s["office"] = Office.open(s.get("repo"), search_from=search_from)
        # Every time this command shows is in the office's timezone, not the computer's.
        from ..timeutil import shown_in

        click.get_current_context().find_root().with_resource(shown_in(s["office"].tz))
    return s["office"]


def actor_name() -> str | None:
    return settings().get("actor")


def lang() -> str:
    return _language_of(settings())


def _language_of(s: dict) -> str:
    value = s.get("lang") or os.environ.get("WUYECTL_LANG")
    if value in ("zh", "en"):
        return value
    if "office" in s:
        return s["office"].language
    return "zh"


def typed_language(argv) -> str | None:
    """The --lang typed anywhere on the command line (the last one, as click keeps), read
    before click does: `--help` shows its page as soon as click reaches it, and an earlier
    `--help --lang en` must still be English."""
    args = list(sys.argv[1:] if argv is None else argv)
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        value = args[i + 1] if arg == "--lang" and i + 1 < len(args) else arg[7:] if arg.startswith("--lang=") else None
        if value in ("zh", "en"):
            found = value
    return found


def message_language(argv=None):
    """The language of this invocation's messages, for `i18n.use`: as `lang()`, also once
    click's context is gone (main prints a usage error after it)."""
    _seen.clear()
    typed = typed_language(argv)

    def resolve() -> str | None:
        if typed:
            return typed
        if click.get_current_context(silent=True) is not None:
            return lang()
        return _language_of(_seen[0]) if _seen else None
    return resolve


def read_ids(ids) -> list[str]:
    """IDs from the arguments; `-` reads more from standard input (one or more per line)."""
    out = []
    for rid in ids:
        if rid == "-":
            out.extend(sys.stdin.read().split())
        else:
            out.append(rid)
    return out


def parse_pairs(pairs, option: str = "--set", form: str = "FIELD=VALUE", *, strip: bool = False) -> dict[str, str]:
    """`FIELD=VALUE` texts as typed (repeatable options) as a mapping; the library takes the
    values and turns them into the types the schema wants."""
    from ..errors import BadValue
    from ..i18n import _

    out = {}
    for pair in pairs or ():
        if "=" not in pair:
            raise BadValue(_("{option} needs {form}, not '{pair}'").format(option=option, form=form, pair=pair))
        key, value = pair.split("=", 1)
        out[key.strip()] = value.strip() if strip else value
    return out
