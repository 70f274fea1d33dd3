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
    return [Finding(path, message, "V-schema") for path, message in schema.problems(data, kind.schema)]


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
    found = [Finding(path, message, "V-config") for path, message in schema.problems(data, "config")]
    return found or policy_findings(data)


def policy_findings(data: dict) -> list[Finding]:
    """What the schema cannot say about the policy: the working calendar's office hours do not
    overlap and no day is both a holiday and a workday; the assessment's grade thresholds
    increase (a wuye.yaml that breaks either still opens; validate and the commands that use
    them refuse it)."""
    from ..domain.assessment import threshold_problems
    from ..domain.workdays import calendar_problems

    policy = data.get("policy") if isinstance(data, dict) else None
    return [Finding(path, message, "V-config")
            for path, message in calendar_problems(policy) + threshold_problems(policy)]


def validate_staged(office: Office, rel: str, loaded: Loaded, staged: dict, *, as_written: bool = False,
                    context: Context | None = None) -> list[Problem]:
    """Problems of a record the tool is about to write (or wuye.yaml). `as_written`: the text
    is a person's (`edit`), so its lines mean something; otherwise name the field only.
    `context`: one Context(office, staged) shared by every record of the write."""
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


class _Files:
    """What a check may ask of the office while judging (in a worker process too): where its
    files are, and its configuration."""

    def __init__(self, root: str, config: dict):
        self.root, self.config = root, config

    def abspath(self, relpath: str) -> str:
        return os.path.join(self.root, *relpath.split("/"))


class Recording:
    """A Context that notes what the checks read beyond the record itself: which files they
    looked for (and found or not), the roster, whether the office is encrypted, anything else
    of its configuration. That is what a verdict's key holds (see Judge). Its `office` is only
    the files and the configuration (a worker process has no more): a check that needs more
    of the office must add it here, and to the key."""

    many = True   # many records: the fast schema validator first

    def __init__(self, files: _Files):
        self._files = files
        self.staged: dict = {}
        self._roles = {p["name"]: p.get("role") for p in files.config.get("staff", [])}
        self._found: dict[str, bool] = {}   # (one look per file and command)
        self.start()

    def start(self) -> None:
        self.read: set[str] = set()
        self.looked: dict[str, bool] = {}

    def exists(self, relpath: str) -> bool:
        found = self._found.get(relpath)
        if found is None:
            found = self._found[relpath] = os.path.isfile(self._files.abspath(relpath))
        self.looked[relpath] = found
        return found

    @property
    def roles(self) -> dict:
        self.read.add("roles")
        return self._roles

    @property
    def encrypted(self) -> bool:
        self.read.add("encrypted")
        return bool(self._files.config.get("encrypted"))

    @property
    def office(self) -> _Files:
        self.read.add("config")
        return self._files


VERDICT_FORMAT = 1   # a new one when what a verdict holds, or how it is judged, changes


def _digest(value) -> str:
    import hashlib

    return hashlib.sha1(repr(value).encode("utf-8")).hexdigest()[:16]


def _code(function) -> tuple:
    code = getattr(function, "__code__", None)
    return (getattr(function, "__module__", ""), getattr(function, "__qualname__", repr(function)),
            code.co_code if code is not None else b"")


class Judge:
    """`validate`'s verdict on one record file of a kind: its problems, located, and what the
    checks read to find them. The index keeps a verdict by the file's blob and its key, a digest
    of: this version of the tool and of the verdicts, the language of the messages, the kind's
    schema and checks, and of what the checks read of the office: the roster, whether it is
    encrypted, its whole configuration (each only when read). The files they looked for are kept
    with it: a verdict stands while each is still there, or still not. Picklable: worker
    processes judge a cold office."""

    def __init__(self, kind: Kind, root: str, config: dict, language: str):
        from .. import __version__
        from .cache import CACHE_FORMAT

        self.kind, self.language = kind, language
        self.files = _Files(root, config)
        self.ctx = Recording(self.files)
        shape = (kind.name, kind.folder, kind.id_re.pattern, _code(kind.path_of), schema.schema_text(kind.schema),
                 sorted(kind.refs.items()), sorted(kind.people.items()), sorted(kind.personal.items()),
                 [(c.code, _code(c.run)) for c in kind.checks], [_code(v) for v in (*VALIDATORS, check_sealed)])
        self.base = _digest((VERDICT_FORMAT, CACHE_FORMAT, __version__, language, shape))
        self.values = {"roles": _digest(sorted(self.ctx._roles.items())),
                       "encrypted": str(bool(config.get("encrypted"))), "config": _digest(config)}

    @classmethod
    def of(cls, office: Office, kind: Kind) -> "Judge":
        from .. import i18n

        return cls(kind, office.root, office.config, i18n.language())

    def __reduce__(self):
        return (_judge_named, (self.kind.name, self.files.root, self.files.config, self.language))

    def key(self, read) -> str:
        return _digest((self.base, *((name, self.values[name]) for name in sorted(read))))

    def keys(self) -> list[str]:
        """The key of every verdict that stands now, whatever its checks read."""
        from itertools import combinations

        names = sorted(self.values)
        return [self.key(chosen) for size in range(len(names) + 1) for chosen in combinations(names, size)]

    def abspath(self, relpath: str) -> str:
        return self.files.abspath(relpath)

    def __call__(self, rel: str, data: dict | None, unreadable: list | None = None):
        """(key, [(line, col, message, code)], [(path looked for, its kind or '', found)]) of
        one file: its data, or None and the problems that make it unreadable."""
        if data is None:
            return self.key(()), [(line, col, message, "V-yaml") for line, col, message in unreadable or []], []
        ctx = self.ctx
        ctx.start()
        found = findings(self.kind, rel, data, ctx) + check_sealed(self.kind, rel, data, ctx)
        problems = [(p.line, p.col, p.message, p.code) for p in _relocate(self.files, rel, found)]
        looked = []
        for path, there in ctx.looked.items():
            target = kind_of_path(path)
            looked.append((path, target.name if target else "", int(there)))
        return self.key(ctx.read), problems, looked


def _judge_named(name: str, root: str, config: dict, language: str) -> Judge:
    return Judge(kind_named(name), root, config, language)


def validate_office(office: Office, paths: list[str] | None = None) -> tuple[int, list[Problem]]:
    """(records checked, problems) for the whole office, or the files/folders in `paths`
    (office-relative). Reads through the index: a file whose verdict stands (same blob, same
    key, the files its checks looked for as they were) is not judged again, nor even read."""
    from .cache import judged

    wanted = [p.rstrip("/") for p in paths] if paths else None
    if wanted is not None and any(w == "" for w in wanted):
        wanted = None
    count = 0
    config_problems: list[Problem] = []
    if wanted is None or "wuye.yaml" in wanted:
        count += 1  # Office.open() already refused a wuye.yaml its schema refuses
        found = policy_findings(office.config)
        if found:
            config_problems = _relocate(office, "wuye.yaml", found)
    judges = {kind.name: Judge.of(office, kind) for kind in office.kinds()
              if wanted is None or any(kind.folder == w.split("/")[0] for w in wanted)}
    checked, rows = judged(office, judges, wanted)
    return count + checked, sorted([Problem(*row) for row in rows] + config_problems)


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
