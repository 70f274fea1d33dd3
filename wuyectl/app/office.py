"""The office itself: making an office repo, its staff roster, who is acting, and who may
see personal numbers unmasked."""
from __future__ import annotations

import os
import re
import shlex
from typing import Mapping

from ..domain import codes
from ..domain.kinds import KINDS
from ..domain.privacy import reveal_roles
from ..domain.workflow import MANAGERS
from ..errors import BadValue, NotPermitted, RepoError
from ..i18n import _
from ..store import git, schema, yamlio
from ..store.office import CONFIG, Office
from ..store.transaction import Transaction, atomic_write, check_one_line
from .. import timeutil



def acting(office: Office, name: str | None) -> dict:
    """The staff member acting (--as, WUYECTL_USER, git's user.name), who must be on the
    roster — as its history vouches for it (`app.roster`): a role given by a hand edit of
    wuye.yaml is refused — and may write (an auditor only reads)."""
    from .roster import present, vouched

    person = vouched(office, present(office, name))
    if person["role"] == "auditor":
        raise NotPermitted(_("{name} ({role}) has read-only access").format(
            name=person["name"], role=codes.shown("role", "auditor")))
    return person


def init_office(directory: str, *, name: str, director: str, station: str = "A",
                timezone: str = "Asia/Shanghai", language: str = "zh", code: str | None = None,
                hooks: bool = True, policy: Mapping | None = None, shared: bool = False,
                in_enclosing_repo: bool = False) -> Office:
    """A new office repo in `directory`: a git repo is made there, or the git repo whose top
    it is already is used. `policy`: a `policy:` section for wuye.yaml (`{"backdate_limit_days":
    60}`), checked by the configuration's schema and written by the first commit.

    `directory` inside another git repository (not its top) is refused: the office's commits
    would go into that repository, whose owner did not ask for them (and a nested repository
    of its own would look saved in the outer one while it is not). `in_enclosing_repo=True`
    makes it a folder of that repository deliberately (the sample office in this project).

    `shared`: a repository for several accounts of one group (`core.sharedRepository=group`;
    folders, .git included, setgid and group-writable; see `store.shared`).

    The pre-commit hook (`hooks`) is installed unless a hook that is not wuyectl's is there
    (it is kept: `foreign_hook` names it)."""
    from ..i18n import _
    from ..store import shared as sharing

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
    # Where the office would be committed, asked before anything is made.
    existing = directory
    while not os.path.isdir(existing):
        existing = os.path.dirname(existing)
    top = git.toplevel(existing)
    if top is not None and os.path.realpath(top) != os.path.realpath(directory):
        if not in_enclosing_repo:
            raise RepoError(_("{directory} is inside the git repository {top}: the office would be committed into "
                              "it. Choose a folder outside any repository, or make this folder a repository of "
                              "its own first (git init {quoted}) and run init again").format(
                                  directory=directory, top=top, quoted=shlex.quote(directory)))
        if shared:
            raise BadValue(_("--shared makes a repository of its own; an office inside {top} is shared as that "
                             "repository is").format(top=top))
    if top is not None:
        git.require_sha1(git.git_dir(top), top)   # before anything is written
    sharing.make_dirs(directory)
    if top is None:
        # sha1 whatever the person's init.defaultObjectFormat or GIT_DEFAULT_HASH says
        git.run(directory, ["init", "-q", *(["--shared=group"] if shared else [])], env={"GIT_DEFAULT_HASH": "sha1"})
    elif shared:
        git.run(directory, ["config", "core.sharedRepository", "group"])
    if shared:
        share_repo(directory)
    header = ("# 物业客服中心配置 — the office configuration of wuyectl.\n"
              "# policy: every time limit defaults to the numbers of the office manuals; the\n"
              "# director changes one with `wuyectl policy set KEY VALUE` (see README).\n")
    text = header + yamlio.dump(yamlio.new_map(config))
    atomic_write(os.path.join(directory, CONFIG), text.encode("utf-8"))
    keeps = [f"{kind.folder}/.gitkeep" for kind in KINDS.values()]
    for keep in keeps:
        sharing.create_file(os.path.join(directory, keep))
    office = Office(directory)
    if hooks:
        install_hooks(office)
    with Transaction(office, {"name": director, "role": "director"}) as tx:
        tx.commit_paths([CONFIG, *keeps], f"init office {name}", action="init", records=[])
    return office


