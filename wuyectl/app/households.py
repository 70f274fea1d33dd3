"""Households and owners (业户档案): opening one, and the import of an office's roster
spreadsheet (业主信息统计表).

Import rules: one commit for the whole file, or nothing. Every bad row is reported with its
row number as the spreadsheet shows it (the header is row 1); with `skip_bad` the good rows are
written and the bad ones listed. Blank rows are passed over.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable

from .office import acting
from .tickets import phone_number
from .spreadsheet import map_pairs, read_table
from ..domain import codes
from ..domain.kinds import kind_named
from ..domain.privacy import id_card_number
from ..errors import BadValue
from ..store import schema, yamlio
from ..store.office import Office
from ..store.transaction import Transaction, escape_controls
from .. import timeutil


# Spreadsheet headings (as offices write them) → record fields. `owner.` fields go to the
# first owner; `tenant.` to a tenant.
OWNER = kind_named("owner")

HEADINGS = {
    "unit": ("房号", "房屋编号", "单元房号", "户号", "unit", "房间号"),
    "owner.name": ("业主姓名", "姓名", "业主", "name", "owner"),
    "owner.gender": ("性别", "gender"),
    "owner.birth_date": ("出生日期", "出生年月", "birth_date"),
    "owner.native_place": ("籍贯", "native_place"),
    "owner.id_card": ("身份证号", "身份证号码", "身份证", "id_card"),
    "owner.hukou": ("户口所在地", "户籍", "hukou"),
    "owner.employer": ("工作单位", "employer"),
    "owner.phone": ("联系电话", "电话", "手机", "手机号码", "phone"),
    "property_type": ("房屋类型", "物业类型", "property_type"),
    "building_area": ("建筑面积", "建筑面积(㎡)", "建筑面积(m²)", "building_area"),
    "usable_area": ("使用面积", "套内面积", "usable_area"),
    "handover_date": ("入伙日期", "交房日期", "handover_date"),
    "move_in_date": ("入住日期", "move_in_date"),
    "parking_space": ("车位", "车位号", "parking_space"),
    "occupancy": ("居住状态", "入住情况", "occupancy"),
    "note": ("备注", "note"),
}
FIELDS = set(HEADINGS)
DATE_FIELDS = {"owner.birth_date", "handover_date", "move_in_date"}
NUMBER_FIELDS = {"building_area", "usable_area"}
CODE_FIELDS = {"owner.gender": "gender", "property_type": "property_type", "occupancy": "occupancy"}


def open_owner(office: Office, actor: str | None, *, unit: str, name: str, phone: str | None = None,
               id_card: str | None = None, occupancy: str | None = None, at: str | None = None) -> str:
    person = acting(office, actor)
    unit = OWNER.check_id(unit)
    owner = {"name": str(name).strip()}
    if phone:
        owner["phone"] = phone_number(phone)
    if id_card:
        owner["id_card"] = id_card_number(id_card)
    record = {"id": unit, "owners": [owner]}
    if occupancy:
        record["occupancy"] = codes.resolve("occupancy", occupancy)
    record["created_at"] = timeutil.iso(office.at(at))
    with Transaction(office, person) as tx:
        rel = OWNER.path_of(unit)
        if os.path.exists(office.abspath(rel)):
            raise BadValue(f"unit {unit} already has a household record ({rel})")
        tx.create(rel, yamlio.new_map(record))
        tx.commit(f"{unit} open household", action="open", records=[unit])
    return unit


def read_date(value) -> str:
    """2026-11-22, 2026/11/22, 2026.11.22, 20261122, 2026年11月22日, or a spreadsheet date; and
    the other forms dateutil reads (`timeutil.parse_loose`): 22 Nov 2026, Nov 22, 2026,
    2026-11-22 00:00:00, 11/22/2026 (month first). ValueError when it is not a whole date."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if match:   # these forms are read here only: 2020-13-45 is no date, not a guess of dateutil's
        return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    try:
        return timeutil.parse_loose(text).date().isoformat()
    except ValueError:
        raise ValueError(text) from None


@dataclass
class ImportResult:
    written: list[str] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)   # (row, message)
    blank: int = 0
    commit: str | None = None


