"""The company's view over many offices (issue 15 §6; docs/company.md).

1. `load(path)` reads the company file (company.yaml: the company's name and its offices, each
   a name and a git remote), checked against schemas/company.schema.json.
2. `fetch(office, cache)` brings each office read-only into the company's cache: one clone per
   remote (`<cache>/<sha1 of the remote>`), updated by a shallow `git fetch` of the branch and a
   reset of the clone's own work tree. Nothing is ever pushed; the office repos are only read
   (git upload-pack). The clone keeps its own record index (.git/wuyectl/index.sqlite, keyed by
   blob ids), so a warm run parses no record that did not change.
3. `office_reports(...)` builds one report per reachable office (in worker processes when there
   are several), name → `OfficeResult` — what a dashboard of the offices charts.
4. `combine(...)` makes the company's report of them, one rule per shape of section:
   - figures (figure | value | numerator | denominator): one row per office, each figure's
     value and its rank, and a totals row recomputed from the summed numerators and
     denominators (never an average of rates); their numerators and denominators in
     `<section>.counts`;
   - counts (a code | count): one row per code, a column per office and their total;
   - any other table: the office's name as a first column, the offices' rows one after another
     in the company file's order.
   An office that could not be fetched is named in the `offices` section with the reason, and
   left out of everything else (with `stale_ok`, its last fetched copy is used instead and the
   row says as of when).
"""
from __future__ import annotations

import copyreg
import hashlib
import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction

from ..errors import Invalid, NotFound, Problem, RepoError
from ..i18n import _
from ..reports.base import Percent, Report, Section, percent

COMPANY_FILE = "company.yaml"
ENV = "WUYECTL_COMPANY"
DEFAULT_CACHE = ".wuyectl-company"
DEFAULT_TZ = "Asia/Shanghai"
TIP_REF = "refs/wuyectl/company/tip"
FETCH_NOTE = os.path.join("wuyectl", "company-fetch.json")
FETCH_TIMEOUT_S = 120

# A rate travels between processes with its number (Percent's constructor takes both).
copyreg.pickle(Percent, lambda p: (Percent, (str(p), p.fraction)))


@dataclass(frozen=True)
class OfficeSpec:
    name: str
    remote: str                    # as written in the company file
    url: str                       # what git is given (a relative path made absolute)
    branch: str | None = None


@dataclass(frozen=True)
class Company:
    name: str
    path: str                      # the company file
    offices: tuple[OfficeSpec, ...]
    cache: str                     # folder of the offices' clones
    timezone: str = DEFAULT_TZ


# -- the company file ---------------------------------------------------------------------------
def company_path(path: str | None = None) -> str:
    """--company, else WUYECTL_COMPANY, else ./company.yaml."""
    return os.path.abspath(path or os.environ.get(ENV) or COMPANY_FILE)


