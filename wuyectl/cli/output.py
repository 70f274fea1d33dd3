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
from ..domain.privacy import mask_phone, masked
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
KIND_GROUPS = {
    "violation": {"status": "violation_status", "category": "violation_category", "step": "violation_step",
                  "ladder": "ladder"},
    "archive": {"status": "archive_status", "category": "archive_category", "medium": "medium"},
}
def cell(kind: str, column: str, data: dict, lang: str, reveal: bool = False) -> str:
    if column == "where":
        loc = data.get("location") or {}
        return data.get("unit") or " ".join(str(loc[k]) for k in ("building", "floor", "place") if loc.get(k))
    if column == "reporter":
        return (data.get("reporter") or {}).get("name", "")
    if column == "phone":
        phone = (data.get("reporter") or {}).get("phone") if kind == "ticket" else None
        if kind == "owner":
            phone = ((data.get("owners") or [{}])[0]).get("phone")
        return (phone if reveal else mask_phone(phone)) if phone else ""
    if column == "name":
        return ", ".join(o.get("name", "") for o in data.get("owners") or [])
    if column == "rating":
        if data.get("type") == "survey":
            return codes.label("survey_level", data.get("overall"), lang)
        return codes.label("rating", (data.get("ratings") or {}).get("overall"), lang)
    if column == "deadline":
        measures = data.get("measures") or []
        return str(measures[-1].get("deadline", "")) if measures else ""
    if column == "loan":
        loans = [x for x in data.get("loans") or [] if not x.get("returned_at")]
        return f"{loans[-1]['borrower']} → {short(loans[-1]['due_at'])}" if loans else ""
    if column == "confidential":
        return ("是" if data.get("confidential") else "") if lang == "zh" else ("yes" if data.get("confidential") else "")
    if column == "sampled":
        return str(len(data.get("households") or []))
    if column == "complainants":
        return str(len(data.get("complainants") or []))
    if column == "description":
        return clip(data.get("description", ""), 30)
    if column == "next_due":
        due = short(data.get("next_due"))
        if due and data.get("overdue"):
            due += " " + ("超时" if lang == "zh" else "overdue")
        return due
    if column.endswith("_at"):
        return short(data.get(column))
    value = data.get(column)
    group = KIND_GROUPS.get(kind, {}).get(column) or {
        "status": "status", "category": "category", "channel": "channel", "department": "department",
        "occupancy": "occupancy", "type": "visit_type", "method": "method", "role": "role",
        "severity": "severity", "urgency": "urgency"}.get(column)
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
    body = [[cell(kind.name, c, r, lang, reveal) for c in kind.columns] for r in rows]
    if fmt == "csv":
        return to_csv(headers, body)
    text = table(headers, body)
    count = f"({len(rows)} {'条' if lang == 'zh' else 'records'})\n"
    return (text + "\n" + count) if text else count


# -- one record -------------------------------------------------------------------------
SHOW_FIELDS = ("status", "category", "severity", "urgency", "channel", "unit", "location", "reporter",
               "phone", "description", "repair_system", "damage", "department", "assignee",
               "escalation_level", "appointment_at", "promised_at", "result", "materials", "fee",
               "fee_consent", "signed_by", "signed_at", "received_at", "source_id")


def _value(kind: str, key: str, data: dict, lang: str) -> str:
    if key == "location":
        loc = data.get("location") or {}
        return " ".join(str(loc[k]) for k in ("building", "floor", "place") if loc.get(k))
    if key == "escalation_level":
        level = data.get("escalation_level")
        return "" if level is None else f"{level} {codes.label('escalation_level', level, lang)}"
    if key == "fee_consent":
        value = data.get(key)
        return "" if value is None else (("是" if value else "否") if lang == "zh" else ("yes" if value else "no"))
    if key == "unit":
        return data.get("unit") or ""
    if key in ("reporter",):
        return (data.get("reporter") or {}).get("name", "")
    return cell(kind, key, data, lang)


def record(result: dict, fmt: str, lang: str, *, reveal: bool = False) -> str:
    data = result["record"]
    if fmt in ("json", "yaml"):
        out = dict(masked(data, reveal))
        for key in ("related", "history"):
            if key in result:
                out[key] = masked(result[key], reveal)
        return to_json(out) + "\n" if fmt == "json" else to_yaml(out)
    kind = result["kind"]
    lines = [f"{data.get('id')}  ({result['path']})"]
    if kind == "ticket":
        pairs = [(codes.field_label(k, lang), _value(kind, k, data, lang)) for k in SHOW_FIELDS]
        pairs = [(k, v) for k, v in pairs if v not in ("", None)]
        lines.append(_pairs(pairs))
        lines.append(_section("timeline", lang))
        lines.append(table([codes.field_label(c, lang) for c in ("at", "by", "action", "note")],
                           [[short(e.get("at")), e.get("by", ""), _event_action(e, lang), clip(e.get("note", ""), 40)]
                            for e in data.get("timeline") or []]))
        lines.append(_section("sla", lang))
        lines.append(table([codes.field_label(c, lang) for c in ("stage", "due_at", "done_at", "state")],
                           [[codes.label("stage", c["stage"], lang) + (f" #{c['cycle']}" if c["cycle"] > 1 else ""),
                             short(c["due_at"]), short(c["done_at"]), codes.label("sla_state", c["state"], lang)]
                            for c in data.get("sla") or []]) or "-")
    else:
        lines.append(to_yaml(masked({k: v for k, v in data.items() if k != "id"}, reveal)).rstrip())
    for name, rows in (result.get("related") or {}).items():
        from ..domain.kinds import kind_named

        related = kind_named(name)
        lines.append(f"\n{codes.field_label(name, lang)}:")
        lines.append(listing(related, rows, "table", lang).rstrip())
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
