"""The one renderer: every command's result becomes a table, JSON, YAML, CSV, xlsx or bare IDs here.

1. JSON and YAML carry the records' own keys (codes, ISO times) with personal numbers masked.
   JSON is stable: records keep the key order of their files, computed keys (`sla`,
   `next_due`, `overdue`) come last.
2. Tables, CSV and xlsx carry labels in the chosen language, and every time in the office's
   timezone (`timeutil.short`; the CLI sets the zone when it opens the office).
3. Only the terminal's table clips. Long text is cut to the kind's `clip_widths`; and when the
   width is known — COLUMNS when it is set, else the terminal's when writing to one; never
   for a pipe or a file — the kind's `narrow` columns give way, in order, until the table
   fits: a clipped column shrinks, any other is dropped.
4. CSV and xlsx are for people who open them in Excel, and carry whole values, one fact a
   column (a ticket's next time limit in one column, whether it is overdue in the next).
   - CSV is UTF-8 with a BOM and CRLF lines (`csv_document`, for listings, reports and audit).
   - Each starts with a title row: what it is, the period, the as-of time, the filter (`About`).
   - A text cell that would start a formula (= + - @, tab, CR: OWASP's CSV-injection list) is
     neutralised: in CSV with a leading ', in xlsx by being written as a text cell.
   - In xlsx numbers stay numbers (negative ones too), rates are numbers formatted 0.0%
     (`reports.base.Percent`), times are Excel times in the office's timezone.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime

from .. import i18n
from ..i18n import _
from ..domain import codes
from ..domain.privacy import mask, masked
from ..timeutil import as_of_text, moment, short, shown_in

MIN_CLIP = 10              # a clipped column never shrinks below this (nor below its heading)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def width(text: str) -> int:
    from wcwidth import wcswidth

    w = wcswidth(text)
    return w if w >= 0 else len(text)


def clip(text: str, limit: int) -> str:
    """Cut to `limit` display columns (a Chinese character is two)."""
    text = " ".join(str(text).split())
    if width(text) <= limit:
        return text
    from wcwidth import wcwidth

    out, used = [], 0
    for ch in text:
        w = max(wcwidth(ch), 0)
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def terminal_width() -> int | None:
    """The width a table must fit: COLUMNS when set (any output), else the terminal's when
    standard output is one; None (no limit) for a pipe or a file."""
    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        if sys.stdout.isatty():
            import shutil

            return shutil.get_terminal_size().columns
    except (AttributeError, ValueError, OSError):
        pass
    return None


def fit(columns: list[str], headers: list[str], rows: list[list[str]], *, limit: int | None = None,
        clip_widths=None, narrow=()) -> tuple[list[str], list[list[str]]]:
    """The terminal's table: each cell on one line, clipped columns cut to their width; with a
    `limit`, the `narrow` columns give way in order until the table fits it (a clipped column
    shrinks, down to MIN_CLIP; any other is dropped)."""
    rows = [[" ".join(str(c).split()) for c in row] for row in rows]
    limits = {i: max(w, width(headers[i]) + 2) for i, c in enumerate(columns) for w in [(clip_widths or {}).get(c)]
              if w is not None}
    keep = list(range(len(columns)))

    # each column's own width, measured once (tabulate keeps two columns beside each heading:
    # its MIN_PADDING); the narrowing below asks for them again and again
    naturals = [max([width(headers[i]) + 2] + [width(r[i]) for r in rows]) for i in range(len(columns))]

    def wide(i):
        return min(naturals[i], limits[i]) if i in limits else naturals[i]

    if limit:
        for name in narrow:
            total = sum(wide(i) for i in keep) + 2 * (len(keep) - 1)
            if total <= limit:
                break
            if name not in columns or columns.index(name) not in keep:
                continue
            i = columns.index(name)
            if i in limits:
                limits[i] = max(width(headers[i]) + 2, MIN_CLIP, wide(i) - (total - limit))
            else:
                keep.remove(i)
        # What a later drop freed goes back to the columns shrunk before it.
        spare = limit - (sum(wide(i) for i in keep) + 2 * (len(keep) - 1))
        for i in [i for i in keep if i in limits]:
            default = max((clip_widths or {})[columns[i]], width(headers[i]) + 2)
            grow = max(min(spare, default - limits[i], naturals[i] - limits[i]), 0)
            limits[i] += grow
            spare -= grow
    return ([headers[i] for i in keep],
            [[clip(r[i], limits[i]) if i in limits else r[i] for i in keep] for r in rows])


def table(headers: list[str], rows: list[list]) -> str:
    from tabulate import tabulate

    if not rows:
        return ""
    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


def to_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def to_yaml(data) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.sort_base_mapping_type_on_output = False
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


# -- values as people read them -------------------------------------------------------------
def _yes_no(value, lang: str) -> str:
    return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")


def text(value, lang: str = "zh") -> str:
    """A value as text: a time in the office's zone, a date as YYYY-MM-DD, yes/no, a number."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return short(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return _yes_no(value, lang)
    return str(value)


