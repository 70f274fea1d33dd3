"""Households and owners (业户档案): opening one with its owners, members and tenants, adding
people to one on file, and importing an office's spreadsheets.

- `import_owners` — a roster, one row per household: the office's 业主信息统计表 (a title row
  and a `编号/管理处` row above the headings 序号, 房屋地址, 业主姓名, 联系电话, 层数,
  占地面积(m2), 建筑面积(m2), 备注), an 产权清单, or any sheet named with `--map`. Co-owners
  written in one cell (`张三、李四`) are several owners; member and tenant columns add one each.
- `import_people` — one row per person added to households on file: the 租住人员信息登记表
  (房号, 租住人姓名, 身份证, 联系方式, 入住日期, 租住期限) for tenants, a list of members.

Import rules: the header row is found below any title rows; units are read as `3-2-1201` or
`3栋2单元1201`; one commit for the whole file, or nothing. Every problem of every row is
reported (`spreadsheet.Refusals`) at the position the file shows (a CSV line, an xlsx row);
with `skip_bad` the good rows are written and the bad ones listed. Blank rows are passed over.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .office import acting
from .tickets import phone_number
from .spreadsheet import (DEFAULT_DATE_ORDER, Refusals, RowProblem, map_pairs, match_heading, position, read_day,
                          read_table)
from ..domain import codes
from ..domain.kinds import kind_named
from ..domain.privacy import id_card_number, mask
from ..errors import BadValue
from ..i18n import _
from ..store import schema, yamlio
from ..store.office import Office
from ..store.transaction import Transaction, escape_controls
from .. import timeutil

OWNER = kind_named("owner")
GROUPS = {"owner": "owners", "member": "members", "tenant": "tenants"}   # field prefix → list in the record

# A person's fields (the same for owners, members and tenants: schemas/owner.schema.json) and
# the headings offices give them.
PERSON = {
    "name": ("姓名", "name"),
    "gender": ("性别", "gender"),
    "birth_date": ("出生日期", "出生年月", "birth_date"),
    "native_place": ("籍贯", "native_place"),
    "id_card": ("身份证号", "身份证号码", "身份证", "身份证地址及号码", "证件号码", "id_card"),
    "hukou": ("户口所在地", "户口", "户籍", "户口性质", "hukou"),
    "employer": ("工作单位", "employer"),
    "phone": ("联系电话", "电话", "手机", "手机号码", "联系方式", "phone"),
    "relation": ("与业主关系", "与户主关系", "关系", "relation"),
    "move_in_date": ("入住日期", "move_in_date"),
    "lease_end": ("租住期限", "租期", "租赁期限", "租期至", "租约到期", "lease_end"),
}
# The headings that name one group's person (checked before the plain ones above).
GROUP_HEADINGS = {
    "owner": {"name": ("业主姓名", "业主", "产权人", "owner")},
    "member": {"name": ("家庭成员", "成员姓名", "其他成员", "家属姓名", "member"),
               "relation": ("与业主关系", "与户主关系"), "phone": ("成员电话", "家属电话"), "id_card": ("成员身份证号",)},
    "tenant": {"name": ("租住人姓名", "租户姓名", "租户", "承租人", "租住人", "tenant"),
               "phone": ("租户电话", "租住人电话", "租户联系电话"), "id_card": ("租户身份证号", "租住人身份证号"),
               "move_in_date": ("租户入住日期",), "lease_end": ("租住期限", "租期", "租赁期限", "租期至", "租约到期")},
}
UNIT_HEADINGS = ("房号", "房屋编号", "单元房号", "户号", "房间号", "房屋地址", "地址", "房屋坐落", "unit")

# The roster (`import owners`): heading → field, in the order they are tried.
HOUSEHOLD = {
    "unit": UNIT_HEADINGS,
    "property_type": ("房屋类型", "物业类型", "property_type"),
    "building_area": ("建筑面积", "building_area"),
    "usable_area": ("使用面积", "套内面积", "usable_area"),
    "handover_date": ("入伙日期", "交房日期", "handover_date"),
    "move_in_date": ("入住日期", "move_in_date"),
    "parking_space": ("车位", "车位号", "parking_space"),
    "occupancy": ("居住状态", "入住情况", "使用情况", "occupancy"),
    "note": ("备注", "note"),
}
HEADINGS: dict[str, tuple[str, ...]] = dict(HOUSEHOLD)
for _group in GROUPS:
    for _field, _names in GROUP_HEADINGS[_group].items():
        HEADINGS[f"{_group}.{_field}"] = _names
for _field, _names in PERSON.items():   # plain headings: the owner's (入住日期, 租住期限 are the household's, a tenant's)
    if _field not in ("move_in_date", "lease_end", "relation"):
        HEADINGS.setdefault(f"owner.{_field}", ())
        HEADINGS[f"owner.{_field}"] = tuple(dict.fromkeys(HEADINGS[f"owner.{_field}"] + _names))
for _group in GROUPS:
    for _field in PERSON:
        HEADINGS.setdefault(f"{_group}.{_field}", ())

DATE_FIELDS = {"birth_date", "move_in_date", "lease_end", "handover_date"}
NUMBER_FIELDS = {"building_area", "usable_area"}
CODE_FIELDS = {"gender": "gender", "property_type": "property_type", "occupancy": "occupancy"}
NAMES_SPLIT = re.compile(r"\s*[、，,；;/／]\s*")     # co-owners in one cell: 张三、李四
PARTS_SPLIT = re.compile(r"\s*[、，,；;]\s*")        # their phones, ID numbers … likewise (not '/': dates)
ID_NUMBER = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
RANGE_END = re.compile(r"\s*(?:至|到|~|～|—|–|--?)\s*(?=[0-9]{4})")
UNIT_FORMS = "3-2-1201 / 3栋2单元1201"
_UNIT = re.compile(r"(?:[^0-9A-Za-z]*?)([0-9A-Za-z]{1,4})\s*(?:栋|幢|座|号楼|#)\s*([0-9A-Za-z]{1,4})\s*单元\s*"
                   r"([0-9]{1,5}[A-Za-z]?)\s*(?:室|号|房)?")


def read_unit(value) -> str:
    """A unit as offices write it: `3-2-1201`, or `3栋2单元1201` (also 幢, 座, 号楼; a 室 after,
    a community name before) as `3-2-1201`. ValueError when it is neither."""
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if OWNER.id_re.fullmatch(text):
        return text
    match = _UNIT.fullmatch(text)
    if match and not re.search(r"[0-9]", text[:match.start(1)]):
        unit = f"{match[1]}-{match[2]}-{match[3]}"
        if OWNER.id_re.fullmatch(unit):
            return unit
    raise ValueError(_("unit '{text}' is not {forms}").format(text=text, forms=UNIT_FORMS))


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def person_value(key: str, value, heading: str, order: str = DEFAULT_DATE_ORDER):
    """A person's or a household's field as the schema stores it; ValueError (a RowProblem's
    reason and message) when it cannot be."""
    if key in DATE_FIELDS:
        text = _text(value) if not hasattr(value, "year") else value
        try:
            return read_day(text, order)
        except ValueError:
            pass
        if key == "lease_end" and isinstance(text, str):   # a lease written as a period: its end
            parts = RANGE_END.split(text)
            if len(parts) > 1:
                try:
                    return read_day(parts[-1], order)
                except ValueError:
                    pass
        raise _Bad(_("not a date"), _("{heading}: '{value}' is not a date").format(heading=heading, value=_text(value)))
    if key in NUMBER_FIELDS:
        try:
            number = float(_text(value).replace(",", ""))
        except ValueError:
            raise _Bad(_("not a number"), _("{heading}: '{value}' is not a number").format(
                heading=heading, value=_text(value))) from None
        return int(number) if number.is_integer() else number
    if key in CODE_FIELDS:
        try:
            return codes.resolve(CODE_FIELDS[key], _text(value), what=heading)
        except BadValue as exc:
            raise _Bad(_("unknown code"), str(exc)) from None
    if key == "phone":
        try:
            return phone_number(_text(value))
        except BadValue:   # masked like any phone shown: it may be a real number with a slip
            raise _Bad(_("not a phone number"), _("{heading}: '{value}' is not a phone number").format(
                heading=heading, value=mask("phone", _text(value)))) from None
    if key == "id_card":   # a cell may hold the card's address too (身份证地址及号码)
        text = _text(value)
        found = ID_NUMBER.findall(text)
        return found[0] if len(found) == 1 and not re.fullmatch(r"[0-9Xx]+", text) else text
    return _text(value)


class _Bad(ValueError):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.problem = RowProblem(reason, message)


# -- opening and adding people ---------------------------------------------------------------
def parse_person(text: str, group: str = "owner", order: str = DEFAULT_DATE_ORDER) -> dict:
    """A person as typed on the command line: `NAME` or `NAME,phone=…,id_card=…,relation=…`
    (keys: the person fields, or their Chinese headings: 电话, 身份证号, 关系, 入住日期, 租期至 …)."""
    parts = [p.strip() for p in re.split(r"[,，]", str(text))]
    name = parts[0]
    if not name or "=" in name:
        raise BadValue(_("--{group} needs NAME[,field=value…], not '{text}'").format(group=group, text=text))
    person = {"name": name}
    for part in parts[1:]:
        if not part:
            continue
        if "=" not in part:
            raise BadValue(_("--{group} {text}: '{part}' is not field=value").format(group=group, text=text, part=part))
        key, value = (p.strip() for p in part.split("=", 1))
        found = next((f for f, names in PERSON.items() if f == key or match_heading(key, names)), None)
        if found is None or found == "name":
            raise BadValue(_("--{group}: unknown field '{key}'; fields: {fields}").format(
                group=group, key=key, fields=", ".join(f for f in PERSON if f != "name")))
        try:
            person[found] = person_value(found, value, key, order)
        except _Bad as exc:
            raise BadValue(f"--{group}: {exc}") from None
    return person


def _people_of(people: Mapping[str, Iterable]) -> dict[str, list[dict]]:
    out = {}
    for group, items in people.items():
        persons = [p if isinstance(p, Mapping) else parse_person(p, group) for p in items or ()]
        if persons:
            out[GROUPS[group]] = [dict(p) for p in persons]
    return out


def _checked(record: dict, rel: str) -> None:
    found = schema.problems(record, OWNER.schema)
    if found:
        raise BadValue(f"{rel}: " + "; ".join(message for _path, message in found))


def open_owner(office: Office, actor: str | None, *, unit: str, name: str | None = None, phone: str | None = None,
               id_card: str | None = None, occupancy: str | None = None, owners: Iterable = (),
               members: Iterable = (), tenants: Iterable = (), at: str | None = None) -> str:
    """Register a household: its first owner (`name`, `phone`, `id_card`), more owners, its
    members and tenants (each a mapping of person fields, or text for `parse_person`)."""
    person = acting(office, actor)
    unit = OWNER.check_id(unit)
    first = []
    if name:
        owner = {"name": str(name).strip()}
        if phone:
            owner["phone"] = phone_number(phone)
        if id_card:
            owner["id_card"] = id_card_number(id_card)
        first.append(owner)
    elif phone or id_card:
        raise BadValue(_("--phone and --id-card are the first owner's: give --name too"))
    people = _people_of({"owner": list(owners), "member": list(members), "tenant": list(tenants)})
    people["owners"] = first + people.get("owners", [])
    if not people["owners"]:
        raise BadValue(_("a household needs an owner: --name NAME (or --owner NAME)"))
    record = {"id": unit, "owners": people["owners"]}
    for key in ("members", "tenants"):
        if key in people:
            record[key] = people[key]
    if occupancy:
        record["occupancy"] = codes.resolve("occupancy", occupancy)
    record["created_at"] = timeutil.iso(office.at(at))
    rel = OWNER.path_of(unit)
    _checked(record, rel)
    with Transaction(office, person) as tx:
        if os.path.exists(office.abspath(rel)):
            raise BadValue(_("unit {unit} already has a household record ({path})").format(unit=unit, path=rel))
        tx.create(rel, yamlio.new_map(record))
        tx.commit(f"{unit} open household", action="open", records=[unit])
    return unit


def _already(existing: list, person: Mapping) -> bool:
    return any(isinstance(p, Mapping) and p.get("name") == person.get("name") for p in existing)


def add_people(office: Office, actor: str | None, unit: str, *, owners: Iterable = (), members: Iterable = (),
               tenants: Iterable = ()) -> str:
    """Add owners, members or tenants to a household on file, in one commit. A household's
    people are its editable data (like `wuyectl edit`), so the commit is an `edit`."""
    person = acting(office, actor)
    unit = OWNER.check_id(unit)
    people = _people_of({"owner": list(owners), "member": list(members), "tenant": list(tenants)})
    if not people:
        raise BadValue(_("say whom to add: --owner, --member or --tenant NAME[,field=value…]"))
    with Transaction(office, person) as tx:
        _kind, loaded = tx.load(unit)
        added = []
        for key, persons in people.items():
            seq = _listed(loaded, key)
            for one in persons:
                if _already(list(seq), one):
                    raise BadValue(_("{name} is already one of the {group} of {unit}").format(
                        name=one["name"], group=key, unit=unit))
                seq.append(yamlio.new_map(one))
                added.append(key[:-1])
        tx.stage(loaded)
        _checked(loaded.data, loaded.relpath)
        what = ", ".join(f"{n} {g}{'s' if n > 1 else ''}" for g, n in Counter(added).items())
        return tx.commit(f"{unit} edit: add {what}", action="edit", records=[unit])


def _listed(loaded, key: str):
    """A household's list of owners, members or tenants, made (empty) if it has none yet."""
    if loaded.rt.get(key) is None:
        loaded.rt[key] = yamlio.new_map({key: []})[key]
    return loaded.rt[key]


