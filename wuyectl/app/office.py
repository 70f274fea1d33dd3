"""The office itself: making an office repo, its staff roster, who is acting, and who may
see personal numbers unmasked."""
from __future__ import annotations

import os
import re
from typing import Mapping

from ..domain import codes
from ..domain.kinds import KINDS
from ..domain.workflow import MANAGERS
from ..errors import BadValue, NotPermitted
from ..i18n import _, join_or
from ..store import git, schema, yamlio
from ..store.office import CONFIG, Office
from ..store.transaction import Transaction, atomic_write, check_one_line
from .. import timeutil

DEFAULT_REVEAL_ROLES = ("director", "supervisor", "archivist")


def acting(office: Office, name: str | None) -> dict:
    """The staff member acting (--as, WUYECTL_USER, git's user.name), who must be on the
    roster — as its history vouches for it (`app.roster`): a role given by a hand edit of
    wuye.yaml is refused — and may write (an auditor only reads)."""
    from .roster import vouched

    person = vouched(office, office.actor(name))
    if person["role"] == "auditor":
        raise NotPermitted(_("{name} ({role}) has read-only access").format(
            name=person["name"], role=codes.shown("role", "auditor")))
    return person


def init_office(directory: str, *, name: str, director: str, station: str = "A",
                timezone: str = "Asia/Shanghai", language: str = "zh", code: str | None = None,
                hooks: bool = True, policy: Mapping | None = None) -> Office:
    """A new office repo in `directory` (a git repo is made unless it is already in one).
    `policy`: a `policy:` section for wuye.yaml (`{"backdate_limit_days": 60}`), checked by
    the configuration's schema and written by the first commit."""
    directory = os.path.abspath(directory)
    check_one_line(_("community name"), name)     # the subject of the first commit
    check_one_line(_("staff name"), director)     # its author
    if os.path.exists(os.path.join(directory, CONFIG)):
        raise BadValue(_("{directory} is already an office repo ({config} exists)").format(
            directory=directory, config=CONFIG))
    if not re.fullmatch(r"[A-Z]", station or ""):
        raise BadValue(_("station '{station}' must be one capital letter (A–Z)").format(station=station))
    timeutil.zone(timezone)
    if language not in ("zh", "en"):
        raise BadValue(_("language '{language}' must be zh or en").format(language=language))
    config = {"schema_version": 1, "community": {"name": name}}
    if code:
        config["community"]["code"] = code
    config.update({"timezone": timezone, "language": language, "station": station,
                   "staff": [{"name": director, "role": "director", "department": "service"}]})
    if policy:
        config["policy"] = _plain(policy)
    found = schema.problems(config, "config")
    if found:
        raise BadValue(found[0][1])
    os.makedirs(directory, exist_ok=True)
    top = git.toplevel(directory)
    if top is None:
        # sha1 whatever the person's init.defaultObjectFormat or GIT_DEFAULT_HASH says
        git.run(directory, ["init", "-q"], env={"GIT_DEFAULT_HASH": "sha1"})
    else:
        git.require_sha1(git.git_dir(top), top)   # before anything is written
    header = ("# 物业客服中心配置 — the office configuration of wuyectl.\n"
              "# policy: every time limit defaults to the numbers of the office manuals; the\n"
              "# director changes one with `wuyectl policy set KEY VALUE` (see README).\n")
    text = header + yamlio.dump(yamlio.new_map(config))
    atomic_write(os.path.join(directory, CONFIG), text.encode("utf-8"))
    keeps = [f"{kind.folder}/.gitkeep" for kind in KINDS.values()]
    for keep in keeps:
        os.makedirs(os.path.join(directory, os.path.dirname(keep)), exist_ok=True)
        open(os.path.join(directory, keep), "a").close()
    office = Office(directory)
    if hooks:
        install_hooks(office)
    with Transaction(office, {"name": director, "role": "director"}) as tx:
        tx.commit_paths([CONFIG, *keeps], f"init office {name}", action="init", records=[])
    return office


