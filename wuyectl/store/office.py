"""The office repo: where it is, its configuration (wuye.yaml), its records and its people."""
from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from functools import cached_property

from ..domain import codes
from ..domain.kinds import KINDS, Kind, kind_of_id
from ..domain.sla import Policy
from ..errors import BadValue, Invalid, NotFound, NotPermitted, Problem, RepoError
from ..i18n import _
from .. import timeutil
from . import git, schema, yamlio

CONFIG = "wuye.yaml"
DEFAULT_TZ = "Asia/Shanghai"
BACKDATE_LIMIT_DAYS = 31   # paper forms entered later; older than this is a typo or needs the policy changed


def backdate_limit(policy) -> int:
    """How many days back an event may be dated, by a `policy:` section (the default if unset)."""
    return (policy or {}).get("backdate_limit_days", BACKDATE_LIMIT_DAYS)
FUTURE_SLACK_S = 300   # clocks of two PCs differ a little; an event later than that is a typo


class Loaded:
    """A record read for editing: its path in the office, the round-trip tree (`rt`), plain
    data. The tree may be made only when something asks for it (`tree`, called once): read
    from a file, the data comes from the fast loader and ruamel parses the text for an edit or
    a message's line number (its parse is ~10x libyaml's, and most commands only read); a new
    record staged as plain data gets its tree only if something edits it further."""

    def __init__(self, relpath: str, rt, data: dict, raw: bytes | None = None,
                 original_keys: frozenset = frozenset(), *, tree: Callable[[], object] | None = None):
        self.relpath = relpath
        self._rt = rt
        self._tree = tree if rt is None else None
        self.data = data
        self.raw = raw
        if not original_keys:
            source = rt if rt is not None else data
            original_keys = frozenset(source.keys()) if hasattr(source, "keys") else frozenset()
        self.original_keys = original_keys

    @property
    def rt(self):
        if self._rt is None and self._tree is not None:
            try:
                self._rt = self._tree()
            except yamlio.YamlProblem as exc:   # (one the fast loader took: nested deeper than ruamel goes)
                raise Invalid([exc.problem(self.relpath)]) from None
            self._tree = None
        return self._rt

    @rt.setter
    def rt(self, value) -> None:
        self._rt = value
        self._tree = None

    @property
    def tree_made(self) -> bool:
        """Whether the round-trip tree exists (was given, or asked for since)."""
        return self._rt is not None


def read_text_file(abspath: str, relpath: str) -> tuple[bytes, str]:
    try:
        with open(abspath, "rb") as fh:
            raw = fh.read(yamlio.MAX_BYTES + 1)
    except FileNotFoundError:
        raise NotFound(_("{path}: no such file").format(path=relpath)) from None
    except IsADirectoryError:
        raise BadValue(_("{path}: is a folder, not a record file").format(path=relpath)) from None
    except OSError as exc:
        raise RepoError(_("{path}: cannot read ({error})").format(path=relpath, error=exc.strerror)) from None
    try:
        return raw, yamlio.decode(raw)
    except yamlio.YamlProblem as exc:
        raise Invalid([exc.problem(relpath)]) from None


def parse(relpath: str, raw: bytes, text: str) -> Loaded:
    rt = None
    try:
        data = fast_data(text)
        if data is None:   # refused by the fast loader: the round-trip one says where and why
            rt = yamlio.load_roundtrip(text)
            data = yamlio.to_plain(rt)
    except yamlio.YamlProblem as exc:
        raise Invalid([exc.problem(relpath)]) from None
    if not isinstance(data, dict):
        raise Invalid([Problem(relpath, 1, 1, _("a record must be a YAML mapping (key: value lines)"), "V-yaml")])
    return Loaded(relpath, rt, data, raw, tree=lambda: yamlio.load_roundtrip(text))


def fast_data(text: str):
    """The plain data of a YAML text by libyaml (store/fastyaml: the same result as the
    round-trip loader, a property test holds them to it), or None when it refuses the text, or
    the text may have anchors (aliases are expanded by the round-trip loader's budgeted copy) or
    explicit tags (`!!binary`, `!custom`: the round-trip loader marks them unsupported)."""
    if "&" in text or "!" in text or yamlio.too_deep(text):
        return None
    from . import fastyaml

    try:
        return fastyaml.load(text)
    except Exception:
        return None


