"""Validators: each takes a record (path, plain data) and a context, and returns Problems.

Run in a list (beancount's way), so one bad record reports everything wrong with it:
1. `check_schema`     — the kind's JSON Schema;
2. `check_identity`   — the ID matches the file name and folder;
3. `check_references` — the household exists, people are on the roster, a visit's ticket exists;
4. `check_workflow`   — the state agrees with the timeline and the kind's rules.
Line and column come from the round-trip tree when the file is parsed for editing, or from a
re-parse of just that file when the fault was found on cached data.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

from ..domain.kinds import CALLBACK_CATEGORIES, REPAIRS, Kind, kind_of_path
from ..errors import Problem
from . import schema, yamlio
from .office import Loaded, Office


@dataclass
class Context:
    office: Office
    staged: dict = field(default_factory=dict)
    _roster: set | None = None

    def exists(self, relpath: str) -> bool:
        return relpath in self.staged or os.path.isfile(self.office.abspath(relpath))

    @property
    def roster(self) -> set:
        if self._roster is None:
            self._roster = {p["name"] for p in self.office.config.get("staff", [])}
        return self._roster


Finding = tuple[tuple, str]   # (path inside the record, message)


def check_schema(kind: Kind, rel: str, data: dict, ctx: Context) -> list[Finding]:
    return schema.problems(data, kind.schema)


def check_identity(kind: Kind, rel: str, data: dict, ctx: Context) -> list[Finding]:
    rid = data.get("id")
    if not isinstance(rid, str) or not kind.id_re.fullmatch(rid):
        return []  # the schema reports it
    expected = kind.path_of(rid)
    if expected != rel:
        return [(("id",), f"id {rid} belongs in {expected}, not {rel}")]
    return []


def check_references(kind: Kind, rel: str, data: dict, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    unit = data.get("unit")
    if isinstance(unit, str) and kind.name in ("ticket", "visit", "violation"):
        from ..domain.kinds import OWNER

        if OWNER.id_re.fullmatch(unit) and not ctx.exists(OWNER.path_of(unit)):
            out.append((("unit",), f"unit {unit} has no household record (owners/{unit.split('-')[0]}/{unit}.yaml)"))
    for key in ("assignee", "visitor", "found_by", "drawn_by"):
        name = data.get(key)
        if isinstance(name, str) and name not in ctx.roster:
            out.append(((key,), f"{key} '{name}' is not on the staff roster"))
    for i, event in enumerate(data.get("timeline") or []):
        if isinstance(event, dict):
            for key in ("by", "to"):
                name = event.get(key)
                if isinstance(name, str) and name not in ctx.roster:
                    out.append((("timeline", i, key), f"timeline {key} '{name}' is not on the staff roster"))
    for i, name in enumerate(data.get("participants") or []):
        if isinstance(name, str) and name not in ctx.roster:
            out.append((("participants", i), f"participant '{name}' is not on the staff roster"))
    for i, measure in enumerate(data.get("measures") or []):
        if isinstance(measure, dict) and isinstance(measure.get("by"), str) and measure["by"] not in ctx.roster:
            out.append((("measures", i, "by"), f"measure by '{measure['by']}' who is not on the staff roster"))
    ticket = data.get("ticket")
    if kind.name == "visit" and isinstance(ticket, str):
        from ..domain.kinds import TICKET

        if TICKET.id_re.fullmatch(ticket) and not ctx.exists(TICKET.path_of(ticket)):
            out.append((("ticket",), f"ticket {ticket} does not exist"))
    return out


def check_violation(data: dict, ctx: Context) -> list[Finding]:
    from ..domain.violations import LADDERS

    out: list[Finding] = []
    ladder = LADDERS.get(data.get("ladder"), ())
    roles = {p["name"]: p.get("role") for p in ctx.office.config.get("staff", [])}
    measures = [m for m in data.get("measures") or [] if isinstance(m, dict)]
    for i, measure in enumerate(measures):
        expected = ladder[i] if i < len(ladder) else None
        if measure.get("step") != expected:
            out.append((("measures", i, "step"), f"step {measure.get('step')!r} out of order on the "
                        f"{data.get('ladder')} ladder (expected {expected})"))
            break
        if expected != "persuade" and roles.get(measure.get("by")) not in ("supervisor", "director"):
            out.append((("measures", i, "by"), f"{measure.get('by')} ({roles.get(measure.get('by'))}) may not impose "
                        f"{expected}: needs a supervisor or director"))
        if expected != "persuade" and data.get("severity") == "major" and not data.get("approval"):
            out.append((("measures", i, "step"), f"a major violation's {expected} needs the company's approval"))
    last = measures[-1].get("step") if measures else None
    if data.get("step") != last:
        out.append((("step",), f"step is {data.get('step')!r} but the last measure is {last!r}"))
    if data.get("status") in ("rectified", "settled", "closed") and not data.get("closed_at"):
        out.append((("status",), f"a {data.get('status')} violation needs closed_at"))
    return out


def check_archive(data: dict, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    status = data.get("status")
    open_loans = [loan for loan in data.get("loans") or [] if isinstance(loan, dict) and not loan.get("returned_at")]
    if status == "lent" and len(open_loans) != 1:
        out.append((("status",), "a lent item has exactly one loan not returned"))
    if status != "lent" and open_loans:
        out.append((("loans",), f"a loan is not returned but the item is {status}"))
    if data.get("category") in ("owner_records", "tenant_records", "staff_records") and data.get("confidential") is False:
        out.append((("confidential",), "owner, tenant and staff records are always confidential"))
    if status == "destroyed":
        destruction = data.get("destruction") or {}
        for key in ("requested_by", "reviewed_by", "approved_by", "destroyed_at"):
            if not destruction.get(key):
                out.append((("destruction",), f"a destroyed item needs destruction.{key}"))
        if len(set(destruction.get("witnesses") or [])) < 2:
            out.append((("destruction",), "a destruction needs at least two witnesses"))
    return out


def check_workflow(kind: Kind, rel: str, data: dict, ctx: Context) -> list[Finding]:
    if kind.name == "violation":
        return check_violation(data, ctx)
    if kind.name == "archive":
        return check_archive(data, ctx)
    if kind.name != "ticket":
        return []
    out: list[Finding] = []
    timeline = [e for e in data.get("timeline") or [] if isinstance(e, dict)]
    status = data.get("status")
    if timeline and timeline[0].get("action") != "receive":
        out.append((("timeline", 0, "action"), "the timeline must start with 'receive'"))
    if status in ("assigned", "in_progress") and not data.get("assignee"):
        out.append((("status",), f"status {status} needs an assignee"))
    if data.get("source_id"):
        return out   # imported history: the source system had its own rules (no signatures, callbacks)
    if status in ("resolved", "closed") and data.get("category") in REPAIRS and not data.get("signed_by"):
        if any(e.get("action") == "resolve" for e in timeline):
            out.append((("status",), f"a {status} repair needs the owner's signature (signed_by)"))
    if status == "closed" and data.get("category") in CALLBACK_CATEGORIES:
        if not any(e.get("action") == "callback" for e in timeline):
            out.append((("status",), "a closed " + str(data.get("category")) + " needs a callback in its timeline"))
    if data.get("category") == "complaint" and isinstance(data.get("escalation_level"), int):
        if data["escalation_level"] < 1:
            out.append((("escalation_level",), "a complaint is reported to the supervisor: escalation_level is at least 1"))
    return out


VALIDATORS: list[Callable] = [check_schema, check_identity, check_references, check_workflow]


def findings(kind: Kind, rel: str, data: dict, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for validator in VALIDATORS:
        out.extend(validator(kind, rel, data, ctx))
    return out


def located(rel: str, rt, found: list[Finding]) -> list[Problem]:
    return [Problem(rel, *yamlio.location(rt, path), message) for path, message in found]


def validate_staged(office: Office, rel: str, loaded: Loaded, staged: dict, *, as_written: bool = False) -> list[Problem]:
    """Problems of a record the tool is about to write (or wuye.yaml). `as_written`: the text
    is a person's (`edit`), so its lines mean something; otherwise name the field only."""
    if rel == "wuye.yaml":
        found = schema.problems(loaded.data, "config")
    else:
        kind = kind_of_path(rel)
        if kind is None:
            return []
        found = findings(kind, rel, loaded.data, Context(office, staged))
    if as_written:
        return located(rel, loaded.rt, found)
    return [Problem(rel, 0, 0, message) for _, message in found]


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
        return [Problem(rel, 0, 0, m) for _, m in found]
    return located(rel, rt, [(tuple(p), m) for p, m in found])


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
                problems.extend(Problem(entry.relpath, line, col, msg) for line, col, msg in entry.problems)
                continue
            found = [(tuple(p), m) for p, m in entry.findings]
            for validator in VALIDATORS[1:]:
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
            found = schema.problems(loaded.data, "config")
        else:
            found = findings(kind, rel, loaded.data, ctx)
        problems.extend(located(rel, loaded.rt, found))
    return count, sorted(problems)
