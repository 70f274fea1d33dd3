"""Errors as data: every failure the user can cause is a `WuyeError` with an exit code.

The click layer prints `str(error)` as one line on stderr and exits with `error.exit_code`;
nothing else in the package prints or exits.  The exit codes are the README's table.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import IntEnum

from .i18n import _


class Exit(IntEnum):
    """The exit codes and what each means: `wuyectl --help` lists them from here, and the
    README's table is checked against it."""

    OK = 0, "success"
    INTERNAL = 1, "internal error: a bug, in one line, no traceback (please report it; WUYECTL_DEBUG=1 shows it)"
    USAGE = 2, "usage: unknown option, missing argument"
    BAD_VALUE = 3, "bad value: unknown code, unreadable date, malformed ID, a path outside the office repo"
    NOT_FOUND = 4, "not found: no record with that ID, no household for that unit"
    REFUSED = 5, "refused by the workflow: impossible transition, missing signature, a step out of order"
    NOT_PERMITTED = 6, "not permitted: not on the roster, or the role may not do this"
    INVALID = 7, "invalid: bad YAML or a schema/rule violation (validate, import, audit found problems)"
    CONFLICT = 8, "conflict: the repo is busy (lock timeout), a record has uncommitted hand edits, a sync conflict"
    REPO = 9, "repository: not an office repo, git refuses the folder (safe.directory), git failed, a disk full or read-only"
    UNREACHABLE = 10, "unreachable: an office of the company file could not be fetched (the others are still reported)"

    def __new__(cls, value: int, meaning: str):
        member = int.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about a file: printed as `path:line:col: message` (editors jump to it)."""

    path: str
    line: int
    col: int
    message: str
    code: str = ""      # V-schema, W-callback … (domain/findings.py)

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "col": self.col, "code": self.code, "message": self.message}

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col}: {self.message}"
        return f"{self.path}: {self.message}"


class WuyeError(Exception):
    exit_code = Exit.INTERNAL

    def __init__(self, message: str, *, exit_code: Exit | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(WuyeError):
    exit_code = Exit.USAGE


class BadValue(WuyeError):
    exit_code = Exit.BAD_VALUE


class NotFound(WuyeError):
    exit_code = Exit.NOT_FOUND


class Refused(WuyeError):
    exit_code = Exit.REFUSED


class NotPermitted(WuyeError):
    exit_code = Exit.NOT_PERMITTED


class Conflict(WuyeError):
    exit_code = Exit.CONFLICT


class RepoError(WuyeError):
    exit_code = Exit.REPO


class Invalid(WuyeError):
    """One or more problems in files; the message is the first, all are kept."""

    exit_code = Exit.INVALID

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        first = str(self.problems[0])
        more = len(self.problems) - 1
        super().__init__(first + (_(" (and {count} more)").format(count=more) if more else ""))


def did_you_mean(word: str, choices) -> str:
    """' (did you mean 'x'?)' for the closest choice, or ''. `choices` may map each text to
    what to show for it (a code's label in the language of messages)."""
    shown = choices if isinstance(choices, dict) else {str(c): str(c) for c in choices}
    match = difflib.get_close_matches(str(word), [str(c) for c in shown], n=1, cutoff=0.5)
    return _(" (did you mean '{choice}'?)").format(choice=shown[match[0]]) if match else ""
