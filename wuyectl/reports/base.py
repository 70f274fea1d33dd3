"""The building blocks every report shares."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any, Iterable

from ..domain import codes, sla
from ..domain.kinds import KINDS, Figure as KindFigure, kind_named
from ..domain.kinds.ticket import IMPORTED_ACTIONS, WORKFLOW as TICKET_WORKFLOW
from ..timeutil import read_iso, short  # noqa: F401  (short: the reports' times, in the office's zone)


@dataclass(frozen=True)
class Period:
    """Inclusive days [first, last] in the office timezone."""

    first: date
    last: date
    tz: Any

    @cached_property   # (asked once per record by `holds`)
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=self.tz)

    @cached_property
    def end(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=self.tz)

    def holds(self, stamp: str | None) -> bool:
        if not stamp:
            return False
        return self.start <= read_iso(stamp) < self.end

    def happened(self, stamp: str | None, as_of: datetime) -> bool:
        """An event of the period that had happened by the as-of time."""
        return self.holds(stamp) and read_iso(stamp) <= as_of

    def as_dict(self) -> dict:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


class Figure(KindFigure):
    """A rate or count, defined once (`domain.kinds.Figure`): shown in the report's --help and
    computed by `value`."""

    def help(self) -> str:
        text = f"{self.en} ({self.zh}) = {self.numerator}"
        if self.denominator:
            text += f" ÷ {self.denominator} × 100%"
        if self.excludes:
            text += f"; excludes {self.excludes}"
        if not unsupported_by_imports(self.measures):
            return text
        return text + f"; imported tickets with only their source's events are left out ({IMPORTED['en']} if none is left)"


# Imported history carries only the events its import wrote (ticket.IMPORTED_ACTIONS): its
# receipt, resolution and closing, or cancellation. A figure measured by any other event
# (dispatch, callbacks, the time-limit clocks) cannot be judged on such a ticket: the figure
# leaves it out, and reads IMPORTED when that leaves nothing to count. One rule, every figure.
IMPORTED = {"zh": "不适用（导入）", "en": "n/a (imported)"}
CLOCK_EVENTS = ("assign", "contact", "arrive", "progress", "report_back", "notify", "callback")   # what clocks wait for


def unsupported_by_imports(measures: Iterable[str]) -> bool:
    return bool(set(measures) - set(IMPORTED_ACTIONS))


def source_only(ticket: dict) -> bool:
    """An imported ticket (source_id) with no event but those its import wrote."""
    return bool(ticket.get("source_id")) and all(
        e.get("action") in IMPORTED_ACTIONS for e in ticket.get("timeline") or [] if isinstance(e, dict))


def judged(tickets: Iterable[dict], measures: Iterable[str]) -> tuple[list[dict], int]:
    """The tickets a figure measured by `measures` can judge, and how many imported ones it
    leaves out for carrying only their source's events."""
    tickets = list(tickets)
    if not unsupported_by_imports(measures):
        return tickets, 0
    kept = [t for t in tickets if not source_only(t)]
    return kept, len(tickets) - len(kept)


class Percent(str):
    """A rate: the text a person reads ('87.5%' with one decimal, 'n/a' when there is nothing
    to divide by), which tables, CSV and the JSON show, carrying its number (`fraction`: 0.875,
    or None), which xlsx writes as a number formatted 0.0% so that it sums and charts. (In CSV
    the text stays: Excel reads '87.5%' as the number 0.875 shown as a percentage.)"""

    fraction: float | None

    def __new__(cls, text: str, fraction: float | None):
        made = super().__new__(cls, text)
        made.fraction = fraction
        return made

    @classmethod
    def points(cls, value: float | None) -> "Percent":
        """From percentage points: 87.5 → '87.5%' (0.875)."""
        return cls("n/a", None) if value is None else cls(f"{value:.1f}%", value / 100)


def percent(numerator: int, denominator: int) -> Percent:
    """'87.5%' with one decimal; 'n/a' when there is nothing to divide by."""
    if not denominator:
        return Percent("n/a", None)
    return Percent(f"{numerator * 100 / denominator:.1f}%", numerator / denominator)