# -- imports ---------------------------------------------------------------------------------
@dataclass
class ImportResult:
    written: list[str] = field(default_factory=list)
    refused: Refusals = field(default_factory=Refusals)
    blank: int = 0
    commit: str | None = None
    good: int = 0                   # rows that can be taken: households (or people)
    taken: int = 0                  # of them, those written (or to be, in a dry run): none when a row is bad
    ignored: list[str] = field(default_factory=list)   # columns no field was mapped to

    @property
    def bad(self) -> list[tuple[int, str]]:
        """(position, every problem of the row) of each row not taken."""
        return self.refused.lines()


def _column_map(headings: list[str], mapping: Iterable[str], table: Mapping[str, tuple], required: list[str],
                explain: str) -> dict[int, str]:
    """Column index → field, from `--map COLUMN=field` and the known headings."""
    explicit = dict(map_pairs(mapping, sorted(table)))
    missing = [c for c in explicit if c not in headings]
    if missing:
        raise BadValue(_("--map: no column '{column}' in the file (columns: {columns})").format(
            column=missing[0], columns=", ".join(h for h in headings if h)))
    out = {}
    for index, heading in enumerate(headings):
        if heading in explicit:
            out[index] = explicit[heading]
            continue
        for target, names in table.items():
            if target not in out.values() and match_heading(heading, names):
                out[index] = target
                break
    if any(target not in out.values() for target in required):
        raise BadValue(explain)
    return out