def _plain(value):
    """Mappings and sequences as plain dicts and lists (what the YAML writer takes)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


HOOK = """#!/bin/sh
# Installed by `wuyectl init`: keeps invalid records out of history (hand commits too).
exec "{python}" -m wuyectl --repo "$(git rev-parse --show-toplevel)/{prefix}" validate --staged
"""


def install_hooks(office: Office) -> None:
    import sys

    hooks = os.path.join(git.git_dir(office.top), "hooks")
    os.makedirs(hooks, exist_ok=True)
    path = os.path.join(hooks, "pre-commit")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HOOK.format(python=sys.executable, prefix=office.prefix))
    os.chmod(path, 0o755)


def add_staff(office: Office, actor: str | None, name: str, role: str, department: str | None = None,
              email: str | None = None) -> str:
    person = acting(office, actor)
    if person["role"] not in MANAGERS:
        raise NotPermitted(_("{name} ({role}) may not add staff: needs {roles}").format(
            name=person["name"], role=codes.shown("role", person["role"]),
            roles=join_or(codes.shown("role", r) for r in ("supervisor", "director"))))
    role = codes.resolve("role", role)
    if department:
        department = codes.resolve("department", department)
    name = str(name).strip()
    # The name becomes git's author and a word of commit subjects: one line, nothing hidden.
    check_one_line(_("staff name"), name)
    if not name or len(name) > 60:
        raise BadValue(_("a staff name must be 1 to 60 characters"))
    if email is not None:
        check_one_line(_("staff email"), email)
    from .roster import trusted_staff

    vouched_for = trusted_staff(office)
    known = [p["name"] for p in (office.config.get("staff", []) if vouched_for is None else vouched_for)]
    if name in known:
        raise BadValue(_("'{name}' is already on the roster").format(name=name))
    with Transaction(office, person) as tx:
        loaded = tx.load_path(CONFIG)
        entry = {"name": name, "role": role}
        if department:
            entry["department"] = department
        if email:
            entry["email"] = email
        # Someone written into wuye.yaml by hand (whom no command obeys) is added for real:
        # their line is replaced by the one the manager gives.
        for i in reversed(range(len(loaded.rt["staff"]))):
            if loaded.rt["staff"][i].get("name") == name:
                del loaded.rt["staff"][i]
        loaded.rt["staff"].append(yamlio.new_map(entry))
        tx.stage(loaded)
        commit = tx.commit(f"staff add {name} {codes.label('role', role, office.language)}",
                           action="staff-add", records=[])
    office.reload()   # the same Office sees the new roster
    return commit


def may_reveal(office: Office, person: Mapping) -> bool:
    roles = (office.config.get("policy") or {}).get("reveal_roles", DEFAULT_REVEAL_ROLES)
    return person.get("role") in roles


def check_reveal(office: Office, actor: str | None) -> None:
    from .roster import vouched

    person = vouched(office, office.actor(actor))
    if not may_reveal(office, person):
        roles = (office.config.get("policy") or {}).get("reveal_roles", DEFAULT_REVEAL_ROLES)
        raise NotPermitted(_("{name} ({role}) may not --reveal personal numbers: needs {roles}").format(
            name=person["name"], role=codes.shown("role", person["role"]),
            roles=join_or(codes.shown("role", r) for r in roles)))


def set_key(office: Office, actor: str | None, name: str, key_text: str | None = None,
            login: str | None = None, *, key_source: str = "the key") -> str:
    """Register `name`'s SSH signing key (`key_text`: one OpenSSH public key line, the content
    of KEY.pub) and/or user name on the git server (`login`), as one commit (`staff-key`);
    returns the commit id. A supervisor or director may do it for anyone on the roster, anyone
    else (not the auditor, who only reads) for themself; `key_source` names the key in errors.

    The commit is signed as the acting person's key on the roster *before* it (replacing one's
    own key takes the old private key; a supervisor replaces a lost one). A key or login may
    belong to one person only: a signature or a push must name one person."""
    from ..store import signing

    person = acting(office, actor)
    target = office.person(name)
    name = target["name"]
    if person["name"] != name and person["role"] not in MANAGERS:
        raise NotPermitted(_("{actor} ({role}) may not set {name}'s key or login: "
                             "needs {roles} (or {name} themself)").format(
            actor=person["name"], role=codes.shown("role", person["role"]), name=name,
            roles=join_or(codes.shown("role", r) for r in ("supervisor", "director"))))
    if key_text is None and login is None:
        raise BadValue(_("nothing to set: give a key file (--file KEY.pub), a login (--login USER), or both"))
    key = signing.parse_public_key(key_text, what=key_source) if key_text is not None else None
    if login is not None:
        login = str(login).strip()
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}", login):
            raise BadValue(_("login {login!r} must be 1 to 64 letters, digits, '.', '_', '@' or '-', "
                             "starting with a letter or digit").format(login=login))
    with Transaction(office, person) as tx:
        loaded = tx.load_path(CONFIG)
        entry = next((p for p in loaded.rt["staff"] if p.get("name") == name), None)
        if entry is None:   # removed by a hand edit since it was read
            raise NotPermitted(_("'{name}' is not on the staff roster of {config}").format(name=name, config=CONFIG))
        for other in loaded.data.get("staff", []):
            if other.get("name") == name:
                continue
            theirs = other.get("signing_key")
            if key is not None and theirs:
                try:
                    same = signing.parse_public_key(str(theirs)).same_key(key)
                except BadValue:
                    same = False
                if same:
                    raise BadValue(_("{source}: {fingerprint} is already {name}'s signing key").format(
                        source=key_source, fingerprint=key.fingerprint, name=other["name"]))
            if login is not None and other.get("login") == login:
                raise BadValue(_("login '{login}' is already {name}'s").format(login=login, name=other["name"]))
        old_key = entry.get("signing_key")
        same_key = key is None or (old_key and old_key == key.line)
        if same_key and (login is None or entry.get("login") == login):
            raise BadValue((_("{name} already has that login: nothing to change") if key is None else
                            _("{name} already has that signing key: nothing to change")).format(name=name))
        if key is not None:
            entry["signing_key"] = key.line
        if login is not None:
            entry["login"] = login
        tx.stage(loaded)
        words = [f"staff key {name}"]
        if key is not None:
            words.append(key.fingerprint)
        if login is not None:
            words.append(f"login {login}")
        commit = tx.commit(" ".join(words), action="staff-key", records=[])
    office.reload()   # the same Office signs with the new roster
    return commit
