"""The read path: every record of a kind as plain data, parsed once per git blob.

1. Ask git which files there are and their blob ids (`git ls-files -s`), and which differ from
   the index in the work tree (`git status`): for those, hash the file as git would.
2. Compare with the index database (`.git/wuyectl/index.sqlite`, one row per record file:
   path, blob id, the parsed data, and a few columns to filter on); parse only files whose
   blob id changed (libyaml through `fastyaml`, in several processes for a large first
   build), drop rows of files that are gone. Schema findings are added once per blob when
   `validate` asks for them.
3. Answer from the database; filters on status, category, assignee, unit and times are
   pushed down to SQL, so a filtered listing decodes only the rows it returns.

A pull, a checkout, a hand edit or a commit made without the tool changes blob ids, so the
index can never serve stale data; an index from another version, or one that cannot be
read, is thrown away and rebuilt. Deleting it changes no output.
"""
from __future__ import annotations

import marshal
import os
import sqlite3
import sys
import time
from dataclasses import dataclass, field

from ..domain import codes
from ..domain.kinds import Kind
from .. import __version__, i18n
from ..i18n import _
from . import git, shared, yamlio

CACHE_FORMAT = 3
PROGRESS_AFTER = 300   # files to parse before a progress bar is worth showing


@dataclass
class Entry:
    relpath: str
    blob: str
    data: dict | None          # None when the file could not be parsed
    problems: list             # [(line, col, message)] from YAML (validate's verdicts: _Judging)


PARALLEL_AFTER = 4000  # files to parse before a second process pays for itself
# A folder whose listing changed less than this before it was read may change again within
# the same tick of the file system's clock, its mtime unchanged: it is listed again next time.
RACY_NS = 2_000_000_000
RACY = ""    # the stat key kept for such a folder (matches none)
ABSENT = "-"   # the stat key of a kind's folder that does not exist


@dataclass
class _Walk:
    """What `Index._walk` found: whether folders were known from before, the folders listed
    again ({path: (stat key to keep, sorted names, 'x/' for a subfolder)}), those gone, and
    the record files come and gone in them."""
    known: bool
    seen: set = field(default_factory=set)
    listed: dict = field(default_factory=dict)
    vanished: list = field(default_factory=list)
    new: set = field(default_factory=set)
    gone: set = field(default_factory=set)
# Columns a query can filter on without decoding records: (column, how to get it from data).
COLUMNS = ("status", "category", "assignee", "unit", "received_at", "last_at")


def _columns(data: dict | None) -> tuple:
    if not data:
        return (None,) * len(COLUMNS)
    times = [e.get("at") for e in data.get("timeline") or [] if isinstance(e, dict) and isinstance(e.get("at"), str)]
    out = []
    for name in COLUMNS[:-1]:
        value = data.get(name)
        out.append(value if isinstance(value, (str, int, float)) else None)
    out.append(max(times) if times else None)   # ISO strings of one offset sort as times
    return tuple(out)


def parse_file(absolute: str):
    """(data, problems, None) of one record file, as stored in the cache; findings come later."""
    from . import fastread

    try:
        with open(absolute, "rb") as fh:
            raw = fh.read(yamlio.MAX_BYTES + 1)
        text = yamlio.decode(raw)
        if yamlio.too_deep(text):
            raise yamlio.YamlProblem(1, 1, _("bad YAML: nested too deeply"))
        try:
            data = fastread.load(text)   # the tool's own layout fast, anything else as fastyaml reads it
            if "&" in text:
                # Anchors: aliases could expand past memory; the budgeted copy refuses that.
                data = yamlio.to_plain(data)
        except Exception:
            # The fast loader refused: let the round-trip loader say where and why.
            data = yamlio.to_plain(yamlio.load_roundtrip(text))
    except yamlio.YamlProblem as exc:
        return None, [(exc.line, exc.col, exc.message)], []
    except OSError as exc:
        return None, [(0, 0, _("cannot read ({error})").format(error=exc.strerror))], []
    except RecursionError:
        return None, [(1, 1, _("bad YAML: nested too deeply"))], []
    if not isinstance(data, dict):
        return None, [(1, 1, _("a record must be a YAML mapping (key: value lines)"))], []
    return data, [], None


def _problems_now(absolute: str) -> list:
    """The problems of a file the index holds as unreadable (in the language of messages now)."""
    return parse_file(absolute)[1] or [(1, 1, _("bad YAML: nested too deeply"))]   # (nested past marshal)


def _rows(job: tuple[str, list[tuple[str, str, str]]]) -> list[tuple]:
    """Index rows for (kind, [(path, absolute path, blob)]): parsed, encoded, ready to insert
    (done in the worker, so the main process only writes bytes)."""
    kind, items = job
    out = []
    for rel, absolute, blob in items:
        data, problems, _found = parse_file(absolute)
        try:
            encoded = marshal.dumps(data)
        except ValueError:   # nested deeper than marshal goes (block-style nesting)
            data, problems, encoded = None, [(1, 1, _("bad YAML: nested too deeply"))], marshal.dumps(None)
        out.append((kind, rel, blob, encoded, marshal.dumps(problems), None, None, *_columns(data)))
    return out


