"""Reading an office's spreadsheets (CSV or .xlsx) for the importers.

1. `read_table` — the rows of the file with their positions as an editor or Excel shows them
   (a CSV record starts on its file line: a quoted cell may span lines; an .xlsx row is its
   row number), and the header row found below any title rows (`业主信息统计表`, a
   `编号: 管理处:` line) by what the importer knows of its headings.
2. `heading_key` — one spelling of a heading: full-width brackets and `㎡`/`m²` as ASCII,
   spaces dropped, case folded, so `建筑面积（㎡）` and `建筑面积(m2)` are one heading.
3. `read_datetime` / `read_day` — times and dates as spreadsheets write them, numbers in the
   order `--date-order` says (see DATE_HELP).
4. `RowProblem`, `RowError`, `Refusals` — every problem of a row, kept with a reason (for the
   summary by reason) and the source value a map does not cover (for the summary of
   unmapped values).
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable, Iterable

from ..errors import BadValue, did_you_mean
from ..i18n import N_, _, ngettext, pgettext

HEADER_SEARCH = 20   # non-blank rows looked at for the header row


@dataclass
class Table:
    """A spreadsheet's header and rows. `word` names a position: a CSV `line`, an xlsx `row`."""

    headings: list[str]
    rows: list[tuple[int, list]]
    word: str = "line"
    header_at: int = 1


def position(word: str, numbers: str | int, count: int = 1) -> str:
    """Where in the file, as the user reads it: "line 5" of a CSV, "row 5" of a workbook
    ("lines 2, 3, …": `count` numbers joined)."""
    if word == "line":
        return ngettext("line {n}", "lines {n}", count).format(n=numbers)
    return ngettext("row {n}", "rows {n}", count).format(n=numbers)


def read_table(path: str, is_header: Callable[[list[str]], bool] | None = None) -> Table:
    """Headings and (position, cells) of a CSV (UTF-8, with or without BOM; or GB18030) or
    .xlsx file. The header is the first row `is_header` accepts among the first non-blank
    rows (title rows above it are passed over), else the first non-blank row."""
    if path.lower().endswith((".xlsx", ".xlsm")):
        rows, word = _xlsx_rows(path), "row"
    else:
        rows, word = _csv_rows(path), "line"
    rows = [(n, ["" if c is None else c for c in cells]) for n, cells in rows]
    filled = [i for i, (_n, cells) in enumerate(rows) if any(str(c).strip() for c in cells)]
    if not filled:
        raise BadValue(_("{path}: no header row").format(path=path))
    start = filled[0]
    if is_header is not None:
        for i in filled[:HEADER_SEARCH]:
            if is_header([str(c).strip() for c in rows[i][1]]):
                start = i
                break
    headings = [str(c).strip() for c in rows[start][1]]
    return Table(headings, rows[start + 1:], word, rows[start][0])


def _xlsx_rows(path: str) -> list[tuple[int, list]]:
    try:
        from openpyxl import load_workbook
    except ImportError:
        raise BadValue(_("reading .xlsx needs openpyxl: pip install openpyxl")) from None
    try:
        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise BadValue(_("{path}: not a readable .xlsx workbook ({error})").format(
            path=path, error=type(exc).__name__)) from None
    return [(i, list(r)) for i, r in enumerate(sheet.iter_rows(values_only=True), start=1)]


def _csv_rows(path: str) -> list[tuple[int, list]]:
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
    # Each record at the file line it starts on (what an editor jumps to): a quoted cell with
    # a line break in it makes one record of several lines, and the next record starts lower.
    reader = csv.reader(io.StringIO(text, newline=""))
    out = []
    start = 1
    for cells in reader:
        out.append((start, cells))
        start = reader.line_num + 1
    return out


def heading_key(text) -> str:
    """A heading in one spelling: NFKC (full-width brackets, ㎡ → m2, m² → m2), no spaces, no
    trailing colon, case folded."""
    value = unicodedata.normalize("NFKC", str(text or "")).replace("平方米", "m2").replace("平米", "m2")
    return re.sub(r"\s+", "", value).rstrip(":").casefold()


