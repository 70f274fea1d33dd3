"""Record kinds: one module each, and the registry that collects them.

1. A kind module (`ticket`, `visit`, `violation`, `archive`, `owner`, `survey`) declares one
   `Kind`: its ID form and file layout, its workflow (states, actions, who may take each,
   required fields, effects), what "overdue" means, its person fields and references,
   retention, the fields that are personal data, the columns and labels of its listing and of
   `show`, and its consistency checks (each with a stable code).
2. `register(kind)` adds it to `KINDS` and its labels to `codes`. The modules here register
   themselves when this package is imported, in the order their ID forms are listed in
   messages.
3. The store, listing, the renderer, validate, audit and the reports loop over `KINDS` and
   ask each kind; nothing outside a kind's module switches on a kind's name.

A new kind is its module plus a schema (inline, or a file in `schemas/`):
see docs/adding-a-kind.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Mapping

from ... import i18n
from ...errors import BadValue, did_you_mean
from ...i18n import N_, _
from .. import codes
from ..workflow import Workflow

NO_WORKFLOW = Workflow(kind="record", states=(), initial="", terminal=(), actions={})

# (record, language, reveal) → a value: text, a number, a date or an aware datetime (the
# renderer shows a time in the office's zone, or writes it as a time in xlsx), or None.
Cell = Callable[[dict, str, bool], Any]


@dataclass(frozen=True)
class Check:
    """A consistency rule of a kind: `run(record, ctx)` yields (path, message) pairs, each
    reported with `code` (stable, listed in the error reference)."""

    code: str
    about: str
    run: Callable[[dict, Any], list]
    audit: str = "A-invalid"     # the audit finding it makes when a commit breaks it


@dataclass(frozen=True)
class Setting:
    """A policy setting a kind brings (wuye.yaml `policy.<kind>.<key>`, `wuyectl policy set
    <kind>.<key> VALUE`): its default (the manuals'), the JSON Schema of a value, and what it
    means (English, shown by `policy show` and in the config schema)."""

    default: Any
    schema: Mapping
    about: str


@dataclass(frozen=True)
class Figure:
    """A count or rate of a report, defined once: shown in the report's --help and computed
    by the code that fills it (numerator ÷ denominator × 100% when there is a denominator)."""

    key: str
    zh: str
    en: str
    numerator: str
    denominator: str | None = None
    excludes: str | None = None
    measures: tuple[str, ...] = ()   # a ticket figure: the timeline events it is measured by

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass
class DeskPart:
    """What a kind adds to its desk's monthly report (`report frontdesk`, `report decoration`):
    its figures, each (figure, numerator, denominator or None), and tables of detail, each
    (name, (zh title, en title), column keys, rows)."""

    figures: list = field(default_factory=list)
    tables: list = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    """One box of a printed form: a field of the record (labelled as `show` labels it, its value
    as `show` reads it: codes' labels, times in the office's zone, personal numbers masked), a
    dotted path (`destruction.approved_by`), a value of the timeline (`event`: ("arrive", "at")
    is when the last `arrive` happened), or `value(record, lang)` of the record as shown."""

    key: str
    label: tuple[str, str] | None = None     # (zh, en); None: the field's label
    value: Callable[[dict, str], Any] | None = None
    wide: bool = False                       # a whole row (a description), not half of one
    event: tuple[str, str] | None = None     # (action, key): that of the last timeline event of the action


@dataclass(frozen=True)
class Form:
    """A paper form or letter a kind prints (`wuyectl print ID --form NAME`; wuyectl/cli/forms):
    declarative data that the one renderer lays out on A4, as PDF or HTML.

    - `lines`: the labelled boxes, two a row (a `wide` one takes the row); an empty value is a
      blank box, to be filled by hand;
    - `table`: a field holding a list of mappings (loans, measures, inspections) printed as a
      table of `columns`, padded to `rows` lines for entries written by hand;
    - `letter`: (zh, en) body of a letter, paragraphs split on blank lines, with `{key}` filled
      from the values of `lines` and `values` (and `{office}`, `{id}`, `{today}`, `{household}`:
      the unit's first owner); `to`: its salutation, `sign_off`: who signs, filled the same way;
    - `signatures`: the signature boxes (签字 and 日期 each), (zh, en) labels;
    - `applies(record)`: the records it is for (None: every one); `default_if(record)`: the
      form `print` takes without --form (None: the first form that applies)."""

    title: tuple[str, str]
    lines: tuple = ()                        # Line or a field name
    table: str | None = None
    columns: tuple = ()                      # Line or a field name, of each item of `table`
    rows: int = 0
    letter: tuple[str, str] | None = None
    to: tuple[str, str] | None = None
    sign_off: tuple[str, str] | None = None  # under a letter (None: the office); filled as `letter`
    values: tuple = ()                       # lines that only fill the letter, printed in no box
    signatures: tuple[tuple[str, str], ...] = ()
    applies: Callable[[dict], bool] | None = None
    default_if: Callable[[dict], bool] | None = None
    note: tuple[str, str] | None = None      # fixed text printed under the boxes (the rules)


@dataclass(frozen=True)
class Kind:
    name: str                      # ticket
    plural: str                    # tickets
    folder: str                    # tickets
    id_re: re.Pattern
    path_of: Callable[[str], str]  # ID → path inside the office repo
    id_form: str                   # how the ID looks, in messages: "T-20261122-A001" (N_() words)
    schema: str = ""               # schemas/<schema>.schema.json (default: the name)
    schema_doc: Mapping | None = None   # or the schema itself, inline
    stem: Callable[[datetime, str], str] | None = None   # (day, station) → "T-20261122-A"; None: IDs given
    workflow: Workflow = NO_WORKFLOW
    aliases: tuple[str, ...] = ()
    # -- listing and show --------------------------------------------------------------
    columns: tuple[str, ...] = ("id",)            # `get`'s table
    export_columns: tuple[str, ...] | None = None  # `get -o csv|xlsx` (None: the table's): one fact a column
    cells: Mapping[str, Cell] = field(default_factory=dict)          # computed values, whole (every format)
    table_cells: Mapping[str, Cell] = field(default_factory=dict)    # the terminal's: values joined to read
    clip_widths: Mapping[str, int] = field(default_factory=lambda: {"description": 30})  # table-only clipping
    narrow: tuple[str, ...] = ()                  # columns that give way on a narrow terminal, first first:
                                                  # a clipped column shrinks, any other is dropped
    open_by_default: bool = False                 # `get` lists the records not in a terminal state (--all: every one)
    order_by: str = "id"                          # `get`'s order: a time field (by instant) or the ID
    newest_first: bool = False
    show_fields: tuple[str, ...] | None = None    # None: `show` prints the record as YAML
    show_cells: Mapping[str, Cell] = field(default_factory=dict)     # `show` overrides of `cells`
    show_sections: tuple[str, ...] = ()           # after the fields: timeline, sla, or a field holding a
                                                  # list of records (a table) or a mapping (labelled pairs)
    show_referrers: bool = False                  # `show` lists the records that refer to it
    code_fields: Mapping[str, str] = field(default_factory=dict)     # field → codes group
    codes: Mapping[str, Mapping[str, tuple[str, str]]] = field(default_factory=dict)  # groups it brings
    labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)   # headings it brings
    # -- time ----------------------------------------------------------------------------
    opened_field: str | None = None                # the first business time (received_at …)
    computed: Callable[[dict, datetime, Any], dict] | None = None   # (record, now, policy) → with clocks
    overdue: Callable[[dict, datetime], bool] | None = None         # of the computed record
    # The times the open record's running limits fall due (`get --due-within`), of the computed
    # record and "now": a ticket's running clocks, a violation's rectify deadline, a loan's due.
    due: Callable[[dict, datetime], list[datetime]] | None = None
    retention: Callable[[dict, date], str | None] | None = None     # why a change now is past it
    # -- references and people -----------------------------------------------------------
    people: Mapping[str, str] = field(default_factory=dict)   # path of staff names → how messages name it
    refs: Mapping[str, str] = field(default_factory=dict)   # field → the kind its value names
    personal: Mapping[str, str] = field(default_factory=dict)   # path → "phone" | "id_card"
    # Whose data key seals the personal values (store/keys.py): the household the record
    # belongs to, so that erasing a household erases them too; None: the record's own ID.
    key_subject: Callable[[dict], str | None] | None = None
    missing_message: str = N_("{kind} {id} does not exist")     # N_(): translated where shown
    # -- rules ---------------------------------------------------------------------------
    checks: tuple[Check, ...] = ()
    # The fields a person may change by hand (`wuyectl edit`): free text and data the office
    # keeps up to date. Everything else — state, timeline, measures, signatures, fees, levels,
    # loans, destruction steps — changes only through the workflow's actions. `edit_hints`:
    # how to change a locked field no action `--set`s (the command that records it).
    editable: tuple[str, ...] = ()
    edit_hints: Mapping[str, str] = field(default_factory=dict)     # N_() texts
    # (values, person, at[, ctx]) → the new record, for `open KIND` and `log KIND`; ctx (an
    # `app.records.Opening`): the policy, `ctx.records(kind)`, `ctx.record(kind, id)`,
    # `ctx.exists(kind, id)`, its own `ctx.id`, and `ctx.open(kind, values)` for a record opened
    # with it in the same commit. Bad input: raise BadValue, Refused or NotFound.
    new_record: Callable[..., dict] | None = None
    # -- logbooks and desks ------------------------------------------------------------------
    # `wuyectl open KIND --FIELD VALUE …` (and `wuyectl log KIND …` for a `logbook`): the fields
    # a new record is written with, one option each (`--name`, `--visiting`), in the language's
    # labels; `entry_required` must be given; `entry_lists` are repeatable (a list).
    entry_fields: tuple[str, ...] = ()
    entry_required: tuple[str, ...] = ()
    entry_lists: tuple[str, ...] = ()
    entry_help: str = ""                             # the command's help (English; labels say the rest)
    logbook: bool = False                            # one of the front desk's books: `wuyectl log KIND`
    settings: Mapping[str, Setting] = field(default_factory=dict)   # its policy settings
    desk: str | None = None                          # the monthly desk report it belongs to
    figures: tuple[Figure, ...] = ()                 # what it counts there (for --help)
    # (records of a kind by name, period, as_of, policy, lang) → DeskPart
    desk_report: Callable[..., DeskPart] | None = None
    # The same for one day's handover sheet (`report handover`): its tables follow the tickets'.
    handover: Callable[..., DeskPart] | None = None
    # -- paper ------------------------------------------------------------------------------
    forms: Mapping[str, Form] = field(default_factory=dict)   # `wuyectl print`: name → Form, the first the default

    def __post_init__(self):
        if not self.schema:
            object.__setattr__(self, "schema", self.name)

    def setting(self, policy: Mapping | None, key: str):
        """The office's value of one of its settings, or the default. `policy`: wuye.yaml's
        `policy` mapping, or the office's Policy (`office.policy`, which keeps it as `raw`)."""
        policy = getattr(policy, "raw", policy)
        chosen = ((policy or {}).get(self.name) or {}) if isinstance(policy, Mapping) else {}
        value = chosen.get(key) if isinstance(chosen, Mapping) else None
        return self.settings[key].default if value is None else value

    def check_id(self, record_id: str) -> str:
        text = str(record_id).strip()
        if not self.id_re.fullmatch(text):
            raise BadValue(_("'{id}' is not a {kind} ID").format(id=record_id, kind=codes.kind_noun(self.name)))
        return text

    def missing(self, record_id: str) -> str:
        return _(self.missing_message).format(kind=codes.kind_noun(self.name), id=record_id,
                                              path=self.path_of(record_id))


def subject_of(kind: Kind, data: Mapping) -> str:
    """The subject whose data key seals `data`'s personal values."""
    return str((kind.key_subject(data) if kind.key_subject else None) or data.get("id"))


def locked_changes(kind: Kind, old: Mapping, new: Mapping) -> list[str]:
    """The top-level fields that differ between two versions of a record and that only the
    workflow may change (see `Kind.editable`). A record imported from another system
    (`source_id`) is frozen as imported: every field is locked."""
    frozen = bool(old.get("source_id")) or bool(new.get("source_id"))
    keys = list(dict.fromkeys([*old, *new]))
    return [key for key in keys if old.get(key) != new.get(key) and (frozen or key not in kind.editable)]


def how_to_change(kind: Kind, key: str, record_id: str, record: Mapping) -> str:
    """What to use instead of `edit` for a locked field (for the refusal's one line)."""
    workflow = kind.workflow
    if record.get("source_id"):
        return _("imported history is frozen as imported; later changes go through actions")
    setters = [a.name for a in workflow.actions.values() if key in a.settable]
    if setters:
        return _("it is recorded by an action: wuyectl update {id} --action {actions} --set {field}=…").format(
            id=record_id, actions="/".join(setters), field=key)
    if key in kind.edit_hints:
        return _(kind.edit_hints[key]).format(id=record_id)
    if workflow.actions and key in (workflow.state_field, "timeline"):
        allowed = workflow.allowed(record)
        return _("it changes only through actions (allowed now: {allowed}; wuyectl update {id} --action …)").format(
            allowed=codes.shown_list("action", allowed) if allowed else _("none"), id=record_id)
    return _("it is recorded by the tool and not edited by hand")


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind to the registry (a second registration of a name replaces the first)."""
    KINDS[kind.name] = kind
    # A kind adds codes and headings; it never relabels one another kind already brought
    # (a new kind's `close` does not rename the ticket's).
    for group, table in kind.codes.items():
        known = codes.CODES.setdefault(group, {})
        for code, pair in table.items():
            known.setdefault(code, pair)
    for key, pair in kind.labels.items():
        codes.FIELDS.setdefault(key, pair)
    from ..privacy import personal_keys

    personal_keys.cache_clear()
    return kind


def unregister(name: str) -> None:
    """Take a kind out of the registry again (tests that declare a kind of their own)."""
    KINDS.pop(name, None)
    from ..privacy import personal_keys

    personal_keys.cache_clear()


def kind_named(name: str) -> Kind:
    text = str(name).strip().lower()
    for kind in KINDS.values():
        if text in (kind.name, kind.plural, *kind.aliases):
            return kind
    names = list(KINDS) + [k.plural for k in KINDS.values()]
    raise BadValue(_("unknown record kind '{name}': use one of {kinds}{hint}").format(
        name=name, kinds=", ".join(KINDS), hint=did_you_mean(text, names)))


def kind_of_id(record_id: str) -> Kind:
    """The kind an ID belongs to, from its form (T-…, V-…, or a unit like 3-2-1201)."""
    text = str(record_id).strip()
    for kind in KINDS.values():
        if kind.id_re.fullmatch(text):
            return kind
    raise BadValue(_("'{id}' is not a record ID ({forms})").format(
        id=record_id, forms=or_list([_(k.id_form) for k in KINDS.values()])))


def kind_of_path(relpath: str) -> Kind | None:
    top = relpath.split("/", 1)[0]
    for kind in KINDS.values():
        if kind.folder == top:
            return kind
    return None


def or_list(items: list[str], word: str = "or") -> str:
    """'a, b or c' ('and': 'a, b and c'), the language's way."""
    if len(items) == 1:
        return items[0]
    if word == "and":
        return _("{items} and {last}").format(items=i18n.join(items[:-1]), last=items[-1])
    return i18n.join_or(items)


def dated(folder: str) -> Callable[[str], str]:
    """T-20261122-A001 → tickets/2026-11/T-20261122-A001.yaml: a month a folder, so none holds
    more than a few thousand files."""
    return lambda rid: f"{folder}/{rid[2:6]}-{rid[6:8]}/{rid}.yaml"


def daily_ids(prefix: str, folder: str, *, letter_optional: bool = False) -> dict:
    """The ID rule of a kind numbered per day — PREFIX-YYYYMMDD-A001, the letter the station's
    (`letter_optional`: IDs written before stations had letters are read too) — as Kind's
    `id_re`, `path_of` (a month a folder: `dated`) and `stem` (how a new one is made), stated
    together so that the three cannot disagree: `Kind(..., **daily_ids("T", "tickets"))`."""
    letter = "[A-Z]?" if letter_optional else "[A-Z]"
    return {"id_re": re.compile(rf"{prefix}-[0-9]{{8}}-{letter}[0-9]{{3,5}}"), "path_of": dated(folder),
            "stem": lambda day, station: f"{prefix}-{day:%Y%m%d}-{station}"}


def where(record: Mapping) -> str:
    """A household's unit, or a public place as the office writes it: building 栋, floor 层 and
    stairwell 单元 run together, then a space and the place — `2栋3层1单元 消防栓箱` (from
    building '2', floor '3层', place '1单元消防栓箱')."""
    return record.get("unit") or place_text(record.get("location"))


_STAIRWELL = re.compile(r"\s*([0-9A-Za-z]+单元)\s*(.*)", re.S)


def place_text(location: Mapping | None) -> str:
    loc = location or {}
    building, floor, place = (str(loc.get(k) or "").strip() for k in ("building", "floor", "place"))
    if re.fullmatch(r"[0-9A-Za-z]+", building):
        building += "栋"
    if floor and not floor.endswith(("层", "楼")):   # '3' → '3层', 'B1' → 'B1层'
        floor += "层"
    address, rest = building + floor, place
    stairwell = _STAIRWELL.fullmatch(place)
    if address and stairwell:   # a stairwell written at the start of the place belongs to the address
        address, rest = address + stairwell[1], stairwell[2].strip()
    return " ".join(p for p in (address, rest) if p)


def yes(value, lang: str) -> str:
    """'是' / 'yes' for a true value, '' otherwise."""
    return ("是" if lang == "zh" else "yes") if value else ""


def values_at(data, path: str):
    """(path tuple, value) for a dotted path with `*` for every item of a list:
    `timeline.*.by` → (("timeline", 0, "by"), "王芳"), …"""
    out = [((), data)]
    for part in path.split("."):
        step = []
        for where, value in out:
            if part == "*":
                if isinstance(value, list):
                    step += [((*where, i), v) for i, v in enumerate(value)]
            elif isinstance(value, dict) and part in value:
                step.append(((*where, part), value[part]))
        out = step
    return out


FIRST = ("ticket", "visit", "violation", "archive", "owner", "survey")   # the kinds SPEC names first


def _register_builtin() -> None:
    """Every module of this package that declares a KIND: the first six in SPEC's order, then
    the others by name (a new kind is its module; nothing here names it)."""
    import importlib
    import pkgutil

    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    for name in sorted(names, key=lambda n: (FIRST.index(n) if n in FIRST else len(FIRST), n)):
        module = importlib.import_module(f"{__name__}.{name}")
        if isinstance(getattr(module, "KIND", None), Kind):
            register(module.KIND)


_register_builtin()