class GitStatus:
    """git's status of the tracked files in some kinds' folders, asked once for them all (a
    household's page reads its tickets, visits and violations): HEAD, and per folder the
    record files that differ between HEAD, git's index and the work tree, [(XY,
    office-relative path)] in porcelain v2 codes ('.': unchanged). Each folder's answer is
    handed out once; asked again, git is asked again.

    Untracked files are not asked for: git's scan of every folder for them costs half of a
    warm read, and the folders' listings (`Index._walk`) say where to look instead."""

    def __init__(self, office, folders):
        self.office = office
        self.folders = list(dict.fromkeys(folders))
        self._left: dict[str, tuple[str | None, list]] = {}

    def of(self, folder: str) -> tuple[str | None, list[tuple[str, str]]]:
        if folder not in self._left:
            self._left = self._run()
        return self._left.pop(folder)

    def _run(self) -> dict[str, tuple[str | None, list]]:
        prefix = self.office.prefix
        text = git.out(self.office.top, ["status", "--porcelain=v2", "--branch", "-z", "--untracked-files=no",
                                         "--no-renames", "--", *(prefix + f + "/" for f in self.folders)])
        head, changed, cut = None, [], len(prefix)
        for entry in text.split("\0"):
            if entry.startswith("# branch.oid "):
                oid = entry[len("# branch.oid "):]
                head = oid if oid != "(initial)" else None
            elif entry[:2] in ("1 ", "u "):
                path = entry.split(" ", 8 if entry[0] == "1" else 10)[-1]
                if path.endswith(".yaml"):
                    changed.append((entry[2:4], path[cut:]))
        return {f: (head, [c for c in changed if c[1].startswith(f + "/")]) for f in self.folders}


def together(office, kinds: list[Kind]) -> dict[str, "Index"]:
    """The indexes of several kinds, refreshed with one `git status` for all their folders."""
    shared = GitStatus(office, [k.folder for k in kinds])
    return {k.name: Index(office, k, shared) for k in kinds}


