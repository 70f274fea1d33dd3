"""Printable forms and letters (`wuyectl print ID [--form NAME] -o FILE.pdf|FILE.html`).

A kind declares its paper forms in its own module (`Kind.forms`: name → `Form`, see
wuyectl/domain/kinds); this package is the one renderer of them all:

1. `document()` loads the record as `show` does (what its kind computes; personal numbers
   masked unless revealed by a role allowed to), chooses the form (`--form`, else the one its
   kind makes the default for the record's state — a violation's letter for its current step),
   and fills a `Document`: the title, the office's name and the record's ID (printed on every
   page, in plain text, so a signed scan can be matched back to its record), the labelled
   boxes, a table, a letter's text, the signature boxes.
2. `pdf.render()` lays the document out on A4 with fpdf2, the package's CJK font embedded (a
   subset); a character the font lacks is drawn from a system CJK font found by fontconfig,
   else printed as its code point (`[U+XXXXX]`) and named in a warning.
   `html.render()` writes the same content as one self-contained HTML page.
3. `write()` puts the file in place atomically (a temporary file in the same folder, renamed).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from ...domain import codes
from ...domain.kinds import Form, Kind, Line, KINDS, values_at
from ...domain.privacy import masked
from ...errors import BadValue, UsageError, did_you_mean
from ...i18n import _, pick

FORMATS = (".pdf", ".html")


@dataclass
class Document:
    """A filled form, ready to lay out (the same content in PDF and HTML)."""

    title: str
    office: str                          # the office's name (wuye.yaml community.name)
    record_id: str
    lang: str
    id_label: str                        # 编号
    grid: list = field(default_factory=list)        # (label, value, wide)
    table: tuple | None = None                      # (title, headers, rows)
    to: str = ""                                    # a letter's salutation
    letter: list = field(default_factory=list)      # paragraphs
    sign_off: tuple | None = None                   # (issuer, date) under a letter
    note: list = field(default_factory=list)        # fixed text (rules) under the boxes
    signatures: list = field(default_factory=list)  # labels
    date_label: str = "日期"

    def texts(self) -> list[str]:
        """Every piece of text on the form, in order (for the font check and the tests)."""
        out = [self.office, self.id_label, self.record_id, self.title, self.to, self.date_label]
        for label, value, _wide in self.grid:
            out += [label, value]
        if self.table:
            out += [self.table[0], *self.table[1]] + [c for row in self.table[2] for c in row]
        out += self.letter + list(self.sign_off or ()) + self.note + self.signatures
        return [t for t in out if t]

    def replace_text(self, fix) -> None:
        """Apply `fix` to every piece of text (characters no font has)."""
        self.office, self.record_id, self.title, self.to = map(fix, (self.office, self.record_id, self.title, self.to))
        self.grid = [(fix(a), fix(b), w) for a, b, w in self.grid]
        if self.table:
            title, headers, rows = self.table
            self.table = (fix(title), [fix(h) for h in headers], [[fix(c) for c in row] for row in rows])
        self.letter = [fix(p) for p in self.letter]
        self.sign_off = tuple(fix(p) for p in self.sign_off) if self.sign_off else None
        self.note = [fix(p) for p in self.note]
        self.signatures = [fix(p) for p in self.signatures]


def usable_forms(kind: Kind, record: dict) -> dict[str, Form]:
    return {name: form for name, form in kind.forms.items() if form.applies is None or form.applies(record)}


def choose(kind: Kind, record: dict, name: str | None) -> tuple[str, Form]:
    """The form to print: the one named, else the kind's default for this record. A name the
    kind (or this record) has no form of is a usage error naming the forms there are."""
    usable = usable_forms(kind, record)
    rid = record.get("id")
    if not usable:
        with_forms = [k.name for k in KINDS.values() if k.forms]
        raise UsageError(_("{kind} {id} has no printable form (kinds with forms: {kinds})").format(
            kind=codes.kind_noun(kind.name), id=rid, kinds=", ".join(with_forms)))
    if name is None:
        for key, form in usable.items():
            if form.default_if is not None and form.default_if(record):
                return key, form
        key = next(iter(usable))
        return key, usable[key]
    text = str(name).strip()
    if text not in usable:
        raise UsageError(_("{kind} {id} has no form '{name}': use one of {forms}{hint}").format(
            kind=codes.kind_noun(kind.name), id=rid, name=name, forms=", ".join(usable),
            hint=did_you_mean(text, list(usable))))
    return text, usable[text]


def _last_event(data: dict, action: str) -> dict:
    found = [e for e in data.get("timeline") or [] if isinstance(e, dict) and e.get("action") == action]
    return found[-1] if found else {}


def line_label(line, lang: str) -> str:
    line = line if isinstance(line, Line) else Line(line)
    return pick(line.label, lang) if line.label else codes.field_label(line.key.rsplit(".", 1)[-1], lang)


def line_value(kind: Kind, line, data: dict, lang: str, reveal: bool) -> str:
    """A box's value as `show` reads it (`data`: the record as shown, masked unless revealed)."""
    from .. import output

    line = line if isinstance(line, Line) else Line(line)
    if line.value is not None:
        got = line.value(data, lang)
    elif line.event is not None:
        action, key = line.event
        raw = _last_event(data, action).get(key)
        # a code of the event (a callback's rating, an assignment's department): its label
        got = codes.label(key, raw, lang) if key in codes.CODES and raw else output.plain(kind, key, raw, lang)
    elif "." in line.key:
        found = values_at(data, line.key)
        got = output.plain(kind, line.key.rsplit(".", 1)[-1], found[0][1], lang) if found else ""
    else:
        got = output.value(kind, line.key, data, lang, reveal, show=True)
    return output.text(got, lang)


