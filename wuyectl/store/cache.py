"""The read path: every record of a kind as plain data, parsed once per git blob.

1. Ask git which files there are and their blob ids (`git ls-files -s`), and which differ from
   the index in the work tree (`git status`): for those, hash the file as git would.
2. Look each blob id up in the cache (`.git/wuyectl/cache-<kind>.marshal`); parse only the
   missing ones (the C YAML loader when available), and run the context-free checks
   (YAML, schema) on them, keeping the findings with the data.
3. Write the cache back if anything was parsed, holding only the blobs now present.

A pull, a checkout, a hand edit or a commit made without the tool changes blob ids, so the
cache can never serve stale data; a cache from another version, or one that cannot be read,
is thrown away and rebuilt. Deleting it changes no output.
"""
from __future__ import annotations

import marshal
import os
import sys
from dataclasses import dataclass

from ..domain.kinds import Kind
from .. import __version__
from . import git, schema, yamlio

CACHE_FORMAT = 1
PROGRESS_AFTER = 300   # files to parse before a progress bar is worth showing


@dataclass
class Entry:
    relpath: str
    blob: str
    data: dict | None          # None when the file could not be parsed
    problems: list             # [(line, col, message)] from YAML and schema checks
    findings: list             # [(path tuple, message)] schema findings (for later location)


def _safe_yaml():
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=False)
    yaml.constructor.add_constructor("tag:yaml.org,2002:timestamp",
                                     lambda c, node: c.construct_scalar(node))
    return yaml


class Index:
    def __init__(self, office, kind: Kind):
        self.office = office
        self.kind = kind
        self.path = os.path.join(git.git_dir(office.top), "wuyectl", f"cache-{kind.name}.marshal")
        self._schema_key = repr((CACHE_FORMAT, __version__, schema.schema(kind.schema)))

    # -- which files, which blobs ---------------------------------------------------------
    def files(self) -> dict[str, str]:
        """office-relative path → blob id of what is in the work tree now."""
        office, prefix = self.office, self.office.prefix
        folder = prefix + self.kind.folder
        listing = git.out(office.top, ["ls-files", "-s", "-z", "--", folder + "/"])
        blobs: dict[str, str] = {}
        for entry in listing.split("\0"):
            if not entry:
                continue
            meta, path = entry.split("\t", 1)
            if path.endswith(".yaml"):
                blobs[path[len(prefix):]] = meta.split()[1]
        status = git.out(office.top, ["status", "--porcelain", "-z", "--untracked-files=all",
                                      "--no-renames", "--", folder + "/"])
        for entry in status.split("\0"):
            if len(entry) < 4 or not entry.endswith(".yaml"):
                continue
            code, rel = entry[:2], entry[3:][len(prefix):]
            absolute = office.abspath(rel)
            if not os.path.isfile(absolute):
                blobs.pop(rel, None)
                continue
            if code[1] != " " or code == "??":
                with open(absolute, "rb") as fh:
                    blobs[rel] = git.blob_id(fh.read())
        return blobs

    # -- the cache file ------------------------------------------------------------------
    def _load_cache(self) -> dict:
        try:
            with open(self.path, "rb") as fh:
                stored = marshal.load(fh)
            if isinstance(stored, dict) and stored.get("key") == self._schema_key:
                entries = stored.get("entries")
                if isinstance(entries, dict):
                    return entries
        except (OSError, EOFError, ValueError, TypeError):
            pass
        return {}

    def _save_cache(self, entries: dict) -> None:
        from .transaction import atomic_write

        try:
            atomic_write(self.path, marshal.dumps({"key": self._schema_key, "entries": entries}))
        except OSError:
            pass  # a read-only repo still answers; it just parses again next time

    # -- records -------------------------------------------------------------------------
    def entries(self) -> list[Entry]:
        blobs = self.files()
        cache = self._load_cache()
        missing = [(rel, blob) for rel, blob in blobs.items() if blob not in cache]
        if missing:
            yaml = _safe_yaml()
            items = missing
            bar = None
            if len(missing) >= PROGRESS_AFTER and sys.stderr.isatty():
                import click

                bar = click.progressbar(missing, label=f"reading {len(missing)} {self.kind.plural}",
                                        file=sys.stderr)
                items = bar.__enter__()
            try:
                for rel, blob in items:
                    cache[blob] = self._parse(rel, yaml)
            finally:
                if bar is not None:
                    bar.__exit__(None, None, None)
        out = []
        for rel in sorted(blobs):
            blob = blobs[rel]
            data, problems, findings = cache[blob]
            out.append(Entry(rel, blob, data, problems, findings))
        if missing or len(cache) != len(set(blobs.values())):
            self._save_cache({b: cache[b] for b in set(blobs.values())})
        return out

    def _parse(self, rel: str, yaml):
        """(data, problems, findings) of one file, as stored in the cache."""
        try:
            with open(self.office.abspath(rel), "rb") as fh:
                raw = fh.read(yamlio.MAX_BYTES + 1)
            text = yamlio.decode(raw)
            try:
                data = yaml.load(text)
            except Exception:
                # The fast loader refused: let the round-trip loader say where and why.
                data = yamlio.load_roundtrip(text)
            data = yamlio.to_plain(data)
        except yamlio.YamlProblem as exc:
            return None, [(exc.line, exc.col, exc.message)], []
        except OSError as exc:
            return None, [(0, 0, f"cannot read ({exc.strerror})")], []
        if not isinstance(data, dict):
            return None, [(1, 1, "a record must be a YAML mapping (key: value lines)")], []
        found = schema.problems(data, self.kind.schema)
        return data, [], [(list(path), message) for path, message in found]

    def records(self) -> list[dict]:
        """The plain data of every readable record of the kind, in path order."""
        return [e.data for e in self.entries() if e.data is not None]