def _header(mapping: Iterable[str], table: Mapping[str, tuple], required: list[str]):
    """Whether a row is the header: it names every required field (by a known heading or --map)."""
    explicit = [(column, target) for column, target in
                (tuple(p.strip() for p in pair.split("=", 1)) for pair in mapping or () if "=" in pair)]

    def is_header(cells: list[str]) -> bool:
        found = {target for column, target in explicit if column in cells}
        for cell in cells:
            for target, names in table.items():
                if match_heading(cell, names):
                    found.add(target)
        return all(target in found for target in required)

    return is_header


NEEDS_UNIT_AND_NAME = ("the file needs a unit column (房号) and an owner name column (业主姓名); "
                       "name them with --map COLUMN=unit --map COLUMN=owner.name")


def _split(value, pattern) -> list:
    if isinstance(value, str):
        return [p for p in pattern.split(value.strip()) if p]
    return [value]


def _row_people(cells: list, columns: dict[int, str], headings: list[str], order: str,
                problems: list[RowProblem]) -> dict[str, list[dict]]:
    """The owners, members and tenants of a roster row (names in one cell split: 张三、李四)."""
    raw: dict[str, dict[str, object]] = {}
    for index, target in columns.items():
        if "." not in target:
            continue
        value = cells[index] if index < len(cells) else ""
        if value is None or str(value).strip() == "":
            continue
        group, key = target.split(".", 1)
        raw.setdefault(group, {})[key] = (value, headings[index] or target)
    out: dict[str, list[dict]] = {}
    for group, values in raw.items():
        names = _split(values["name"][0], NAMES_SPLIT) if "name" in values else []
        if not names:
            problems.append(RowProblem(_("no name"), _("{group} data without a name").format(group=group)))
            continue
        persons = [{"name": _text(n)} for n in names]
        for key, (value, heading) in values.items():
            if key == "name":
                continue
            parts = _split(value, PARTS_SPLIT) if len(names) > 1 else [value]
            if len(parts) != len(persons):
                parts = [value]
            for person, part in zip(persons, parts):
                try:
                    person[key] = person_value(key, part, heading, order)
                except _Bad as exc:
                    problems.append(exc.problem)
        out[GROUPS[group]] = persons
    return out