def plain(kind, key: str, raw, lang: str):
    """A stored value as a person reads it: a code's label (the kind's `code_fields`, by key), a
    time, yes/no, a list joined, a mapping as labelled pairs."""
    if raw is None or raw == "" or raw == [] or raw == {}:
        return ""
    if isinstance(raw, list):
        return ("、" if lang == "zh" else ", ").join(text(plain(kind, key, item, lang), lang) for item in raw)
    if isinstance(raw, dict):
        pairs = [f"{codes.field_label(k, lang)} {text(plain(kind, k, v, lang), lang)}" for k, v in raw.items()
                 if v not in (None, "", [], {})]
        return ("；" if lang == "zh" else "; ").join(pairs)
    group = kind.code_fields.get(key)
    if group:
        return codes.label(group, raw, lang)
    if isinstance(raw, bool):
        return _yes_no(raw, lang)
    if key == "at" or key.endswith("_at"):
        return moment(raw) or str(raw)
    return raw


def value(kind, column: str, data: dict, lang: str, reveal: bool = False, *, show: bool = False):
    """A column's whole value: the kind's own cell for it if it declares one (`show` cells
    first when showing one record), else the stored value as a person reads it."""
    own = (show and kind.show_cells.get(column)) or kind.cells.get(column)
    if own:
        return own(data, lang, reveal)
    # a personal number shown as a column is masked as everywhere else (unless revealed)
    return plain(kind, column, data.get(column) if reveal else mask(column, data.get(column)), lang)


def cell(kind, column: str, data: dict, lang: str, reveal: bool = False, *, show: bool = False) -> str:
    """A column's value as the terminal's table shows it (the kind's `table_cells` first)."""
    own = not show and kind.table_cells.get(column)
    return text(own(data, lang, reveal) if own else value(kind, column, data, lang, reveal, show=show), lang)


def _zone(tz):
    return shown_in(tz) if tz is not None else contextlib.nullcontext()


# -- exports for people: CSV and xlsx --------------------------------------------------------
@dataclass
class About:
    """What an export is — its title and facts (label, value) such as the period, the as-of
    time and the filter — shown in the title row of a CSV and of each sheet of a workbook."""

    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)

    def row(self) -> list[str]:
        return [self.title] + [f"{label} {fact}" for label, fact in self.facts]


_HARMLESS = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)%?|[-+]+")   # a number as text, or a lone dash


def inert(text_: str) -> str:
    """A CSV cell that cannot start a formula: OWASP's leading single quote before = + - @, tab
    or CR — except a number written as text ('-1', '+2.5%') or a lone dash, which Excel reads as
    such and which cannot call anything."""
    if text_.startswith(FORMULA_START) and not _HARMLESS.fullmatch(text_):
        return "'" + text_
    return text_


def _csv_value(value_, lang: str) -> str:
    if isinstance(value_, (int, float)) and not isinstance(value_, bool):
        return str(value_)       # a number, negative ones too, is a number
    return inert(text(value_, lang))


def csv_document(tables: list[tuple[str | None, list, list]], *, about: About | None = None,
                 lang: str = "zh") -> str:
    """CSV for people (the one rule, for listings, reports and audit): UTF-8 with a BOM, CRLF
    lines; the title row and a blank line when there is an `about`; then each table — its
    caption line if it has one, its header row, its rows — a blank line between tables. No
    cell can start a formula."""
    lines: list[list] = []
    if about is not None:
        lines += [about.row(), []]
    for i, (caption, headers, rows) in enumerate(tables):
        if i:
            lines.append([])
        if caption:
            lines.append([caption])
        lines.append(headers)
        lines += rows
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerows([[_csv_value(v, lang) for v in row] for row in lines])
    return "\ufeff" + stream.getvalue()


def to_csv(headers: list[str], rows: list[list], *, about: About | None = None, lang: str = "zh") -> str:
    return csv_document([(None, headers, rows)], about=about, lang=lang)


