"""Importing an office's ticket history from a spreadsheet (CSV or .xlsx).

`import_tickets()` maps columns to ticket fields (`--map COLUMN=field`), reads local times in
the source's timezone (daylight saving handled by the IANA zone) with numbers in the order
`--date-order` gives, maps source categories, channels and statuses to ours (`--category-map`,
`--channel-map`: `source: code` lines, `*` for the rest; `--status-map SOURCE=status` on top
of the common words in DEFAULT_STATUSES), and writes received, resolved, closed and cancelled
tickets with their real times, keeping the source's own ID in `source_id` and its own
category in `source_category`.

Every problem of every row is collected (`spreadsheet.Refusals`); the header row may sit
below title rows. Like `import owners`: when a row is refused nothing is written unless
`skip_bad`, and then the other rows are. The rows taken are written in batches of commits
(each batch all or nothing). A source ID already imported is refused, so running an import
twice adds nothing.

An imported ticket carries only the events its source knew: its receipt, and its resolution
and closing, or its cancellation (`ticket.IMPORTED_ACTIONS`); no dispatch, no callback. A
source's "Referred Out" is a cancellation with that reason: the request left the office
unresolved, and SPEC has no other state for that.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Mapping

from .office import acting
from ..domain import codes
from ..domain.kinds.ticket import KIND as TICKET
from ..errors import BadValue, did_you_mean
from ..i18n import _
from .spreadsheet import (DEFAULT_DATE_ORDER, DATE_ORDERS, Refusals, RowError, RowProblem, map_pairs, position,
                          read_datetime, read_table, time_problem)
from ..store import yamlio
from ..store.office import Office
from ..store.transaction import Transaction, escape_controls
from .. import timeutil

TARGETS = ("source_id", "received_at", "closed_at", "category", "channel", "description", "place", "building",
           "unit", "reporter", "phone", "department", "result", "status")
JOINED = ("description", "result", "place")    # several columns may feed these, joined with ' / '
DEFAULT_BATCH = 2000
# What a source's status may become: open (received), or finished one way or another.
STATUS_TARGETS = ("received", "resolved", "closed", "cancelled")
# The common words of other systems, English and Chinese (compared case-blind). A source's
# 已完成 is final there, so closed here (our 'resolved' waits for a callback).
DEFAULT_STATUSES = {
    **dict.fromkeys(("open", "new", "pending", "in progress", "received", "待处理", "未处理", "处理中", "已受理",
                     "受理", "未完成", "未办结"), "received"),
    **dict.fromkeys(("closed", "completed", "complete", "resolved", "done", "已完成", "已关闭", "已办结", "办结",
                     "已解决", "已处理", "完成", "关闭", "已结案", "结案"), "closed"),
    **dict.fromkeys(("cancelled", "canceled", "duplicate", "withdrawn", "referred out", "referred", "已取消", "取消",
                     "作废", "已作废", "重复", "已撤销", "撤销", "转出", "已转出"), "cancelled"),
}


@dataclass
class HistoryResult:
    written: list[str] = field(default_factory=list)
    refused: Refusals = field(default_factory=Refusals)
    commits: list[str] = field(default_factory=list)
    rows: int = 0
    good: int = 0                  # rows that can be taken
    taken: int = 0                 # of them, those written (or to be, in a dry run): none when a row is bad
    batches: int = 0               # commits the good rows take at the batch size
    ignored: list[str] = field(default_factory=list)   # columns no field was mapped to

    @property
    def bad(self) -> list[tuple[int, str]]:
        """(position, every problem of the row) of each row not taken."""
        return self.refused.lines()


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


def _status_key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def status_map(pairs: Iterable[str]) -> dict[str, str]:
    """DEFAULT_STATUSES with `SOURCE=status` pairs on top (`*=closed` for the rest)."""
    out = dict(DEFAULT_STATUSES)
    for pair in pairs or ():
        if "=" not in pair:
            raise BadValue(_("--status-map needs SOURCE=status, not '{pair}'").format(pair=pair))
        source, target = (p.strip() for p in pair.rsplit("=", 1))
        out[_status_key(source) if source != "*" else "*"] = codes.resolve(
            "status", target, what="--status-map status", allowed=STATUS_TARGETS)
    return out


def parse_local(text, tz, office_tz, order: str = DEFAULT_DATE_ORDER) -> datetime:
    """A source time in `tz`, as office time (`spreadsheet.read_datetime`, numbers in `order`;
    a zone only as an offset). ValueError: the line saying why and which forms are read."""
    try:
        value = read_datetime(text, order)
    except ValueError as exc:
        raise ValueError(time_problem(text, exc)) from None
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


def _cell(cells: list, index: int):
    value = cells[index] if index < len(cells) else ""
    if value is None:
        return ""
    return value if isinstance(value, datetime) else str(value).strip()


@dataclass(frozen=True)
class _Maps:
    categories: Mapping[str, str]
    channels: Mapping[str, str]
    statuses: Mapping[str, str]
    source_tz: object
    office_tz: object
    order: str
    person: str
    name: str
    # (group, source value) → our code, or None: each value is looked up once, not per row
    resolved: dict = field(default_factory=dict)


def import_tickets(office: Office, actor: str | None, path: str, *, mapping: Iterable[str], timezone: str,
                   category_map: str | None = None, channel_map: str | None = None,
                   status_pairs: Iterable[str] = (), date_order: str = DEFAULT_DATE_ORDER, dry_run: bool = False,
                   skip_bad: bool = False, batch: int = DEFAULT_BATCH, progress=None) -> HistoryResult:
    person = acting(office, actor)
    if date_order not in DATE_ORDERS:
        raise BadValue(_("--date-order is one of {orders}, not '{order}'").format(orders=", ".join(DATE_ORDERS),
                                                                                   order=date_order))
    maps = _Maps(read_map(category_map, "category"), read_map(channel_map, "channel"), status_map(status_pairs),
                 timeutil.zone(timezone), office.tz, date_order, person["name"], os.path.basename(path))
    wanted = [column for column, _target in map_pairs(mapping, TARGETS)]
    table = read_table(path, lambda cells: bool(wanted) and all(c in cells for c in wanted))
    columns = _columns(table.headings, mapping)
    used = {i for indexes in columns.values() for i in indexes}
    known = imported_ids(office)
    result = HistoryResult(refused=Refusals(table.word),
                           ignored=[h for i, h in enumerate(table.headings) if i not in used and h])
    good: list[dict] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        if not any(str(c).strip() for c in cells if c is not None):
            continue
        result.rows += 1
        try:
            record = _record(cells, columns, maps)
        except RowError as exc:
            problems = exc.problems
            record = None
        else:
            problems = []
        sid = record["source_id"] if record else str(_cell(cells, columns["source_id"][0]))
        if sid and sid in seen:
            problems.append(RowProblem(_("source ID repeats"), _("source ID {sid} repeats {where}").format(
                sid=sid, where=position(table.word, seen[sid]))))
        elif sid and sid in known:
            problems.append(RowProblem(_("already imported"), _("source ID {sid} is already imported").format(sid=sid)))
        if sid:
            seen.setdefault(sid, number)
        if problems:
            result.refused.add(number, problems)
            continue
        good.append(record)
    result.good = len(good)
    result.taken = len(good) if (skip_bad or not result.refused) else 0
    result.batches = math.ceil(len(good) / batch)
    if dry_run or not result.taken:
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
                # staged as plain data: written as yamlio.new_map(record) would be, without the tree
                tx.create(TICKET.path_of(rid), {"id": rid, **record})
                ids.append(rid)
            commit = tx.commit(f"import {len(ids)} tickets from {escape_controls(maps.name)} "
                               f"({start + 1}–{start + len(chunk)} of {len(good)})", action="import", records=ids)
        result.commits.append(commit)
        result.written.extend(ids)
        if progress:
            progress(len(result.written), len(good))
    return result


def imported_ids(office: Office) -> set[str]:
    """The source IDs of the tickets in the office (what the files in the work tree hold).

    Only the files that mention `source_id` are looked at (one `git grep` over the tickets
    folder, tracked and untracked files): at 100,000 tickets, decoding every record from the
    index would take seconds and hundreds of MB for the few (or none) that were imported. A
    file whose only mention is a top-level `source_id: VALUE` line, as the tool writes it, is
    read from that line; any other is parsed whole."""
    from ..domain.kinds import kind_of_path
    from ..store import fastyaml, git

    folder = office.prefix + TICKET.folder + "/"
    found = git.run(office.top, ["grep", "-z", "-F", "-I", "--untracked", "-e", "source_id", "--", folder],
                    check=False)
    if found.returncode not in (0, 1):    # (1: nothing found)
        return {t["source_id"] for t in office.index(TICKET).records() if t.get("source_id")}
    lines: dict[str, list[bytes]] = {}
    for entry in found.stdout.split(b"\n"):
        path, nul, line = entry.partition(b"\0")
        if nul:
            lines.setdefault(path.decode("utf-8", "surrogateescape"), []).append(line)
    out: set[str] = set()
    cut = len(office.prefix)
    for path, mentions in lines.items():
        rel = path[cut:]
        if not rel.endswith(".yaml") or kind_of_path(rel) is not TICKET:
            continue
        value = None
        if len(mentions) == 1 and mentions[0].startswith(b"source_id: "):
            try:
                value = fastyaml.load(mentions[0].decode("utf-8")).get("source_id")
            except Exception:   # (not one line of YAML by itself: the whole file says)
                value = None
        if not isinstance(value, str) or not value:
            try:
                with open(office.abspath(rel), "rb") as fh:
                    data = fastyaml.load(yamlio.decode(fh.read()))
            except Exception:    # unreadable: `validate` reports it; it imported nothing we can see
                continue
            value = data.get("source_id") if isinstance(data, dict) else None
        if isinstance(value, str) and value:
            out.add(value)
    return out


def _record(cells, columns, maps: _Maps) -> dict:
    """The ticket of a row, or RowError with every problem of the row."""
    problems: list[RowProblem] = []

    def one(target):
        return _cell(cells, columns[target][0]) if target in columns else ""

    def joined(target):
        return " / ".join(v for v in (str(_cell(cells, i)) for i in columns.get(target, [])) if v)

    def when(target, label):
        text = one(target)
        if text == "":
            return None
        try:
            return parse_local(text, maps.source_tz, maps.office_tz, maps.order)
        except ValueError as exc:
            problems.append(RowProblem(_("cannot read the time"), f"{label}: {exc}"))
            return None

    sid = str(one("source_id"))
    if not sid:
        problems.append(RowProblem(_("no source ID"), _("no source ID")))
    if one("received_at") == "":
        problems.append(RowProblem(_("no opening time"), _("no opening time")))
    opened = when("received_at", "received_at")
    closed = when("closed_at", "closed_at")
    if opened and closed and closed < opened:
        problems.append(RowProblem(_("closes before it opens"), _("closes ({closed}) before it opens ({opened})").format(
            closed=one("closed_at"), opened=one("received_at"))))
    status = _status(one("status"), bool(one("closed_at")), "status" in columns, maps.statuses, problems)
    source_category = str(one("category"))
    category = _mapped(source_category, maps.categories, "category", problems, maps.resolved)
    channel = (_mapped(str(one("channel")), maps.channels, "channel", problems, maps.resolved)
               if "channel" in columns else "phone")
    department = None
    if one("department"):
        department = _mapped(str(one("department")), {}, "department", problems, maps.resolved)
    description = joined("description") or source_category
    if not description:
        problems.append(RowProblem(_("no description"), _("no description")))
    if problems:
        raise RowError(problems)

    stamp = timeutil.iso(opened)
    record: dict = {"status": status, "channel": channel, "category": category}
    if source_category:
        record["source_category"] = source_category[:200]
    if category == "complaint":
        record["severity"] = "general"
    record["urgency"] = "normal"
    reporter = {k: str(one(k)) for k in ("reporter", "phone") if one(k)}
    if reporter:
        record["reporter"] = {"name" if k == "reporter" else k: v for k, v in reporter.items()}
    place = joined("place")
    unit = str(one("unit"))
    if unit:
        record["unit"] = unit
    else:
        record["location"] = {k: v for k, v in (("building", str(one("building"))), ("place", place or "-")) if v}
    record["description"] = description[:4000]
    if department:
        record["department"] = department
    record["escalation_level"] = 1 if category == "complaint" else 0
    record["received_at"] = stamp
    record["source_id"] = sid
    by = maps.person
    timeline = [{"at": stamp, "by": by, "action": "receive", "note": f"imported from {maps.name}"}]
    if status in ("resolved", "closed"):
        done = timeutil.iso(closed)
        record["result"] = joined("result")[:4000] or "closed in the source system"
        timeline.append({"at": done, "by": by, "action": "resolve"})
        if status == "closed":
            timeline.append({"at": done, "by": by, "action": "close"})
    elif status == "cancelled":
        # the cancellation's reason is the source's own word for it (Cancelled, Referred Out …)
        timeline.append({"at": timeutil.iso(closed or opened), "by": by, "action": "cancel",
                         "note": str(one("status")) or "cancelled in the source system"})
    record["timeline"] = timeline
    return record


def _status(source: str, has_closed: bool, mapped: bool, table: Mapping[str, str], problems: list) -> str:
    """Our status for a row: the source's status through the map when a column is mapped to
    status (an open status with a closing time, or a finished one without, is a problem);
    otherwise closed when the row has a closing time, else received."""
    if not mapped:
        return "closed" if has_closed else "received"
    source = str(source)
    if not source:
        problems.append(RowProblem(_("no status"), _("no status")))
        return "received"
    status = table.get(_status_key(source)) or table.get("*")
    if status is None:
        problems.append(RowProblem(_("status not mapped"),
                                   _("status '{value}' is not mapped (add it: --status-map '{value}=closed', "
                                     "or received, resolved, cancelled)").format(value=source),
                                   ("status", source)))
        return "received"
    if status == "received" and has_closed:
        problems.append(RowProblem(_("open with a closing time"),
                                   _("status '{value}' is open but the row has a closing time").format(value=source)))
    if status in ("resolved", "closed") and not has_closed:
        problems.append(RowProblem(_("finished without a closing time"),
                                   _("status '{value}' is {status} but the row has no closing time (closed_at)").format(
                                       value=source, status=status)))
    return status


def _mapped(value: str, table: Mapping[str, str], group: str, problems: list, resolved: dict | None = None) -> str:
    if value in table:
        return table[value]
    key = (group, value)
    if resolved is not None and key in resolved:
        code = resolved[key]
    else:
        try:
            code = codes.resolve(group, value, what=group)
        except BadValue:
            code = None
        if resolved is not None:
            resolved[key] = code
    if code is not None:
        return code
    if "*" in table:
        return table["*"]
    hint = (_("add it to --{group}-map, or a '*' line").format(group=group) if group != "department"
            else _("departments: {codes}").format(codes=", ".join(codes.choices("department"))))
    problems.append(RowProblem(_("{what} not mapped").format(what=codes.noun(group)),
                               _("{what} '{value}' is not mapped ({hint})").format(what=codes.noun(group), value=value, hint=hint),
                               (group, value)))
    return ""