def _row_record(cells: list, columns: dict[int, str], headings: list[str], now: str, order: str,
                problems: list[RowProblem]) -> dict:
    record: dict = {}
    for index, target in columns.items():
        if "." in target:
            continue
        value = cells[index] if index < len(cells) else ""
        if value is None or str(value).strip() == "":
            continue
        heading = headings[index] or target
        if target == "unit":
            try:
                record["id"] = read_unit(value)
            except ValueError as exc:
                problems.append(RowProblem(_("not a unit"), str(exc)))
                record["id"] = _text(value)
            continue
        try:
            record[target] = person_value(target, value, heading, order)
        except _Bad as exc:
            problems.append(exc.problem)
    people = _row_people(cells, columns, headings, order, problems)
    out = {"id": record.get("id", ""),
           **{k: record[k] for k in ("property_type", "building_area", "usable_area", "handover_date",
                                     "move_in_date", "parking_space", "occupancy") if k in record},
           "owners": people.get("owners", [])}
    for key in ("members", "tenants"):
        if key in people:
            out[key] = people[key]
    if "note" in record:
        out["note"] = record["note"]
    out["created_at"] = now
    return out


def _at(data, path):
    for step in path:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _schema_problems(record: dict, prefix: str = "owners.0.") -> list[RowProblem]:
    """What the schema says of a row's household, less what the row's own checks said already
    (a unit that is none, no owner); a phone or ID-card number in it masked."""
    out = []
    for path, message in schema.problems(record, OWNER.schema):
        if path in (("id",), ("owners",)):
            continue
        value = _at(record, path)
        if path and isinstance(value, (str, int)) and mask(str(path[-1]), value) != value:
            message = message.replace(f"'{value}'", f"'{mask(str(path[-1]), value)}'")
        out.append(RowProblem(_("invalid value"), re.sub(rf"^{re.escape(prefix)}", "", message)))
    return out