def load(path: str | None = None) -> Company:
    from ..store import schema, yamlio

    path = company_path(path)
    shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
    try:
        with open(path, "rb") as fh:
            raw = fh.read(yamlio.MAX_BYTES + 1)
    except FileNotFoundError:
        raise NotFound(_("{path}: no such company file (give --company FILE or set {env})").format(
            path=shown, env=ENV)) from None
    except IsADirectoryError:
        raise NotFound(_("{path}: is a folder, not a company file").format(path=shown)) from None
    except OSError as exc:
        raise RepoError(_("{path}: cannot read ({error})").format(path=shown, error=exc.strerror)) from None
    try:
        rt = yamlio.load_roundtrip(yamlio.decode(raw))
        data = yamlio.to_plain(rt)
    except yamlio.YamlProblem as exc:
        raise Invalid([exc.problem(shown)]) from None
    if not isinstance(data, dict):
        raise Invalid([Problem(shown, 1, 1, _("a company file must be a YAML mapping (company:, offices:)"), "V-yaml")])
    found = schema.problems(data, "company")
    if found:
        raise Invalid([Problem(shown, *yamlio.location(rt, p), m, "V-schema") for p, m in found])
    for key in ("name", "remote"):
        seen: dict[str, int] = {}
        for i, office in enumerate(data["offices"]):
            if office[key] in seen:
                raise Invalid([Problem(shown, *yamlio.location(rt, ("offices", i, key)),
                                       _("offices {i} and {j} have the same {key} '{value}'").format(
                                           i=seen[office[key]], j=i, key=key, value=office[key]), "V-schema")])
            seen[office[key]] = i
    if "timezone" in data:
        from ..errors import BadValue
        from ..timeutil import zone

        try:
            zone(data["timezone"])
        except BadValue as exc:
            raise Invalid([Problem(shown, *yamlio.location(rt, ("timezone",)), str(exc), "V-schema")]) from None
    here = os.path.dirname(path)
    offices = tuple(OfficeSpec(o["name"], o["remote"], _url(o["remote"], here), o.get("branch"))
                    for o in data["offices"])
    return Company(data["company"], path, offices, os.path.join(here, data.get("cache", DEFAULT_CACHE)),
                   data.get("timezone", DEFAULT_TZ))


def _url(remote: str, here: str) -> str:
    """A remote as git is to be given it: a URL (scheme://, or scp-like user@host:path) as
    written; a path relative to the company file's folder."""
    if "://" in remote:
        return remote
    colon, slash = remote.find(":"), remote.find("/")
    if colon > 0 and (slash < 0 or colon < slash) and not os.path.exists(remote):
        return remote            # host:path (ssh)
    return os.path.normpath(os.path.join(here, os.path.expanduser(remote)))


# -- fetching ---------------------------------------------------------------------------------
@dataclass
class Fetched:
    office: OfficeSpec
    clone: str
    status: str                    # ok | stale (unreachable, its last copy used) | unreachable
    commit: str | None = None
    fetched_at: str | None = None  # when the copy used was fetched (UTC, ISO)
    reason: str = ""               # why it could not be fetched now
    seconds: float = 0.0           # the fetch and the update of the copy took (benchmarks)


def clone_of(company: Company, office: OfficeSpec) -> str:
    return os.path.join(company.cache, hashlib.sha1(office.url.encode("utf-8")).hexdigest()[:16])


def _git(folder: str, args: list[str], *, timeout: float | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "LC_ALL": "C"}
    if "GIT_SSH_COMMAND" not in env and "GIT_SSH" not in env:
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"     # never a password prompt in a report
    return subprocess.run(["git", "-C", folder, *args], capture_output=True, stdin=subprocess.DEVNULL, env=env,
                          timeout=timeout)


_BOILERPLATE = ("fatal: Could not read from remote repository.", "Please make sure you have the correct access rights",
                "and the repository exists.")