def _put(sheet, row: int, column: int, value_, lang: str) -> None:
    """One xlsx cell: numbers as numbers, rates as numbers formatted 0.0%, times as Excel times
    in the office's zone, every text as a text cell (never a formula)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell_ = sheet.cell(row=row, column=column)
    fraction = getattr(value_, "fraction", False)
    if value_ is None or value_ == "":
        return
    if fraction is not False and fraction is not None:
        cell_.value, cell_.number_format = fraction, "0.0%"
    elif isinstance(value_, (int, float)) and not isinstance(value_, bool):
        cell_.value = value_
    elif isinstance(value_, datetime):
        cell_.value, cell_.number_format = moment(value_).replace(tzinfo=None), "yyyy-mm-dd hh:mm"
    elif isinstance(value_, date):
        cell_.value, cell_.number_format = value_, "yyyy-mm-dd"
    else:
        words = ILLEGAL_CHARACTERS_RE.sub("", text(value_, lang))
        cell_.value = words
        cell_.data_type = "s"              # a text cell, whatever it starts with
        if inert(words) != words:
            cell_.quotePrefix = True       # and stays text when someone edits it in Excel


def _sheet(book, name: str, used: set, about: About | None, headers: list[str], rows: list[list], lang: str):
    from openpyxl.styles import Font

    name = "".join(ch for ch in name if ch not in '[]:*?/\\')[:31] or "sheet"
    while name in used:
        name = name[:28] + str(len(used))
    used.add(name)
    sheet = book.create_sheet(name)
    top = 1
    if about is not None:
        for column, words in enumerate(about.row(), start=1):
            _put(sheet, 1, column, words, lang)
        sheet.cell(row=1, column=1).font = Font(bold=True)
        top = 2
    for column, heading_ in enumerate(headers, start=1):
        _put(sheet, top, column, heading_, lang)
        sheet.cell(row=top, column=column).font = Font(bold=True)
    for r, row in enumerate(rows, start=top + 1):
        for column, value_ in enumerate(row, start=1):
            _put(sheet, r, column, value_, lang)
    for index, heading_ in enumerate(headers, start=1):
        widest = max([width(str(heading_))] + [width(text(r[index - 1], lang)) for r in rows])
        sheet.column_dimensions[sheet.cell(row=top, column=index).column_letter].width = min(widest + 2, 60)
    sheet.freeze_panes = sheet.cell(row=top + 1, column=1).coordinate
    return sheet


def xlsx_document(path: str, tables: list[tuple[str, list, list]], *, about: About | None = None,
                  lang: str = "zh") -> None:
    """A workbook with a sheet per table (name, headers, rows): the title row, a bold header
    row, widths that fit Chinese text."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    used: set = set()
    for name, headers, rows in tables:
        _sheet(book, name, used, about, headers, rows, lang)
    book.save(path)


# -- a listing --------------------------------------------------------------------------------
def listing(kind, rows: list[dict], fmt: str, lang: str, *, reveal: bool = False, limit: int | None = None,
            about: About | None = None, path: str | None = None, tz=None) -> str:
    """`get`'s output. Table: the kind's `columns`, fitted to `limit`; csv and xlsx (to `path`):
    its `export_columns`, whole values, under the `about` title row."""
    with _zone(tz):
        if fmt == "ids":
            return "".join(f"{r.get('id')}\n" for r in rows)
        if fmt == "json":
            return to_json(masked(rows, reveal)) + "\n"
        if fmt == "yaml":
            return to_yaml(masked(rows, reveal)) if rows else "[]\n"
        if fmt in ("csv", "xlsx"):
            columns = list(kind.export_columns or kind.columns)
            headers = [codes.field_label(c, lang) for c in columns]
            body = [[value(kind, c, r, lang, reveal) for c in columns] for r in rows]
            if fmt == "xlsx":
                xlsx_document(path, [(codes.field_label(kind.plural, lang), headers, body)], about=about, lang=lang)
                return ""
            return to_csv(headers, body, about=about, lang=lang)
        columns = list(kind.columns)
        headers, body = fit(columns, [codes.field_label(c, lang) for c in columns],
                            [[cell(kind, c, r, lang, reveal) for c in columns] for r in rows],
                            limit=limit, clip_widths=kind.clip_widths, narrow=kind.narrow)
        text_ = table(headers, body)
        count = f"({len(rows)} {'条' if lang == 'zh' else 'records'})\n"
        return (text_ + "\n" + count) if text_ else count


