"""Validators: each takes a record (path, plain data) and a context, and returns findings.

Run in a list (beancount's way), so one bad record reports everything wrong with it:
1. `check_schema`     — the kind's JSON Schema (V-schema);
2. `check_identity`   — the ID matches the file name and folder (V-identity);
3. `check_references` — what the kind's `refs` name exists, the people of its `people` paths
   are on the roster (V-reference, V-roster);
4. `check_rules`      — the kind's own consistency `checks` (W-…);
and, for the files only (`validate`, the pre-commit hook), `check_sealed`: no personal value
in clear in an encrypted office (V-clear-personal).
Every finding carries its code (domain/findings.py). Line and column come from the
round-trip tree when the file is parsed for editing, or from a re-parse of just that file when
the fault was found on cached data.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

from ..domain.kinds import Kind, kind_named, kind_of_path, values_at
from ..errors import Problem
from ..i18n import _
from . import schema, yamlio
from .office import Loaded, Office


@dataclass
class Context:
    office: Office
    staged: dict = field(default_factory=dict)
    _roles: dict | None = None

    def exists(self, relpath: str) -> bool:
        return relpath in self.staged or os.path.isfile(self.office.abspath(relpath))

    @property
    def encrypted(self) -> bool:
        """Personal values are sealed in this office (wuye.yaml `encrypted: true`)."""
        return bool((self.office.config or {}).get("encrypted"))

    @property
    def roles(self) -> dict:
        """Staff name → role, from the roster."""
        if self._roles is None:
            self._roles = {p["name"]: p.get("role") for p in self.office.config.get("staff", [])}
        return self._roles


class Finding(NamedTuple):
    path: tuple      # inside the record
    message: str
    code: str


def check_schema(kind: Kind, rel: str, data: dict, ctx: Context) -> list[Finding]:
    many = getattr(ctx, "many", False)   # a replay of the whole history: the fast validator first
    return [Finding(path, message, "V-schema") for path, message in schema.problems(data, kind.schema, many=many)]


def check_identity(kind: Kind, rel: str, data: dict, ctx: Context) -> list[Finding]:
    rid = data.get("id")
    if not isinstance(rid, str) or not kind.id_re.fullmatch(rid):
        return []  # the schema reports it
    expected = kind.path_of(rid)
    if expected != rel:
        return [Finding(("id",), _("id {id} belongs in {expected}, not {path}").format(
            id=rid, expected=expected, path=rel), "V-identity")]
    return []


def check_references(kind: Kind, rel: str, data: dict, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for key, target_name in kind.refs.items():
        target = kind_named(target_name)
        value = data.get(key)
        # a value not of the target's form is the schema's to report
        if isinstance(value, str) and target.id_re.fullmatch(value) and not ctx.exists(target.path_of(value)):
            out.append(Finding((key,), target.missing(value), "V-reference"))
    for path, what in kind.people.items():
        for where, name in values_at(data, path):
            if isinstance(name, str) and name not in ctx.roles:
                out.append(Finding(where, _("{what} '{name}' is not on the staff roster").format(what=what, name=name),
                                   "V-roster"))
    return out


def check_rules(kind: Kind, rel: str, data: dict, ctx: Context) -> list[Finding]:
    return [Finding(tuple(path), message, check.code) for check in kind.checks for path, message in check.run(data, ctx)]


VALIDATORS: list[Callable] = [check_schema, check_identity, check_references, check_rules]


def check_sealed(kind: Kind, rel: str, data: dict, ctx: Context) -> list[Finding]:
    """In an encrypted office, every personal value in the files is sealed (V-clear-personal):
    one in clear was typed in by hand. Not among VALIDATORS: the tool validates a record in
    clear before it seals it; `validate` and the pre-commit hook check the files."""
    from ..domain.privacy import is_sealed, mask_as, personal_values

    if not kind.personal or not getattr(ctx, "encrypted", False):
        return []
    out = []
    for box, key, sort, path in personal_values(kind, data):
        if not is_sealed(box[key]):
            what = _("ID-card number") if sort == "id_card" else _("phone number")
            where = tuple(int(p) if p.isdigit() else p for p in path.split("."))
            out.append(Finding(where, _("{path}: {what} in clear ({masked}) in an encrypted office (a tool write "
                                        "seals it)").format(path=path, what=what, masked=mask_as(sort, box[key])),
                               "V-clear-personal"))
    return out


def findings(kind: Kind, rel: str, data: dict, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for validator in VALIDATORS:
        out.extend(validator(kind, rel, data, ctx))
    return out


def located(rel: str, rt, found: list[Finding]) -> list[Problem]:
    return [Problem(rel, *yamlio.location(rt, f.path), f.message, f.code) for f in found]


def config_findings(data: dict) -> list[Finding]:
    return [Finding(path, message, "V-config") for path, message in schema.problems(data, "config")]


def validate_staged(office: Office, rel: str, loaded: Loaded, staged: dict, *, as_written: bool = False,
                    context: Context | None = None) -> list[Problem]:
    """Problems of a record the tool is about to write (or wuye.yaml). `as_written`: the text
    is a person's (`edit`), so its lines mean something; otherwise name the field only.
    `context`: one Context(office, staged) shared by every record of the write (`many` set on
    it for a bulk write: the compiled schema validator first)."""
    if rel == "wuye.yaml":
        found = config_findings(loaded.data)
    else:
        kind = kind_of_path(rel)
        if kind is None:
            return []
        found = findings(kind, rel, loaded.data, context if context is not None else Context(office, staged))
    if as_written:
        return located(rel, loaded.rt, found)
    return [Problem(rel, 0, 0, f.message, f.code) for f in found]


def _relocate(office: Office, rel: str, found: list[Finding], text: str | None = None) -> list[Problem]:
    """Problems with line numbers: re-parse just this file (round-trip) to find the lines."""
    if not found:
        return []
    try:
        if text is None:
            with open(office.abspath(rel), "rb") as fh:
                text = yamlio.decode(fh.read())
        rt = yamlio.load_roundtrip(text)
    except (OSError, yamlio.YamlProblem):
        return [Problem(rel, 0, 0, f.message, f.code) for f in found]
    return located(rel, rt, found)


def validate_office(office: Office, paths: list[str] | None = None) -> tuple[int, list[Problem]]:
    """(records checked, problems) for the whole office, or the files/folders in `paths`
    (office-relative). Reads through the cache: unchanged files are not parsed again."""
    problems: list[Problem] = []
    count = 0
    wanted = [p.rstrip("/") for p in paths] if paths else None

    def selected(rel: str) -> bool:
        return wanted is None or any(w == "" or rel == w or rel.startswith(w + "/") for w in wanted)

    if selected("wuye.yaml"):
        count += 1  # Office.open() already refused an invalid wuye.yaml
    ctx = Context(office)
    for kind in office.kinds():
        if wanted is not None and not any(w == "" or kind.folder == w.split("/")[0] for w in wanted):
            continue
        for entry in office.index(kind).entries(findings=True):
            if not selected(entry.relpath):
                continue
            count += 1
            if entry.data is None:
                problems.extend(Problem(entry.relpath, line, col, msg, "V-yaml") for line, col, msg in entry.problems)
                continue
            found = [Finding(tuple(p), m, "V-schema") for p, m in entry.findings]
            for validator in [*VALIDATORS[1:], check_sealed]:
                found.extend(validator(kind, entry.relpath, entry.data, ctx))
            problems.extend(_relocate(office, entry.relpath, found))
    return count, sorted(problems)


def validate_staged_files(office: Office) -> tuple[int, list[Problem]]:
    """The versions of records staged for the next commit (the pre-commit hook)."""
    from . import git
    from .office import parse
    from ..errors import Invalid

    names = git.out(office.top, ["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR"]).split("\0")
    ctx = Context(office)
    problems: list[Problem] = []
    count = 0
    for name in names:
        if not name.startswith(office.prefix) or not name.endswith(".yaml"):
            continue
        rel = name[len(office.prefix):]
        kind = kind_of_path(rel)
        if kind is None and rel != "wuye.yaml":
            continue
        count += 1
        raw = git.run(office.top, ["show", f":{name}"]).stdout
        try:
            text = yamlio.decode(raw)
            loaded = parse(rel, raw, text)
        except yamlio.YamlProblem as exc:
            problems.append(exc.problem(rel))
            continue
        except Invalid as exc:
            problems.extend(exc.problems)
            continue
        if kind is None:
            found = config_findings(loaded.data)
        else:
            found = findings(kind, rel, loaded.data, ctx) + check_sealed(kind, rel, loaded.data, ctx)
        problems.extend(located(rel, loaded.rt, found))
    return count, sorted(problems)
