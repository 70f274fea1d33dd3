"""A commit of a few files without git's index: the blobs and the trees on their paths.

`git commit --only -- PATH` reads and rewrites the whole index and looks at every file of the
work tree: at 100,000 tickets (173,000 files, a 17.9 MB index) that is 0.42 s for one changed
file, and it grows with the office. An action changes one or two records, so it builds its
commit from what it changed:

1. the changed files' blobs are written by one `git hash-object -w --stdin-paths` (with the
   filters and line-ending rules `git add` would apply);
2. the trees on the changed paths are HEAD's trees (read with one `git cat-file --batch`)
   with those entries replaced, added or removed; every untouched subtree is reused by id;
3. the caller then makes the commit (`git commit-tree`, which also signs), moves the branch
   with `git update-ref HEAD NEW OLD` (refused if someone else moved it meanwhile) and brings
   the index's entries for those paths up to date (`git update-index`), in that order, so a
   process killed at any step leaves either the old commit or the new one, and recovery
   (store/transaction.recover) puts the paths back to whichever HEAD has.

The trees (and a symbolic link's blob) are written the way git writes loose objects: a temporary file in the object's
folder, then a hard link to its name (an existing object is never overwritten), read-only,
with the repository's shared mode (core.sharedRepository). Only SHA-1 repositories are
handled (the tool refuses others: git.require_sha1).
"""
from __future__ import annotations

import hashlib
import os
import stat
import zlib

from . import git, shared
from .gitconfig import config_values

TREE_MODE = b"40000"
LINK_MODE = b"120000"
FILE_MODE = b"100644"
EXEC_MODE = b"100755"
LOOSE_LEVEL = 1          # core.looseCompression's default: speed over size (gc packs them later)
GC_LOOSE_PER_FOLDER = 27  # gc.auto (6,700) spread over git's 256 folders: time for `maintenance --auto`


class ObjectWriter:
    """Writes loose objects into the repository whose git directory is `gitdir`."""

    def __init__(self, gitdir: str):
        self.folder = os.environ.get("GIT_OBJECT_DIRECTORY") or os.path.join(gitdir, "objects")
        self.sync = fsync_objects(gitdir)
        self.perm = shared.setting_for(self.folder)
        self.written = 0

    def write(self, kind: bytes, body: bytes) -> str:
        """Store the object (`kind`: b"blob", b"tree", …) unless it is there; its id."""
        full = b"%s %d\0" % (kind, len(body)) + body
        oid = hashlib.sha1(full).hexdigest()
        folder = os.path.join(self.folder, oid[:2])
        path = os.path.join(folder, oid[2:])
        if os.path.exists(path):
            return oid
        shared.make_dirs(folder)
        fd, tmp = shared.open_temp(folder, prefix="tmp_obj_", suffix="")   # (git's gc removes stale tmp_obj_*)
        try:
            try:
                os.write(fd, zlib.compress(full, LOOSE_LEVEL))
                if self.sync:
                    os.fsync(fd)
                os.fchmod(fd, shared.shared_mode(0o444, self.perm))
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass                        # written by another process meanwhile: the same bytes
            except OSError:
                os.replace(tmp, path)       # a file system without hard links
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)
        self.written += 1
        return oid


def fsync_objects(gitdir: str) -> bool:
    """Whether git would flush loose objects to disk as it writes them: core.fsync as git reads
    it (git's default, `committed,-loose-object`, does not: a crash may lose objects git has not
    packed; the journal puts the records back), or the older core.fsyncObjectFiles."""
    config = os.path.join(gitdir, "config")
    legacy = config_values(config, "core", "fsyncobjectfiles")
    loose = bool(legacy) and (legacy[-1] is None or legacy[-1].lower() in ("true", "yes", "on", "1"))
    for value in config_values(config, "core", "fsync"):
        parts = [p.strip().lower() for p in (value or "").split(",") if p.strip()]
        if not parts:
            loose = False            # the empty string: the platform's default
        for part in parts:
            name = part.lstrip("-+")
            covers = name in ("loose-object", "objects", "committed", "added", "all")
            if name == "none":
                loose = False
            elif covers:
                loose = not part.startswith("-")
    return loose


def parse_tree(body: bytes) -> dict[bytes, tuple[bytes, str]]:
    """A tree object's entries: name → (mode, id)."""
    entries: dict[bytes, tuple[bytes, str]] = {}
    at, end = 0, len(body)
    while at < end:
        space = body.index(b" ", at)
        nul = body.index(b"\0", space)
        entries[body[space + 1:nul]] = (body[at:space], body[nul + 1:nul + 21].hex())
        at = nul + 21
    return entries


def _sort_key(item: tuple[bytes, tuple[bytes, str]]) -> bytes:
    name, (mode, _oid) = item
    return name + b"/" if mode == TREE_MODE else name   # git orders a folder as if its name ended in /


