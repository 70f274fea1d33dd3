"""Reading an office's spreadsheets (CSV or .xlsx) for the importers."""
from __future__ import annotations

import csv
import io
from typing import Iterable

from ..errors import BadValue, did_you_mean
from ..i18n import _


def read_table(path: str) -> tuple[list[str], list[tuple[int, list]]]:
    """Headings and (row number, cells) of a CSV (UTF-8, with or without BOM; or GB18030) or
    .xlsx file; the header is row 1."""
    if path.lower().endswith((".xlsx", ".xlsm")):
        try:
            from openpyxl import load_workbook
        except ImportError:
            raise BadValue(_("reading .xlsx needs openpyxl: pip install openpyxl")) from None
        try:
            sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a bad file
            raise BadValue(_("{path}: not a readable .xlsx workbook ({error})").format(
                path=path, error=type(exc).__name__)) from None
        rows = [(i, list(r)) for i, r in enumerate(sheet.iter_rows(values_only=True), start=1)]
    else:
        try:
            with open(path, "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            raise BadValue(_("{path}: cannot read ({error})").format(path=path, error=exc.strerror)) from None
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise BadValue(_("{path}: neither UTF-8 nor GB18030 text").format(path=path))
        # Rows as a spreadsheet numbers them: one per record (a blank line is a blank row; a
        # quoted cell spanning lines is still one row).
        reader = csv.reader(io.StringIO(text, newline=""))
        rows = list(enumerate(reader, start=1))
    rows = [(n, ["" if c is None else c for c in cells]) for n, cells in rows]
    while rows and not any(str(c).strip() for c in rows[0][1]):
        rows.pop(0)
    if not rows:
        raise BadValue(_("{path}: no header row").format(path=path))
    headings = [str(c).strip() for c in rows[0][1]]
    return headings, rows[1:]


def map_pairs(mapping: Iterable[str], fields) -> list[tuple[str, str]]:
    """(column, field) from `--map COLUMN=field` options; fields must be in `fields`."""
    out = []
    for pair in mapping or ():
        if "=" not in pair:
            raise BadValue(_("--map needs COLUMN=field, not '{pair}'").format(pair=pair))
        column, target = (p.strip() for p in pair.split("=", 1))
        if target not in fields:
            raise BadValue(_("--map {pair}: unknown field '{field}'; fields: {fields}{hint}").format(
                pair=pair, field=target, fields=", ".join(fields), hint=did_you_mean(target, fields)))
        out.append((column, target))
    return out
