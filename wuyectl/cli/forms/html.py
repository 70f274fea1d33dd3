"""A `Document` as one self-contained HTML page (no script, nothing fetched), A4 when printed
from a browser: the same title, boxes, table, letter and signature boxes as the PDF."""
from __future__ import annotations

from html import escape

STYLE = """
@page { size: A4; margin: 12mm 15mm 18mm 15mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif;
       font-size: 10.5pt; color: #000; max-width: 180mm; margin: 0 auto; }
header, footer { display: flex; justify-content: space-between; font-size: 9pt; color: #3c3c3c; }
header { border-bottom: 1px solid #787878; padding-bottom: 2px; margin-bottom: 4mm; }
footer { border-top: 1px solid #787878; margin-top: 6mm; padding-top: 2px; }
h1 { text-align: center; font-size: 18pt; font-weight: normal; margin: 2mm 0 4mm; }
h2 { font-size: 11pt; font-weight: normal; margin: 4mm 0 1mm; }
table { width: 100%; border-collapse: collapse; margin-bottom: 4mm; }
td, th { border: 1px solid #000; padding: 1.5mm 2mm; vertical-align: middle; }
th, td.label { background: #eee; font-weight: normal; white-space: nowrap; }
table.items td, table.items th { text-align: center; font-size: 9.5pt; }
table.sign { margin-top: 6mm; }
table.sign td { height: 11mm; }
p.letter { text-indent: 2em; line-height: 1.8; font-size: 12pt; margin: 0 0 2mm; }
p.to { font-size: 12pt; }
p.signoff { text-align: right; font-size: 12pt; margin: 1mm 0; }
p.note { font-size: 9.5pt; margin: 0.5mm 0; }
"""


def _e(text) -> str:
    return escape(str(text or ""))


def render(doc) -> str:
    zh = doc.lang == "zh"
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8">',
        f"<title>{_e(doc.title)} {_e(doc.record_id)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f'<header><span class="office">{_e(doc.office)}</span>'
        f'<span class="id">{_e(doc.id_label)}{"：" if zh else " "}{_e(doc.record_id)}</span></header>',
        f"<h1>{_e(doc.title)}</h1>",
    ]
    if doc.grid:
        out.append('<table class="grid">')
        pending = []
        for label, value, wide in doc.grid:
            if wide:
                if pending:
                    out.append("<tr>" + "".join(pending) + '<td colspan="2"></td></tr>')
                    pending = []
                out.append(f'<tr><td class="label">{_e(label)}</td><td colspan="3">{_e(value)}</td></tr>')
                continue
            pending += [f'<td class="label">{_e(label)}</td>', f"<td>{_e(value)}</td>"]
            if len(pending) == 4:
                out.append("<tr>" + "".join(pending) + "</tr>")
                pending = []
        if pending:
            out.append("<tr>" + "".join(pending) + '<td colspan="2"></td></tr>')
        out.append("</table>")
    if doc.table:
        title, headers, rows = doc.table
        out.append(f"<h2>{_e(title)}</h2>")
        out.append('<table class="items"><tr>' + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr>")
        for cells in rows:
            out.append("<tr>" + "".join(f"<td>{_e(c) or '&nbsp;'}</td>" for c in cells) + "</tr>")
        out.append("</table>")
    if doc.letter:
        if doc.to:
            out.append(f'<p class="to">{_e(doc.to)}</p>')
        out += [f'<p class="letter">{_e(p)}</p>' for p in doc.letter]
        out += [f'<p class="signoff">{_e(t)}</p>' for t in doc.sign_off or ()]
    if doc.note:
        out += [f'<p class="note">{_e(t)}</p>' for t in doc.note]
    if doc.signatures:
        sign = "签字" if zh else " — Signature"
        out.append('<table class="sign">')
        for label in doc.signatures:
            out.append(f'<tr><td class="label">{_e(label)}{sign}</td><td style="width:45%"></td>'
                       f'<td class="label">{_e(doc.date_label)}</td>'
                       f'<td>{"&nbsp;&nbsp;&nbsp;&nbsp;年&nbsp;&nbsp;&nbsp;&nbsp;月&nbsp;&nbsp;&nbsp;&nbsp;日" if zh else ""}</td></tr>')
        out.append("</table>")
    out.append(f'<footer><span>{_e(doc.record_id)}</span><span>{_e(doc.office)}</span></footer>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"
