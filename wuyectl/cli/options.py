"""Shared options, applied the same way on every command that needs them."""
from __future__ import annotations

import os
import sys

import click

_KEY = "wuyectl.settings"
_seen: list[dict] = []   # this invocation's settings, for messages printed once click's context is gone


def settings(ctx: click.Context | None = None) -> dict:
    ctx = ctx or click.get_current_context()
    found = ctx.find_root().meta.setdefault(_KEY, {})
    _seen[:] = [found]
    return found


def _store(name):
    def callback(ctx, param, value):
        if value is not None:
            settings(ctx)[name] = value
        return value
    return callback


def global_options(f):
    """--repo, --as, --lang: accepted on the group and on every command (kubectl-style)."""
    f = click.option("--lang", type=click.Choice(["zh", "en"]), default=None, expose_value=False, is_eager=True,
                     callback=_store("lang"), help="Labels and messages in Chinese (zh, default) or English (en) [WUYECTL_LANG].")(f)
    f = click.option("--as", "as_", metavar="NAME", default=None, expose_value=False, callback=_store("actor"),
                     help="The staff member acting [WUYECTL_USER, then git config user.name].")(f)
    f = click.option("--repo", metavar="PATH", default=None, expose_value=False, callback=_store("repo"),
                     help="The office repo [WUYECTL_REPO, else the one containing this folder].")(f)
    return f


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


def message_language():
    """The language of this invocation's messages, for `i18n.use`: as `lang()`, also once
    click's context is gone (main prints a usage error after it)."""
    _seen.clear()

    def resolve() -> str | None:
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