class Index:
    def __init__(self, office, kind: Kind, status: GitStatus | None = None):
        self.office = office
        self.kind = kind
        self._git_status = status or GitStatus(office, [kind.folder])
        self.path = os.path.join(office.gitdir, "wuyectl", "index.sqlite")
        self._key = repr((CACHE_FORMAT, __version__))

    # -- which files, which blobs ---------------------------------------------------------
    def _status(self) -> tuple[str | None, list[tuple[str, str]]]:
        """HEAD, and the tracked record files that differ between HEAD, git's index and the
        work tree (`GitStatus`)."""
        return self._git_status.of(self.kind.folder)

    def _loose(self, paths: set[str]) -> tuple[set[str], set[str]]:
        """Of files git does not track (or may not): (the untracked ones, which are records,
        the ignored ones, which are not); the rest are tracked, or gone."""
        untracked, ignored, cut = set(), set(), len(self.office.prefix)
        ordered = sorted(paths)
        for at in range(0, len(ordered), 500):   # (status takes no pathspec file)
            text = git.out(self.office.top, ["status", "--porcelain=v2", "-z", "--untracked-files=all",
                                             "--ignored=matching", "--no-renames", "--",
                                             *(self.office.prefix + p for p in ordered[at:at + 500])],
                           env=git.LITERAL)
            for entry in text.split("\0"):
                if entry[:2] == "? ":
                    untracked.add(entry[2 + cut:])
                elif entry[:2] == "! ":
                    ignored.add(entry[2 + cut:])
        return untracked, ignored

    def _walk(self, db: sqlite3.Connection | None) -> "_Walk":
        """The kind's folders, listed again only where a folder's stat says its names may have
        changed since the last refresh (a file made, removed or renamed in a folder changes
        the folder's mtime and ctime, and nothing sets a ctime back; an edit in place changes
        neither, and `git status` finds those). A folder changed less than RACY_NS before it
        was listed may change again within the same tick of its clock: its stat is not kept,
        so it is listed again next time (git's rule for racy index entries)."""
        name = self.kind.name
        known = dict(db.execute("SELECT path, stat FROM folders WHERE kind=?", (name,))) if db is not None else {}
        under: dict[str, list[str]] = {}
        for path in known:
            if "/" in path:
                under.setdefault(path.rsplit("/", 1)[0], []).append(path)
        walk = _Walk(bool(known))
        cutoff = time.time_ns() - RACY_NS
        stack = [self.kind.folder]
        while stack:
            rel = stack.pop()
            try:
                info = os.stat(self.office.abspath(rel))
            except OSError:
                if rel == self.kind.folder:   # no such folder yet: known as absent
                    walk.seen.add(rel)
                    if known.get(rel) != ABSENT:
                        walk.listed[rel] = (ABSENT, [])
                continue
            walk.seen.add(rel)
            stamp = f"{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}:{info.st_dev}"
            if known.get(rel) == stamp:
                stack.extend(under.get(rel, ()))
                continue
            names = []
            try:
                with os.scandir(self.office.abspath(rel)) as found:
                    for entry in found:
                        try:
                            if entry.is_dir(follow_symlinks=False):
                                if entry.name != ".git":
                                    names.append(entry.name + "/")
                                    stack.append(f"{rel}/{entry.name}")
                            elif entry.name.endswith(".yaml"):
                                names.append(entry.name)
                        except OSError:
                            continue
            except OSError:
                continue
            racy = max(info.st_mtime_ns, info.st_ctime_ns) >= cutoff
            walk.listed[rel] = (RACY if racy else stamp, sorted(names))
        walk.vanished = [p for p in known if p not in walk.seen]
        if db is not None and walk.known:
            for rel in [*walk.listed, *walk.vanished]:
                row = db.execute("SELECT names FROM folders WHERE path=?", (rel,)).fetchone()
                before = {n for n in marshal.loads(row[0]) if not n.endswith("/")} if row else set()
                now = {n for n in walk.listed[rel][1] if not n.endswith("/")} if rel in walk.listed else set()
                walk.new.update(f"{rel}/{n}" for n in now - before)
                walk.gone.update(f"{rel}/{n}" for n in before - now)
        return walk

    def _state(self, head: str | None, status: list, walk: "_Walk") -> str | None:
        """A key that changes whenever the kind's files might have: HEAD and git's index file;
        None when the work tree differs from the index or a folder's listing may have changed
        (then the files named by those must be looked at)."""
        if status or walk.listed or walk.vanished:
            return None
        try:
            info = os.stat(os.path.join(self.office.gitdir, "index"))
        except OSError:
            return None
        return f"{head}|{info.st_mtime_ns}|{info.st_size}|{info.st_ino}"

    def files(self) -> dict[str, str]:
        """office-relative path → blob id of every record file in the work tree now."""
        return self._everything(self._status()[1])[0]

    # -- the database --------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        for attempt in (1, 2):
            try:
                shared.create_file(self.path)   # sqlite would make it 0644: made with the shared mode
                db = sqlite3.connect(self.path, timeout=30)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
                row = db.execute("SELECT value FROM meta WHERE key='format'").fetchone()
                if row is None or row[0] != self._key:
                    db.execute("DROP TABLE IF EXISTS records")
                    db.execute("DROP TABLE IF EXISTS folders")
                    db.execute("DROP TABLE IF EXISTS summaries")
                    db.execute("DELETE FROM meta")
                    db.execute("INSERT INTO meta VALUES ('format', ?)", (self._key,))
                db.execute("CREATE TABLE IF NOT EXISTS records (kind TEXT, path TEXT PRIMARY KEY, blob TEXT, "
                           "data BLOB, problems BLOB, findings BLOB, findings_key TEXT, "
                           + ", ".join(f"{c} TEXT" for c in COLUMNS) + ")")
                db.execute("CREATE INDEX IF NOT EXISTS records_kind_status ON records (kind, status)")
                # Records alive in a period, found from either end (`_alive_index`), and a unit's.
                db.execute("DROP INDEX IF EXISTS records_kind_last")
                db.execute("CREATE INDEX IF NOT EXISTS records_kind_alive ON records (kind, last_at, received_at)")
                db.execute("CREATE INDEX IF NOT EXISTS records_kind_received ON records (kind, received_at, last_at)")
                db.execute("CREATE INDEX IF NOT EXISTS records_kind_unit ON records (kind, unit)")
                # What a report keeps of a record that can no longer change (`summaries`).
                db.execute("CREATE TABLE IF NOT EXISTS summaries (blob TEXT, name TEXT, key TEXT, since REAL, "
                           "value BLOB, PRIMARY KEY (blob, name))")
                # The kind's folders as last listed (`_walk`): their stat, their names.
                db.execute("CREATE TABLE IF NOT EXISTS folders (kind TEXT, path TEXT PRIMARY KEY, stat TEXT, names BLOB)")
                db.commit()
                return db
            except sqlite3.DatabaseError:
                # Corrupt or not a database: it is only a cache; start again.
                for suffix in ("", "-wal", "-shm"):
                    try:
                        os.unlink(self.path + suffix)
                    except OSError:
                        pass
                if attempt == 2:
                    raise

    def refresh(self, db: sqlite3.Connection) -> None:
        """Bring the rows of this kind up to the work tree: parse what changed.

        The folders are looked at first (`_walk`: a file made after that changes a folder
        seen next time), then git's status of the tracked files. Three ways, cheapest first:
        (1) HEAD and git's index file as at the last refresh, no tracked file changed, no
        folder listing changed and no untracked file known: nothing can have changed; (2) a
        commit recorded at the last refresh and the folders' listings known: only the paths
        `git diff` names between it and HEAD, those dirty or untracked then and now, and those
        come or gone in a folder listed again are looked at; (3) otherwise every blob id from
        `git ls-files` is compared, and git lists the untracked files itself."""
        name = self.kind.name
        keys = (f"state:{name}", f"head:{name}", f"dirty:{name}", f"loose:{name}")
        meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN (?, ?, ?, ?)", keys))
        dirty_before, loose_before = (set(filter(None, (meta.get(k) or "").split("\0"))) for k in keys[2:])
        walk = self._walk(db)
        head, status = self._status()
        state = self._state(head, status, walk)
        if state is not None and not loose_before and meta.get(keys[0]) == state:
            return
        changed_paths = {rel for _code, rel in status}
        committed = self._changed_since(meta.get(keys[1]), head) if walk.known else None
        if committed is not None:
            # Tracked for sure: in the index and changed there (git names it), or in HEAD's
            # tree and not named by git's status. Any other file now in a folder, or kept as
            # untracked, is asked about (untracked: a record; ignored: not one).
            tracked = ({rel for code, rel in status if code[0] != "D"}
                       | {rel for rel, there in committed.items() if there} - changed_paths)
            paths = set(committed) | dirty_before | loose_before | changed_paths | walk.new | walk.gone
            untracked, ignored = self._loose({rel for rel in paths - tracked
                                              if os.path.lexists(self.office.abspath(rel))})
            blobs = {}
            for rel in paths - ignored:
                try:
                    with open(self.office.abspath(rel), "rb") as fh:
                        blobs[rel] = git.blob_id(fh.read())
                except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                    pass
            have = {}
            for rel in paths:
                row = db.execute("SELECT blob FROM records WHERE path=?", (rel,)).fetchone()
                if row:
                    have[rel] = row[0]
        else:
            blobs, untracked, ignored = self._everything(status)
            have = dict(db.execute("SELECT path, blob FROM records WHERE kind=?", (name,)))
        changed = [rel for rel, blob in blobs.items() if have.get(rel) != blob]
        gone = [rel for rel in have if rel not in blobs]
        marks = ",".join("?" * (7 + len(COLUMNS)))
        insert = f"INSERT OR REPLACE INTO records VALUES ({marks})"
        items = [(rel, self.office.abspath(rel), blobs[rel]) for rel in changed]
        for rows in self._parse_rows(items):   # streamed: a first build of 100,000 never sits in memory
            db.executemany(insert, rows)
        db.executemany("DELETE FROM records WHERE path=?", [(rel,) for rel in gone])
        # what reports kept of the contents these files had (another file with the same bytes
        # makes its own again)
        db.executemany("DELETE FROM summaries WHERE blob=?", [(have[rel],) for rel in [*changed, *gone] if rel in have])
        db.executemany("INSERT OR REPLACE INTO folders VALUES (?, ?, ?, ?)",
                       [(name, rel, stamp, marshal.dumps(names)) for rel, (stamp, names) in walk.listed.items()])
        db.executemany("DELETE FROM folders WHERE path=?", [(rel,) for rel in walk.vanished])
        db.execute("DELETE FROM meta WHERE key IN (?, ?, ?, ?)", keys)
        loose = untracked | ignored
        facts = [(keys[2], "\0".join(sorted(changed_paths | untracked))), (keys[3], "\0".join(sorted(loose)))]
        if head:
            facts.append((keys[1], head))
        if state is not None and not loose:
            facts.append((keys[0], state))
        db.executemany("INSERT INTO meta VALUES (?, ?)", facts)
        db.commit()

    def _everything(self, status: list) -> tuple[dict[str, str], set[str], set[str]]:
        """Every record file's blob id (git's index, and the files that differ from it hashed),
        with the untracked and the ignored files of the kind's folders (git's scan of them all)."""
        office, prefix = self.office, self.office.prefix
        folder = prefix + self.kind.folder
        cut = len(prefix)
        blobs: dict[str, str] = {}
        for entry in git.out(office.top, ["ls-files", "-s", "-z", "--", folder + "/"]).split("\0"):
            if entry.endswith(".yaml"):
                tab = entry.index("\t")
                blobs[entry[tab + 1 + cut:]] = entry[7:47]
        untracked, ignored = set(), set()
        text = git.out(office.top, ["status", "--porcelain=v2", "-z", "--untracked-files=all", "--ignored=matching",
                                    "--no-renames", "--", folder + "/"])
        for entry in text.split("\0"):
            if entry[:2] in ("? ", "! ") and entry.endswith(".yaml"):
                (untracked if entry[0] == "?" else ignored).add(entry[2 + cut:])
        for rel in [rel for code, rel in status if code[1] != "."] + sorted(untracked):
            try:
                with open(office.abspath(rel), "rb") as fh:
                    blobs[rel] = git.blob_id(fh.read())
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                blobs.pop(rel, None)
        return blobs, untracked, ignored

    def _changed_since(self, old: str | None, new: str | None) -> dict[str, bool] | None:
        """Record paths that differ between two commits (→ whether `new` has the file), or
        None when that cannot be told (no commit recorded, or it is gone): then everything is
        compared."""
        if not old or not new:
            return None
        if old == new:
            return {}
        folder = self.office.prefix + self.kind.folder
        proc = git.run(self.office.top, ["diff", "--name-status", "-z", "--no-renames", old, new, "--", folder + "/"],
                       check=False)
        if proc.returncode != 0:
            return None
        cut = len(self.office.prefix)
        fields = proc.stdout.decode("utf-8", "replace").split("\0")
        return {path[cut:]: code != "D" for code, path in zip(fields[::2], fields[1::2]) if path.endswith(".yaml")}

    def _parse_rows(self, items: list[tuple[str, str, str]]):
        """Chunks of index rows for `items`, from worker processes when there are many."""
        label = lambda: _("reading {count} {kinds}").format(  # noqa: E731
            count=len(items), kinds=codes.kind_noun(self.kind.name, plural=True))
        jobs = [(self.kind.name, items[i:i + CHUNK]) for i in range(0, len(items), CHUNK)]
        yield from _in_chunks(jobs, len(items), label, _rows, _rows)

    def _query(self, columns: str, where: dict | None, alive: tuple[str, str, bool] | None,
               db: sqlite3.Connection | None = None, join: str = "", join_args: tuple = ()):
        """The SELECT of `columns` (of `records`, and of the table `join` adds) for the filters."""
        table = "records"
        if alive is not None and not alive[2] and db is not None:
            table += f" INDEXED BY {self._alive_index(db, alive[0], alive[1])}"
        sql = f"SELECT {columns} FROM {table} {join} WHERE records.kind=?"
        args: list = [*join_args, self.kind.name]
        for key, value in (where or {}).items():
            sql += f" AND records.{key}=?"
            args.append(value)
        if alive is not None:
            # received by the end, and something on the timeline since the start (or, when
            # asked, still open whatever its dates)
            start, end, with_open = alive
            if with_open:
                sql += (" AND ((records.last_at >= ? AND records.received_at <= ?)"
                        " OR records.status NOT IN ('closed', 'cancelled'))")
            else:
                sql += " AND records.last_at >= ? AND records.received_at <= ?"
            args += [start, end]
        return sql + " ORDER BY records.path", args

    def _alive_index(self, db: sqlite3.Connection, start: str, end: str) -> str:
        """Which index finds the records alive in [start, end] reading fewer entries: those
        active since the start (a recent period) or those received by the end (an old one).
        SQLite cannot tell without statistics; the spans of the two columns can, taking the
        records as spread evenly over them."""
        from ..timeutil import read_iso

        row = db.execute("SELECT (SELECT min(received_at) FROM records WHERE kind=?1), "
                         "(SELECT max(received_at) FROM records WHERE kind=?1), "
                         "(SELECT min(last_at) FROM records WHERE kind=?1), "
                         "(SELECT max(last_at) FROM records WHERE kind=?1)", (self.kind.name,)).fetchone()
        try:
            first, last, first_active, last_active = (read_iso(t).timestamp() for t in row)
            since, until = read_iso(start).timestamp(), read_iso(end).timestamp()
        except (TypeError, ValueError):
            return "records_kind_alive"
        received = (until - first) / max(last - first, 1.0)
        active = (last_active - since) / max(last_active - first_active, 1.0)
        return "records_kind_received" if received < active else "records_kind_alive"

    # -- records -------------------------------------------------------------------------
    def entries(self, *, where: dict | None = None, alive: tuple[str, str, bool] | None = None) -> list[Entry]:
        """The record files of the kind, filtered by `where` (equalities on COLUMNS) and `alive`
        ((start, end, with_open), times as ISO text: received by the end with timeline activity
        since the start, or, with_open, still open)."""
        for key in where or {}:
            if key not in COLUMNS:
                raise ValueError(f"cannot filter the index on {key}")
        db = self._fresh()
        if db is None:
            return self._uncached()
        try:
            sql, args = self._query("path, blob, data, problems", where, alive, db)
            out = []
            for path, blob, data, problems in db.execute(sql, args):
                data = marshal.loads(data)
                # A file that cannot be read is read again for its problem (few, and its
                # message in the language of this command, not that of the first to see it)
                problems = marshal.loads(problems) if data is not None else _problems_now(self.office.abspath(path))
                out.append(Entry(path, blob, data, problems))
            return out
        finally:
            db.close()

    def _fresh(self) -> sqlite3.Connection | None:
        """The database with this kind's rows brought up to the work tree; None when there is no
        usable database (a read-only .git, say: the caller reads the files)."""
        try:
            db = self._connect()
        except (sqlite3.Error, OSError):
            return None
        try:
            self.refresh(db)
        except sqlite3.OperationalError:
            pass   # read-only or busy: answer from what is there
        return db

    def _uncached(self) -> list[Entry]:
        """Without a usable index (a read-only .git, say): parse everything, keep nothing."""
        blobs = self.files()
        out = []
        for rel in sorted(blobs):
            data, problems, _ = parse_file(self.office.abspath(rel))
            out.append(Entry(rel, blobs[rel], data, problems))
        return out

    def summaries(self, name: str, key: str, summarize, at: float, *,
                  alive: tuple[str, str, bool] | None = None) -> list:
        """What `summarize` makes of each readable record the filters choose (as `records`), in
        path order. summarize(data) gives (summary, since): a summary that holds for any time
        from `since` on (epoch seconds; None: only for now) is kept by the record's blob id
        under `name` and `key` (what else it depends on: the rules that made it, the policy),
        and read back instead of the record when the time asked about, `at`, is not before
        `since` (a report's clocks of a closed ticket are never computed twice)."""
        db = self._fresh()
        if db is None:
            return [summarize(data)[0] for data in self.records(alive=alive)]
        try:
            sql, args = self._query(
                "records.blob, summaries.value, CASE WHEN summaries.value IS NULL THEN records.data END",
                None, alive, db,
                join="LEFT JOIN summaries ON summaries.blob = records.blob AND summaries.name = ? "
                     "AND summaries.key = ? AND summaries.since <= ?",
                join_args=(name, key, at))
            out, keep = [], []
            for blob, kept, data in db.execute(sql, args):
                if kept is not None:
                    out.append(marshal.loads(kept))
                    continue
                data = marshal.loads(data)
                if data is None:
                    continue
                summary, since = summarize(data)
                out.append(summary)
                if since is not None:
                    keep.append((blob, name, key, since, marshal.dumps(summary)))
            if keep:
                try:
                    db.executemany("INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?, ?)", keep)
                    db.commit()
                except sqlite3.OperationalError:
                    pass
            return out
        finally:
            db.close()

    def records(self, where: dict | None = None, alive: tuple[str, str, bool] | None = None) -> list[dict]:
        """The plain data of every readable record of the kind, in path order."""
        return [e.data for e in self.entries(where=where, alive=alive)
                if e.data is not None]


