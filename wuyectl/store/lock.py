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
            raise RepoError(f"cannot write in the office repo ({exc.strerror or exc}: {self.path}); "
                            "nothing was changed") from None
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
                    raise Conflict(f"the office repo is busy ({holder}); waited {self.timeout:g} s — try again") from None
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
            return f"{info.get('who', '?')} is writing, pid {info.get('pid', '?')} on {info.get('host', '?')}"
        except (OSError, ValueError):
            return "another wuyectl is writing"

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            try:
                os.ftruncate(self.fd, 0)
            finally:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
                os.close(self.fd)
                self.fd = None
