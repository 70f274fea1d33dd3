"""The repo lock: one writer at a time on a shared folder.

An advisory `flock` on `.git/wuyectl/lock`: the kernel (or the file server) drops it when the
holder dies, even by SIGKILL, so a dead process never leaves a stale lock behind.  The holder
writes who it is into the file so a waiting clerk is told whom they wait for.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import time

from ..errors import Conflict, RepoError
from ..i18n import _

DEFAULT_TIMEOUT = 30.0


class RepoLock:
    def __init__(self, path: str, who: str, timeout: float | None = None):
        self.path = path
        self.who = who
        env = os.environ.get("WUYECTL_LOCK_TIMEOUT")
        self.timeout = timeout if timeout is not None else float(env) if env else DEFAULT_TIMEOUT
        self.fd: int | None = None

    def __enter__(self) -> "RepoLock":
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:   # a read-only share, a full disk, no permission
            raise RepoError(_("cannot write in the office repo ({error}: {path}); nothing was changed").format(
                error=exc.strerror or exc, path=self.path)) from None
        deadline = time.monotonic() + self.timeout
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self._holder(fd)
                    os.close(fd)
                    raise Conflict(_("the office repo is busy ({holder}); waited {seconds} s — try again").format(
                        holder=holder, seconds=f"{self.timeout:g}")) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
        info = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "who": self.who,
                           "since": time.time()}, ensure_ascii=False).encode()
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, info, 0)
        except OSError:
            pass   # who holds the lock is only for the message of a waiting clerk (full disk)
        self.fd = fd
        return self

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            info = json.loads(os.pread(fd, 4096, 0) or b"{}")
            return _("{who} is writing, pid {pid} on {host}").format(
                who=info.get("who", "?"), pid=info.get("pid", "?"), host=info.get("host", "?"))
        except (OSError, ValueError):
            return _("another wuyectl is writing")

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            try:
                os.ftruncate(self.fd, 0)
            finally:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
                os.close(self.fd)
                self.fd = None
