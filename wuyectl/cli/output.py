"""The one renderer: every command's result becomes a table, JSON, YAML, CSV or bare IDs here.

JSON and YAML carry the records' own keys (codes, ISO times) with personal numbers masked;
tables and CSV carry labels in the chosen language.  JSON is stable: records keep the key
order of their files, computed keys (`sla`, `next_due`, `overdue`) come last.
"""
from __future__ import annotations

import csv
import io
import json

from ..domain import codes
from ..domain.privacy import masked
from ..timeutil import short


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


def to_csv(headers: list[str], rows: list[list]) -> str:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return stream.getvalue()


# -- cells of a listing -----------------------------------------------------------------
def cell(kind, column: str, data: dict, lang: str, reveal: bool = False, *, show: bool = False) -> str:
    """One value as a person reads it: the kind's own cell for the column if it declares one
    (`show` cells first when showing one record), else a label of its code, a short time,
    or the value."""
    own = (show and kind.show_cells.get(column)) or kind.cells.get(column)
    if own:
        return own(data, lang, reveal)
    if column == "description":
        return clip(data.get("description", ""), 30)
    if column.endswith("_at"):
        return short(data.get(column))
    value = data.get(column)
    group = kind.code_fields.get(column)
    if group:
        return codes.label(group, value, lang)
    if value is None:
        return ""
    return str(value)


def listing(kind, rows: list[dict], fmt: str, lang: str, *, reveal: bool = False) -> str:
    if fmt == "ids":
        return "".join(f"{r.get('id')}\n" for r in rows)
    if fmt == "json":
        return to_json(masked(rows, reveal)) + "\n"
    if fmt == "yaml":
        return to_yaml(masked(rows, reveal)) if rows else "[]\n"
    headers = [codes.field_label(c, lang) for c in kind.columns]
    body = [[cell(kind, c, r, lang, reveal) for c in kind.columns] for r in rows]
    if fmt == "csv":
        return to_csv(headers, body)
    text = table(headers, body)
    count = f"({len(rows)} {'条' if lang == 'zh' else 'records'})\n"
    return (text + "\n" + count) if text else count


# -- one record -------------------------------------------------------------------------
def _timeline(data: dict, lang: str) -> str:
    return table([codes.field_label(c, lang) for c in ("at", "by", "action", "note")],
                 [[short(e.get("at")), e.get("by", ""), _event_action(e, lang), clip(e.get("note", ""), 40)]
                  for e in data.get("timeline") or []])


def _clocks(data: dict, lang: str) -> str:
    return table([codes.field_label(c, lang) for c in ("stage", "due_at", "done_at", "state")],
                 [[codes.label("stage", c["stage"], lang) + (f" #{c['cycle']}" if c["cycle"] > 1 else ""),
                   # a window where the stage has one (a callback: not before … , by …)
                   (short(c["not_before"]) + " – " if c.get("not_before") else "") + short(c["due_at"]),
                   short(c["done_at"]), codes.label("sla_state", c["state"], lang)]
                  for c in data.get("sla") or []]) or "-"


SECTIONS = {"timeline": _timeline, "sla": _clocks}   # the tables a kind's `show_sections` name


def record(result: dict, fmt: str, lang: str, *, reveal: bool = False) -> str:
    from ..domain.kinds import kind_named

    data = result["record"]
    if fmt in ("json", "yaml"):
        out = dict(masked(data, reveal))
        for key in ("related", "history"):
            if key in result:
                out[key] = masked(result[key], reveal)
        return to_json(out) + "\n" if fmt == "json" else to_yaml(out)
    kind = kind_named(result["kind"])
    lines = [f"{data.get('id')}  ({result['path']})"]
    if kind.show_fields is not None:
        pairs = [(codes.field_label(k, lang), cell(kind, k, data, lang, reveal, show=True)) for k in kind.show_fields]
        pairs = [(k, v) for k, v in pairs if v not in ("", None)]
        lines.append(_pairs(pairs))
    else:
        lines.append(to_yaml(masked({k: v for k, v in data.items() if k != "id"}, reveal)).rstrip())
    for name in kind.show_sections:
        lines.append(_section(name, lang))
        lines.append(SECTIONS[name](data, lang))
    for name, rows in (result.get("related") or {}).items():
        lines.append(f"\n{codes.field_label(name, lang)}:")
        lines.append(listing(kind_named(name), rows, "table", lang).rstrip())
    lines.append(_section("history", lang))
    lines.append(table([codes.field_label(c, lang) for c in ("commit", "author", "date", "subject")],
                       [[h["commit"], h["author"], short(h["date"]), h["subject"]] for h in result["history"]]) or "-")
    return "\n".join(lines) + "\n"