# -- one record -------------------------------------------------------------------------------
def _timeline(kind, data: dict, lang: str, limit) -> str:
    columns = ["at", "by", "action", "note"]
    rows = [[short(e.get("at")), e.get("by", ""), _event_action(kind, e, lang), _event_note(kind, e, lang)]
            for e in data.get("timeline") or []]
    return table(*fit(columns, [codes.field_label(c, lang) for c in columns], rows, limit=limit,
                      clip_widths={"note": 40}, narrow=("note",)))


def _clocks(kind, data: dict, lang: str, limit) -> str:
    from ..domain.workdays import unknown_note

    columns = ["stage", "due_at", "done_at", "state"]
    working = "（工作时间）" if lang == "zh" else " (working time)"   # counted in office hours, not the clock's
    rows = [[codes.label("stage", c["stage"], lang) + (f" #{c['cycle']}" if c["cycle"] > 1 else "")
             + (working if c.get("time") == "working" else ""),
             # a window where the stage has one (a callback: not before … , by …)
             (short(c["not_before"]) + " – " if c.get("not_before") else "") + short(c["due_at"]),
             short(c["done_at"]), codes.label("sla_state", c["state"], lang)]
            for c in data.get("sla") or []]
    text_ = table(*fit(columns, [codes.field_label(c, lang) for c in columns], rows, limit=limit)) or "-"
    unknown = {y for c in data.get("sla") or [] for y in c.get("unknown_years") or ()}
    return text_ + ("\n" + unknown_note(unknown, lang) if unknown else "")


def _records_table(kind, items: list, lang: str, limit) -> str:
    """A field holding a list of records (owners, loans, measures): a table of their keys."""
    columns: list[str] = []
    for item in items:
        columns += [k for k in item if k not in columns]
    rows = [[text(plain(kind, c, item.get(c), lang), lang) for c in columns] for item in items]
    return table(*fit(columns, [codes.field_label(c, lang) for c in columns], rows, limit=limit,
                      clip_widths={"note": 40, "purpose": 30}, narrow=("note", "purpose")))


def _field_section(kind, name: str, data: dict, lang: str, limit) -> str:
    """A section of the record's own: a list of records as a table, a mapping as pairs, a list
    as one line."""
    item = data.get(name)
    if isinstance(item, list) and item and all(isinstance(i, dict) for i in item):
        return _records_table(kind, item, lang, limit)
    if isinstance(item, dict):
        return _pairs([(codes.field_label(k, lang), text(plain(kind, k, v, lang), lang))
                       for k, v in item.items() if v not in (None, "", [], {})])
    return "  " + text(plain(kind, name, item, lang), lang) if item not in (None, "", [], {}) else "-"


SECTIONS = {"timeline": _timeline, "sla": _clocks}   # the tables a kind's `show_sections` name by name


def record(result: dict, fmt: str, lang: str, *, reveal: bool = False, limit: int | None = None, tz=None) -> str:
    from ..domain.kinds import kind_named

    with _zone(tz):
        data = result["record"]
        if fmt in ("json", "yaml"):
            out = dict(masked(data, reveal))
            for key in ("related", "history"):
                if key in result:
                    out[key] = masked(result[key], reveal)
            return to_json(out) + "\n" if fmt == "json" else to_yaml(out)
        kind = kind_named(result["kind"])
        shown = masked(data, reveal)
        lines = [f"{data.get('id')}  ({result['path']})"]
        if kind.show_fields is not None:
            pairs = [(codes.field_label(k, lang), text(value(kind, k, shown, lang, reveal, show=True), lang))
                     for k in kind.show_fields]
            pairs = [(k, v) for k, v in pairs if v not in ("", None)]
            lines.append(_pairs(pairs))
        else:
            lines.append(to_yaml({k: v for k, v in shown.items() if k != "id"}).rstrip())
        for name in kind.show_sections:
            if name in SECTIONS:
                lines += [_section(name, lang), SECTIONS[name](kind, shown, lang, limit)]
            elif shown.get(name) not in (None, "", [], {}):
                lines += [_section(name, lang), _field_section(kind, name, shown, lang, limit)]
        empty = []   # (a household is named by many books: those with nothing are one line)
        for name, rows in (result.get("related") or {}).items():
            if not rows:
                empty.append(codes.field_label(name, lang))
                continue
            lines.append(f"\n{codes.field_label(name, lang)}:")
            lines.append(listing(kind_named(name), rows, "table", lang, reveal=reveal, limit=limit).rstrip())
        if empty:
            lines.append("\n" + _("nothing on file: {kinds}").format(kinds=i18n.join(empty)))
        lines.append(_section("history", lang))
        columns = ["commit", "author", "date", "subject"]
        lines.append(table(*fit(columns, [codes.field_label(c, lang) for c in columns],
                                [[h["commit"], h["author"], short(h["date"]), h["subject"]] for h in result["history"]],
                                limit=limit, clip_widths={"subject": 72}, narrow=("subject",))) or "-")
        return "\n".join(lines) + "\n"


