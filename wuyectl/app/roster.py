"""The roster as the history vouches for it, for the commands themselves.

wuye.yaml is a file anyone with the shared folder can edit. The audit trusts a roster change
only when a tool step made it (`staff add`, `staff key` by someone allowed to;
`app.replay.config_step`); the commands do the same, so a clerk who made herself director in
the file is still a clerk to `--reveal`, `staff add` and every action, and is told why.

The trusted roster is kept in `.git/wuyectl/roster.json` with the commit and the wuye.yaml
blob it was computed at; a new commit that changed wuye.yaml is replayed on top of it (only
the config commits since), so a command pays one `git rev-parse` when nothing changed.
"""
from __future__ import annotations

import json
import os
from typing import Mapping

from ..domain import codes
from ..errors import NotPermitted
from ..i18n import _
from ..store import git
from ..store.office import CONFIG, Office


def trusted_staff(office: Office) -> list[dict] | None:
    """The staff list as tool steps made it, as of HEAD (None: no history to vouch, e.g. an
    office not yet committed)."""
    from .replay import Reader, Trust, trusted_config

    path = office.git_path(CONFIG)
    answer = git.run(office.top, ["rev-parse", "HEAD", f"HEAD:{path}"], check=False)
    ids = answer.stdout.decode().split()
    if answer.returncode != 0 or len(ids) != 2:
        return None
    head, blob = ids
    cache_file = os.path.join(office.gitdir, "wuyectl", "roster.json")
    cached = _read(cache_file)
    start = cached.get("head") if cached.get("prefix") == office.prefix else None
    if start and start != head and not git.is_ancestor(office.top, start, head):
        start = None   # a history rewritten since: from the beginning
    if start and cached.get("blob") == blob:
        if start != head:   # newer commits, none touching wuye.yaml: remembered, to skip the check next time
            _write(cache_file, {**cached, "head": head})
        return cached.get("staff")
    trust = Trust(cached.get("config") if start else None)
    with Reader(office.top) as reader:
        trust = trusted_config(office.top, reader, [head] + ([f"^{start}"] if start else []), path, trust)
    staff = (trust.config or {}).get("staff") or []
    _write(cache_file, {"prefix": office.prefix, "head": head, "blob": blob, "config": trust.config, "staff": staff})
    return staff


def vouched(office: Office, person: Mapping) -> dict:
    """`person` (from wuye.yaml) as the roster's history has them; refused when wuye.yaml
    gives them a role, or a place on the roster, that no tool step did."""
    staff = trusted_staff(office)
    if staff is None:
        return dict(person)
    name = person.get("name")
    known = next((p for p in staff if p.get("name") == name), None)
    if known is None:
        raise NotPermitted(_("{name} is in {config} but no tool step put them on the roster (a hand edit): a "
                             "supervisor or director adds them with `wuyectl staff add`").format(name=name, config=CONFIG))
    if known.get("active") is False or person.get("active") is False:
        raise NotPermitted(left_text(name))
    if known.get("role") != person.get("role"):
        raise NotPermitted(_("{name} is {role} in {config}, but {known} as the roster's "
                             "history has it (a hand edit is not honoured; roles change with the tool)").format(
            name=name, role=codes.shown("role", person.get("role")), config=CONFIG,
            known=codes.shown("role", known.get("role"))))
    return dict(person)


def left_text(name: str) -> str:
    return _("{name} has left the office (wuyectl staff leave): they may no longer act or reveal").format(name=name)


def present(office: Office, name: str | None) -> dict:
    """`office.actor(name)`, with a clear refusal for a person who left (`active: false`,
    whom `office.staff()` no longer lists) instead of "not on the roster"."""
    try:
        return office.actor(name)
    except NotPermitted:
        who = name or os.environ.get("WUYECTL_USER")
        if not who:
            proc = git.run(office.top, ["config", "user.name"], check=False)
            who = proc.stdout.decode("utf-8", "replace").strip()
        who = str(who or "").strip()
        if any(isinstance(p, Mapping) and p.get("name") == who and p.get("active") is False
               for p in office.config.get("staff") or []):
            raise NotPermitted(left_text(who)) from None
        raise


def _read(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: str, data: dict) -> None:
    from ..store.transaction import atomic_write

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic_write(path, json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"), sync=False)
    except OSError:
        pass   # only a saving
