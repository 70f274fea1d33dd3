"""The keystore as a git ref, so that it travels with `wuyectl sync` (docs/server.md, "The
keys on a server").

`refs/wuyectl/keys` is a commit WITHOUT parents whose tree is the keystore folder as it is
(`current`, `K-xxxx/office.json`, `K-xxxx/data/SUBJECT.ID.json`). It is made anew on every
change and force-pushed, never merged into the records' history: the key files of an old
keystore are reachable from no ref once it is replaced, and `git gc --prune=now` removes them
(an erasure reaches every copy that syncs afterwards). The commit's author, committer and
date are fixed, so one keystore is always one commit: two clones that agree push nothing.

`merge` joins the keystore another clone pushed into this one: data keys this one lacks are
taken, this one's are kept; of two different office keys, the one wrapped for exactly the
people the roster names (then the newer) becomes `current`, and the data keys sealed to the
other are sealed again to it — which takes opening the other office key, so it waits
("pending") for a person who can, and both office-key folders are kept meanwhile.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import git, keys

KEYS_REF = "refs/wuyectl/keys"
REMOTE_KEYS_REF = "refs/wuyectl/remote-keys"
IDENTITY = {"GIT_AUTHOR_NAME": "wuyectl keys", "GIT_AUTHOR_EMAIL": "wuyectl@keys",
            "GIT_COMMITTER_NAME": "wuyectl keys", "GIT_COMMITTER_EMAIL": "wuyectl@keys",
            "GIT_AUTHOR_DATE": "@0 +0000", "GIT_COMMITTER_DATE": "@0 +0000"}
MESSAGE = b"wuyectl keystore (replaced on every change; never merged)\n"
_OFFICE_KEY = re.compile(r"K-[0-9a-f]{1,64}")
_DATA_KEY = re.compile(r"[^/\s]{1,200}\.json")


def valid_path(path: str) -> bool:
    """A path a keystore tree may hold."""
    parts = path.split("/")
    if parts == ["current"]:
        return True
    if len(parts) == 2:
        return bool(_OFFICE_KEY.fullmatch(parts[0])) and parts[1] == "office.json"
    if len(parts) == 3:
        return bool(_OFFICE_KEY.fullmatch(parts[0])) and parts[1] == "data" and bool(_DATA_KEY.fullmatch(parts[2]))
    return False


# -- the files --------------------------------------------------------------------------------
def read_folder(store: keys.Keystore) -> dict[str, bytes]:
    """The keystore's files (relative path → bytes), only those a keystore tree holds."""
    out: dict[str, bytes] = {}
    root = store.root
    if not os.path.isdir(root):
        return out
    for folder, _dirs, names in os.walk(root):
        for name in names:
            full = os.path.join(folder, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if valid_path(rel):
                with open(full, "rb") as fh:
                    out[rel] = fh.read()
    return out


def read_ref(top: str, ref: str) -> dict[str, bytes] | None:
    """The files of the keystore commit `ref` (None: no such ref)."""
    commit = git.commit_of(top, ref)
    if commit is None:
        return None
    listing = git.out(top, ["ls-tree", "-r", "-z", commit])
    out: dict[str, bytes] = {}
    with git.CatFile(top) as objects:
        for entry in listing.split("\0"):
            if not entry:
                continue
            meta, _tab, path = entry.partition("\t")
            kind, oid = meta.split()[1:3]
            if kind != "blob" or not valid_path(path):
                continue
            found = objects.read(oid)
            if found is not None:
                out[path] = found[1]
    return out


def make_commit(top: str, store: keys.Keystore) -> str | None:
    """The parentless commit holding the keystore's files as they are (None: there are none)."""
    paths = sorted(read_folder(store))
    if not paths:
        return None
    listed = "".join(os.path.join(store.root, *p.split("/")) + "\n" for p in paths)
    ids = git.out(top, ["hash-object", "-w", "--no-filters", "--stdin-paths"], input=listed.encode("utf-8")).split()
    blobs = dict(zip(paths, ids))

    def tree(prefix: str) -> str:
        entries: dict[str, tuple[str, str]] = {}
        for path in paths:
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix):]
            head, slash, _tail = rest.partition("/")
            if slash:
                entries.setdefault(head, ("tree", ""))
            else:
                entries[head] = ("blob", blobs[path])
        lines = []
        for name in sorted(entries):
            kind, oid = entries[name]
            if kind == "tree":
                lines.append(f"040000 tree {tree(prefix + name + '/')}\t{name}")
            else:
                lines.append(f"100644 blob {oid}\t{name}")
        return git.out(top, ["mktree"], input=("\n".join(lines) + "\n").encode("utf-8")).strip()

    root = tree("")
    return git.out(top, ["-c", "commit.gpgSign=false", "commit-tree", "--no-gpg-sign", root],
                   input=MESSAGE, env=IDENTITY).strip()


def key_ids(files: Mapping[str, bytes] | None) -> set[str]:
    """The office-key and data-key ids `files` holds."""
    out: set[str] = set()
    for path in files or {}:
        parts = path.split("/")
        if len(parts) == 2:
            out.add(parts[0])
        elif len(parts) == 3:
            out.add(parts[2][:-5])
    return out