class KeyedHashes:
    """Keyed hashes of sealed personal values, for looking records up by a number (issue 12):
    `keyed (sealed, subject, secret, hash)` in the index database. `sealed` is the SHA-256 of
    the sealed string (a value's ciphertext is unique), `secret` the id of the search secret
    (the office key's: a new office key makes the old hashes useless), `hash` the value's
    HMAC under it (keys.Opener.keyed). Only the roles that may reveal can compute one; the
    rows of a subject whose key is erased are deleted, with SQLite's secure_delete so the
    freed pages are zeroed too."""

    def __init__(self, gitdir: str):
        self.path = os.path.join(gitdir, "wuyectl", "index.sqlite")

    def _connect(self) -> sqlite3.Connection:
        shared.create_file(self.path)
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA secure_delete=ON")
        db.execute("CREATE TABLE IF NOT EXISTS keyed (sealed TEXT PRIMARY KEY, subject TEXT, secret TEXT, hash TEXT)")
        db.execute("CREATE INDEX IF NOT EXISTS keyed_subject ON keyed (subject)")
        return db

    @staticmethod
    def digest(sealed: str) -> str:
        import hashlib

        return hashlib.sha256(sealed.encode("utf-8")).hexdigest()[:32]

    def get(self, digests: list[str], secret: str) -> dict[str, str]:
        if not digests:
            return {}
        db = self._connect()
        try:
            out: dict[str, str] = {}
            for at in range(0, len(digests), 500):
                part = digests[at:at + 500]
                marks = ",".join("?" * len(part))
                out.update(db.execute(f"SELECT sealed, hash FROM keyed WHERE secret=? AND sealed IN ({marks})",
                                      (secret, *part)).fetchall())
            return out
        finally:
            db.close()

    def put(self, rows: list[tuple[str, str, str]], secret: str) -> None:
        """Store (digest, subject, hash) rows made under `secret`; rows of other secrets go."""
        if not rows:
            return
        db = self._connect()
        try:
            with db:
                db.execute("DELETE FROM keyed WHERE secret<>?", (secret,))
                db.executemany("INSERT OR REPLACE INTO keyed VALUES (?, ?, ?, ?)",
                               [(d, s, secret, h) for d, s, h in rows])
        finally:
            db.close()

    def forget(self, subjects: list[str]) -> None:
        """Delete the hashes of these subjects' values (their keys are erased)."""
        if not subjects or not os.path.exists(self.path):
            return
        db = self._connect()
        try:
            with db:
                db.executemany("DELETE FROM keyed WHERE subject=?", [(s,) for s in subjects])
        finally:
            db.close()


