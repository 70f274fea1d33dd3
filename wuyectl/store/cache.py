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
from dataclasses import dataclass

from ..domain.kinds import Kind
from .. import __version__, i18n
from ..i18n import _
from . import git, schema, shared, yamlio

CACHE_FORMAT = 3
PROGRESS_AFTER = 300   # files to parse before a progress bar is worth showing


@dataclass
class Entry:
    relpath: str
    blob: str
    data: dict | None          # None when the file could not be parsed
    problems: list             # [(line, col, message)] from YAML and schema checks
    findings: list             # [(path tuple, message)] schema findings (for later location)


PARALLEL_AFTER = 4000  # files to parse before a second process pays for itself
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
    from . import fastyaml

    try:
        with open(absolute, "rb") as fh:
            raw = fh.read(yamlio.MAX_BYTES + 1)
        text = yamlio.decode(raw)
        if yamlio.too_deep(text):
            raise yamlio.YamlProblem(1, 1, _("bad YAML: nested too deeply"))
        try:
            data = fastyaml.load(text)
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


class Index:
    def __init__(self, office, kind: Kind):
        self.office = office
        self.kind = kind
        self.path = os.path.join(office.gitdir, "wuyectl", "index.sqlite")
        self._key = repr((CACHE_FORMAT, __version__))
        import hashlib

        # a short key per schema version (not the schema itself on every row) and language
        # (the findings kept are messages)
        self._schema_key = hashlib.sha1((schema.schema_text(kind.schema) + "\0" + i18n.language())
                                        .encode("utf-8")).hexdigest()[:16]

    # -- which files, which blobs ---------------------------------------------------------
    def _status(self) -> str:
        folder = self.office.prefix + self.kind.folder
        return git.out(self.office.top, ["status", "--porcelain", "-z", "--untracked-files=all",
                                         "--no-renames", "--", folder + "/"])

    def _state(self, status: str) -> str | None:
        """A key that changes whenever the kind's files might have: HEAD and git's index file;
        None when the work tree differs from the index (then every blob id must be looked at)."""
        if status.strip("\0"):
            return None
        try:
            info = os.stat(os.path.join(self.office.gitdir, "index"))
        except OSError:
            return None
        return f"{git.head(self.office.top)}|{info.st_mtime_ns}|{info.st_size}|{info.st_ino}"

    def files(self, status: str | None = None) -> dict[str, str]:
        """office-relative path → blob id of what is in the work tree now."""
        office, prefix = self.office, self.office.prefix
        folder = prefix + self.kind.folder
        listing = git.out(office.top, ["ls-files", "-s", "-z", "--", folder + "/"])
        blobs: dict[str, str] = {}
        cut = len(prefix)
        for entry in listing.split("\0"):
            if entry.endswith(".yaml"):
                tab = entry.index("\t")
                blobs[entry[tab + 1 + cut:]] = entry[7:47]
        if status is None:
            status = self._status()
        for entry in status.split("\0"):
            if len(entry) < 4 or not entry.endswith(".yaml"):
                continue
            code, rel = entry[:2], entry[3:][cut:]
            absolute = office.abspath(rel)
            if not os.path.isfile(absolute):
                blobs.pop(rel, None)
                continue
            if code[1] != " " or code == "??":
                with open(absolute, "rb") as fh:
                    blobs[rel] = git.blob_id(fh.read())
        return blobs

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
                    db.execute("DELETE FROM meta")
                    db.execute("INSERT INTO meta VALUES ('format', ?)", (self._key,))
                db.execute("CREATE TABLE IF NOT EXISTS records (kind TEXT, path TEXT PRIMARY KEY, blob TEXT, "
                           "data BLOB, problems BLOB, findings BLOB, findings_key TEXT, "
                           + ", ".join(f"{c} TEXT" for c in COLUMNS) + ")")
                db.execute("CREATE INDEX IF NOT EXISTS records_kind_status ON records (kind, status)")
                db.execute("CREATE INDEX IF NOT EXISTS records_kind_last ON records (kind, last_at)")
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

        Three ways, cheapest first: (1) HEAD and git's index file as at the last refresh and a
        clean folder: nothing can have changed; (2) a commit recorded at the last refresh: only
        the paths `git diff` names between it and HEAD, those dirty then and those dirty now
        are looked at; (3) otherwise every blob id from `git ls-files` is compared."""
        status = self._status()
        state = self._state(status)
        name = self.kind.name
        meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN (?, ?, ?)",
                               (f"state:{name}", f"head:{name}", f"dirty:{name}")))
        if state is not None and meta.get(f"state:{name}") == state:
            return
        head = git.head(self.office.top)
        dirty_now = self._dirty(status)
        candidates = self._changed_since(meta.get(f"head:{name}"), head)
        if candidates is not None:
            before = [p for p in (meta.get(f"dirty:{name}") or "").split("\0") if p]
            paths = set(candidates) | set(before) | set(dirty_now)
            blobs = {}
            for rel in paths:
                try:
                    with open(self.office.abspath(rel), "rb") as fh:
                        blobs[rel] = git.blob_id(fh.read())
                except (FileNotFoundError, IsADirectoryError):
                    pass
            have = {}
            for rel in paths:
                row = db.execute("SELECT blob FROM records WHERE path=?", (rel,)).fetchone()
                if row:
                    have[rel] = row[0]
        else:
            blobs = self.files(status)
            have = dict(db.execute("SELECT path, blob FROM records WHERE kind=?", (name,)))
        changed = [rel for rel, blob in blobs.items() if have.get(rel) != blob]
        gone = [rel for rel in have if rel not in blobs]
        marks = ",".join("?" * (7 + len(COLUMNS)))
        insert = f"INSERT OR REPLACE INTO records VALUES ({marks})"
        items = [(rel, self.office.abspath(rel), blobs[rel]) for rel in changed]
        for rows in self._parse_rows(items):   # streamed: a first build of 100,000 never sits in memory
            db.executemany(insert, rows)
        db.executemany("DELETE FROM records WHERE path=?", [(rel,) for rel in gone])
        db.execute("DELETE FROM meta WHERE key IN (?, ?, ?)", (f"state:{name}", f"head:{name}", f"dirty:{name}"))
        facts = [(f"dirty:{name}", "\0".join(sorted(dirty_now)))]
        if head:
            facts.append((f"head:{name}", head))
        if state is not None:
            facts.append((f"state:{name}", state))
        db.executemany("INSERT INTO meta VALUES (?, ?)", facts)
        db.commit()

    def _dirty(self, status: str) -> list[str]:
        """Office-relative record paths that differ from HEAD now (modified, staged, new, gone)."""
        cut = len(self.office.prefix)
        return [entry[3:][cut:] for entry in status.split("\0") if len(entry) > 3 and entry.endswith(".yaml")]

    def _changed_since(self, old: str | None, new: str | None) -> list[str] | None:
        """Record paths that differ between two commits, or None when that cannot be told
        (no commit recorded, or it is gone): then everything is compared."""
        if not old or not new:
            return None
        if old == new:
            return []
        folder = self.office.prefix + self.kind.folder
        proc = git.run(self.office.top, ["diff", "--name-only", "-z", "--no-renames", old, new, "--", folder + "/"],
                       check=False)
        if proc.returncode != 0:
            return None
        cut = len(self.office.prefix)
        return [p[cut:] for p in proc.stdout.decode("utf-8", "replace").split("\0") if p.endswith(".yaml")]

    def _parse_rows(self, items: list[tuple[str, str, str]]):
        """Chunks of index rows for `items`, from worker processes when there are many."""
        bar = None
        if len(items) >= PROGRESS_AFTER and sys.stderr.isatty():
            import click

            bar = click.progressbar(length=len(items), label=f"reading {len(items)} {self.kind.plural}",
                                    file=sys.stderr)
            bar.__enter__()
        try:
            chunk = 500
            jobs = [(self.kind.name, items[i:i + chunk]) for i in range(0, len(items), chunk)]
            workers = min(os.cpu_count() or 1, 4)
            if len(items) >= PARALLEL_AFTER and workers > 1:
                from concurrent.futures import ProcessPoolExecutor

                with ProcessPoolExecutor(max_workers=workers) as pool:
                    for rows in pool.map(_rows, jobs):
                        if bar:
                            bar.update(len(rows))
                        yield rows
                return
            for job in jobs:
                rows = _rows(job)
                if bar:
                    bar.update(len(rows))
                yield rows
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)

    def _query(self, columns: str, where: dict | None, alive: tuple[str, str, bool] | None):
        sql = f"SELECT {columns} FROM records WHERE kind=?"
        args: list = [self.kind.name]
        for key, value in (where or {}).items():
            sql += f" AND {key}=?"
            args.append(value)
        if alive is not None:
            # received by the end, and something on the timeline since the start (or, when
            # asked, still open whatever its dates)
            start, end, with_open = alive
            if with_open:
                sql += " AND ((last_at >= ? AND received_at <= ?) OR status NOT IN ('closed', 'cancelled'))"
            else:
                sql += " AND last_at >= ? AND received_at <= ?"
            args += [start, end]
        return sql + " ORDER BY path", args

    # -- records -------------------------------------------------------------------------
    def entries(self, *, findings: bool = False, where: dict | None = None,
                alive: tuple[str, str, bool] | None = None) -> list[Entry]:
        """The record files of the kind, filtered by `where` (equalities on COLUMNS) and `alive`
        ((start, end, with_open), times as ISO text: received by the end with timeline activity
        since the start, or, with_open, still open); with `findings`, also their schema findings (computed once per blob:
        only `validate` needs them, so listing does not pay for them)."""
        for key in where or {}:
            if key not in COLUMNS:
                raise ValueError(f"cannot filter the index on {key}")
        try:
            db = self._connect()
        except (sqlite3.Error, OSError):
            return self._uncached()
        try:
            try:
                self.refresh(db)
            except sqlite3.OperationalError:
                pass   # read-only or busy: answer from what is there after parsing below
            sql, args = self._query("path, blob, data, problems, findings, findings_key", where, alive)
            out, updates = [], []
            for path, blob, data, problems, found, found_key in db.execute(sql, args):
                data = marshal.loads(data)
                found = marshal.loads(found) if found is not None and found_key == self._schema_key else None
                if findings and found is None and data is not None:
                    found = [(list(p), m) for p, m in schema.problems(data, self.kind.schema, many=True)]
                    updates.append((marshal.dumps(found), self._schema_key, path))
                # A file that cannot be read is read again for its problem (few, and its
                # message in the language of this command, not that of the first to see it)
                problems = marshal.loads(problems) if data is not None else _problems_now(self.office.abspath(path))
                out.append(Entry(path, blob, data, problems, found or []))
            if updates:
                try:
                    db.executemany("UPDATE records SET findings=?, findings_key=? WHERE path=?", updates)
                    db.commit()
                except sqlite3.OperationalError:
                    pass
            return out
        finally:
            db.close()

    def _uncached(self) -> list[Entry]:
        """Without a usable index (a read-only .git, say): parse everything, keep nothing."""
        blobs = self.files()
        out = []
        for rel in sorted(blobs):
            data, problems, _ = parse_file(self.office.abspath(rel))
            out.append(Entry(rel, blobs[rel], data, problems, []))
        return out

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