def share_repo(top: str) -> None:
    """Make the repository at `top` (core.sharedRepository set) usable by its group: the work
    tree, .git and the tool's own state (.git/wuyectl: lock, caches, journal) setgid and
    group-writable folders, group-writable files, all of the top folder's group. Refused
    (RepoError) when something could not be changed: it belongs to another account."""
    from ..i18n import _
    from ..store import shared as sharing

    gitdir = git.git_dir(top)
    sharing.make_dirs(os.path.join(gitdir, "wuyectl"))
    sharing.adjust(top)
    failed = sharing.share_tree(top, gitdir)
    if failed:
        raise RepoError(_("cannot share {path} with the group: it belongs to another account ({count} such "
                          "files); its owner can run: chmod -R g+rwX {top}").format(
                              path=failed[0], count=len(failed), top=shlex.quote(top)))


def share_group(path: str) -> str:
    """The name of the group that owns `path` (whom a shared office is shared with)."""
    gid = os.stat(path).st_gid
    try:
        import grp

        return grp.getgrgid(gid).gr_name
    except (ImportError, KeyError):
        return str(gid)


def _plain(value):
    """Mappings and sequences as plain dicts and lists (what the YAML writer takes)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


HOOK_MARK = "# wuyectl-hook: pre-commit"
_OLD_HOOK_MARK = "# Installed by `wuyectl init`:"   # the hooks of earlier versions (their python's path)

HOOK = """#!/bin/sh
{mark}
# Installed by `wuyectl init`: keeps invalid records out of history (hand commits too).
# It runs wuyectl as your shell finds it: the `wuyectl` command, else `python3 -m wuyectl`.
# wuyectl replaces this file only while the mark line above is in it; edit it, delete the mark.
office="$(git rev-parse --show-toplevel)"/{prefix} || exit 1
if command -v wuyectl >/dev/null 2>&1; then
    exec wuyectl --repo "$office" validate --staged
fi
for python in python3 python; do
    if command -v "$python" >/dev/null 2>&1 && "$python" -c "import wuyectl" >/dev/null 2>&1; then
        exec "$python" -m wuyectl --repo "$office" validate --staged
    fi
done
printf '%s\\n' {message} >&2
exit 1
"""


def hook_text(prefix: str) -> str:
    """The pre-commit hook for an office at `prefix` (git path of its folder, "" at the top)."""
    from ..i18n import _

    message = _("wuyectl pre-commit hook: cannot find wuyectl (no `wuyectl` command on PATH, no python3 that "
                "can import it), so the records of this commit cannot be checked: the commit is refused. Put "
                "wuyectl on PATH (activate its venv, or install it), or skip the check once with "
                "`git commit --no-verify`.")
    return HOOK.format(mark=HOOK_MARK, prefix=shlex.quote(prefix) if prefix else "", message=shlex.quote(message))


def is_our_hook(text: str) -> bool:
    lines = text.splitlines()[:5]
    return any(line.strip() == HOOK_MARK or line.startswith(_OLD_HOOK_MARK) for line in lines)


def hook_path(office: Office) -> str:
    """Where git looks for the office's pre-commit hook (core.hooksPath, else .git/hooks)."""
    hooks = git.out(office.top, ["rev-parse", "--git-path", "hooks"]).strip()
    return os.path.join(office.top, hooks, "pre-commit")


def foreign_hook(office: Office) -> str | None:
    """The path of a pre-commit hook that is not wuyectl's (no mark line), None if there is
    none or it is ours."""
    path = hook_path(office)
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            current = fh.read(4096)
    except FileNotFoundError:
        return None
    except OSError:
        return path   # a folder, unreadable: not ours to replace
    return None if is_our_hook(current) else path