def rate(numerator: int, denominator: int) -> float | None:
    return round(numerator * 100 / denominator, 1) if denominator else None


@dataclass
class Section:
    """One table: `columns` are keys (stable, English); `headings` are what a person reads."""

    name: str
    title: str
    columns: list[str]
    headings: list[str]
    rows: list[list]
    keys: list[str] | None = None    # a stable code per row (e.g. 'repair'), for JSON

    def as_dicts(self) -> list[dict]:
        if self.keys is None:
            return [dict(zip(self.columns, row)) for row in self.rows]
        return [{"key": key, **dict(zip(self.columns, row))} for key, row in zip(self.keys, self.rows)]


@dataclass
class Report:
    name: str
    title: str
    period: Period | None
    as_of: datetime
    sections: list[Section] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    def section(self, name: str) -> Section:
        return next(s for s in self.sections if s.name == name)


class OfficeData:
    """The records a report reads, loaded once each, through the store's cached read path."""

    def __init__(self, office, period: "Period | None" = None, *, with_open: bool = True):
        self.office = office
        self.with_open = with_open
        # A report of a period needs the tickets alive in it (received by its end, with
        # something on their timeline since its start) and every open ticket; the index
        # answers that without decoding the rest.
        self.period = period
        self.left_out = 0
        self._loaded: dict[str, list[dict]] = {}

    def records(self, kind_name: str) -> list[dict]:
        """Every usable record of a kind (loaded once)."""
        if kind_name not in self._loaded:
            self._loaded[kind_name] = self.usable(self.office.index(kind_named(kind_name)).records())
        return self._loaded[kind_name]

    def usable(self, records: list[dict]) -> list[dict]:
        """Records whose times can be read; the others are left out and counted (a report
        works on what is sound and says how much it left out, instead of failing)."""
        out = [record for record in records if readable_times(record)]
        self.left_out += len(records) - len(out)
        return out

    def _alive(self) -> tuple[str, str, bool] | None:
        """The index's filter for the tickets a report of the period reads."""
        if self.period is None:
            return None
        # Stored times carry the office offset, so they compare as text; a record written with
        # another offset is caught by the one-day margins.
        day = timedelta(days=1)
        return ((self.period.start - day).isoformat(timespec="seconds"),
                (self.period.end + day).isoformat(timespec="seconds"), self.with_open)

    @cached_property
    def tickets(self) -> list[dict]:
        if self.period is None:
            return self.records("ticket")
        return self.usable(self.office.index(kind_named("ticket")).records(alive=self._alive()))

    def ticket_summaries(self, name: str, summarize, as_of: datetime, rules: Iterable) -> list:
        """What summarize(ticket) makes of each of the usable `tickets`, in the same order.
        summarize gives (summary, since): `since` (a datetime, or None) is when the summary
        stops depending on the as-of time (`sla.steady_from`). Such a summary is kept in the
        index by the ticket's blob id, under a key of the code of the modules `rules` and the
        office's policy, and read back instead of the ticket for any later as-of time: a
        month's report decodes and clocks only the tickets that changed or still run."""
        at = as_of.timestamp()

        def one(ticket):
            if not readable_times(ticket):
                return None, 0.0   # left out, whenever asked
            summary, since = summarize(ticket)
            return summary, (since.timestamp() if since is not None and since <= as_of else None)

        found = self.office.index(kind_named("ticket")).summaries(
            name, rules_key(rules, self.office.policy), one, at, alive=self._alive())
        self.left_out += sum(1 for summary in found if summary is None)
        return [summary for summary in found if summary is not None]

    @property
    def visits(self) -> list[dict]:
        return self.records("visit")

    @property
    def owners(self) -> list[dict]:
        return self.records("owner")

    @property
    def violations(self) -> list[dict]:
        return self.records("violation")

    @property
    def archive(self) -> list[dict]:
        return self.records("archive")

    @property
    def surveys(self) -> list[dict]:
        return self.records("survey")

    @property
    def staff(self) -> list[dict]:
        return self.office.config.get("staff", [])

    @property
    def policy(self):
        return self.office.policy

    def clocks(self, ticket: dict, as_of: datetime) -> list[dict]:
        return sla.clocks(ticket, as_of, self.office.policy)