def match_heading(heading: str, names: Iterable[str]) -> bool:
    """Whether a heading is one of `names`, also with a unit in brackets after it
    (`建筑面积(m2)` is `建筑面积`)."""
    key = heading_key(heading)
    if not key:
        return False
    keys = {heading_key(n) for n in names}
    return key in keys or re.sub(r"\([^()]*\)$", "", key) in keys


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


# -- dates and times -----------------------------------------------------------------------
DATE_ORDERS = ("ymd", "dmy", "mdy")
DEFAULT_DATE_ORDER = "ymd"
DATE_HELP = N_("2017-03-13 10:00, 2017/03/13 10:00, 2017年3月13日 10:00, 13/03/2017 10:00 or Mar 13, 2017 10:00 "
               "AM (04/03/2017: --date-order dmy or mdy)")
_YEAR_FIRST = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?=$|[\sT])")
_YEAR_LAST = re.compile(r"(\d{1,2})([-/. ])(\d{1,2})\2(\d{4})(?=$|[\sT])")
_SHORT_YEAR = re.compile(r"\d{1,2}([-/.])\d{1,2}\1\d{2}(?=$|\s)")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?=$|\s)")
_CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_CHINESE_TIME = re.compile(r"(\d{1,2})\s*[时點点]\s*(?:(\d{1,2})\s*分?)?\s*(?:(\d{1,2})\s*秒)?")
_FAST = ("%Y-%m-%d %I:%M:%S %p", "%Y-%m-%d %I:%M %p")


class AmbiguousDate(ValueError):
    """Numbers with the year last that read as a date both ways (04/03/2017)."""


def _numeric(text: str, order: str) -> str:
    """The text with a numeric date at its start written year-month-day; ValueError (the
    reason) when the numbers cannot be a date in `order`."""
    year_last = False
    match = _YEAR_FIRST.match(text)
    if match:
        year, month, day = int(match[1]), int(match[3]), int(match[4])
    else:
        match = _COMPACT.match(text)
        if match:
            year, month, day = int(match[1]), int(match[2]), int(match[3])
        else:
            match = _YEAR_LAST.match(text)
            if not match:
                if _SHORT_YEAR.match(text):
                    raise ValueError(_("write the year in four digits"))
                return text
            a, b, year = int(match[1]), int(match[3]), int(match[4])
            year_last = True
            if order == "dmy":
                day, month = a, b
            elif order == "mdy":
                month, day = a, b
            elif a > 12 >= b:            # ymd, the default: the numbers decide, or nothing does
                day, month = a, b
            elif b > 12 >= a:
                month, day = a, b
            elif a == b:
                day = month = a
            else:
                raise AmbiguousDate(_("{dmy} (--date-order dmy) or {mdy} (--date-order mdy)?").format(
                    dmy=f"{year:04d}-{b:02d}-{a:02d}", mdy=f"{year:04d}-{a:02d}-{b:02d}"))
    try:
        date(year, month, day)
    except ValueError:
        if year_last and order != DEFAULT_DATE_ORDER:
            raise ValueError(_("no such day in --date-order {order}").format(order=order)) from None
        raise ValueError(_("no such day")) from None
    return f"{year:04d}-{month:02d}-{day:02d}" + text[match.end():]


def _normalised(text: str, order: str) -> str:
    value = unicodedata.normalize("NFKC", text).strip()
    value = _CHINESE_DATE.sub(lambda m: f"{m[1]}-{m[2]}-{m[3]} ", value)
    value = _CHINESE_TIME.sub(lambda m: f"{m[1]}:{m[2] or '00'}" + (f":{m[3]}" if m[3] else ""), value)
    for word, marker in (("上午", "AM"), ("早上", "AM"), ("凌晨", "AM"), ("下午", "PM"), ("晚上", "PM")):
        if word in value:
            value = value.replace(word, " ") + " " + marker
    value = re.sub(r"\s+", " ", value).strip()
    return _numeric(value, order)


