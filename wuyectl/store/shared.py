"""Files and folders with the modes a shared office repo wants: the rules git uses.

Every file the tool writes is created with mode 0666 and the process's umask (as any program
would make it), or keeps the mode the file had when it is rewritten; folders are made 0777
and the umask. Then, as git does for its own files, a repository's `core.sharedRepository`
widens them (git's `adjust_shared_perm`):

- `group` (or true, 1): group read/write like the owner's (0660), folders also setgid, so
  files made in them belong to the folder's group;
- `all`, `world`, `everybody` (or 2): the same, and everyone may read (0664);
- an octal mode `0xxx` (0640, 0660 …): exactly those bits for files (x only where the owner
  has it), folders as files plus x where r;
- `umask`, false, 0 or unset: nothing changes.

The setting is read from the repository's own `config` file (where `git init --shared` and
`wuyectl init --shared` write it), not from includes or the global configuration.

In a shared repository the git commands the tool runs get a umask that keeps group write
(and, for all/world, other read) open, so what git itself writes into the work tree or the
git directory (COMMIT_EDITMSG, files put back by a rollback) can be rewritten by the others.
"""
from __future__ import annotations

import os
import secrets
import stat

PERM_UMASK = 0
PERM_GROUP = 0o660
PERM_EVERYBODY = 0o664

_config_of_folder: dict[str, str] = {}                 # folder → its repository's config file
_setting_cache: dict[str, tuple[tuple, int]] = {}      # config file → (its stat, the setting)


def parse_setting(value: str | None) -> int:
    """`core.sharedRepository` as git reads it (`git_config_perm`): 0 for the umask, PERM_GROUP
    or PERM_EVERYBODY (bits added), or minus a file mode (exactly those bits)."""
    if value is None:
        return PERM_GROUP   # a key without a value is true
    text = value.strip().lower()
    if text in ("", "umask"):
        return PERM_UMASK
    if text == "group":
        return PERM_GROUP
    if text in ("all", "world", "everybody"):
        return PERM_EVERYBODY
    try:
        number = int(text, 8)
    except ValueError:
        return PERM_GROUP if text in ("true", "yes", "on") else PERM_UMASK
    if number in (0, 1, 2):
        return (PERM_UMASK, PERM_GROUP, PERM_EVERYBODY)[number]
    if number & 0o600 != 0o600:
        return PERM_UMASK   # git refuses such a value (the owner must read and write)
    return -(number & 0o666)


def _read_setting(config: str) -> int:
    """core.sharedRepository from one git config file (the last one given wins, as in git)."""
    from .gitconfig import config_values

    values = config_values(config, "core", "sharedrepository")
    return parse_setting(values[-1]) if values else PERM_UMASK


def setting(config: str) -> int:
    """The setting of the repository whose config file is `config` (read again when it changes)."""
    try:
        st = os.stat(config)
    except OSError:
        return PERM_UMASK
    key = (st.st_ino, st.st_mtime_ns, st.st_size)
    cached = _setting_cache.get(config)
    if cached is not None and cached[0] == key:
        return cached[1]
    value = _read_setting(config)
    _setting_cache[config] = (key, value)
    return value


def _config_of(folder: str) -> str | None:
    """The config file of the repository `folder` (an existing folder) belongs to: of the work
    tree it is in, or of the git directory it is in (`.git/wuyectl`)."""
    cached = _config_of_folder.get(folder)
    if cached is not None:
        return cached
    here = folder
    found = None
    while True:
        dot_git = os.path.join(here, ".git")
        if os.path.isdir(dot_git):
            found = os.path.join(dot_git, "config")
            break
        if os.path.isfile(dot_git):      # a linked work tree or a submodule: "gitdir: PATH"
            found = _config_of_gitfile(here, dot_git)
            break
        if all(os.path.exists(os.path.join(here, part)) for part in ("HEAD", "objects", "config")):
            found = os.path.join(here, "config")   # inside a git directory, or a bare repository
            break
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    if found is not None:
        _config_of_folder[folder] = found
    return found