_OPENED = tuple({k.opened_field for k in KINDS.values() if k.opened_field and k.opened_field.endswith("_at")})


def readable_times(record: dict) -> bool:
    """Whether a record's times (when it was opened, its timeline's) can be read."""
    try:
        for key in _OPENED:
            if key in record:
                read_iso(record[key])
        for event in record.get("timeline") or []:
            read_iso(event["at"])
        return True
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


def rules_key(modules: Iterable, policy) -> str:
    """A key of what a kept summary depends on besides the record: the code of the modules
    that compute it (their source files; the version where there is none) and the policy."""
    import hashlib

    from .. import __version__

    digest = hashlib.sha1(repr(policy).encode("utf-8"))
    for module in modules:
        try:
            with open(module.__file__, "rb") as fh:
                digest.update(fh.read())
        except (AttributeError, TypeError, OSError):
            digest.update(f"{module.__name__} {__version__}".encode("utf-8"))
    return digest.hexdigest()[:20]


def events(ticket: dict, action: str | tuple, as_of: datetime | None = None) -> list[dict]:
    """Timeline events of `action` (up to `as_of`)."""
    actions = (action,) if isinstance(action, str) else action
    return [e for e in ticket.get("timeline") or []
            if e.get("action") in actions and (as_of is None or read_iso(e["at"]) <= as_of)]


def state_at(workflow, record: dict, as_of: datetime) -> str:
    """The state a record had at `as_of`: its timeline up to then replayed by its workflow."""
    timeline = sorted(record.get("timeline") or [], key=lambda e: read_iso(e["at"]))
    return workflow.replay(e for e in timeline if read_iso(e["at"]) <= as_of)


def status_at(ticket: dict, as_of: datetime) -> str:
    """The status a ticket had at `as_of`."""
    return state_at(TICKET_WORKFLOW, ticket, as_of)


def counts(name: str, title: tuple[str, str], column: str, counter: dict, group: str | None, lang: str,
           order: Iterable[str] | None = None) -> Section:
    """A two-column section: a code's label and its count (every code of `order`, zeros too)."""
    keys = list(order) if order is not None else sorted(counter)
    rows = [[codes.label(group, k, lang) if group else k, counter.get(k, 0)] for k in keys]
    return section(name, title, [column, "count"], rows, lang, keys=[str(k) for k in keys])


def figures_section(figures: list[tuple], lang: str, name: str = "figures",
                    title: tuple[str, str] = ("指标", "Figures")) -> Section:
    """figure | value | numerator | denominator; value is a count or a percentage. An entry is
    (figure, numerator, denominator[, imported tickets left out]): a rate with nothing to divide
    by because imported tickets were left out (`judged`) reads IMPORTED."""
    rows = []
    for figure, numerator, denominator, *rest in figures:
        left_out = rest[0] if rest else 0
        if figure.denominator is None:
            value = numerator
        elif not denominator and left_out:
            value = IMPORTED[lang]
        else:
            value = percent(numerator, denominator or 0)
        rows.append([figure.label(lang), value, numerator, denominator if figure.denominator else None])
    return section(name, title, ["figure", "value", "numerator", "denominator"], rows, lang,
                   keys=[entry[0].key for entry in figures])


def heading(key: str, lang: str) -> str:
    """A column's heading: the reports' own, else the field's label (a kind's `labels`)."""
    if key in HEADINGS:
        return HEADINGS[key][0 if lang == "zh" else 1]
    return codes.field_label(key, lang)