def _item_value(kind: Kind, column, item: dict, lang: str) -> str:
    from .. import output

    column = column if isinstance(column, Line) else Line(column)
    if column.value is not None:
        return output.text(column.value(item, lang), lang)
    return output.text(output.plain(kind, column.key, item.get(column.key), lang), lang)


def _household_name(office, kind: Kind, data: dict) -> str:
    """The first owner's name of the household the record names (for a letter's salutation)."""
    for key, target in kind.refs.items():
        if target != "owner" or not data.get(key):
            continue
        try:
            _kind, loaded = office.load(str(data[key]))
        except Exception:   # no household on file: the letter goes to the unit's owner unnamed
            return ""
        owners = loaded.data.get("owners") or []
        if owners and isinstance(owners[0], dict):
            return str(owners[0].get("name") or "")
    return ""


def day_text(day, lang: str) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


def office_name(office) -> str:
    return str(((office.config or {}).get("community") or {}).get("name") or "")


def document(office, record_id: str, form_name: str | None, lang: str, *, actor: str | None = None,
             reveal: bool = False) -> tuple[str, Document]:
    """The filled form `form_name` (None: the default) of a record, and its name."""
    from ...app import listing

    shown = listing.show(office, record_id, actor=actor, reveal=reveal)
    kind = KINDS[shown["kind"]]
    data = masked(shown["record"], reveal)
    name, form = choose(kind, data, form_name)
    issuer = office_name(office)
    doc = Document(title=pick(form.title, lang), office=issuer, record_id=str(data.get("id")), lang=lang,
                   id_label="编号" if lang == "zh" else "No.", date_label="日期" if lang == "zh" else "Date")
    values = {}
    for boxed, lines in ((True, form.lines), (False, form.values)):
        for line in lines:
            label, value = line_label(line, lang), line_value(kind, line, data, lang, reveal)
            values[(line.key if isinstance(line, Line) else line).rsplit(".", 1)[-1]] = value
            if boxed:
                doc.grid.append((label, value, isinstance(line, Line) and line.wide))
    if form.table:
        items = [i for i in data.get(form.table) or [] if isinstance(i, dict)]
        headers = [line_label(c, lang) for c in form.columns]
        rows = [[_item_value(kind, c, item, lang) for c in form.columns] for item in items]
        rows += [[""] * len(headers) for _ in range(max(0, form.rows - len(rows)))]
        doc.table = (codes.field_label(form.table, lang), headers, rows)
    today = day_text(office.now().date(), lang)
    values.update(office=issuer, id=doc.record_id, today=today, household=_household_name(office, kind, data))
    values.setdefault("unit", str(data.get("unit") or ""))
    if form.to:
        doc.to = pick(form.to, lang).format_map(_Blank(values))
    if form.letter:
        body = pick(form.letter, lang).format_map(_Blank(values))
        doc.letter = [p.strip() for p in body.strip().split("\n\n") if p.strip()]
        signer = (pick(form.sign_off, lang).format_map(_Blank(values)) if form.sign_off
                  else issuer + ("物业管理处" if lang == "zh" else " Property Management Office"))
        doc.sign_off = (signer, today)
    if form.note:
        doc.note = [p.strip() for p in pick(form.note, lang).strip().split("\n") if p.strip()]
    doc.signatures = [pick(s, lang) for s in form.signatures]
    return name, doc


class _Blank(dict):
    """A letter's values: a key with no value leaves a blank to fill by hand."""

    def __missing__(self, key):
        return "______"

    def __getitem__(self, key):
        got = super().__getitem__(key) if key in self else self.__missing__(key)
        return got if got not in ("", None) else "______"


def render(doc: Document, suffix: str) -> tuple[bytes, list[str]]:
    """The file's bytes and any warnings (characters no font could draw)."""
    if suffix == ".html":
        from .html import render as to_html

        return to_html(doc).encode("utf-8"), []
    from .pdf import render as to_pdf

    return to_pdf(doc)


def suffix_of(path: str) -> str:
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix not in FORMATS:
        raise BadValue(_("{path}: the output must end in .pdf or .html").format(path=path))
    return suffix


def write(path: str, content: bytes) -> None:
    """Whole or not at all, so a reader never sees half a PDF and a failed write leaves nothing."""
    from ...store.shared import write_output

    write_output(str(path), content)
