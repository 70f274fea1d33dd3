"""A `Document` on A4 as PDF, with fpdf2 (pure Python; embeds a subset of the OTF/CFF font as
a CID font, so the file shows the same on any reader and any printer).

The office's name and the record's ID head every page and its number ("第 1 页 共 2 页")
ends it. The package's font covers GB2312; a rarer character (a name's 堃 or 昇 is there, but
not every one is) is drawn from a system CJK font that has it (fontconfig's `fc-list`), else
written as its code point and named in a warning — never a blank.
"""
from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from importlib import resources

from ...i18n import _

WIDTH = 180          # mm between the margins of A4 (210 mm, 15 mm each side)
SHADE = (238, 238, 238)


def font_path() -> str:
    return str(resources.files("wuyectl") / "fonts" / "NotoSansSC-subset.otf")


@lru_cache(maxsize=None)
def _covered() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(font_path(), lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing_characters(texts) -> list[str]:
    """The characters of `texts` the package's font has no glyph for (spaces aside)."""
    covered = _covered()
    seen = dict.fromkeys(ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in covered)
    return list(seen)


def system_font(chars: list[str]) -> str | None:
    """A font file (fontconfig) with a glyph for every character of `chars`, or None."""
    if not chars or not shutil.which("fc-list"):
        return None
    charset = " ".join(f"{ord(ch):x}" for ch in chars)
    try:
        found = subprocess.run(["fc-list", f":charset={charset}", "file"], capture_output=True, text=True,
                               timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted(line.strip().rstrip(":").strip() for line in found.splitlines() if line.strip())
    # a CJK font first (its style matches the package's), an OpenType/TrueType one (fpdf2 reads those)
    files = [f for f in files if f.lower().endswith((".otf", ".ttf", ".ttc"))]
    files.sort(key=lambda f: (("cjk" not in f.lower() and "sc" not in f.lower()), "bold" in f.lower(), f))
    return files[0] if files else None


def _face_of(path: str) -> int:
    """In a font collection (.ttc), the face for Simplified Chinese (Noto CJK's 'SC'), else the first."""
    if not path.lower().endswith(".ttc"):
        return 0
    try:
        from fontTools.ttLib import TTCollection

        with TTCollection(path, lazy=True) as collection:
            for number, font in enumerate(collection.fonts):
                if " SC" in str(font["name"].getDebugName(1) or ""):
                    return number
    except Exception:   # an unreadable collection: its first face
        pass
    return 0


def _widths(headers: list[str], rows: list[list[str]]) -> tuple[float, ...]:
    """A table's column widths by what they hold (a purpose wider than a name), within bounds.
    Its cells break at spaces (a time's date and clock on two lines), a long Chinese text
    anywhere."""
    from unicodedata import east_asian_width

    def width(text: str) -> int:
        return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)

    return tuple(min(max([width(h) for h in headers[i:i + 1]] + [width(r[i]) for r in rows], default=4), 16) + 3
                 for i in range(len(headers)))


def _make(doc, fallback: str | None):
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    class Page(FPDF):
        def header(self):
            self.set_font("noto", size=9)
            self.set_text_color(60, 60, 60)
            self.cell(WIDTH / 2, 6, doc.office, align="L")
            self.cell(WIDTH / 2, 6, f"{doc.id_label}：{doc.record_id}" if doc.lang == "zh"
                      else f"{doc.id_label} {doc.record_id}", align="R", new_x="LMARGIN", new_y="NEXT")
            self.set_draw_color(120, 120, 120)
            self.line(15, self.get_y(), 15 + WIDTH, self.get_y())
            self.ln(4)
            self.set_text_color(0, 0, 0)

        def footer(self):
            self.set_y(-14)
            self.set_font("noto", size=9)
            self.set_text_color(60, 60, 60)
            words = (f"第 {self.page_no()} 页 共 {{nb}} 页" if doc.lang == "zh"
                     else f"Page {self.page_no()} of {{nb}}")
            self.cell(WIDTH / 3, 6, doc.record_id, align="L")
            self.cell(WIDTH / 3, 6, words, align="C")
            self.cell(WIDTH / 3, 6, doc.office, align="R")

    pdf = Page(orientation="P", unit="mm", format="A4")
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("noto", "", font_path())
    if fallback:
        pdf.add_font("fallback", "", fallback, collection_font_number=_face_of(fallback))
        pdf.set_fallback_fonts(["fallback"], exact_match=False)
    pdf.set_title(f"{doc.title} {doc.record_id}")
    pdf.set_author(doc.office)
    pdf.set_creator("wuyectl")
    pdf.add_page()
    label_face = FontFace(fill_color=SHADE)
    # Chinese breaks between any two characters; fpdf2's default waits for a space (and so
    # breaks a sentence at the space inside a time, or leaves the first line empty)
    wrap = "CHAR" if doc.lang == "zh" else "WORD"

    pdf.set_font("noto", size=18)
    pdf.cell(WIDTH, 12, doc.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("noto", size=10.5)

    if doc.grid:
        with pdf.table(col_widths=(22, 38, 22, 38), first_row_as_headings=False, line_height=7,
                       padding=(1.2, 2), v_align="M", wrapmode=wrap) as table:
            row, used = None, 4
            for label, value, wide in doc.grid:
                if wide or used == 4:
                    if row is not None and used < 4:
                        row.cell("", colspan=4 - used)
                    row, used = table.row(), 0
                if wide:
                    if used:
                        row.cell("", colspan=4 - used)
                        row, used = table.row(), 0
                    row.cell(label, style=label_face)
                    row.cell(value, colspan=3)
                    used = 4
                else:
                    row.cell(label, style=label_face)
                    row.cell(value)
                    used += 2
            if row is not None and used < 4:
                row.cell("", colspan=4 - used)
        pdf.ln(4)

    if doc.table:
        title, headers, rows = doc.table
        pdf.set_font("noto", size=11)
        pdf.cell(WIDTH, 7, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("noto", size=9.5)
        with pdf.table(col_widths=_widths(headers, rows), first_row_as_headings=True, line_height=6.5, padding=(1, 1.5), v_align="M",
                       headings_style=FontFace(fill_color=SHADE), text_align="CENTER", wrapmode="WORD") as table:
            table.row(headers)
            for cells in rows:
                table.row([c or " " for c in cells])
        pdf.ln(4)
        pdf.set_font("noto", size=10.5)

    if doc.letter:
        pdf.set_font("noto", size=12)
        if doc.to:
            pdf.multi_cell(WIDTH, 8, doc.to, new_x="LMARGIN", new_y="NEXT", wrapmode=wrap)
            pdf.ln(1)
        indent = "\u3000\u3000" if doc.lang == "zh" else ""
        for paragraph in doc.letter:
            pdf.multi_cell(WIDTH, 8, indent + paragraph, new_x="LMARGIN", new_y="NEXT", wrapmode=wrap)
            pdf.ln(1.5)
        if doc.sign_off:
            pdf.ln(6)
            for text in doc.sign_off:
                pdf.cell(WIDTH, 8, text, align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font("noto", size=10.5)

    if doc.note:
        pdf.set_font("noto", size=9.5)
        for text in doc.note:
            pdf.multi_cell(WIDTH, 5.5, text, new_x="LMARGIN", new_y="NEXT", wrapmode=wrap)
        pdf.ln(4)
        pdf.set_font("noto", size=10.5)

    if doc.signatures:
        sign_word = "签字" if doc.lang == "zh" else "Signature"
        with pdf.table(col_widths=(34, 56, 18, 32), first_row_as_headings=False, line_height=13,
                       padding=(1, 2), v_align="M", wrapmode=wrap) as table:
            for label in doc.signatures:
                row = table.row()
                row.cell(f"{label}{sign_word}" if doc.lang == "zh" else f"{label} — {sign_word}", style=label_face)
                row.cell("")
                row.cell(doc.date_label, style=label_face)
                row.cell("    年    月    日" if doc.lang == "zh" else "")
    return pdf


def render(doc) -> tuple[bytes, list[str]]:
    """The PDF's bytes, and a warning for characters no font at hand could draw."""
    warnings = []
    missing = missing_characters(doc.texts() + ["第页共编号日期签字年月"])
    fallback = system_font(missing) if missing else None
    if missing and not fallback:
        gone = set(missing)
        doc.replace_text(lambda text: "".join(f"[U+{ord(ch):04X}]" if ch in gone else ch for ch in text))
        warnings.append(_("no font has {chars}: printed as their code points").format(
            chars=" ".join(f"U+{ord(ch):04X}" for ch in missing)))
    pdf = _make(doc, fallback)
    return bytes(pdf.output()), warnings