class Office:
    """An office repo. `Office.open()` finds it from a folder inside it."""

    def __init__(self, root: str):
        self.root = os.path.realpath(root)
        top = git.toplevel(self.root)   # (a folder git refuses for its owner: that error)
        if top is None:
            raise RepoError(_("{path} is not inside a git repository (run `wuyectl init`)").format(path=self.root))
        self.top = os.path.realpath(top)
        rel = os.path.relpath(self.root, self.top)
        # Records are addressed relative to the office root; git wants paths relative to the
        # top of the work tree (the office may be a folder inside a larger repository).
        self.prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        git.require_sha1(self.gitdir, self.top)
        self.config_loaded = self._load_config()
        self._finish_interrupted_write()

    @cached_property
    def gitdir(self) -> str:
        plain = os.path.join(self.top, ".git")
        return plain if os.path.isdir(plain) else git.git_dir(self.top)

    def _finish_interrupted_write(self) -> None:
        """A writer killed half-way leaves its journal: before anything reads the records, put
        the repo back to all-or-nothing (under the lock, so a live writer is waited for)."""
        if not os.path.exists(os.path.join(self.gitdir, "wuyectl", "journal.json")):
            return
        from .lock import RepoLock
        from .transaction import recover

        with RepoLock(os.path.join(self.gitdir, "wuyectl", "lock"), "recovery"):
            recover(self, self.gitdir)

    @classmethod
    def open(cls, path: str | None = None, *, search_from: str | None = None) -> "Office":
        """The office at `path` (--repo) or WUYECTL_REPO; else the one containing
        `search_from` (default: the current folder)."""
        explicit = path or os.environ.get("WUYECTL_REPO")
        start = os.path.abspath(explicit or search_from or os.getcwd())
        if not os.path.isdir(start):
            if explicit or not os.path.exists(start):
                raise RepoError(_("{path}: no such folder").format(path=start))
            start = os.path.dirname(start)
        here = start
        while True:
            if os.path.isfile(os.path.join(here, CONFIG)):
                return cls(here)
            parent = os.path.dirname(here)
            if parent == here or explicit:
                # With an explicit --repo, that folder itself must be the office.
                raise RepoError(_("{path} is not an office repo (no {config}; run `wuyectl init`)").format(
                    path=start, config=CONFIG))
            here = parent

    # -- configuration ------------------------------------------------------------------
    def _load_config(self) -> Loaded:
        raw, text = read_text_file(os.path.join(self.root, CONFIG), CONFIG)
        loaded = parse(CONFIG, raw, text)
        # Checking wuye.yaml against its schema costs more than the rest of a command's start
        # (jsonschema); a file that passed once is remembered by its content.
        stamp = os.path.join(self.gitdir, "wuyectl", "config.checked")
        key = git.blob_id(raw) + " " + git.blob_id(repr(schema.schema_text("config")).encode())
        try:
            with open(stamp, encoding="utf-8") as fh:
                checked = fh.read() == key
        except OSError:
            checked = False
        if not checked:
            found = schema.problems(loaded.data, "config")
            if found:
                raise Invalid([Problem(CONFIG, *yamlio.location(loaded.rt, p), m) for p, m in found])
            from .shared import atomic_write

            try:   # (with the shared mode: another account of a shared office rewrites it)
                atomic_write(stamp, key.encode("utf-8"), sync=False)
            except OSError:
                pass
        seen: dict[str, int] = {}
        for i, person in enumerate(loaded.data.get("staff", [])):
            if person["name"] in seen:
                raise Invalid([Problem(CONFIG, *yamlio.location(loaded.rt, ("staff", i, "name")),
                                       _("staff name '{name}' is on the roster twice "
                                         "(also staff {index}); names identify people").format(
                                           name=person["name"], index=seen[person["name"]]))])
            seen[person["name"]] = i
        try:
            timeutil.zone(loaded.data.get("timezone", DEFAULT_TZ))
        except BadValue as exc:
            raise Invalid([Problem(CONFIG, *yamlio.location(loaded.rt, ("timezone",)), str(exc))]) from None
        return loaded

    def reload(self) -> None:
        """Read wuye.yaml again (after the tool changed it)."""
        self.config_loaded = self._load_config()
        self.__dict__.pop("policy", None)
        self.__dict__.pop("tz", None)

    @property
    def config(self) -> dict:
        return self.config_loaded.data

    @cached_property
    def tz(self):
        return timeutil.zone(self.config.get("timezone", DEFAULT_TZ))

    @cached_property
    def station(self) -> str:
        """This clone's letter in new IDs: WUYECTL_STATION, else `git config wuyectl.station`
        (set per clone, so clones that sync never draw the same ID), else wuye.yaml's station."""
        import re

        value = os.environ.get("WUYECTL_STATION")
        if not value:
            proc = git.run(self.top, ["config", "--get", "wuyectl.station"], check=False)
            value = proc.stdout.decode().strip()
        value = value or self.config.get("station", "A")
        if not re.fullmatch(r"[A-Z]", value):
            raise BadValue(_("station '{station}' must be one capital letter (A–Z)").format(station=value))
        return value

    @property
    def language(self) -> str:
        return self.config.get("language", "zh")

    @cached_property
    def policy(self) -> Policy:
        return Policy.from_config(self.config.get("policy"))

    def staff(self) -> list[dict]:
        return [p for p in self.config.get("staff", []) if p.get("active", True)]

    def person(self, name: str) -> dict:
        text = str(name).strip()
        for person in self.staff():
            if person["name"] == text:
                return person
        from ..errors import did_you_mean

        names = [p["name"] for p in self.staff()]
        raise NotPermitted(_("'{name}' is not on the staff roster of {config}{hint}").format(
            name=name, config=CONFIG, hint=did_you_mean(text, names)))

    def actor(self, name: str | None) -> dict:
        """The acting staff member: --as, else WUYECTL_USER, else git config user.name."""
        if not name:
            name = os.environ.get("WUYECTL_USER")
        if not name:
            proc = git.run(self.top, ["config", "user.name"], check=False)
            name = proc.stdout.decode("utf-8", "replace").strip()
        if not name:
            raise NotPermitted(_("who is acting? give --as NAME (or set WUYECTL_USER)"))
        return self.person(name)

    # -- time ----------------------------------------------------------------------------
    def now(self) -> datetime:
        return timeutil.now(self.tz)

    def at(self, text: str | None) -> datetime:
        """The business time of an action: --at, else now (WUYECTL_NOW when set).

        Checked against the computer's clock, not against WUYECTL_NOW: no later than a few
        minutes ahead of it (FUTURE_SLACK_S), no earlier than the policy's backdate_limit_days
        before it — whether the time came from --at or from WUYECTL_NOW, which can thus not
        record an event as long ago (or ahead) as it likes."""
        if text:
            when, source = timeutil.parse_time(text, self.tz, what=_("--at time")), "--at"
        elif os.environ.get("WUYECTL_NOW"):
            when, source = self.now(), "WUYECTL_NOW"
        else:
            return self.now()
        real = timeutil.real_now(self.tz)
        if (when - real).total_seconds() > FUTURE_SLACK_S:
            raise BadValue(_("{source} {time} is in the future (by this computer's clock)").format(
                source=source, time=timeutil.iso(when)))
        limit = backdate_limit(self.config.get("policy"))
        if (real - when).total_seconds() > limit * 86400:
            raise BadValue(_("{source} {time} is more than {limit} days ago "
                             "(policy backdate_limit_days in {config})").format(
                source=source, time=timeutil.iso(when), limit=limit, config=CONFIG))
        return when

    # -- paths and records ---------------------------------------------------------------
    def abspath(self, relpath: str) -> str:
        return os.path.join(self.root, *relpath.split("/"))

    def git_path(self, relpath: str) -> str:
        return self.prefix + relpath

    def user_path(self, path: str) -> str:
        """An office-relative path from a path given on the command line; never outside."""
        if "\0" in str(path):
            raise BadValue(_("'{path}' is not a path (it holds a NUL character)").format(path=str(path).replace("\0", "\\0")))
        absolute = os.path.realpath(os.path.join(os.getcwd(), path))
        if absolute != self.root and not absolute.startswith(self.root + os.sep):
            raise BadValue(_("{path}: is outside the office repo {root}").format(path=path, root=self.root))
        rel = os.path.relpath(absolute, self.root)
        return "" if rel == "." else rel.replace(os.sep, "/")

    def locate(self, record_id: str) -> tuple[Kind, str]:
        kind = kind_of_id(record_id)
        return kind, kind.path_of(str(record_id).strip())

    def exists(self, record_id: str) -> bool:
        _, rel = self.locate(record_id)
        return os.path.isfile(self.abspath(rel))

    def read(self, relpath: str) -> Loaded:
        raw, text = read_text_file(self.abspath(relpath), relpath)
        return parse(relpath, raw, text)

    def load(self, record_id: str) -> tuple[Kind, Loaded]:
        kind, rel = self.locate(record_id)
        if not os.path.isfile(self.abspath(rel)):
            raise NotFound(_("no {kind} {id} (looked for {path})").format(
                kind=codes.kind_noun(kind.name), id=str(record_id).strip(), path=rel))
        return kind, self.read(rel)

    def next_id(self, kind: Kind, day: datetime) -> str:
        """The next free ID of `kind` for `day` at this station: T-20261122-A001, A002, …

        Called under the repo lock, so two clerks never draw the same number; the station
        letter keeps clones that sync apart."""
        stem = kind.stem(day, self.station)
        folder = self.abspath(kind.path_of(stem + "000").rsplit("/", 1)[0])
        highest = 0
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            names = []
        for name in names:
            if name.startswith(stem) and name.endswith(".yaml"):
                digits = name[len(stem):-5]
                if digits.isascii() and digits.isdigit():
                    highest = max(highest, int(digits))
        return f"{stem}{highest + 1:03d}"

    def index(self, kind: Kind):
        from .cache import Index

        return Index(self, kind)

    def kinds(self) -> list[Kind]:
        return list(KINDS.values())

    def label(self, group: str, code, lang: str | None = None) -> str:
        return codes.label(group, code, lang or self.language)
