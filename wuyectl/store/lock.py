"""The repo lock: one writer at a time on a shared folder.

Two guards, both on `.git/wuyectl/lock`:

1. An advisory `flock`: the kernel (or the file server) drops it when the holder dies, even by
   SIGKILL, so a dead process never leaves a stale lock behind. It holds between the
   processes of one computer, and between computers on NFS with working locks (lockd); on a
   Windows/Samba share (SMB/CIFS) mounted on several computers it may not exclude anything.
2. The holder's record in the file: host, pid (and the process's start time, so a reused pid
   is not taken for the holder), OS user, staff name, when it took the lock and a heartbeat
   the holder renews every HEARTBEAT seconds while it writes. Releasing the lock empties the
   file. A writer that has the flock and finds the record of another computer that looks
   alive (renewed in the last STALE_AFTER seconds) waits for it to be released, and after the
   lock timeout refuses, naming that computer and person, instead of both writing. A record
   left by a killed writer is taken over: on the same computer once its process is gone,
   from another computer once it is older than STALE_AFTER (the computers' clocks are assumed
   to agree within that).

The record narrows, but cannot close, the window of two computers taking a lock the file
server does not enforce at the same instant: offices with several computers should give each
its own clone and `wuyectl sync` (README, "One shared folder, or clones that sync").
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
import time

from ..errors import Conflict, RepoError
from ..i18n import _
from ..timeutil import clock
from . import shared

DEFAULT_TIMEOUT = 30.0
HEARTBEAT = 10.0       # seconds between the holder's renewals of its record
STALE_AFTER = 300.0    # a record of another computer not renewed for this long is a dead writer's


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return os.environ.get("USER") or os.environ.get("USERNAME") or str(os.geteuid())


def _proc_stat(pid: int) -> list[bytes] | None:
    """The fields of /proc/PID/stat after the command name (state first), None if unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _start_time(pid: int) -> str | None:
    """When the process `pid` started (clock ticks since boot, from /proc), None if unknown."""
    fields = _proc_stat(pid)
    return fields[19].decode() if fields and len(fields) > 19 else None


def _alive(pid, start) -> bool:
    """Whether the process `pid` (started at `start`, when known) still runs on this computer."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass     # another user's process: it exists
    except OSError:
        return False
    fields = _proc_stat(pid)
    if fields and fields[0] in (b"Z", b"X"):
        return False         # killed, not yet reaped by its parent
    if start is not None and fields and len(fields) > 19 and fields[19].decode() != str(start):
        return False         # the pid was reused by another process
    return True


def read_record(fd: int) -> dict | None:
    """The holder's record in the lock file, None when it is empty (released) or unreadable."""
    try:
        raw = os.pread(fd, 4096, 0)
    except OSError:
        return None
    if not raw.strip():
        return None
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def live_elsewhere(record: dict | None, *, host: str, now: float) -> bool:
    """Whether `record` is a writer that may be writing now, not this process: on this computer
    its process runs (the flock would have stopped us, unless the file system ignores it); on
    another computer it was renewed in the last STALE_AFTER seconds (or is from the future:
    that computer's clock is ahead)."""
    if not record:
        return False
    if record.get("host") == host:
        if record.get("pid") == os.getpid():
            return False
        return _alive(record.get("pid"), record.get("start"))
    beat = record.get("beat", record.get("since"))
    if not isinstance(beat, (int, float)):
        return False
    return now - beat < STALE_AFTER


def describe(record: dict) -> str:
    """'刘主任 (user liu) on PC-2, pid 4242, since 09:14:03' for the messages."""
    since = record.get("since")
    when = clock(since) if isinstance(since, (int, float)) else "?"
    return _("{who} (user {user}) on {host}, pid {pid}, since {when}").format(
        who=record.get("who", "?"), user=record.get("user", "?"), host=record.get("host", "?"),
        pid=record.get("pid", "?"), when=when)