def install_hooks(office: Office) -> bool:
    """Write the pre-commit hook (replacing one of ours, the mark line says which); a hook that
    is not ours is kept as it is (False)."""
    if foreign_hook(office) is not None:
        return False
    atomic_write(hook_path(office), hook_text(office.prefix).encode("utf-8"), executable=True)
    return True


def add_staff(office: Office, actor: str | None, name: str, role: str, department: str | None = None,
              email: str | None = None) -> str:
    person = acting(office, actor)
    if person["role"] not in MANAGERS:
        raise NotPermitted(_("{name} ({role}) may not add staff: needs {roles}").format(
            name=person["name"], role=codes.shown("role", person["role"]),
            roles=codes.shown_or("role", ("supervisor", "director"))))
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
    return person.get("role") in reveal_roles(office.config) and person.get("active", True) is not False


def check_reveal(office: Office, actor: str | None, message: str | None = None) -> None:
    """NotPermitted unless `actor` may see personal numbers; `message` ({name}, {role},
    {roles}; translated) says what it was for, when not `--reveal` (a search, a rewrap)."""
    from .roster import present, vouched

    person = vouched(office, present(office, actor))
    if not may_reveal(office, person):
        roles = reveal_roles(office.config)
        raise NotPermitted((message or _("{name} ({role}) may not --reveal personal numbers: needs {roles}")).format(
            name=person["name"], role=codes.shown("role", person["role"]),
            roles=codes.shown_or("role", roles)))


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
            roles=codes.shown_or("role", ("supervisor", "director"))))
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


def leave_staff(office: Office, actor: str | None, name: str) -> str:
    """Take `name` off the roster (`active: false` on their entry, kept for the history's
    names), as one commit (`staff-leave`); returns the commit. A supervisor or director does it,
    for someone else (their own leaving is another manager's step); a supervisor may not remove
    a director. From then on the person may not act or reveal; the office key is to be re-wrapped
    without them (`app.privacy.follow_roster`, which rotates it)."""
    from .roster import trusted_staff

    person = acting(office, actor)
    if person["role"] not in MANAGERS:
        raise NotPermitted(_("{name} ({role}) may not remove staff: needs {roles}").format(
            name=person["name"], role=codes.shown("role", person["role"]),
            roles=codes.shown_or("role", ("supervisor", "director"))))
    name = str(name).strip()
    vouched_for = trusted_staff(office)
    roster = office.config.get("staff", []) if vouched_for is None else vouched_for
    target = next((p for p in roster if p.get("name") == name), None)
    if target is None:
        office.person(name)   # "not on the roster", with a did-you-mean
        raise NotPermitted(_("'{name}' is not on the staff roster of {config}").format(name=name, config=CONFIG))
    if target.get("active") is False:
        raise BadValue(_("{name} has already left the office: nothing to change").format(name=name))
    if name == person["name"]:
        raise NotPermitted(_("{name} may not remove themself: another supervisor or director runs "
                             "`wuyectl staff leave {name}`").format(name=name))
    # the role the history gives them (a hand edit of wuye.yaml changes nothing here)
    if target.get("role") == "director" and person["role"] != "director":
        raise NotPermitted(_("{actor} ({role}) may not remove {name} ({target}): needs {needs}").format(
            actor=person["name"], role=codes.shown("role", person["role"]), name=name,
            target=codes.shown("role", "director"), needs=codes.shown("role", "director")))
    with Transaction(office, person) as tx:
        loaded = tx.load_path(CONFIG)
        entry = next((p for p in loaded.rt["staff"] if p.get("name") == name), None)
        if entry is None:   # removed by a hand edit since it was read
            raise NotPermitted(_("'{name}' is not on the staff roster of {config}").format(name=name, config=CONFIG))
        entry["active"] = False
        tx.stage(loaded)
        commit = tx.commit(f"staff leave {name}", action="staff-leave", records=[])
    office.reload()
    return commit