def _config_of_gitfile(top: str, dot_git: str) -> str | None:
    try:
        with open(dot_git, encoding="utf-8", errors="replace") as fh:
            line = fh.readline().strip()
    except OSError:
        return None
    if not line.startswith("gitdir:"):
        return None
    gitdir = os.path.join(top, line[len("gitdir:"):].strip())
    try:
        with open(os.path.join(gitdir, "commondir"), encoding="utf-8", errors="replace") as fh:
            gitdir = os.path.join(gitdir, fh.readline().strip())
    except OSError:
        pass
    return os.path.join(os.path.normpath(gitdir), "config")


def setting_for(path: str) -> int:
    """The setting that applies to `path` (a file or folder, existing or not): its repository's."""
    folder = os.path.abspath(path)
    while not os.path.isdir(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            return PERM_UMASK
        folder = parent
    config = _config_of(folder)
    return setting(config) if config else PERM_UMASK


def shared_mode(mode: int, perm: int, *, folder: bool = False) -> int:
    """`mode` (permission bits) as git's calc_shared_perm/adjust_shared_perm make it under the
    setting `perm`; folders also get x where r, and setgid when the group gains access."""
    mode &= 0o7777
    if perm == PERM_UMASK:
        return mode
    tweak = -perm if perm < 0 else perm
    if not mode & stat.S_IWUSR:
        tweak &= ~0o222
    if mode & stat.S_IXUSR:
        tweak |= (tweak & 0o444) >> 2
    mode = (mode & ~0o777) | tweak if perm < 0 else mode | tweak
    if folder:
        mode |= (mode & 0o444) >> 2
        if mode & 0o060:
            mode |= stat.S_ISGID
    return mode


def adjust(path: str, perm: int | None = None) -> bool:
    """Give the file or folder `path` the mode the setting wants (only what the owner may do:
    False when it needed a change the caller could not make)."""
    if perm is None:
        perm = setting_for(path)
    if perm == PERM_UMASK:
        return True
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if stat.S_ISLNK(st.st_mode):
        return True
    wanted = shared_mode(st.st_mode, perm, folder=stat.S_ISDIR(st.st_mode))
    if wanted == st.st_mode & 0o7777:
        return True
    try:
        os.chmod(path, wanted)
    except OSError:
        return False
    return True


def make_dirs(folder: str) -> None:
    """`os.makedirs(folder, exist_ok=True)`, each folder made with the shared mode."""
    folder = os.path.abspath(folder)
    if os.path.isdir(folder):
        return
    missing = []
    here = folder
    while not os.path.isdir(here):
        missing.append(here)
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    perm = None
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o777)
        except FileExistsError:
            if os.path.isdir(path):
                continue    # made by another writer at the same moment
            raise
        if perm is None:
            perm = setting_for(os.path.dirname(path))
        if perm != PERM_UMASK:
            adjust(path, perm)


def open_temp(folder: str, prefix: str = ".wuyectl-", suffix: str = ".tmp") -> tuple[int, str]:
    """A new file in `folder`, opened for writing: mode 0666 and the umask (not mkstemp's 0600),
    a name nobody else has."""
    while True:
        path = os.path.join(folder, f"{prefix}{os.getpid()}-{secrets.token_hex(4)}{suffix}")
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666), path
        except FileExistsError:
            continue


def mode_for(fd: int, path: str, folder: str, *, keep: int | None, executable: bool = False) -> None:
    """Set the mode of the new file `fd` (to become `path`): the mode of the file it replaces
    (`keep`), else what it was made with (the umask); + x where r for `executable`; widened by
    the repository's setting."""
    made = os.fstat(fd).st_mode & 0o7777
    mode = made if keep is None else keep & 0o777
    if executable:
        mode |= (mode & 0o444) >> 2
    mode = shared_mode(mode, setting_for(folder))
    if mode != made:
        os.fchmod(fd, mode)