def tree_body(entries: dict[bytes, tuple[bytes, str]]) -> bytes:
    return b"".join(mode + b" " + name + b"\0" + bytes.fromhex(oid)
                    for name, (mode, oid) in sorted(entries.items(), key=_sort_key))


def file_entry(path: str, writer: ObjectWriter, blobs: dict[str, str], *, filemode: bool,
               old_mode: bytes | None) -> tuple[bytes, str] | None:
    """(mode, blob id) of the work tree's file at `path` (its blob written by git: `blobs`), None
    if it is gone."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(st.st_mode):
        return None           # a folder now stands where the file was: the paths below it say what it holds
    if stat.S_ISLNK(st.st_mode):
        return LINK_MODE, writer.write(b"blob", os.fsencode(os.readlink(path)))
    if not filemode and old_mode in (FILE_MODE, EXEC_MODE):
        mode = old_mode                     # core.filemode false: the x bit on disk means nothing
    else:
        mode = EXEC_MODE if st.st_mode & stat.S_IXUSR else FILE_MODE
    return mode, blobs[path]


def write_blobs(top: str, paths: list[str]) -> dict[str, str]:
    """The blob ids of the regular files among the git `paths`, written by `git hash-object -w`
    (one process for any number: as `git add` would, with the repository's filters and line
    ending rules applied); keyed by absolute path."""
    files = []
    for path in paths:
        absolute = os.path.join(top, path)
        try:
            if stat.S_ISREG(os.lstat(absolute).st_mode):
                files.append((path, absolute))
        except FileNotFoundError:
            pass
    if not files:
        return {}
    if any("\n" in path for path, _a in files):
        from ..errors import BadValue
        from ..i18n import _

        raise BadValue(_("a file name contains a line break"))
    listing = "".join(f"{path}\n" for path, _a in files).encode("utf-8")
    ids = git.run(top, ["hash-object", "-w", "--stdin-paths"], input=listing).stdout.decode().split()
    return {absolute: oid for (_p, absolute), oid in zip(files, ids, strict=True)}


def tree_with_files(top: str, gitdir: str, base: str, paths: list[str]) -> str:
    """The id of HEAD's (`base`'s) tree with the git paths `paths` as the work tree has them
    now (a path whose file is gone is removed), every object written; untouched subtrees are
    reused."""
    writer = ObjectWriter(gitdir)
    blobs = write_blobs(top, paths)
    filemode = (config_values(os.path.join(gitdir, "config"), "core", "filemode") or ["true"])[-1]
    filemode_on = filemode is None or filemode.lower() not in ("false", "no", "off", "0")
    with git.CatFile(top) as reader:
        trees: dict[str, dict] = {}

        def entries_of(oid: str | None) -> dict[bytes, tuple[bytes, str]]:
            if oid is None:
                return {}
            if oid not in trees:
                found = reader.read(oid)
                if found is None or found[0] != "tree":
                    from ..errors import RepoError
                    from ..i18n import _

                    raise RepoError(_("git object {id} is missing or not a folder").format(id=oid))
                trees[oid] = parse_tree(found[1])
            return dict(trees[oid])

        root = reader.read(f"{base}^{{tree}}")
        if root is None:
            from ..errors import RepoError
            from ..i18n import _

            raise RepoError(_("git object {id} is missing or not a folder").format(id=base))
        root_id = hashlib.sha1(b"tree %d\0" % len(root[1]) + root[1]).hexdigest()
        trees[root_id] = parse_tree(root[1])

        def update(oid: str | None, prefix: bytes, names: dict[bytes, str]) -> str | None:
            entries = entries_of(oid)
            below: dict[bytes, dict[bytes, str]] = {}
            for rest, path in names.items():
                head, slash, tail = rest.partition(b"/")
                if slash:
                    below.setdefault(head, {})[tail] = path
                    continue
                old = entries.get(rest)
                new = file_entry(os.path.join(top, path), writer, blobs, filemode=filemode_on,
                                 old_mode=old[0] if old else None)
                if new is None:
                    entries.pop(rest, None)
                else:
                    entries[rest] = new
            for head, inner in below.items():
                old = entries.get(head)
                sub = update(old[1] if old and old[0] == TREE_MODE else None, prefix + head + b"/", inner)
                if sub is None:
                    entries.pop(head, None)
                else:
                    entries[head] = (TREE_MODE, sub)
            if not entries and prefix:
                return None          # git keeps no empty folders
            return writer.write(b"tree", tree_body(entries))

        tree = update(root_id, b"", {os.fsencode(path): path for path in paths})
    return tree or writer.write(b"tree", b"")


def gc_due(gitdir: str) -> bool:
    """Whether loose objects have piled up to where `git commit` would start `maintenance run
    --auto` (git's own estimate: the objects in one of its 256 folders)."""
    folder = os.path.join(os.environ.get("GIT_OBJECT_DIRECTORY") or os.path.join(gitdir, "objects"), "17")
    try:
        return len(os.listdir(folder)) > GC_LOOSE_PER_FOLDER
    except OSError:
        return False