def _reason(proc: subprocess.CompletedProcess) -> str:
    """Why git could not fetch, in one line: the first thing said that is not git's boilerplate
    after a failed connection (so the server's or ssh's own words: gitolite's `FATAL: … DENIED`,
    `ssh: connect to host … Connection refused`, `'…' does not appear to be a git repository`)."""
    lines = [line.strip() for line in proc.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    said = [line for line in lines if not line.startswith(_BOILERPLATE)] or lines or ["git failed"]
    text = said[0]
    for prefix in ("fatal: ", "error: "):
        text = text[len(prefix):] if text.startswith(prefix) else text
    return text[:300]


def _note_path(clone: str) -> str:
    return os.path.join(clone, ".git", FETCH_NOTE)


def last_fetch(clone: str) -> dict | None:
    try:
        with open(_note_path(clone), encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def fetch(company: Company, office: OfficeSpec, *, stale_ok: bool = False) -> Fetched:
    """The office's copy in the cache brought up to its remote (read-only: a shallow fetch of one
    branch, then the clone's own work tree reset to it). Unreachable: said why; with `stale_ok`
    the last fetched copy stands in (status stale)."""
    started = time.perf_counter()
    fetched = _fetch(company, office, stale_ok)
    fetched.seconds = time.perf_counter() - started
    return fetched


def _fetch(company: Company, office: OfficeSpec, stale_ok: bool) -> Fetched:
    clone = clone_of(company, office)
    if not os.path.isdir(os.path.join(clone, ".git")):
        os.makedirs(clone, exist_ok=True)
        proc = _git(clone, ["init", "-q"])
        if proc.returncode:
            raise RepoError(_("{path}: cannot make the office's copy: {error}").format(path=clone, error=_reason(proc)))
    source = f"refs/heads/{office.branch}" if office.branch else "HEAD"
    try:
        proc = _git(clone, ["-c", "gc.auto=0", "-c", "maintenance.auto=false", "fetch", "--quiet", "--no-tags",
                            "--no-write-fetch-head", "--depth=1", "--", office.url, f"+{source}:{TIP_REF}"],
                    timeout=FETCH_TIMEOUT_S)
        reason = _reason(proc) if proc.returncode else ""
    except subprocess.TimeoutExpired:
        reason = _("no answer in {seconds} s").format(seconds=FETCH_TIMEOUT_S)
    if reason:
        before = last_fetch(clone)
        if stale_ok and before and os.path.isfile(os.path.join(clone, "wuye.yaml")):
            return Fetched(office, clone, "stale", before.get("commit"), before.get("fetched_at"), reason)
        return Fetched(office, clone, "unreachable", reason=reason)
    tip = _git(clone, ["rev-parse", "--verify", "-q", TIP_REF]).stdout.decode().strip()
    head = _git(clone, ["rev-parse", "--verify", "-q", "HEAD"]).stdout.decode().strip()
    if tip != head or not os.path.isfile(os.path.join(clone, "wuye.yaml")):
        proc = _git(clone, ["-c", "gc.auto=0", "reset", "-q", "--hard", tip])
        if proc.returncode:
            raise RepoError(_("{path}: cannot update the office's copy: {error}").format(path=clone, error=_reason(proc)))
    if not os.path.isfile(os.path.join(clone, "wuye.yaml")):
        return Fetched(office, clone, "unreachable", reason=_("not an office repo (no wuye.yaml on its branch)"))
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    os.makedirs(os.path.dirname(_note_path(clone)), exist_ok=True)
    with open(_note_path(clone), "w", encoding="utf-8") as fh:
        json.dump({"remote": office.url, "commit": tip, "fetched_at": when}, fh)
    return Fetched(office, clone, "ok", tip, when)


# -- one office's report ------------------------------------------------------------------------
@dataclass
class Ask:
    """What report to build, the same for every office: its name, the period and the as-of time
    (resolved once, in the company's timezone), the language, the report's own options."""

    name: str
    period: object
    as_of: datetime
    lang: str
    options: dict = field(default_factory=dict)


@dataclass
class OfficeResult:
    fetched: Fetched
    report: Report | None = None
    left_out: int = 0              # records with unreadable times the report left out
    error: str = ""                # no report of this office: why (a bad config, no such campaign there …)
    error_code: int = 0            # the exit code of that error
    seconds: float = 0.0           # building its report took (benchmarks)

    @property
    def name(self) -> str:
        return self.fetched.office.name

    @property
    def counted(self) -> bool:
        return self.report is not None


def build_one(clone: str, ask: Ask) -> tuple[Report, int]:
    """The report of the office in `clone` (through its own cached index), made as `wuyectl
    report NAME` makes it there."""
    from .. import i18n
    from ..reports import build
    from ..store.office import Office
    from ..timeutil import shown_in

    i18n.use(lambda: ask.lang)
    office = Office(clone)
    with shown_in(ask.period.tz if ask.period is not None else office.tz):
        return build(office, ask.name, ask.period, ask.as_of, ask.lang, **ask.options)


def _build_job(job: tuple[str, Ask]) -> tuple[Report | None, int, str, int, float]:
    from ..errors import WuyeError

    clone, ask = job
    started = time.perf_counter()
    try:
        report, left = build_one(clone, ask)
        return report, left, "", 0, time.perf_counter() - started
    except WuyeError as exc:
        return None, 0, str(exc), int(exc.exit_code), time.perf_counter() - started


def office_reports(company: Company, ask: Ask, *, jobs: int = 1, stale_ok: bool = False,
                   fetched: list[Fetched] | None = None) -> dict[str, OfficeResult]:
    """Every office's report (office name → OfficeResult, in the company file's order): each
    office fetched (in threads: the network waits), then built (in `jobs` processes)."""
    if fetched is None:
        fetched = fetch_all(company, stale_ok=stale_ok, threads=max(jobs, 4))
    results = {f.office.name: OfficeResult(f) for f in fetched}
    todo = [(f.office.name, (f.clone, ask)) for f in fetched if f.status != "unreachable"]
    if jobs > 1 and len(todo) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(jobs, len(todo))) as pool:
            built = list(pool.map(_build_job, [job for _n, job in todo]))
    else:
        built = [_build_job(job) for _n, job in todo]
    for (name, _job), (report, left, error, code, seconds) in zip(todo, built):
        result = results[name]
        result.report, result.left_out, result.error, result.error_code, result.seconds = report, left, error, code, seconds
    return results


def company_reports(company: Company, names, period, as_of, lang: str, *, jobs: int = 1,
                    stale_ok: bool = False, options: dict | None = None
                    ) -> tuple[dict[str, Report], dict[str, OfficeResult]]:
    """The company's combined report for each of `names` (`options`: the reports' own, e.g. a
    campaign), each office fetched once for all of them; and the offices' results of the last
    one (who was left out). A report no office can make for the same reason is the request's
    error (e.g. a campaign no office has), with its exit code."""
    fetched = fetch_all(company, stale_ok=stale_ok, threads=max(jobs, 4))
    combined, results = {}, {}
    for name in names:
        ask = Ask(name, period, as_of, lang, dict(options or {}))
        results = office_reports(company, ask, jobs=jobs, fetched=fetched)
        same = common_error(results)
        if same is not None:
            from ..errors import WuyeError

            raise WuyeError(same[0], exit_code=same[1])
        combined[name] = combine(company, ask, results)
    return combined, results


def fetch_all(company: Company, *, stale_ok: bool = False, threads: int = 4) -> list[Fetched]:
    from concurrent.futures import ThreadPoolExecutor

    os.makedirs(company.cache, exist_ok=True)
    with ThreadPoolExecutor(max_workers=max(1, min(threads, len(company.offices)))) as pool:
        return list(pool.map(lambda o: fetch(company, o, stale_ok=stale_ok), company.offices))


# -- the company's report ----------------------------------------------------------------------
STATUS = {"ok": ("已获取", "fetched"), "stale": ("上次获取的副本", "last fetched copy"),
          "unreachable": ("无法获取", "unreachable"), "failed": ("未能生成", "no report")}
OWN_HEADINGS = {"office": ("管理处", "office"), "fetch_status": ("获取", "fetch"), "commit": ("提交", "commit"),
                "fetched_at": ("获取时间(UTC)", "fetched at (UTC)"), "reason": ("说明", "note"),
                "total": ("合计", "total")}
TOTAL = {"zh": "合计", "en": "total"}
FIGURE_COLUMNS = ["figure", "value", "numerator", "denominator"]


def _own(key: str, lang: str) -> str:
    return OWN_HEADINGS[key][0 if lang == "zh" else 1]


def is_figures(sec: Section) -> bool:
    return sec.columns == FIGURE_COLUMNS and sec.keys is not None


def is_counts(sec: Section) -> bool:
    return len(sec.columns) == 2 and sec.columns[1] == "count" and sec.keys is not None


def shape(sec: Section) -> str:
    return "figures" if is_figures(sec) else "counts" if is_counts(sec) else "rows"


def ranks(values: list[Fraction | None]) -> list[int | None]:
    """Competition ranking, highest first: equal values share a rank and the next rank skips
    (1, 2, 2, 4); no value (n/a) has no rank."""
    present = [v for v in values if v is not None]
    return [None if v is None else 1 + sum(1 for w in present if w > v) for v in values]


def _figure_value(numerator, denominator, is_rate: bool):
    if not is_rate:
        return numerator
    return percent(numerator or 0, denominator or 0)


def _exact(numerator, denominator, is_rate: bool) -> Fraction | None:
    if not is_rate:
        return Fraction(numerator or 0)
    return Fraction(numerator, denominator) if denominator else None


def combine(company: Company, ask: Ask, results: dict[str, OfficeResult]) -> Report:
    lang = ask.lang
    counted = [r for r in results.values() if r.counted]
    sample = counted[0].report if counted else None
    title = f"{company.name} {sample.title}" if sample else company.name
    report = Report(ask.name, title, sample.period if sample else ask.period, ask.as_of, meta={"lang": lang, "company": company.name})
    report.sections.append(_offices_section(results.values(), lang))
    names: list[str] = []
    for result in counted:
        names += [s.name for s in result.report.sections if s.name not in names]
    for name in names:
        parts = [(r.name, s) for r in counted for s in r.report.sections if s.name == name]
        kind = shape(parts[0][1])
        if any(shape(s) != kind for _o, s in parts):
            kind = "rows"
        if kind == "figures":
            report.sections += _figures(name, parts, lang)
        elif kind == "counts":
            report.sections.append(_counts(name, parts, lang))
        else:
            report.sections.append(_rows(name, parts, lang))
    report.meta["offices"] = {r.name: "failed" if r.error else r.fetched.status for r in results.values()}
    return report


def _offices_section(results, lang: str) -> Section:
    rows, keys = [], []
    for r in results:
        f = r.fetched
        status = "failed" if r.error else f.status
        note = r.error or f.reason
        if f.status == "stale":
            note = _("as of the last fetch at {time}; now unreachable: {reason}").format(
                time=f.fetched_at, reason=f.reason)
        if r.left_out:
            note = "; ".join(filter(None, [note, _("{count} record(s) with unreadable times left out").format(
                count=r.left_out)]))
        rows.append([r.name, STATUS[status][0 if lang == "zh" else 1], (f.commit or "")[:10],
                     f.fetched_at or "", note])
        keys.append(status)
    columns = ["office", "fetch_status", "commit", "fetched_at", "reason"]
    return Section("offices", "管理处" if lang == "zh" else "Offices", columns, [_own(c, lang) for c in columns],
                   rows, keys)


def _figures(name: str, parts: list[tuple[str, Section]], lang: str) -> list[Section]:
    """One row per office: each figure's value and rank; a totals row from the summed numerators
    and denominators; the numerators and denominators in `<name>.counts`."""
    keys: list[str] = []
    labels: dict[str, str] = {}
    for _office, sec in parts:
        for key, row in zip(sec.keys, sec.rows):
            if key not in labels:
                keys.append(key)
                labels[key] = row[0]
    table: dict[str, dict[str, tuple]] = {}
    rates: dict[str, bool] = {}
    for office, sec in parts:
        mine = table.setdefault(office, {})
        for key, row in zip(sec.keys, sec.rows):
            mine[key] = (row[1], row[2], row[3])
            rates[key] = rates.get(key, False) or row[3] is not None   # (a count's denominator is None)
    offices = list(table)
    ranked = {}
    for key in keys:
        exact = [(_exact(table[o][key][1], table[o][key][2], rates[key]) if key in table[o] else None) for o in offices]
        ranked[key] = dict(zip(offices, ranks(exact)))
    columns, headings = ["office"], [_own("office", lang)]
    for key in keys:
        columns += [key, f"{key}.rank"]
        headings += [labels[key], f"{labels[key]}{'排名' if lang == 'zh' else ' rank'}"]
    rows = []
    for office in offices:
        row = [office]
        for key in keys:
            value = table[office].get(key, (None,))[0]
            row += [value, ranked[key][office]]
        rows.append(row)
    total_row = [TOTAL[lang]]
    count_columns, count_headings = ["office"], [_own("office", lang)]
    count_rows = [[o] for o in offices] + [[TOTAL[lang]]]
    for key in keys:
        numerator = sum((table[o][key][1] or 0) for o in offices if key in table[o])
        denominator = sum((table[o][key][2] or 0) for o in offices if key in table[o]) if rates[key] else None
        total_row += [_figure_value(numerator, denominator, rates[key]), None]
        count_columns += [f"{key}.numerator", f"{key}.denominator"]
        count_headings += [f"{labels[key]}{'分子' if lang == 'zh' else ' numerator'}",
                           f"{labels[key]}{'分母' if lang == 'zh' else ' denominator'}"]
        for i, office in enumerate(offices):
            got = table[office].get(key, (None, None, None))
            count_rows[i] += [got[1], got[2]]
        count_rows[-1] += [numerator, denominator]
    rows.append(total_row)
    title = parts[0][1].title
    return [Section(name, title, columns, headings, rows, offices + ["total"]),
            Section(f"{name}.counts", f"{title}{'（分子/分母）' if lang == 'zh' else ' (numerators/denominators)'}",
                    count_columns, count_headings, count_rows, offices + ["total"])]


def _counts(name: str, parts: list[tuple[str, Section]], lang: str) -> Section:
    """One row per code, a column per office, and the total."""
    keys: list[str] = []
    labels: dict[str, str] = {}
    by_office: dict[str, dict[str, int]] = {}
    for office, sec in parts:
        mine = by_office.setdefault(office, {})
        for key, row in zip(sec.keys, sec.rows):
            if key not in labels:
                keys.append(key)
                labels[key] = row[0]
            mine[key] = mine.get(key, 0) + (row[1] or 0)
    offices = list(by_office)
    first = parts[0][1]
    rows = [[labels[k], *[by_office[o].get(k, 0) for o in offices], sum(by_office[o].get(k, 0) for o in offices)]
            for k in keys]
    columns = [first.columns[0], *offices, "total"]
    headings = [first.headings[0], *offices, _own("total", lang)]
    return Section(name, first.title, columns, headings, rows, keys)


def _rows(name: str, parts: list[tuple[str, Section]], lang: str) -> Section:
    """The offices' rows one after another, the office's name first."""
    first = parts[0][1]
    rows, keys = [], []
    for office, sec in parts:
        rows += [[office, *row] for row in sec.rows]
        keys += list(sec.keys) if sec.keys is not None else [None] * len(sec.rows)
    return Section(name, first.title, ["office", *first.columns], [_own("office", lang), *first.headings], rows,
                   keys if any(k is not None for k in keys) else None)


def common_error(results: dict[str, OfficeResult]):
    """(message, exit code) when no office could make the report and all said the same: the
    request itself is wrong (a campaign no office has …); else None."""
    read = [r for r in results.values() if r.fetched.status != "unreachable"]
    if read and all(r.error for r in read) and len({(r.error, r.error_code) for r in read}) == 1:
        return read[0].error, read[0].error_code
    return None


def unreachable(results: dict[str, OfficeResult]) -> list[OfficeResult]:
    """The offices that could not be fetched now (left out, or shown from their last copy)."""
    return [r for r in results.values() if r.fetched.status != "ok" or r.error]


__all__ = ["Ask", "Company", "Fetched", "OfficeResult", "OfficeSpec", "combine", "fetch", "fetch_all", "load",
           "office_reports", "company_reports", "ranks", "common_error", "unreachable"]