def _event_action(kind, event: dict, lang: str) -> str:
    words = codes.label("action", event.get("action"), lang)
    if event.get("to"):
        words += " → " + event["to"]
    if event.get("level") is not None:
        words += f" → {event['level']}"
    if event.get("step"):
        words += " → " + text(plain(kind, "step", event["step"], lang), lang)
    if event.get("rating"):
        words += " " + codes.label("rating", event["rating"], lang)
    return words


def _event_note(kind, event: dict, lang: str) -> str:
    """The note, and what the event recorded (`set`), labelled."""
    parts = [str(event.get("note") or ""), text(plain(kind, "set", event.get("set"), lang), lang)]
    return ("；" if lang == "zh" else "; ").join(p for p in parts if p)


def _section(name: str, lang: str) -> str:
    return f"\n{codes.field_label(name, lang)}:"


def _pairs(pairs) -> str:
    if not pairs:
        return ""
    wide = max(width(k) for k, _ in pairs)
    return "\n".join(f"  {k}{' ' * (wide - width(k))}  {v}" for k, v in pairs)


# -- reports ----------------------------------------------------------------------------------
def report_json(rep) -> dict:
    """The documented JSON form of a report: stable keys, sections by name, rows as objects
    keyed by column (English keys), values as shown (rates as '87.5%' or 'n/a')."""
    return {
        "report": rep.name,
        "title": rep.title,
        "period": rep.period.as_dict() if rep.period else None,
        "as_of": rep.as_of.isoformat(timespec="seconds"),
        "sections": {s.name: {"title": s.title, "columns": s.columns, "rows": s.as_dicts()} for s in rep.sections},
        # what the clocks were counted by, where it is not the default: {working_time: [stages],
        # hours, unknown_years} (reports.base.calendar_notes)
        **({"calendar": rep.meta["calendar"]} if rep.meta.get("calendar") else {}),
    }


def report_about(rep, lang: str | None = None) -> About:
    """The report's title, period and as-of time: its text's first line, its CSV's and each of
    its sheets' title row."""
    lang = lang or rep.meta.get("lang", "zh")
    facts = []
    if rep.period:
        period = rep.period.as_dict()
        facts.append((codes.field_label("period", lang), f"{period['from']} – {period['to']}"))
    facts.append((codes.field_label("as_of", lang), as_of_text(rep.as_of)))
    return About(rep.title, facts)


def _cellstr(value_) -> str:
    return "" if value_ is None else str(value_)


def report_text(rep, lang: str) -> str:
    lines = ["  ".join(report_about(rep, lang).row())]
    for sec in rep.sections:
        lines.append("")
        lines.append(f"{sec.title}:")
        body = table(sec.headings, [[_cellstr(v) for v in row] for row in sec.rows])
        lines.append(body if body else ("（无）" if lang == "zh" else "(none)"))
    if rep.meta.get("notes"):   # what the figures were counted by (e.g. the stages on working time)
        lines.append("")
        lines += rep.meta["notes"]
    return "\n".join(lines) + "\n"


def report_csv(rep, lang: str | None = None) -> str:
    """The title row, then the sections one after another, each with its title line and header
    row, a blank line between (see `csv_document`)."""
    lang = lang or rep.meta.get("lang", "zh")
    return csv_document([(sec.title, sec.headings, sec.rows) for sec in rep.sections],
                        about=report_about(rep, lang), lang=lang)


def report_xlsx(rep, path: str, lang: str | None = None) -> None:
    """A workbook with a sheet per section, each under the report's title row."""
    lang = lang or rep.meta.get("lang", "zh")
    with shown_in(rep.as_of.tzinfo):
        xlsx_document(path, [(sec.title, sec.headings, sec.rows) for sec in rep.sections],
                      about=report_about(rep, lang), lang=lang)