# -- merging ----------------------------------------------------------------------------------
@dataclass
class Merged:
    taken: list[str] = field(default_factory=list)       # data keys taken from the other side
    current: str | None = None
    resealed: list[str] = field(default_factory=list)    # data keys sealed again to `current`
    pending: list[str] = field(default_factory=list)     # office keys whose data keys wait
    why: str = ""


def _layout(files: Mapping[str, bytes]):
    """(current, {office key: office.json doc}, {data key id: (office key, path)})."""
    current = files.get("current", b"").decode("ascii", "replace").strip() or None
    offices: dict[str, dict] = {}
    data: dict[str, tuple[str, str]] = {}
    for path, body in files.items():
        parts = path.split("/")
        if len(parts) == 2:
            try:
                offices[parts[0]] = json.loads(body)
            except ValueError:
                continue
        elif len(parts) == 3:
            data[parts[2][:-5]] = (parts[0], path)
    return current, offices, data


def _put(store: keys.Keystore, path: str, body: bytes) -> None:
    from .shared import atomic_write

    full = os.path.join(store.root, *path.split("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    atomic_write(full, body)


def merge(store: keys.Keystore, theirs: Mapping[str, bytes], config: Mapping, identity_of) -> Merged:
    """Join the keystore `theirs` into `store` (see the module's docstring); `identity_of()`
    gives the syncing person's key (raising when there is none) for sealing again."""
    result = Merged()
    mine = read_folder(store)
    my_current, my_offices, my_data = _layout(mine)
    their_current, their_offices, their_data = _layout(theirs)
    # office keys this side lacks, or has older wrappings of (the same key wrapped anew)
    for kek, doc in their_offices.items():
        path = f"{kek}/office.json"
        if kek not in my_offices or (str(doc.get("at", "")) > str(my_offices[kek].get("at", ""))):
            _put(store, path, theirs[path])
            my_offices[kek] = doc
    for key_id, (kek, path) in their_data.items():
        if key_id not in my_data:
            _put(store, path, theirs[path])
            my_data[key_id] = (kek, path)
            result.taken.append(key_id)
    # which office key is in use
    people, _left_out = keys.recipients(config)
    roster = {p.fingerprint for p in people}

    def rank(kek: str):
        doc = my_offices.get(kek) or {}
        fits = {r.get("fingerprint") for r in doc.get("recipients") or []} == roster
        return (fits, str(doc.get("at", "")), kek)

    candidates = [k for k in {my_current, their_current} if k and k in my_offices]
    if not candidates:
        result.current = my_current
        return result
    winner = max(candidates, key=rank)
    if winner != my_current:
        store._switch(winner)
    result.current = winner
    # data keys sealed to another office key: sealed again to the one in use, when the
    # syncing person can open the other one
    for kek in sorted(my_offices):
        if kek == winner:
            continue
        waiting = sorted(k for k, (where, _p) in my_data.items() if where == kek
                         and not os.path.exists(os.path.join(store.root, winner, "data", k + ".json")))
        if waiting:
            try:
                resealed = _reseal(store, kek, winner, waiting, identity_of())
            except Exception as exc:   # no key, not a recipient, not readable: waits
                from ..errors import WuyeError

                if not isinstance(exc, WuyeError):
                    raise
                result.pending.append(kek)
                result.why = result.why or str(exc)
                continue
            result.resealed += resealed
        shutil.rmtree(os.path.join(store.root, kek), ignore_errors=True)
    return result


def _reseal(store: keys.Keystore, old: str, new: str, key_ids_: list[str], identity) -> list[str]:
    with open(os.path.join(store.root, old, "office.json"), encoding="utf-8") as fh:
        old_doc = json.load(fh)
    with open(os.path.join(store.root, new, "office.json"), encoding="utf-8") as fh:
        new_doc = json.load(fh)
    private = keys.unwrap_office_key(old_doc, identity)
    public = keys._public(keys._unb64(new_doc["public"]))
    suite = keys._suite()
    done = []
    for key_id in key_ids_:
        with open(os.path.join(store.root, old, "data", key_id + ".json"), encoding="utf-8") as fh:
            entry = json.load(fh)
        raw = suite.decrypt(keys._unb64(entry["sealed"]), private, info=keys._info("data-key", key_id))
        entry = {**entry, "sealed": keys._b64(suite.encrypt(raw, public, info=keys._info("data-key", key_id))),
                 "office_key": new}
        store._write(os.path.join(store.root, new, "data", key_id + ".json"), entry)
        done.append(key_id)
    return done


def destroy_everywhere(store: keys.Keystore, ids: set[str]) -> list[str]:
    """Delete the data keys `ids` from every office-key folder (`Keystore.destroy_key` sees
    only the current one); the ids deleted."""
    gone = []
    if not ids or not os.path.isdir(store.root):
        return gone
    for kek in os.listdir(store.root):
        folder = os.path.join(store.root, kek, "data")
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            if name.endswith(".json") and name[:-5] in ids:
                keys._shred(os.path.join(folder, name))
                gone.append(name[:-5])
    return gone