def read_datetime(value, order: str = DEFAULT_DATE_ORDER) -> datetime:
    """A date and time as a spreadsheet holds it: a cell's own datetime, ISO 8601, the forms of
    DATE_HELP, or what dateutil reads (`timeutil.parse_loose`: 'Nov 1, 2014 3:05 PM'). Numbers
    with a four-digit year first are year-month-day; with the year last, day and month follow
    `order` (dmy, mdy), and under the default (ymd) only numbers that cannot be swapped are
    read (13/03/2017). Naive unless the text has an offset. ValueError with the reason."""
    from .. import timeutil

    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value).strip()
    if not text or len(text) > 64:
        raise ValueError(_("not a date"))
    normal = _normalised(text, order)
    try:
        return datetime.fromisoformat(normal)
    except ValueError:
        pass
    for form in _FAST:
        try:
            return datetime.strptime(normal, form)
        except ValueError:
            continue
    try:
        return timeutil.parse_loose(normal)
    except ValueError as exc:   # its reason, without the text it quotes
        raise ValueError(str(exc).split(": '")[0]) from None


def problems_text(problems) -> str:
    """Every problem of one row on its one line: 'a; b' ('a；b')."""
    return pgettext("problems of a row", "; ").join(p.message for p in problems)


def time_problem(text, problem: ValueError) -> str:
    """The one line for a time that cannot be read: why, and the forms that are read (or, for
    numbers that read both ways, the two dates and the option that chooses)."""
    if isinstance(problem, AmbiguousDate):
        return _("cannot read the time '{text}': {reason}").format(text=text, reason=problem)
    return _("cannot read the time '{text}' ({reason}); use {forms}").format(text=text, reason=problem, forms=_(DATE_HELP))


def read_day(value, order: str = DEFAULT_DATE_ORDER) -> str:
    """A whole date as ISO text (a time after it, if any, is dropped). ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return read_datetime(value, order).date().isoformat()


# -- problems of rows ----------------------------------------------------------------------
@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with a row: `reason` groups rows in the summary; `message` is this
    row's own line; `unmapped` = (what, source value) when a map does not cover the value."""

    reason: str
    message: str
    unmapped: tuple[str, str] | None = None


class RowError(ValueError):
    """Every problem of a row, raised together."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = list(problems)
        super().__init__(problems_text(self.problems))


@dataclass
class Refusals:
    """The rows an import did not take, each with all its problems, in file order."""

    word: str = "line"
    rows: list[tuple[int, list[RowProblem]]] = field(default_factory=list)

    def add(self, position: int, problems: list[RowProblem] | RowProblem) -> None:
        self.rows.append((position, [problems] if isinstance(problems, RowProblem) else list(problems)))

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def lines(self) -> list[tuple[int, str]]:
        """(position, every problem of the row in one line), in file order."""
        return [(position, problems_text(problems)) for position, problems in sorted(self.rows, key=lambda r: r[0])]

    def reasons(self) -> list[tuple[str, int, list[int]]]:
        """(reason, rows, their positions in order), most rows first."""
        positions: dict[str, list[int]] = {}
        for position, problems in sorted(self.rows, key=lambda r: r[0]):
            for reason in dict.fromkeys(p.reason for p in problems):
                positions.setdefault(reason, []).append(position)
        return sorted(((r, len(p), p) for r, p in positions.items()), key=lambda item: -item[1])

    def unmapped(self) -> list[tuple[str, str, int]]:
        """(what, source value, rows) for each distinct value no map covers, by what, then most rows."""
        counts = Counter(p.unmapped for _position, problems in self.rows for p in problems if p.unmapped)
        return sorted(((what, value, n) for (what, value), n in counts.items()), key=lambda item: (item[0], -item[2], item[1]))