def import_owners(office: Office, actor: str | None, path: str, *, mapping: Iterable[str] = (),
                  dry_run: bool = False, skip_bad: bool = False, date_order: str = DEFAULT_DATE_ORDER) -> ImportResult:
    person = acting(office, actor)
    required = ["unit", "owner.name"]
    table = read_table(path, _header(mapping, HEADINGS, required))
    columns = _column_map(table.headings, mapping, HEADINGS, required, NEEDS_UNIT_AND_NAME)
    now = timeutil.iso(office.now())
    result = ImportResult(refused=Refusals(table.word),
                          ignored=[h for i, h in enumerate(table.headings) if i not in columns and h])
    seen: dict[str, int] = {}
    good: list[dict] = []
    for number, cells in table.rows:
        if not any(str(c).strip() for c in cells):
            result.blank += 1
            continue
        problems: list[RowProblem] = []
        record = _row_record(cells, columns, table.headings, now, date_order, problems)
        unit = record["id"]
        if not unit:
            problems.append(RowProblem(_("no unit"), _("no unit (房号)")))
        elif OWNER.id_re.fullmatch(unit):
            if unit in seen:
                problems.append(RowProblem(_("unit repeats"), _("unit {unit} repeats {where}").format(
                    unit=unit, where=position(table.word, seen[unit]))))
            elif os.path.exists(office.abspath(OWNER.path_of(unit))):
                problems.append(RowProblem(_("already on file"),
                                           _("unit {unit} already has a household record").format(unit=unit)))
            seen.setdefault(unit, number)
        if not record["owners"] and not any(p.reason == _("no name") for p in problems):
            problems.append(RowProblem(_("no owner name"), _("no owner name (业主姓名)")))
        problems += _schema_problems(record)
        if problems:
            result.refused.add(number, problems)
            continue
        good.append(record)
    result.good = len(good)
    result.taken = len(good) if (skip_bad or not result.refused) else 0
    if dry_run or not result.taken:
        return result
    with Transaction(office, person) as tx:
        for record in good:
            tx.create(OWNER.path_of(record["id"]), yamlio.new_map(record))
            result.written.append(record["id"])
        ids = result.written
        result.commit = tx.commit(f"import {len(ids)} households from {escape_controls(os.path.basename(path))}",
                                  action="import", records=ids)
    return result