def _event_action(event: dict, lang: str) -> str:
    text = codes.label("action", event.get("action"), lang)
    if event.get("to"):
        text += " → " + event["to"]
    if event.get("level") is not None:
        text += f" → {event['level']}"
    if event.get("rating"):
        text += " " + codes.label("rating", event["rating"], lang)
    return text


def _section(name: str, lang: str) -> str:
    return f"\n{codes.field_label(name, lang)}:"


def _pairs(pairs) -> str:
    if not pairs:
        return ""
    wide = max(width(k) for k, _ in pairs)
    return "\n".join(f"  {k}{' ' * (wide - width(k))}  {v}" for k, v in pairs)


# -- reports ----------------------------------------------------------------------------
def report_json(rep) -> dict:
    """The documented JSON form of a report: stable keys, sections by name, rows as objects
    keyed by column (English keys), values as shown (rates as '87.5%' or 'n/a')."""
    return {
        "report": rep.name,
        "title": rep.title,
        "period": rep.period.as_dict() if rep.period else None,
        "as_of": rep.as_of.isoformat(timespec="seconds"),
        "sections": {s.name: {"title": s.title, "columns": s.columns, "rows": s.as_dicts()} for s in rep.sections},
    }


def _cellstr(value) -> str:
    return "" if value is None else str(value)


def report_text(rep, lang: str) -> str:
    period = rep.period.as_dict() if rep.period else None
    head = [rep.title]
    if period:
        head.append(("统计期间 " if lang == "zh" else "period ") + f"{period['from']} – {period['to']}")
    head.append(("计算时点 " if lang == "zh" else "as of ") + rep.as_of.isoformat(timespec="minutes").replace("T", " "))
    lines = ["  ".join(head)]
    for sec in rep.sections:
        lines.append("")
        lines.append(f"{sec.title}:")
        body = table(sec.headings, [[_cellstr(v) for v in row] for row in sec.rows])
        lines.append(body if body else ("（无）" if lang == "zh" else "(none)"))
    return "\n".join(lines) + "\n"


def report_csv(rep) -> str:
    """UTF-8 with a BOM (so Excel opens Chinese correctly); sections one after another, each
    with its title line and header row, a blank line between."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    for i, sec in enumerate(rep.sections):
        if i:
            writer.writerow([])
        writer.writerow([sec.title])
        writer.writerow(sec.headings)
        writer.writerows([[_cellstr(v) for v in row] for row in sec.rows])
    return "\ufeff" + stream.getvalue()


def report_xlsx(rep, path: str) -> None:
    """A workbook with a sheet per section: a bold header row, widths that fit Chinese text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used = set()
    for sec in rep.sections:
        name = "".join(ch for ch in sec.title if ch not in '[]:*?/\\')[:31] or sec.name[:31]
        while name in used:
            name = name[:28] + str(len(used))
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append(sec.headings)
        for cell_ in sheet[1]:
            cell_.font = Font(bold=True)
        for row in sec.rows:
            sheet.append([v if isinstance(v, (int, float)) or v is None else str(v) for v in row])
        for index, heading_ in enumerate(sec.headings, start=1):
            widest = max([width(str(heading_))] + [width(_cellstr(r[index - 1])) for r in sec.rows])
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(widest + 2, 60)
        sheet.freeze_panes = "A2"
    book.save(path)
