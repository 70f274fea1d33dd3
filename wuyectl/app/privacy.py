"""Personal data at rest (issue 12): turning encryption on, revealing, erasing, and keeping the
office key wrapped for exactly the people the roster allows.

- `migrate_encrypt` seals every personal value of every record in one commit (and makes the
  office's keys); from then on every write seals (store/transaction.py), imports included.
- `opener` gives a person allowed to reveal what opens sealed values (their SSH key);
  `revealed` returns a record with its personal values in clear for them.
- `erase` destroys a household's data keys (crypto-shredding) and records the erasure on the
  household's file in one commit; `erase_expired` does it for the records that have their own
  key, once the policy's keeping time has passed.
- `follow_roster` re-wraps the office key after the roster or the reveal roles change.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Iterable, Mapping

from ..domain import codes
from ..domain.kinds import Kind, kind_of_id, subject_of
from ..domain.privacy import (ERASED, ERASED_LABELS, ERASERS, is_sealed, mask_as, personal_values, sealed_parts,
                              sealed_mask, subject_of_key, values_at)
from ..domain.workflow import MANAGERS
from ..errors import BadValue, NotFound, NotPermitted, Refused
from ..i18n import _
from ..store import fastyaml, yamlio
from ..store.office import CONFIG, Office
from .. import timeutil
from .office import acting, check_reveal

if TYPE_CHECKING:   # (imported where used: reading a record needs neither the keys nor a transaction)
    from ..store import keys

KEEP_DAYS_DEFAULT = 180                 # policy keep_personal_days: a record's own key, after it closed


def encrypted(office: Office) -> bool:
    return bool(office.config.get("encrypted"))


def keystore(office: Office) -> keys.Keystore:
    from ..store import keys

    return keys.Keystore(office.gitdir)


def _iso(office: Office) -> str:
    return timeutil.iso(office.now())


# -- turning it on ----------------------------------------------------------------------------
@dataclass
class Migrated:
    commit: str
    records: int
    values: int
    subjects: int


def migrate_encrypt(office: Office, actor: str | None) -> Migrated:
    """Seal every personal value of the office in one commit (`migrate-encrypt`), set
    `encrypted: true` in wuye.yaml and make the office key for the people allowed to reveal.
    Each file keeps its text but for the values sealed (comments and layout stay); the index
    cache, which held the clear values, is deleted (it is rebuilt from the sealed files)."""
    from ..store import keys
    from ..store.transaction import Transaction

    person = acting(office, actor)
    if person["role"] not in MANAGERS:
        raise NotPermitted(_("{name} ({role}) may not turn encryption on: needs {roles}").format(
            name=person["name"], role=codes.shown("role", person["role"]), roles=codes.shown_or("role", MANAGERS)))
    if encrypted(office):
        raise Refused(_("personal data is already encrypted in this office"))
    values = 0
    subjects: set[str] = set()
    records = 0
    with Transaction(office, person) as tx:
        config = tx.load_path(CONFIG)
        config.rt["encrypted"] = True
        tx.stage(config)
        store = keystore(office)
        store.tidy()
        store.create(roster_config(office, config.data), person["name"], _iso(office))
        sealer = keys.Sealer(store, _iso(office))
        # (kind, path, subject) only: the records' data is not held twice at 100,000 records
        todo = [(kind, rel, subject_of(kind, data)) for kind, rel, data in _records_with_personal(office)
                if any(not is_sealed(box[key]) for box, key, _s, _p in personal_values(kind, data))]
        tx.check_clean([rel for _kind, rel, _subject in todo])
        for kind, rel, subject in todo:
            with open(office.abspath(rel), "rb") as fh:
                raw = fh.read()
            text, count = sealed_text(kind, yamlio.decode(raw), sealer, subject)
            tx.stage_rendered(rel, text.encode("utf-8"), fastyaml.load(text))
            values += count
            subjects.add(subject)
            records += 1
        # (a subject in the tool's words, as every commit's: the action and what it touched)
        commit = tx.commit(f"migrate encrypt ({records} records)", action="migrate-encrypt", records=[])
    forget_cache(office)
    office.reload()
    return Migrated(commit, records, values, len(subjects))


def sealed_text(kind: Kind, text: str, sealer: keys.Sealer, subject: str) -> tuple[str, int]:
    """(the record's text with every clear personal value sealed, how many): each value is
    replaced on its own line, so hand-written comments and the layout stay; a file whose values
    cannot be told apart line by line is sealed through the round-trip writer instead. Either
    way the result is checked: the same data but for the values sealed."""
    import re

    before = fastyaml.load(text)
    clear = [(key, sort, str(box[key])) for box, key, sort, _p in personal_values(kind, before)
             if not is_sealed(box[key])]
    lines = text.split("\n")
    done = 0
    for key, sort, shown in dict.fromkeys(clear):
        pattern = re.compile(r"^(\s*(?:-\s+)?%s:[ \t]*)(['\"]?)%s\2([ \t]*(?:#.*)?)$" % (re.escape(key), re.escape(shown)))
        at = [i for i, line in enumerate(lines) if pattern.match(line)]
        if len(at) != clear.count((key, sort, shown)):
            return _sealed_round_trip(kind, text, sealer, subject)
        for i in at:
            found = pattern.match(lines[i])
            lines[i] = found.group(1) + sealer.seal(subject, sort, shown) + found.group(3)
            done += 1
    out = "\n".join(lines)
    if _without_personal(kind, fastyaml.load(out)) != _without_personal(kind, before) or any(
            not is_sealed(box[key]) for box, key, _s, _p in personal_values(kind, fastyaml.load(out))):
        return _sealed_round_trip(kind, text, sealer, subject)
    return out, done


def _sealed_round_trip(kind: Kind, text: str, sealer: keys.Sealer, subject: str) -> tuple[str, int]:
    rt = yamlio.load_roundtrip(text)
    done = 0
    for box, key, sort, _path in list(personal_values(kind, rt)):
        if not is_sealed(box[key]):
            box[key] = sealer.seal(subject, sort, str(box[key]))
            done += 1
    return yamlio.dump(rt), done


def _without_personal(kind: Kind, data: dict) -> dict:
    import copy

    out = copy.deepcopy(data)
    for box, key, _sort, _path in list(personal_values(kind, out)):
        box[key] = None
    return out


def _records_with_personal(office: Office):
    """(kind, relpath, data) of every record of a kind with personal fields."""
    for kind in office.kinds():
        if not kind.personal:
            continue
        for entry in office.index(kind).entries():
            if entry.data:
                yield kind, entry.relpath, entry.data


def forget_cache(office: Office) -> None:
    """Delete the index cache (and its journal files): it may hold values in clear from before
    the migration, in rows or in freed pages. Deleting it changes no output."""
    base = os.path.join(office.gitdir, "wuyectl", "index.sqlite")
    for path in (base, base + "-wal", base + "-shm", base + "-journal"):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


# -- revealing --------------------------------------------------------------------------------
def reveal_opener(office: Office, actor: str | None, *, search: bool = False) -> keys.Opener | None:
    """What opens sealed values for `actor`, who must be allowed to reveal (NotPermitted
    otherwise; `search`: the refusal says it is the search that needs it); None when the
    office has no keys (its values are in clear). The SSH key is read when the first sealed
    value is opened."""
    from ..store import keys

    check_reveal(office, actor, _("{name} ({role}) may not look records up by a phone or ID-card number (it would "
                                  "test guesses against the masked ones): needs {roles}") if search else None)
    store = keystore(office)
    if not store.exists():
        if encrypted(office):
            raise Refused(_("this copy of the office has no keys (.git/wuyectl/keys): sync with the office "
                            "(wuyectl sync) or copy the folder from the office computer"))
        return None
    return keys.Opener(store, None, check=lambda: _own_key(office, actor))


def _own_key(office: Office, actor: str | None) -> None:
    """WUYECTL_SIGNING_KEY must be the acting person's key on the roster (as for signing):
    one person does not reveal with another's key."""
    from ..store import signing

    person = office.actor(actor)
    entry = next((p for p in roster_config(office).get("staff") or [] if p.get("name") == person["name"]), person)
    if entry.get("signing_key"):
        signing.commit_args({"staff": [entry]}, entry)


def personal_condition(kind: Kind, key: str) -> str | None:
    """The personal path of `kind` a `--where` key names (`reporter.phone`; `owners.phone`
    for `owners.*.phone`), or None."""
    for path in kind.personal:
        if key == path or key == path.replace(".*", ""):
            return path
    return None


def shown_secret(value, lang: str) -> str:
    """What a value that cannot be opened shows."""
    return ERASED_LABELS[0 if lang == "zh" else 1] if value is ERASED else (
        "无法解密" if lang == "zh" else "unreadable")


def erased_keys(data: Mapping) -> set[str]:
    """The data keys a record's own `erased` entries name."""
    return {str(k) for e in data.get("erased") or [] if isinstance(e, dict) for k in e.get("keys") or []}


def marked_erased(kind: Kind, data: dict, gone: set[str] | None = None) -> dict:
    """A copy of `data` where each sealed value whose key is erased — named by the record's own
    `erased` entries, or in `gone` (its household's) — shows 已删除 / erased instead of its mask,
    for every role: the erasure is history's fact, not the local keystore's. `data` itself when
    nothing is erased."""
    gone = erased_keys(data) | (gone or set())
    if not gone or not kind.personal:
        return data
    import copy

    from .. import i18n

    out = copy.deepcopy(data)
    for box, key, _sort, _path in list(personal_values(kind, out)):
        parts = sealed_parts(box[key])
        if parts and parts[0] in gone:
            box[key] = shown_secret(ERASED, i18n.language())
    return out


def revealed(kind: Kind, data: dict, open_with: keys.Opener | None) -> dict:
    """A copy of `data` with its sealed personal values in clear (a value whose key is gone
    shows 已删除 / erased); `data` itself when there is nothing to open."""
    if open_with is None or not kind.personal or not any(
            is_sealed(box[key]) for box, key, _s, _p in personal_values(kind, data)):
        return data
    import copy

    from .. import i18n

    out = copy.deepcopy(data)
    for box, key, sort, _path in list(personal_values(kind, out)):
        if is_sealed(box[key]):
            value = open_with.open(box[key], sort)
            box[key] = value if isinstance(value, str) else shown_secret(value, i18n.language())
    return out


# -- searching by a personal number -------------------------------------------------------------
def matches(kind: Kind, rows: Iterable[dict], path: str, wanted: str, open_with: keys.Opener | None,
            office: Office | None = None) -> list[dict]:
    """The rows whose personal value at `path` (a personal path of `kind`, `*` allowed) is
    `wanted`. A sealed value is compared by its keyed hash (HMAC under the search secret, which
    only the roles that may reveal can derive), from the index cache when an earlier search
    stored it, else opened (its hash is then stored) — and either only when its mask is the mask
    of `wanted`, so a search looks at a handful of values, not every one."""
    sort = kind.personal.get(path)
    if sort is None:
        raise BadValue(_("{path} is not a personal field of a {kind}").format(path=path, kind=codes.kind_noun(kind.name)))
    wanted = str(wanted).strip()
    want_mask = mask_as(sort, wanted)
    rows = list(rows)
    found = [(row, box[key]) for row in rows for box, key, _s, _at in values_at(row, path, sort)]
    # A sealed value whose mask is not the wanted number's cannot be it: only the others are
    # looked up (their keyed hash) or opened.
    found = [(row, value) for row, value in found if not is_sealed(value) or sealed_mask(value) == want_mask]
    sealed = [value for _row, value in found if is_sealed(value)]
    if not sealed or open_with is None:
        return list({id(row): row for row, value in found if value == wanted}.values())
    from ..store.cache import KeyedHashes

    table = KeyedHashes(office.gitdir) if office is not None else None
    secret, _ = open_with.search_secret
    want_hash = open_with.keyed(sort, wanted)
    digests = {value: KeyedHashes.digest(value) for value in sealed}
    known = table.get(list(digests.values()), secret) if table else {}
    new: list[tuple[str, str, str]] = []
    out: dict[int, dict] = {}
    for row, value in found:
        if not is_sealed(value):
            hit = value == wanted
        elif digests[value] in known:
            hit = known[digests[value]] == want_hash
        else:
            parts = sealed_parts(value)
            opened = open_with.open(value, sort)
            if not isinstance(opened, str):
                continue
            keyed = open_with.keyed(sort, opened)
            new.append((digests[value], subject_of_key(parts[0]), keyed))
            hit = keyed == want_hash
        if hit:
            out[id(row)] = row
    if table:
        table.put(new, secret)
    return [row for row in rows if id(row) in out]


# -- erasing ----------------------------------------------------------------------------------
@dataclass
class Erased:
    commit: str
    subject: str
    keys: list[str]
    records: list[str]
    notes: list[str] = field(default_factory=list)   # what the erasure could not reach, said once


def erase(office: Office, actor: str | None, record_id: str, *, reason: str) -> list[Erased]:
    """Destroy the data keys of a household (`3-2-1201`) or of a record that has its own (a
    ticket with no unit): every personal value sealed for it, in every version git keeps since
    the migration, can no longer be opened. The erasure is recorded on the record's file, in one
    commit (`erase`); the records stay, and so do the figures of every report.

    A household's numbers may also be in records of their own (a public-area ticket its owner
    reported): when the director's key can open the household's values, those records are found
    (by their masks, then opened) and erased in the same commit. `notes` says what it could not
    reach: history from before the migration, and records not looked through."""
    person = acting(office, actor)
    if person["role"] not in ERASERS:
        raise NotPermitted(_("{name} ({role}) may not erase personal data: needs {roles}").format(
            name=person["name"], role=codes.shown("role", person["role"]), roles=codes.shown_or("role", ERASERS)))
    reason = (reason or "").strip()
    if not reason:
        raise BadValue(_("--reason is required"))
    kind = kind_of_id(str(record_id).strip())
    record_id = kind.check_id(record_id)
    if not kind.personal:
        raise BadValue(_("a {kind} holds no personal numbers to erase").format(kind=codes.kind_noun(kind.name)))
    if not office.exists(record_id):
        raise NotFound(kind.missing(record_id))
    _k, loaded = office.load(record_id)
    subject = subject_of(kind, loaded.data)
    if subject != record_id:
        raise BadValue(_("{id}'s numbers are sealed with household {unit}'s key: erase {unit}").format(
            id=record_id, unit=subject))
    _check_erasable(office, record_id, loaded.data)
    notes: list[str] = []
    subjects = [(record_id, kind)]
    if kind.name == "owner":
        more, note = _own_key_records_of(office, actor, record_id)
        subjects += more
        notes += [note] if note else []
    before = _clear_before_migration(office, kind.path_of(record_id))
    if before:
        notes.append(_("history before the migration ({commit}) still holds {id}'s numbers in clear: git keeps "
                       "every version, and rewriting history is what the audit forbids").format(
            commit=before[:10], id=record_id))
    done = _erase_subjects(office, person, subjects, reason=reason, action="erase")
    done[0].notes = notes
    return done


def _check_erasable(office: Office, subject: str, data: Mapping) -> None:
    if not encrypted(office):
        raise Refused(_("personal data is not encrypted in this office, so it cannot be erased by deleting a key "
                        "(wuyectl migrate encrypt first)"))
    store = keystore(office)
    if not store.exists():
        raise Refused(_("this copy of the office has no keys (.git/wuyectl/keys), so erasing here would destroy "
                        "nothing: erase in the office, or sync first"))
    if not store.data_keys(subject):
        if data.get("erased"):
            raise Refused(_("{id}: its personal data was already erased").format(id=subject))
        raise Refused(_("{id}: no data key of its to destroy (already erased, no number was ever sealed for it, "
                        "or this copy has not synced the key)").format(id=subject))


def _own_key_records_of(office: Office, actor: str | None, unit: str) -> tuple[list[tuple[str, Kind]], str]:
    """The records with their own key (no household) that hold one of household `unit`'s
    numbers, and a note when they could not be looked for (the acting person's key cannot
    open the household's values)."""
    records = list(_records_with_personal(office))
    owned: dict[str, set[str]] = {}     # sort → the household's values in clear
    try:
        opener = reveal_opener(office, actor)
        for kind, _rel, data in records:
            if subject_of(kind, data) != unit and data.get("id") != unit:
                continue
            for box, key, sort, _p in personal_values(kind, data):
                value = opener.open(box[key], sort) if (opener and is_sealed(box[key])) else box[key]
                if isinstance(value, str):
                    owned.setdefault(sort, set()).add(value)
    except (Refused, NotPermitted, BadValue, NotFound) as exc:
        return [], _("records with a key of their own (public-area tickets) were not searched for this "
                     "household's numbers ({why}); erase any such record by its ID").format(why=exc)
    masks = {(sort, mask_as(sort, value)) for sort, values in owned.items() for value in values}
    store = keystore(office)
    found: list[tuple[str, Kind]] = []
    for kind, _rel, data in records:
        rid = data.get("id")
        if not rid or rid == unit or subject_of(kind, data) != rid:
            continue
        for box, key, sort, _p in personal_values(kind, data):
            parts = sealed_parts(box[key])
            if parts and (sort, parts[1]) in masks and opener.open(box[key], sort) in owned.get(sort, ()):
                if store.data_keys(rid):
                    found.append((rid, kind))
                break
    return found, ""


def _clear_before_migration(office: Office, relpath: str) -> str | None:
    """The migration commit, when the record's file already existed before it (its numbers
    are then in clear in the history before it); None otherwise."""
    from ..store import git

    path = office.git_path(relpath)
    text = git.out(office.top, ["log", "-1", "--format=%H", "--grep=^Wuye-Action: migrate-encrypt$", "HEAD"]).strip()
    if not text:
        return None
    there = git.run(office.top, ["cat-file", "-e", f"{text}^:{path}"], check=False)
    return text if there.returncode == 0 else None


def _erase_subjects(office: Office, person: dict, subjects: list[tuple[str, Kind]], *, reason: str,
                    action: str) -> list[Erased]:
    from ..store.transaction import Transaction

    if not encrypted(office):
        raise Refused(_("personal data is not encrypted in this office, so it cannot be erased by deleting a key "
                        "(wuyectl migrate encrypt first)"))
    store = keystore(office)
    stamp = _iso(office)
    done: list[Erased] = []
    with Transaction(office, person) as tx:
        ids: list[str] = []
        for subject, kind in subjects:
            found = store.data_keys(subject)
            if not office.exists(subject):
                raise NotFound(kind.missing(subject))
            _kind, loaded = tx.load(subject)
            history = loaded.rt.get("erased")
            if not found:
                raise Refused(_("{id}: no data key of its to destroy (already erased, no number was ever sealed "
                                "for it, or this copy has not synced the key)").format(id=subject))
            entry = {"at": stamp, "by": person["name"], "reason": reason, "keys": found}
            if history is None:
                loaded.rt["erased"] = yamlio.new_map({"erased": [entry]})["erased"]
            else:
                history.append(yamlio.new_map(entry))
            tx.stage(loaded)
            ids.append(subject)
            done.append(Erased("", subject, found, [subject]))
        label = ", ".join(ids) if len(ids) <= 3 else f"{len(ids)} records"
        commit = tx.commit(f"{label} erase personal data", action=action, records=ids, at=stamp)
        # After the commit (which says who erased what and why) the keys go; a crash between
        # the two leaves keys that `purge_erased` deletes at the next erase or `keys rewrap`.
        for item in done:
            item.commit = commit
            store.destroy(item.subject)
        forget_hashes(office, [item.subject for item in done])
    return done


def purge_erased(office: Office) -> list[str]:
    """Delete the data keys that an erasure recorded in history covers but that are still here
    (a crash after the erase commit; a copy that synced the commit): the keys it names, in every
    office-key folder (one waiting for a rewrap too), and any other key of the same record's
    subject made before the erasure (one another copy made and had not yet synced when the
    director erased)."""
    from ..store import keyref
    from ..timeutil import read_iso

    store = keystore(office)
    gone: list[str] = []
    for kind, _rel, data in _records_with_personal(office):
        erasures = [e for e in data.get("erased") or [] if isinstance(e, dict)]
        if not erasures:
            continue
        named = erased_keys(data)
        try:
            last = max(read_iso(str(e.get("at"))) for e in erasures)
        except (TypeError, ValueError):
            last = None
        for key_id in store.data_keys(subject_of(kind, data)):
            made = (store.data_key(key_id) or {}).get("at")
            try:
                older = last is not None and made is not None and read_iso(str(made)) <= last
            except (TypeError, ValueError):
                older = False
            if older and key_id not in named and store.destroy_key(key_id):
                gone.append(key_id)
        gone += keyref.destroy_everywhere(store, named)
    forget_hashes(office, sorted({subject_of_key(k) for k in gone}))
    return gone


def forget_hashes(office: Office, subjects: list[str]) -> None:
    """The keyed hashes of an erased subject's values go with its key: with the search secret
    and the mask, a hash would give the number back (the mask leaves 10,000 candidates)."""
    from ..store.cache import KeyedHashes

    KeyedHashes(office.gitdir).forget(subjects)


def expired(office: Office) -> list[tuple[str, Kind]]:
    """The records that have their own data key (no household) and are past the policy's
    keeping time for personal data: closed more than `keep_personal_days` ago."""
    keep = int((office.config.get("policy") or {}).get("keep_personal_days", KEEP_DAYS_DEFAULT))
    now = office.now()
    store = keystore(office)
    out: list[tuple[str, Kind]] = []
    for kind, _rel, data in _records_with_personal(office):
        rid = data.get("id")
        if not kind.workflow.terminal or data.get(kind.workflow.state_field) not in kind.workflow.terminal:
            continue
        if not rid or subject_of(kind, data) != rid or not store.data_keys(rid):
            continue
        times = [e.get("at") for e in data.get("timeline") or [] if isinstance(e, dict) and e.get("at")]
        if not times:
            continue
        try:
            closed = timeutil.read_iso(str(max(times)))
        except ValueError:
            continue
        if closed + timedelta(days=keep) <= now:
            out.append((rid, kind))
    return out


def erase_expired(office: Office, actor: str | None, *, reason: str | None = None) -> list[Erased]:
    person = acting(office, actor)
    if person["role"] not in ERASERS:
        raise NotPermitted(_("{name} ({role}) may not erase personal data: needs {roles}").format(
            name=person["name"], role=codes.shown("role", person["role"]), roles=codes.shown_or("role", ERASERS)))
    due = expired(office)
    if not due:
        return []
    keep = int((office.config.get("policy") or {}).get("keep_personal_days", KEEP_DAYS_DEFAULT))
    why = (reason or "").strip() or _("kept {days} days after closing (policy keep_personal_days)").format(days=keep)
    return _erase_subjects(office, person, due, reason=why, action="erase")


# -- the people the keys are for ------------------------------------------------------------------
@dataclass
class Rewrapped:
    done: str            # "same" | "wrapped" | "rotated" | "pending" | "off"
    added: list[str]
    removed: list[str]
    left_out: list[str]
    why: str = ""
    by: list[str] = field(default_factory=list)   # pending: who can run `wuyectl keys rewrap`


def roster_config(office: Office, config: Mapping | None = None) -> dict:
    """`config` (wuye.yaml as read) with the roster as its history vouches for it
    (`app.roster.trusted_staff`): whom the office key is wrapped for is decided by the tool
    steps, so a hand edit that makes a clerk a supervisor, or puts back a person who left,
    wraps nothing for them."""
    from .roster import trusted_staff

    config = dict(office.config if config is None else config)
    staff = trusted_staff(office)
    if staff is not None:
        config["staff"] = staff
    return config


def follow_roster(office: Office, actor: str | None, *, required: bool = False) -> Rewrapped:
    """Wrap the office key for exactly the people the roster allows now (after a roster or
    reveal-roles change). Needs the acting person's SSH key to open the office key; when it
    cannot (not allowed, no WUYECTL_SIGNING_KEY, not a recipient), the change waits for a
    person who can (`pending`, naming who), unless `required` (then it raises)."""
    from ..store import keys
    from ..store.transaction import Transaction

    from .roster import present

    if required:   # `keys rewrap`: only a person who may reveal, even when there is nothing to do
        check_reveal(office, actor, _("{name} ({role}) may not re-wrap the office keys: needs {roles}"))
    store = keystore(office)
    config = roster_config(office)
    people, left_out = keys.recipients(config)
    if not store.exists():
        return Rewrapped("off", [], [], left_out)
    with Transaction(office, present(office, actor)) as _tx:   # the lock: one rewrap at a time
        office_doc = store.office()
        before = {r["fingerprint"]: r["name"] for r in office_doc.get("recipients", [])}
        after = {p.fingerprint: p.name for p in people}
        added = [after[f] for f in after if f not in before]
        removed = [before[f] for f in before if f not in after]
        if not added and not removed:
            return Rewrapped("same", [], [], left_out)
        try:
            check_reveal(office, actor)
            _own_key(office, actor)
            identity = keys.Identity.from_env()
            done, added, removed = store.rewrap(config, identity, office.actor(actor)["name"], _iso(office))
        except (Refused, NotPermitted, BadValue) as exc:
            if required:
                raise
            # who can: a person the office key is wrapped for now and whom the roster still allows
            by = [before[f] for f in before if f in after]
            return Rewrapped("pending", added, removed, left_out, str(exc), by)
    purge_erased(office)
    return Rewrapped(done, added, removed, left_out)


def key_status(office: Office) -> dict:
    """What `wuyectl keys` shows: whether the office is encrypted, the office key, whom it is
    wrapped for, whom the roster (as its history vouches for it) says it should be, and the
    count of data keys."""
    from ..store import keys

    store = keystore(office)
    people, left_out = keys.recipients(roster_config(office))
    out = {"encrypted": encrypted(office), "keystore": store.root, "office_key": None, "wrapped_for": [],
           "should_be": [p.name for p in people], "left_out": left_out, "data_keys": 0}
    if store.exists():
        doc = store.office()
        out.update(office_key=doc["id"], wrapped_for=[r["name"] for r in doc.get("recipients", [])],
                   data_keys=len(store.data_keys()))
    return out