# -- validate's verdicts -------------------------------------------------------------------
def _verdict_tables(db: sqlite3.Connection) -> None:
    """validate's verdicts, in tables of their own:
    - `verdicts`: one row per record file: its problems (marshalled; NULL when it has none),
      standing while the file's blob and the key of what its checks read are the same
      (validate.Judge);
    - `verdict_reads`: the files those checks looked for, of which kind, and whether they were
      there: the verdict stands while each still is, or still is not;
    - `verdict_states`: per kind, whether verdicts looked for its files (`looked`), and the
      state of its folder (the refresh's `state:` fact: HEAD and git's index as they were, the
      folder clean) and the keys of the verdicts when every one of its files last had a
      standing verdict (NULL since a verdict of it was written without that). While both are
      the same, no file of it has come, gone or changed: nothing needs looking at."""
    db.execute("CREATE TABLE IF NOT EXISTS verdicts (path TEXT PRIMARY KEY, kind TEXT, blob TEXT, key TEXT, "
               "problems BLOB)")
    db.execute("CREATE INDEX IF NOT EXISTS verdicts_kind ON verdicts (kind)")
    db.execute("CREATE INDEX IF NOT EXISTS verdicts_problems ON verdicts (kind) WHERE problems IS NOT NULL")
    db.execute("CREATE TABLE IF NOT EXISTS verdict_reads (path TEXT, target TEXT, kind TEXT, present INTEGER)")
    db.execute("CREATE INDEX IF NOT EXISTS verdict_reads_path ON verdict_reads (path)")
    db.execute("CREATE INDEX IF NOT EXISTS verdict_reads_kind ON verdict_reads (kind, present)")
    db.execute("CREATE TABLE IF NOT EXISTS verdict_states (kind TEXT PRIMARY KEY, looked INTEGER, state TEXT, "
               "keys TEXT)")
    db.commit()