def column_map(headings: list[str], mapping: Iterable[str]) -> dict[int, str]:
    """Column index → field, from the known headings and `--map COLUMN=field`."""
    explicit = dict(map_pairs(mapping, sorted(FIELDS)))
    out = {}
    for index, heading in enumerate(headings):
        if heading in explicit:
            out[index] = explicit[heading]
            continue
        for target, names in HEADINGS.items():
            if heading in names or heading.lower() in names:
                out[index] = target
                break
    missing = [c for c in explicit if c not in headings]
    if missing:
        raise BadValue(f"--map: no column '{missing[0]}' in the file (columns: {', '.join(h for h in headings if h)})")
    if "unit" not in out.values() or "owner.name" not in out.values():
        raise BadValue("the file needs a unit column (房号) and an owner name column (业主姓名); "
                       "name them with --map COLUMN=unit --map COLUMN=owner.name")
    return out


def _row_record(cells: list, columns: dict[int, str], headings: list[str], now: str) -> dict:
    owner: dict = {}
    record: dict = {}
    for index, target in columns.items():
        value = cells[index] if index < len(cells) else ""
        if value is None or str(value).strip() == "":
            continue
        heading = headings[index] or target
        if target in DATE_FIELDS:
            try:
                value = read_date(value)
            except ValueError:
                raise ValueError(f"{heading}: '{value}' is not a date") from None
        elif target in NUMBER_FIELDS:
            try:
                value = float(str(value).replace(",", ""))
                value = int(value) if value.is_integer() else value
            except ValueError:
                raise ValueError(f"{heading}: '{value}' is not a number") from None
        elif target in CODE_FIELDS:
            try:
                value = codes.resolve(CODE_FIELDS[target], str(value), what=heading)
            except BadValue as exc:
                raise ValueError(str(exc)) from None
        else:
            value = str(value).strip() if not isinstance(value, (int, float)) else str(int(value)) if float(value).is_integer() else str(value)
        if target.startswith("owner."):
            owner[target[6:]] = value
        else:
            record[target] = value
    unit = record.pop("unit", "")
    out = {"id": unit, **{k: record[k] for k in ("property_type", "building_area", "usable_area", "handover_date",
                                                  "move_in_date", "parking_space", "occupancy") if k in record},
           "owners": [owner]}
    if "note" in record:
        out["note"] = record["note"]
    out["created_at"] = now
    return out


def import_owners(office: Office, actor: str | None, path: str, *, mapping: Iterable[str] = (),
                  dry_run: bool = False, skip_bad: bool = False) -> ImportResult:
    person = acting(office, actor)
    headings, rows = read_table(path)
    columns = column_map(headings, mapping)
    now = timeutil.iso(office.now())
    result = ImportResult()
    seen: dict[str, int] = {}
    good: list[dict] = []
    for number, cells in rows:
        if not any(str(c).strip() for c in cells):
            result.blank += 1
            continue
        try:
            record = _row_record(cells, columns, headings, now)
        except ValueError as exc:
            result.bad.append((number, str(exc)))
            continue
        unit = record["id"]
        if not unit:
            result.bad.append((number, "no unit (房号)"))
            continue
        if not OWNER.id_re.fullmatch(unit):
            result.bad.append((number, f"unit '{unit}' is not building-unit-room like 3-2-1201"))
            continue
        if unit in seen:
            result.bad.append((number, f"unit {unit} repeats row {seen[unit]}"))
            continue
        seen[unit] = number
        if os.path.exists(office.abspath(OWNER.path_of(unit))):
            result.bad.append((number, f"unit {unit} already has a household record"))
            continue
        found = schema.problems(record, OWNER.schema)
        if found:
            path_, message = found[0]
            result.bad.append((number, message.replace("owners.0.", "")))
            continue
        good.append(record)
    if dry_run or (result.bad and not skip_bad) or not good:
        return result
    with Transaction(office, person) as tx:
        for record in good:
            tx.create(OWNER.path_of(record["id"]), yamlio.new_map(record))
            result.written.append(record["id"])
        ids = result.written
        result.commit = tx.commit(f"import {len(ids)} households from {escape_controls(os.path.basename(path))}",
                                  action="import", records=ids)
    return result