HEADINGS = {
    "figure": ("指标", "figure"), "value": ("数值", "value"), "numerator": ("分子", "numerator"),
    "denominator": ("分母", "denominator"), "category": ("类别", "category"), "channel": ("渠道", "channel"),
    "count": ("数量", "count"), "stage": ("环节", "stage"), "due": ("计时中", "due"), "met": ("按时", "met"),
    "breached": ("超时", "breached"), "pending": ("未开始", "pending"), "id": ("编号", "ID"),
    "due_at": ("时限", "due at"), "overdue_by": ("超时", "overdue by"), "assignee": ("处理人", "assignee"),
    "status": ("状态", "status"), "unit": ("房号/位置", "unit/place"), "rating": ("评价", "rating"),
    "department": ("部门", "department"), "person": ("人员", "person"), "assigned": ("派单", "assigned"),
    "resolved": ("完成", "resolved"), "satisfaction": ("满意率", "satisfaction"), "callbacks": ("回访", "callbacks"),
    "severity": ("程度", "severity"), "outcome": ("结果", "outcome"), "item": ("项目", "item"),
"not_dissatisfied": ("非不满意", "not dissatisfied"), "rate": ("满意率", "rate"),
    "adjusted": ("调整后", "adjusted"), "at": ("时间", "at"), "action": ("事项", "event"),
    "description": ("内容", "description"), "next_due": ("下一时限", "next due"), "level": ("级别", "level"),
    "by": ("经办人", "by"), "ticket": ("工单", "ticket"), "method": ("方式", "method"),
    "visited_at": ("回访时间", "visited"), "visitor": ("回访人", "visitor"), "step": ("措施", "step"),
    "deadline": ("期限", "deadline"), "retain_until": ("保存至", "keep until"), "title": ("题名", "title"),
    "location": ("位置", "location"), "borrower": ("借阅人", "borrower"), "lent_at": ("借出", "lent"),
    "destroy_after": ("可销毁日期", "destroy after"), "medium": ("载体", "medium"),
    "confidential": ("保密", "confidential"), "filed_on": ("归档日期", "filed"), "reporter": ("报告人", "reporter"),
    "received_at": ("受理时间", "received"), "timeliness": ("及时", "timeliness"), "quality": ("质量", "quality"),
    "fee": ("收费", "fees"), "attitude": ("态度", "attitude"), "overall": ("总体", "overall"),
    "note": ("说明", "note"), "days": ("天数", "days"), "median_seconds": ("中位数(秒)", "median (s)"),
    "median": ("中位数", "median"), "p90_seconds": ("90分位(秒)", "p90 (s)"), "p90": ("90分位", "p90"),
    "within_24h_count": ("24小时内(件)", "within 24 h (n)"), "within_72h_count": ("72小时内(件)", "within 72 h (n)"),
    "source_category": ("原类别", "source category"),
    "kind": ("记录类别", "kind"), "total": ("总数", "total"), "opened": ("本期新增", "opened"),
    "open": ("未结", "open"), "overdue": ("逾期", "overdue"), "state": ("状态", "state"),
    "within_24h": ("24小时内", "within 24 h"), "within_72h": ("72小时内", "within 72 h"), "forms": ("回收份数", "forms"),
    "rated": ("评价份数", "rated"),
}


def section(name: str, title: tuple[str, str], columns: list[str], rows: list[list], lang: str,
            keys: list[str] | None = None) -> Section:
    return Section(name, title[0] if lang == "zh" else title[1], columns, [heading(c, lang) for c in columns],
                   rows, keys)


def kind_tables(kind, part, lang: str) -> list[Section]:
    """A kind's tables of a desk report or the handover sheet (`DeskPart.tables`), each a section
    named `<kind>.<table>`."""
    return [section(f"{kind.name}.{table}", heading, list(columns), rows, lang)
            for table, heading, columns, rows in part.tables]


def new_report(name: str, title: tuple[str, str], period, as_of, lang: str) -> Report:
    return Report(name, title[0] if lang == "zh" else title[1], period, as_of, meta={"lang": lang})


def received_in(data: OfficeData, period: Period, as_of: datetime) -> list[dict]:
    """Tickets received in the period (and by the as-of time), each once."""
    return [t for t in data.tickets if period.happened(t.get("received_at"), as_of)]