def judged(office, judges: dict, within: list[str] | None = None) -> tuple[int, list[tuple]]:
    """(files checked, problems as (path, line, col, message, code)) of the record files of the
    kinds in `judges` (name → validate.Judge), or of those in or under the office-relative
    paths `within`. A file whose verdict stands is not read; the others are judged (in worker
    processes when there are many) and their verdicts kept."""
    if not judges:
        return 0, []
    index = Index(office, next(iter(judges.values())).kind)
    try:
        db = index._connect()
    except (sqlite3.Error, OSError):
        return _judged_without_index(office, judges, within)
    try:
        return _Judging(office, db, judges, within).run()
    finally:
        db.close()


def _judged_without_index(office, judges: dict, within: list[str] | None) -> tuple[int, list[tuple]]:
    """Without a usable index (a read-only .git, say): judge every file, keep nothing."""
    count, problems = 0, []
    for judge in judges.values():
        index = Index(office, judge.kind)
        for rel in sorted(index.files()):
            if within is not None and not any(rel == w or rel.startswith(w + "/") for w in within):
                continue
            count += 1
            data, unreadable, _found = parse_file(office.abspath(rel))
            _key, found, _looked = judge(rel, data, unreadable)
            problems.extend((rel, *p) for p in found)
    return count, problems