class RepoLock:
    def __init__(self, path: str, who: str, timeout: float | None = None):
        self.path = path
        self.who = who
        env = os.environ.get("WUYECTL_LOCK_TIMEOUT")
        self.timeout = timeout if timeout is not None else float(env) if env else DEFAULT_TIMEOUT
        self.fd: int | None = None
        self.host = socket.gethostname()
        self._stop: threading.Event | None = None
        self._beat: threading.Thread | None = None
        self._record: dict | None = None

    def __enter__(self) -> "RepoLock":
        folder = os.path.dirname(self.path)
        try:
            shared.make_dirs(folder)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as exc:   # a read-only share, a full disk, no permission
            raise RepoError(_("cannot write in the office repo ({error}: {path}); nothing was changed").format(
                error=exc.strerror or exc, path=self.path)) from None
        try:
            shared.fix_fd(fd, folder)
            deadline = time.monotonic() + self.timeout
            self._flock(fd, deadline)
            self._wait_for_other_computers(fd, deadline)
            self._claim(fd)
        except BaseException:
            os.close(fd)   # (closing drops the flock)
            raise
        self.fd = fd
        return self

    def _flock(self, fd: int, deadline: float) -> None:
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Conflict(_("the office repo is busy ({holder}); waited {seconds} s — try again").format(
                        holder=self._holder(fd), seconds=f"{self.timeout:g}")) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.1)

    def _wait_for_other_computers(self, fd: int, deadline: float) -> None:
        """Holding the flock, wait while the record says another writer may be writing (a
        computer the flock does not reach); refuse at the deadline."""
        delay = 0.05
        while True:
            record = read_record(fd)
            if not live_elsewhere(record, host=self.host, now=time.time()):
                return
            if time.monotonic() >= deadline:
                beat = record.get("beat", record.get("since"))
                stale_at = clock(beat + STALE_AFTER) if isinstance(beat, (int, float)) else "?"
                if record.get("host") == self.host:
                    hint = _("the lock file is not locked by the system here, yet that process still runs")
                else:
                    hint = _("file locks may not reach between computers on this shared folder; if that "
                             "computer is off or wuyectl there has stopped, its record is taken over after "
                             "{minutes:g} minutes without renewal ({at})").format(minutes=STALE_AFTER / 60,
                                                                                  at=stale_at)
                raise Conflict(_("the office repo is being written by {holder}; waited {seconds:g} s — try "
                                 "again ({hint})").format(holder=describe(record), seconds=self.timeout,
                                                          hint=hint))
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    def _claim(self, fd: int) -> None:
        now = time.time()
        self._record = {"host": self.host, "pid": os.getpid(), "start": _start_time(os.getpid()),
                        "user": _user(), "who": self.who, "since": now, "beat": now}
        self._write(fd)
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._renew, args=(fd, self._stop), name="wuyectl-lock-heartbeat",
                                      daemon=True)
        self._beat.start()

    def _write(self, fd: int) -> None:
        info = json.dumps(self._record, ensure_ascii=False).encode()
        try:
            os.pwrite(fd, info, 0)   # (then cut: never an empty file in between)
            os.ftruncate(fd, len(info))
        except OSError:
            pass   # a full disk: the flock still excludes this computer's writers

    def _renew(self, fd: int, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT):
            self._record = {**self._record, "beat": time.time()}
            self._write(fd)

    def _holder(self, fd: int) -> str:
        record = read_record(fd)
        if record is None:
            return _("another wuyectl is writing")
        return _("{who} is writing, pid {pid} on {host}").format(
            who=record.get("who", "?"), pid=record.get("pid", "?"), host=record.get("host", "?"))

    def __exit__(self, *exc) -> None:
        if self.fd is None:
            return
        if self._stop is not None:
            self._stop.set()
            self._beat.join()
            self._stop = self._beat = None
        try:
            try:
                os.ftruncate(self.fd, 0)   # released: the record is gone
            except OSError:
                pass
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