def people_headings(group: str) -> dict[str, tuple[str, ...]]:
    """`import tenants|members`: heading → field (unit, name, phone …)."""
    out = {"unit": UNIT_HEADINGS}
    for key, names in PERSON.items():
        out[key] = tuple(dict.fromkeys(GROUP_HEADINGS[group].get(key, ()) + names))
    return out


def import_people(office: Office, actor: str | None, path: str, group: str, *, mapping: Iterable[str] = (),
                  dry_run: bool = False, skip_bad: bool = False, date_order: str = DEFAULT_DATE_ORDER) -> ImportResult:
    """Tenants or members (`group`: tenant, member), one row each, added to the households on
    file in one commit (an `edit` of each: a household's people are its editable data). A
    person already listed there by name is refused, so importing a file twice adds nothing."""
    person = acting(office, actor)
    key = GROUPS[group]
    headings = people_headings(group)
    required = ["unit", "name"]
    table = read_table(path, _header(mapping, headings, required))
    columns = _column_map(table.headings, mapping, headings, required, _(
        "the file needs a unit column (房号) and a name column (姓名); name them with --map COLUMN=unit "
        "--map COLUMN=name"))
    result = ImportResult(refused=Refusals(table.word),
                          ignored=[h for i, h in enumerate(table.headings) if i not in columns and h])
    households: dict[str, dict] = {}
    good: list[tuple[str, dict]] = []
    for number, cells in table.rows:
        if not any(str(c).strip() for c in cells):
            result.blank += 1
            continue
        problems: list[RowProblem] = []
        unit, one = "", {}
        for index, target in columns.items():
            value = cells[index] if index < len(cells) else ""
            if value is None or str(value).strip() == "":
                continue
            if target == "unit":
                try:
                    unit = read_unit(value)
                except ValueError as exc:
                    problems.append(RowProblem(_("not a unit"), str(exc)))
                continue
            try:
                one[target] = person_value(target, value, table.headings[index] or target, date_order)
            except _Bad as exc:
                problems.append(exc.problem)
        if not one.get("name"):
            problems.append(RowProblem(_("no name"), _("no name (姓名)")))
        if unit and unit not in households:
            rel = OWNER.path_of(unit)
            households[unit] = office.read(rel).data if os.path.exists(office.abspath(rel)) else None
        if unit and households[unit] is None:
            problems.append(RowProblem(_("no household"), _("unit {unit} has no household record").format(unit=unit)))
        elif unit and one.get("name") and _already(households[unit].get(key) or [], one):
            problems.append(RowProblem(_("already on file"), _("{name} is already one of the {group} of {unit}").format(
                name=one["name"], group=key, unit=unit)))
        elif not unit and not problems:
            problems.append(RowProblem(_("no unit"), _("no unit (房号)")))
        if not problems:
            trial = dict(households[unit])
            trial[key] = list(trial.get(key) or []) + [one]
            problems = _schema_problems(trial, f"{key}.{len(trial[key]) - 1}.")
        if problems:
            result.refused.add(number, problems)
            continue
        households[unit] = trial
        good.append((unit, one))
    result.good = len(good)
    result.taken = len(good) if (skip_bad or not result.refused) else 0
    if dry_run or not result.taken:
        return result
    units = list(dict.fromkeys(unit for unit, _one in good))
    with Transaction(office, person) as tx:
        loaded_of = {}
        for unit in units:
            loaded_of[unit] = tx.load(unit)[1]
        for unit, one in good:
            _listed(loaded_of[unit], key).append(yamlio.new_map(one))
        for unit in units:
            tx.stage(loaded_of[unit])
        result.written = units
        result.commit = tx.commit(f"import {len(good)} {key} into {len(units)} households from "
                                  f"{escape_controls(os.path.basename(path))}", action="edit", records=units)
    return result
