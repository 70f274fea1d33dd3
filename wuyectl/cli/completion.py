"""Shell completion: what <TAB> offers — record kinds, record IDs, staff names and codes.

Click runs a parameter's `shell_complete(ctx, param, incomplete)` when the shell asks
(`_WUYECTL_COMPLETE=bash_complete` …; the README says how to turn it on). Each completer here

1. finds the office the command would use (--repo, WUYECTL_REPO, else the current folder);
2. answers from what is cheap to read: the roster in wuye.yaml, the codes table, and the
   record files git and the record index know of (`store.cache.Index.files`: names only,
   no record is parsed);
3. offers only what fits where it stands: the IDs of the kinds an action applies to, the
   actions of the kinds of the IDs already typed;
4. never prints: anything that goes wrong (no office, a broken wuye.yaml …) is no candidates.
"""
from __future__ import annotations

import contextlib
import functools
import io
import os

from click.shell_completion import CompletionItem


def _quiet(completer):
    """No output but the candidates, and no candidates rather than an error."""

    @functools.wraps(completer)
    def quiet(ctx, param, incomplete):
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                return completer(ctx, param, incomplete or "")
        except Exception:
            return []

    return quiet


def _office(ctx):
    from ..store.office import Office
    from .context import settings

    return Office.open(settings(ctx).get("repo"))


def folders(ctx, param, incomplete):
    """Let the shell complete folder names."""
    return [CompletionItem(incomplete, type="dir")]


def files(ctx, param, incomplete):
    """Let the shell complete file names."""
    return [CompletionItem(incomplete, type="file")]


@_quiet
def kinds(ctx, param, incomplete):
    """The record kinds, as `get` lists them (tickets, owners, visits …)."""
    from ..domain.kinds import KINDS

    return [CompletionItem(k.plural) for k in KINDS.values() if k.plural.startswith(incomplete)]


@_quiet
def staff(ctx, param, incomplete):
    """The names on the roster, with their roles."""
    from ..domain import codes

    return [CompletionItem(p["name"], help=codes.label("role", p.get("role"), "zh"))
            for p in _office(ctx).staff() if str(p["name"]).startswith(incomplete)]


def codes(group: str):
    """A completer for the codes of `group`: nothing typed yet offers the codes; a start
    offers every spelling that begins with it (code, label, alias: `微` → 微信 …)."""

    @_quiet
    def complete(ctx, param, incomplete):
        return _spellings(group, None, incomplete)

    return complete


def _spellings(group: str, allowed, incomplete: str) -> list[CompletionItem]:
    from ..domain import codes as table

    choices = list(allowed) if allowed is not None else table.choices(group)
    if not incomplete:
        return [CompletionItem(code, help=table.label(group, code, "zh")) for code in choices]
    start = table.typed(incomplete)
    out = []
    for code in choices:
        about = f"{code} {table.label(group, code, 'zh')}"
        for spelling in dict.fromkeys(table.spellings(group, code)):
            # a spelling with a space would reach the shell as two words
            if " " not in spelling and table.typed(spelling).startswith(start):
                out.append(CompletionItem(spelling, help=about))
    return out


def _kinds_taking(action: str | None):
    """The kinds whose workflow has `action` (None: any action `update` takes)."""
    from ..domain.kinds import KINDS

    if action is None:
        return [k for k in KINDS.values() if any(a.via_command is None for a in k.workflow.actions.values())]
    return [k for k in KINDS.values() if action in k.workflow.actions]


def _ids(office, kinds, incomplete: str) -> list[str]:
    import re
    from datetime import datetime

    from ..store.cache import Index

    out = []
    for kind in kinds:
        if kind.stem is not None:   # T-, V-, W-, A-: skip a kind the start rules out
            lead = re.match(r"\D*", kind.stem(datetime(2000, 1, 1), "A")).group()
            if not (lead.startswith(incomplete) or incomplete.startswith(lead)):
                continue
        names = (os.path.basename(path)[:-len(".yaml")] for path in Index(office, kind).files())
        out += sorted(rid for rid in names if rid.startswith(incomplete) and kind.id_re.fullmatch(rid))
    return out


def record_ids(action: str | None = None, *, kind: str | None = None, any_kind: bool = False):
    """A completer for record IDs: of every kind (`any_kind`), of one `kind`, of the kinds
    that have `action`, or — for `update` — of the kinds that have the --action typed."""

    @_quiet
    def complete(ctx, param, incomplete):
        from ..domain import codes as table
        from ..domain.kinds import KINDS

        if any_kind:
            kinds = list(KINDS.values())
        elif kind is not None:
            kinds = [KINDS[kind]]
        elif action is not None:
            kinds = _kinds_taking(action)
        else:
            typed = ctx.params.get("action")
            named = table.lookup("action", typed) if typed else None
            kinds = _kinds_taking(named)
        return [CompletionItem(rid) for rid in _ids(_office(ctx), kinds, incomplete)]

    return complete


@_quiet
def actions(ctx, param, incomplete):
    """`update --action`: the actions of the kinds of the IDs typed (of every kind before
    any), those `update` takes; spelled as codes, labels or aliases."""
    from ..domain.kinds import KINDS, kind_of_id

    found = []
    for rid in ctx.params.get("ids") or ():
        try:
            found.append(kind_of_id(rid))
        except Exception:
            continue
    kinds = found or list(KINDS.values())
    names = dict.fromkeys(a.name for k in kinds for a in k.workflow.actions.values() if a.via_command is None)
    return _spellings("action", names, incomplete)


@_quiet
def escalation_levels(ctx, param, incomplete):
    """`escalate --to`: the levels above the front desk."""
    from ..domain import codes as table

    return [CompletionItem(level, help=table.label("escalation_level", level, "zh"))
            for level in table.choices("escalation_level") if level != "0" and level.startswith(incomplete)]


@_quiet
def policy_keys(ctx, param, incomplete):
    """`policy set KEY`: the settings the office's configuration schema knows, dotted."""
    from ..store import schema

    policy = schema.schema("config").get("properties", {}).get("policy", {})
    keys = []
    for key, spec in policy.get("properties", {}).items():
        keys.append(key)
        keys += [f"{key}.{sub}" for sub in (spec.get("properties") or {})]
    return [CompletionItem(key) for key in keys if key.startswith(incomplete)]