class _Judging:
    """One `validate` over the index database.

    1. Bring the rows of the kinds judged up to the work tree (the refresh), and those of the
       kinds whose files the verdicts looked for.
    2. The verdicts shaken: those that found a file that is gone since, or did not find one
       that is there now.
    3. For each kind: if its folder and the keys are as when all its verdicts last stood,
       only the problems are read; else the rows without a standing verdict are found in one
       pass over the index. Those (and the shaken ones) are judged, their verdicts kept."""

    COMMIT_EVERY = 10_000   # verdicts written between commits (others may write the index too)

    def __init__(self, office, db: sqlite3.Connection, judges: dict, within: list[str] | None):
        self.office, self.db, self.judges, self.within = office, db, judges, within
        self.fresh: set[str] = set()   # kinds whose rows are up to the work tree in this run
        self.keeping = True             # False once the database refused a write (read-only, busy)
        self.unsaved = 0
        self.looked_in: set[str] = set()   # kinds noted in verdict_states as looked in
        self.unstamped: set[str] = set()   # kinds whose state was forgotten in this run
        self.first: set[str] = set()       # kinds without any verdict kept when this run began
        from ..domain.kinds import KINDS

        # one `git status` for every kind's folder (asked per kind, it was one a kind: 6 at 100,000 tickets)
        self.status = GitStatus(office, [k.folder for k in KINDS.values()])

    def run(self) -> tuple[int, list[tuple]]:
        db = self.db
        for name in self.judges:
            self._up_to_date(name)
        try:
            _verdict_tables(db)
        except sqlite3.OperationalError:
            return _judged_without_index(self.office, self.judges, self.within)
        kept, looked_in = {}, set()
        for kind, looked, state, keys in db.execute("SELECT kind, looked, state, keys FROM verdict_states"):
            kept[kind] = (state, keys)
            if looked:
                looked_in.add(kind)
                self.looked_in.add(kind)
                self._up_to_date(kind)   # (a kind only looked in, not judged this time)
        states = dict(db.execute("SELECT substr(key, 7), value FROM meta WHERE key LIKE 'state:%'"))
        # a kind whose folder is as it was when every verdict of it last stood: no file came or went
        still = {name for name in self.fresh if states.get(name) and kept.get(name, (None,))[0] == states[name]}
        shaken = self._shaken(looked_in, still)
        count, problems, stamps = 0, [], []
        self.first = {name for name in self.judges
                      if db.execute("SELECT 1 FROM verdicts WHERE kind = ? LIMIT 1", (name,)).fetchone() is None}
        for name, judge in self.judges.items():
            rows, within, args = self._selection(name)
            count += db.execute(f"SELECT count(*) FROM records r WHERE r.kind = ?{within}", [name, *args[3:]]).fetchone()[0]
            keys = judge.keys()
            if name in still and not within and kept[name][1] == _digest(keys):
                stale = []
                for path, found in db.execute("SELECT path, problems FROM verdicts WHERE kind = ? AND problems IS NOT "
                                              "NULL", (name,)):
                    if path in shaken:
                        stale.append(path)
                    else:
                        problems.extend((path, *p) for p in marshal.loads(found))
            else:
                stale = self._stale(rows + within, args, keys, shaken, problems)
            stale += self._clean_but_shaken(rows + within, args, shaken, set(stale))
            judged = 0
            for verdicts in self._judge(judge, stale):
                judged += len(verdicts)
                problems.extend((path, *p) for path, _blob, _key, found, _looked in verdicts for p in found)
                self._keep(name, verdicts)
            if not within:
                if judged or name not in still:
                    self._forget_gone(name)
                if self.keeping and states.get(name) and name in self.fresh:
                    stamps.append((name, states[name], _digest(keys)))
        self._stamp(stamps)
        return count, problems

    def _stale(self, where: str, args: list, keys: list[str], shaken: set[str], problems: list) -> list[str]:
        """The selected rows without a standing verdict, or shaken; the problems of the others
        are added to `problems`."""
        marks = ",".join("?" * len(keys))
        stale = []
        for path, standing, found in self.db.execute(
                f"SELECT r.path, v.path IS NOT NULL, v.problems FROM records r LEFT JOIN verdicts v "
                f"ON v.path = r.path AND v.blob = r.blob AND v.key IN ({marks}) "
                f"WHERE {where} AND (v.path IS NULL OR v.problems IS NOT NULL)", [*keys, *args]):
            if not standing or path in shaken:
                stale.append(path)
            else:
                problems.extend((path, *p) for p in marshal.loads(found))
        return stale

    # -- which rows ----------------------------------------------------------------------
    def _selection(self, name: str) -> tuple[str, str, list]:
        """(the rows of a kind, the selected ones among them, their arguments): SQL on
        `records r`. A kind's rows are those under its folder: read in path order, a range."""
        folder = self.judges[name].kind.folder
        within, args = "", []
        if self.within is not None:
            mine = [w for w in self.within if w.split("/")[0] == folder]
            if folder not in mine:
                within = " AND (" + " OR ".join(["r.path = ? OR substr(r.path, 1, ?) = ?"] * len(mine)) + ")"
                for w in mine:
                    args += [w, len(w) + 1, w + "/"]
        return "+r.kind = ? AND r.path >= ? AND r.path < ?", within, [name, folder + "/", folder + "0", *args]

    def _up_to_date(self, name: str) -> None:
        from ..domain.kinds import KINDS

        kind = KINDS.get(name)
        if kind is None or name in self.fresh:
            return
        try:
            Index(self.office, kind, self.status).refresh(self.db)
            self.fresh.add(name)
        except sqlite3.OperationalError:
            pass   # read-only or busy: the files it holds are looked at one by one

    def _shaken(self, looked_in: set[str], still: set[str]) -> set[str]:
        """The files whose verdicts found a file that is gone since, or did not find one that
        is there now. Looked for in the index: a file found then, of a kind whose rows are up
        to date and whose folder may have changed; one by one: files not found then (a broken
        reference: few), and those of kinds the index could not bring up to date."""
        db = self.db
        out: set[str] = set()
        moved = sorted((looked_in & self.fresh) - still)
        if moved:
            marks = ",".join("?" * len(moved))
            out.update(path for (path,) in db.execute(
                f"SELECT d.path FROM verdict_reads d LEFT JOIN records t ON t.path = d.target "
                f"WHERE d.kind IN ({marks}) AND d.present = 1 AND t.path IS NULL", moved))
        unsure = sorted(looked_in - self.fresh)
        everywhere = sorted(looked_in)
        found: dict[str, bool] = {}
        for path, target, present in db.execute(
                f"SELECT path, target, present FROM verdict_reads WHERE kind IN ({','.join('?' * len(unsure))}) "
                f"UNION ALL SELECT path, target, present FROM verdict_reads "
                f"WHERE kind IN ({','.join('?' * len(everywhere))}) AND present = 0", [*unsure, *everywhere]):
            there = found.get(target)
            if there is None:
                there = found[target] = os.path.isfile(self.office.abspath(target))
            if there != bool(present):
                out.add(path)
        return out

    def _clean_but_shaken(self, where: str, args: list, shaken: set[str], stale: set[str]) -> list[str]:
        """The selected files with a standing verdict without problems, that `shaken` names."""
        wanted = sorted(shaken - stale)
        out = []
        for at in range(0, len(wanted), 500):
            part = wanted[at:at + 500]
            marks = ",".join("?" * len(part))
            out += [path for (path,) in self.db.execute(
                f"SELECT r.path FROM records r WHERE {where} AND r.path IN ({marks})", [*args, *part])]
        return out

    # -- judging -------------------------------------------------------------------------
    def _judge(self, judge, paths: list[str]):
        """Chunks of verdict rows (path, blob, key, problems, looked for) for `paths`, from
        worker processes when there are many; a progress bar on a terminal."""
        if not paths:
            return
        paths.sort()
        label = lambda: _("checking {count} {kinds}").format(  # noqa: E731
            count=len(paths), kinds=codes.kind_noun(judge.kind.name, plural=True))
        jobs = [(judge.kind.name, paths[i:i + CHUNK]) for i in range(0, len(paths), CHUNK)]
        yield from _in_chunks(jobs, len(paths), label, lambda job: _judge_rows(self.db, judge, job[1]), _judge_job,
                              initializer=_start_judging,
                              initargs=(Index(self.office, judge.kind).path, {judge.kind.name: judge}, judge.language))

    # -- keeping -------------------------------------------------------------------------
    def _keep(self, name: str, rows: list[tuple]) -> None:
        if not self.keeping or not rows:
            return
        db = self.db
        try:
            db.executemany("INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?, ?, ?)",
                           [(path, name, blob, key, marshal.dumps(found) if found else None)
                            for path, blob, key, found, _looked in rows])
            if name not in self.first:   # (a kind never judged has nothing to replace: a cold office)
                db.executemany("DELETE FROM verdict_reads WHERE path=?", [(row[0],) for row in rows])
            looked = [(path, target, kind, present) for path, _b, _k, _f, reads in rows for target, kind, present in reads]
            db.executemany("INSERT INTO verdict_reads VALUES (?, ?, ?, ?)", looked)
            db.executemany("INSERT INTO verdict_states (kind, looked) VALUES (?, 1) ON CONFLICT (kind) DO UPDATE SET "
                           "looked = 1", [(kind,) for kind in {row[2] for row in looked} - self.looked_in])
            self.looked_in.update(row[2] for row in looked)
            if name not in self.unstamped:
                # (before the first verdict of the kind is written: all of them no longer stand as one)
                db.execute("UPDATE verdict_states SET state = NULL, keys = NULL WHERE kind = ?", (name,))
                self.unstamped.add(name)
            self.unsaved += len(rows)
            if self.unsaved >= self.COMMIT_EVERY:
                self._commit()
        except sqlite3.OperationalError:
            self._refused()

    def _forget_gone(self, name: str) -> None:
        """Verdicts of files that are gone."""
        if not self.keeping:
            return
        db = self.db
        try:
            kept = db.execute("SELECT count(*) FROM verdicts WHERE kind=?", (name,)).fetchone()[0]
            have = db.execute("SELECT count(*) FROM records WHERE kind=?", (name,)).fetchone()[0]
            if kept > have:
                db.execute("DELETE FROM verdicts WHERE kind=? AND path NOT IN (SELECT path FROM records WHERE kind=?)",
                           (name, name))
                db.execute("DELETE FROM verdict_reads WHERE path NOT IN (SELECT path FROM verdicts)")
        except sqlite3.OperationalError:
            self._refused()

    def _stamp(self, stamps: list[tuple[str, str, str]]) -> None:
        """Every file of these kinds has a standing verdict now, kept: note their folders' state."""
        if self.keeping:
            try:
                self.db.executemany("INSERT INTO verdict_states (kind, state, keys) VALUES (?, ?, ?) ON CONFLICT (kind) "
                                    "DO UPDATE SET state = excluded.state, keys = excluded.keys", stamps)
                self.db.commit()
            except sqlite3.OperationalError:
                self._refused()
        self.unsaved = 0

    def _commit(self) -> None:
        if self.keeping and self.unsaved:
            try:
                self.db.commit()
            except sqlite3.OperationalError:
                self._refused()
        self.unsaved = 0

    def _refused(self) -> None:
        """The database takes no more writes (read-only, or busy past the timeout): judge on
        without keeping anything (what was committed stands: each verdict is true on its own)."""
        self.keeping = False
        try:
            self.db.rollback()
        except sqlite3.Error:
            pass