def existing_mode(path: str) -> int | None:
    """The permission bits of the regular file at `path`, None if there is none."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else None


def create_file(path: str) -> None:
    """Make `path` an empty file with the shared mode unless it exists (`.gitkeep`, a database
    file before the database library makes it with a mode of its own)."""
    if os.path.lexists(path):
        fix_own(path)
        return
    folder = os.path.dirname(os.path.abspath(path))
    make_dirs(folder)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    except FileExistsError:
        return
    try:
        mode_for(fd, path, folder, keep=None)
    finally:
        os.close(fd)


def fix_own(path: str) -> None:
    """If the file `path` is ours and narrower than the repository's setting wants, widen it
    (a lock file or cache made before the repository was shared)."""
    perm = setting_for(path)
    if perm == PERM_UMASK:
        return
    try:
        st = os.lstat(path)
    except OSError:
        return
    if st.st_uid == os.geteuid():
        adjust(path, perm)


def fix_fd(fd: int, folder: str) -> None:
    """`fix_own` for an open file."""
    perm = setting_for(folder)
    if perm == PERM_UMASK:
        return
    st = os.fstat(fd)
    if st.st_uid != os.geteuid():
        return
    wanted = shared_mode(st.st_mode, perm)
    if wanted != stat.S_IMODE(st.st_mode):
        try:
            os.fchmod(fd, wanted)
        except OSError:
            pass


def current_umask() -> int:
    """This process's umask (read from /proc where it can be: setting it to read it is not
    safe with threads)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def umask_for(cwd: str) -> int | None:
    """The umask git should run with in the repository at `cwd`: this process's, with the bits
    the shared setting opens cleared; None when the repository is not shared."""
    perm = setting_for(cwd)
    if perm == PERM_UMASK:
        return None
    mask = current_umask()
    opened = (-perm if perm < 0 else perm) & 0o077
    wanted = mask & ~opened
    return None if wanted == mask else wanted


def share_tree(top: str, gitdir: str) -> list[str]:
    """Make an office repo group-shared: every folder and file of the work tree and of the git
    directory given the repository's shared mode (folders setgid) and the group of the top
    folder. Returns the paths that could not be changed (they belong to someone else)."""
    perm = setting_for(gitdir)
    group = os.stat(top).st_gid
    me = os.geteuid()
    failed: list[str] = []
    roots = [top] if within(gitdir, top) else [top, gitdir]
    for root in roots:
        for folder, dirs, files in os.walk(root):
            for path in [folder, *(os.path.join(folder, f) for f in files)]:
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                if stat.S_ISLNK(st.st_mode):
                    continue
                if st.st_uid == me and st.st_gid != group:
                    try:
                        os.chown(path, -1, group)
                    except OSError:
                        failed.append(path)
                        continue
                if not adjust(path, perm):
                    failed.append(path)
    return failed


def within(path: str, root: str) -> bool:
    """Whether `path` is `root` or inside it, after symbolic links."""
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def write_output(path: str, data: bytes) -> None:
    """A file a person asked for (a report, the dashboard, a printed form), written whole or not
    at all (atomic_write) into a folder that exists; any failure is one BadValue line."""
    from ..errors import BadValue
    from ..i18n import _

    folder = os.path.dirname(os.path.abspath(path))
    try:
        if not os.path.isdir(folder):
            raise FileNotFoundError(2, os.strerror(2))
        atomic_write(path, data)
    except OSError as exc:
        raise BadValue(_("cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)) from None


def atomic_write(path: str, data: bytes, *, sync: bool = True, executable: bool = False) -> None:
    """Write via a temporary file in the same folder and rename; `sync=False` leaves the
    flush to disk to the caller (a batch syncs once for all its files).

    The file keeps the mode it had; a new one gets what the umask gives (as any program's),
    and in a shared repository what `core.sharedRepository` adds (`shared`); `executable`
    adds x where r (a hook). Folders made on the way are made as `make_dirs` makes them."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    make_dirs(folder)
    keep = existing_mode(path)
    fd, tmp = open_temp(folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            mode_for(fh.fileno(), path, folder, keep=keep, executable=executable)
            fh.write(data)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if not sync:
        return
    try:
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def write_new(path: str, data: bytes, *, sync: bool = True) -> None:
    """Write a file that must not exist yet (a new record), in place: no temporary file and
    rename (a bulk import writes thousands), made with the mode `atomic_write` would give it.
    A half-written new file is never left for long: the transaction's journal names it, and
    recovery removes it if its commit did not land."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    make_dirs(folder)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            mode_for(fh.fileno(), path, folder, keep=None)
            fh.write(data)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
    except BaseException:
        try:
            os.unlink(path)
        except OSError:
            pass
        raise
