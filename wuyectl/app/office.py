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
from ..store import git, schema, yamlio
from ..store.office import CONFIG, Office
from ..store.transaction import Transaction, atomic_write, check_one_line
from .. import timeutil

DEFAULT_REVEAL_ROLES = ("director", "supervisor", "archivist")


def acting(office: Office, name: str | None) -> dict:
    """The staff member acting (--as, WUYECTL_USER, git's user.name), who must be on the
    roster and may write (an auditor only reads)."""
    person = office.actor(name)
    if person["role"] == "auditor":
        raise NotPermitted(f"{person['name']} (auditor) has read-only access")
    return person


def init_office(directory: str, *, name: str, director: str, station: str = "A",
                timezone: str = "Asia/Shanghai", language: str = "zh", code: str | None = None,
                hooks: bool = True) -> Office:
    """A new office repo in `directory` (a git repo is made unless it is already in one)."""
    directory = os.path.abspath(directory)
    check_one_line("community name", name)     # the subject of the first commit
    check_one_line("staff name", director)     # its author
    if os.path.exists(os.path.join(directory, CONFIG)):
        raise BadValue(f"{directory} is already an office repo ({CONFIG} exists)")
    if not re.fullmatch(r"[A-Z]", station or ""):
        raise BadValue(f"station '{station}' must be one capital letter (A–Z)")
    timeutil.zone(timezone)
    if language not in ("zh", "en"):
        raise BadValue(f"language '{language}' must be zh or en")
    os.makedirs(directory, exist_ok=True)
    if git.toplevel(directory) is None:
        git.run(directory, ["init", "-q"])
    config = {"schema_version": 1, "community": {"name": name}}
    if code:
        config["community"]["code"] = code
    config.update({"timezone": timezone, "language": language, "station": station,
                   "staff": [{"name": director, "role": "director", "department": "service"}]})
    found = schema.problems(config, "config")
    if found:
        raise BadValue(found[0][1])
    header = ("# 物业客服中心配置 — the office configuration of wuyectl.\n"
              "# policy: every time limit defaults to the numbers of the office manuals; add a\n"
              "# `policy:` section only to change one (see README).\n")
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
        raise NotPermitted(f"{person['name']} ({person['role']}) may not add staff: needs supervisor or director")
    role = codes.resolve("role", role)
    if department:
        department = codes.resolve("department", department)
    name = str(name).strip()
    # The name becomes git's author and a word of commit subjects: one line, nothing hidden.
    check_one_line("staff name", name)
    if not name or len(name) > 60:
        raise BadValue("a staff name must be 1 to 60 characters")
    if email is not None:
        check_one_line("staff email", email)
    if any(p["name"] == name for p in office.config.get("staff", [])):
        raise BadValue(f"'{name}' is already on the roster")
    with Transaction(office, person) as tx:
        loaded = tx.load_path(CONFIG)
        entry = {"name": name, "role": role}
        if department:
            entry["department"] = department
        if email:
            entry["email"] = email
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
    person = office.actor(actor)
    if not may_reveal(office, person):
        roles = (office.config.get("policy") or {}).get("reveal_roles", DEFAULT_REVEAL_ROLES)
        raise NotPermitted(f"{person['name']} ({person['role']}) may not --reveal personal numbers: "
                           f"needs {' or '.join(roles)}")

