"""Importing an office's ticket history from a spreadsheet (CSV or .xlsx).

`import_tickets()` maps columns to ticket fields (`--map COLUMN=field`), reads local times in
the source's timezone (daylight saving handled by the IANA zone), maps source categories and
channels to ours (`--category-map`, `--channel-map`: `source: code` lines, `*` for the rest),
and writes closed and open tickets with their real times, keeping the source's own ID in
`source_id`. Rows it cannot take are reported with their line numbers; the rest are written
in batches of commits (each batch all or nothing). A source ID already imported is skipped
as a bad row, so running an import twice adds nothing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Mapping

from .office import acting
from ..domain import codes
from ..domain.kinds.ticket import KIND as TICKET
from ..errors import BadValue, did_you_mean
from ..i18n import _
from .spreadsheet import map_pairs, read_table
from ..store import yamlio
from ..store.office import Office
from ..store.transaction import Transaction, escape_controls
from .. import timeutil

TARGETS = ("source_id", "received_at", "closed_at", "category", "channel", "description", "place", "building",
           "unit", "reporter", "phone", "department", "result", "status")
JOINED = ("description", "result", "place")    # several columns may feed these, joined with ' / '
US_FORMS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")
DEFAULT_BATCH = 2000


@dataclass
class HistoryResult:
    written: list[str] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)
    rows: int = 0


def read_map(path: str | None, group: str) -> dict[str, str]:
    """`source value: our code` per line (YAML mapping or two-column CSV); `*` = the rest."""
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
    except OSError as exc:
        raise BadValue(_("{path}: cannot read ({error})").format(path=path, error=exc.strerror)) from None
    out: dict[str, str] = {}
    if path.lower().endswith(".csv"):
        import csv

        pairs = [row[:2] for row in csv.reader(text.splitlines()) if len(row) >= 2]
    else:
        try:
            data = yamlio.to_plain(yamlio.load_roundtrip(text))
        except yamlio.YamlProblem as exc:
            raise BadValue(f"{path}:{exc.line}:{exc.col}: {exc.message}") from None
        if not isinstance(data, dict):
            raise BadValue(_("{path}: expected 'source value: code' lines").format(path=path))
        pairs = list(data.items())
    for number, (source, target) in enumerate(pairs, start=1):
        try:
            out[str(source).strip()] = codes.resolve(group, str(target), what=group)
        except BadValue as exc:
            raise BadValue(f"{path}: {source}: {exc}") from None
    return out


def parse_local(text: str, tz, office_tz) -> datetime:
    """A source time in `tz`, as office time: ISO or the US month/day/year forms (strptime),
    else what dateutil reads (`timeutil.parse_loose`: 'Nov 1, 2014 3:05 PM', '2014-11-01 3:05 PM',
    '11/01/2014 15:05:00.250'), numbers month first as in the US forms, a zone only as an offset."""
    try:
        return timeutil.parse_time(text, tz, what="time", forms=US_FORMS + timeutil.LOCAL_FORMS).astimezone(office_tz)
    except BadValue:
        pass
    try:
        value = timeutil.parse_loose(text)
    except ValueError:
        raise ValueError(_("cannot read the time '{text}'").format(text=text)) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(office_tz).replace(microsecond=0)


def _columns(headings: list[str], mapping: Iterable[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for column, target in map_pairs(mapping, TARGETS):
        if column not in headings:
            raise BadValue(_("--map: no column '{column}' in the file{hint}").format(
                column=column, hint=did_you_mean(column, headings)))
        if target in out and target not in JOINED:
            raise BadValue(_("--map: two columns for {field}").format(field=target))
        out.setdefault(target, []).append(headings.index(column))
    for target in ("source_id", "received_at"):
        if target not in out:
            raise BadValue(_("--map: say which column is {field} (--map COLUMN={field})").format(field=target))
    return out


def _cell(cells: list, index: int) -> str:
    value = cells[index] if index < len(cells) else ""
    return "" if value is None else str(value).strip()


def import_tickets(office: Office, actor: str | None, path: str, *, mapping: Iterable[str], timezone: str,
                   category_map: str | None = None, channel_map: str | None = None, dry_run: bool = False,
                   batch: int = DEFAULT_BATCH, progress=None) -> HistoryResult:
    person = acting(office, actor)
    source_tz = timeutil.zone(timezone)
    categories = read_map(category_map, "category")
    channels = read_map(channel_map, "channel")
    headings, rows = read_table(path)
    columns = _columns(headings, mapping)
    known = {t.get("source_id") for t in office.index(TICKET).records() if t.get("source_id")}
    result = HistoryResult(rows=len(rows))
    name = os.path.basename(path)
    good: list[dict] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
        if not any(str(c).strip() for c in cells if c is not None):
            continue
        try:
            record = _record(cells, columns, source_tz, office.tz, categories, channels, person, name)
        except ValueError as exc:
            result.bad.append((number, str(exc)))
            continue
        sid = record["source_id"]
        if sid in seen:
            result.bad.append((number, _("source ID {id} repeats line {line}").format(id=sid, line=seen[sid])))
            continue
        seen[sid] = number
        if sid in known:
            result.bad.append((number, _("source ID {id} is already imported").format(id=sid)))
            continue
        good.append(record)
    if dry_run or not good:
        return result
    good.sort(key=lambda r: r["received_at"])
    counters: dict[str, int] = {}
    for start in range(0, len(good), batch):
        chunk = good[start:start + batch]
        with Transaction(office, person) as tx:
            ids = []
            for record in chunk:
                when = timeutil.read_iso(record["received_at"])
                stem = TICKET.stem(when, office.station)
                if stem not in counters:
                    counters[stem] = int(office.next_id(TICKET, when)[len(stem):]) - 1
                counters[stem] += 1
                rid = f"{stem}{counters[stem]:03d}"
                record = {"id": rid, **record}
                tx.create(TICKET.path_of(rid), yamlio.new_map(record))
                ids.append(rid)
            commit = tx.commit(f"import {len(ids)} tickets from {escape_controls(name)} ({start + 1}–{start + len(chunk)} of {len(good)})",
                               action="import", records=ids)
        result.commits.append(commit)
        result.written.extend(ids)
        if progress:
            progress(len(result.written), len(good))
    return result


def _record(cells, columns, source_tz, office_tz, categories, channels, person, name) -> dict:
    def one(target):
        return _cell(cells, columns[target][0]) if target in columns else ""

    def joined(target):
        return " / ".join(v for v in (_cell(cells, i) for i in columns.get(target, [])) if v)

    sid = one("source_id")
    if not sid:
        raise ValueError(_("no source ID"))
    opened_text = one("received_at")
    if not opened_text:
        raise ValueError(_("no opening time"))
    opened = parse_local(opened_text, source_tz, office_tz)
    closed_text = one("closed_at")
    closed = parse_local(closed_text, source_tz, office_tz) if closed_text else None
    if closed is not None and closed < opened:
        raise ValueError(_("closes ({closed}) before it opens ({opened})").format(closed=closed_text, opened=opened_text))
    source_category = one("category")
    category = _mapped(source_category, categories, "category")
    channel = _mapped(one("channel"), channels, "channel") if "channel" in columns else "phone"
    description = joined("description") or source_category
    if not description:
        raise ValueError(_("no description"))
    stamp = timeutil.iso(opened)
    record: dict = {"status": "closed" if closed else "received", "channel": channel, "category": category}
    if category == "complaint":
        record["severity"] = "general"
    record["urgency"] = "normal"
    reporter = {k: one(k) for k in ("reporter", "phone") if one(k)}
    if reporter:
        record["reporter"] = {"name" if k == "reporter" else k: v for k, v in reporter.items()}
    place = joined("place")
    unit = one("unit")
    if unit:
        record["unit"] = unit
    else:
        record["location"] = {k: v for k, v in (("building", one("building")), ("place", place or "-")) if v}
    record["description"] = description[:4000]
    if one("department"):
        record["department"] = codes.resolve("department", one("department"))
    record["escalation_level"] = 1 if category == "complaint" else 0
    record["received_at"] = stamp
    record["source_id"] = sid
    timeline = [{"at": stamp, "by": person["name"], "action": "receive", "note": f"imported from {name}"}]
    if closed:
        done = timeutil.iso(closed)
        record["result"] = joined("result")[:4000] or "closed in the source system"
        timeline += [{"at": done, "by": person["name"], "action": "resolve"},
                     {"at": done, "by": person["name"], "action": "close"}]
    record["timeline"] = timeline
    return record


def _mapped(value: str, table: Mapping[str, str], group: str) -> str:
    if value in table:
        return table[value]
    try:
        return codes.resolve(group, value, what=group)
    except BadValue:
        pass
    if "*" in table:
        return table["*"]
    raise ValueError(_("{what} '{value}' is not mapped (add it to --{group}-map, or a '*' line)").format(
        what=codes.noun(group), value=value, group=group))