def _digest(values) -> str:
    import hashlib

    return hashlib.sha1("\0".join(values).encode("utf-8")).hexdigest()[:16]


def _judge_rows(db: sqlite3.Connection, judge, paths: list[str]) -> list[tuple]:
    """Verdict rows (path, blob, key, problems, looked for) of the index's rows for `paths`."""
    marks = ",".join("?" * len(paths))
    out = []
    for path, blob, data in db.execute(f"SELECT path, blob, data FROM records WHERE path IN ({marks}) ORDER BY path",
                                       paths):
        data = marshal.loads(data)
        unreadable = _problems_now(judge.abspath(path)) if data is None else None
        key, found, looked = judge(path, data, unreadable)
        out.append((path, blob, key, found, looked))
    return out


_JUDGING: tuple | None = None   # in a worker process: (the index database, judges by kind)


def _start_judging(path: str, judges: dict, language: str) -> None:
    global _JUDGING
    i18n.use(lambda: language)
    from urllib.parse import quote

    db = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=30)
    _JUDGING = (db, judges)


def _judge_job(job: tuple[str, list[str]]) -> list[tuple]:
    db, judges = _JUDGING
    name, paths = job
    return _judge_rows(db, judges[name], paths)


CHUNK = 500   # files a job of a worker process takes


def _in_chunks(jobs: list, count: int, label, here, there, **pool):
    """The results of the `jobs` (covering `count` files) in order: `there(job)` in worker
    processes when there are many (`pool`: the ProcessPoolExecutor's start-up), else
    `here(job)` in this one; a progress bar on a terminal, headed by `label()`."""
    bar = None
    if count >= PROGRESS_AFTER and sys.stderr.isatty():
        import click

        bar = click.progressbar(length=count, label=label(), file=sys.stderr)
        bar.__enter__()
    try:
        workers = min(os.cpu_count() or 1, 4)
        if count >= PARALLEL_AFTER and workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=workers, **pool) as executor:
                results = _in_order(executor, there, jobs, 2 * workers)
                for rows in results:
                    if bar:
                        bar.update(len(rows))
                    yield rows
            return
        for job in jobs:
            rows = here(job)
            if bar:
                bar.update(len(rows))
            yield rows
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def _in_order(pool, function, jobs: list, ahead: int):
    """pool.map(function, jobs), with at most `ahead` jobs given out at a time: the results
    of fast workers do not pile up in this process while it writes them."""
    from collections import deque

    pending: deque = deque()
    for job in jobs:
        pending.append(pool.submit(function, job))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
