"""The codes of every validation problem and audit finding, like a linter's rule codes.

`V-…` the store's checks of any record (YAML, schema, identity, references, roster), `W-…` a
kind's own consistency rules (declared with the kind as `Check`s), `A-…` what only the history
shows (`wuyectl audit`). Tools and tests select and count by code, never by message text;
tests/errors/README.md lists them all (checked by a test).
"""
from __future__ import annotations

from dataclasses import dataclass

RECORD = {
    "V-yaml": "a file that is not readable YAML, or not a mapping of fields",
    "V-schema": "a value the kind's JSON Schema (schemas/) refuses",
    "V-config": ("wuye.yaml refused by its schema, or a policy its schema cannot judge: office hours that overlap, "
                 "a day both a holiday and a workday, grade thresholds that do not increase"),
    "V-identity": "an ID that does not match its file's name and folder",
    "V-reference": "a reference to a record that does not exist (a unit without a household, a missing ticket)",
    "V-roster": "a person named in a record who is not on the staff roster",
    "V-clear-personal": "a phone or ID-card number in clear in a record of an encrypted office",
}

AUDIT = {
    "A-hand-edit": "a record changed by a commit without the tool's trailers",
    "A-deleted": "a record file deleted",
    "A-renamed": "a record file renamed or moved",
    "A-invalid": "a record that does not pass validation as committed",
    "A-transition": "a state change the kind's workflow does not make",
    "A-no-callback": "a ticket closed without a callback",
    "A-ladder-skip": "a violation step taken out of the ladder's order",
    "A-role": "an action by someone whose role does not permit it",
    "A-past-retention": "a record changed after its retention ended (or after it was destroyed)",
    "A-backdated": "a business time earlier than the commit by more than the policy allows",
    "A-unexplained": "a record change that no workflow step by the commit's actor produces",
    "A-wrong-actor": "a step recorded in the name of someone other than the commit's actor",
    "A-unknown-actor": "a commit by someone not on the roster at that commit",
    "A-roster": "the roster or policy changed without a tool step (a hand-made promotion is not honoured)",
    "A-event-time": "an event time in the future of its commit, or earlier than the record's previous event",
    "A-unsigned": "a commit not signed although the policy requires signatures",
    "A-bad-signature": "a signature that does not verify against the actor's key on the roster at that commit",
    "A-rewritten": "history rewritten: a commit audited or received before is no longer in it",
    "A-not-pusher": "a pushed commit whose actor is not the person pushing it",
    "A-not-on-server": "a commit the local history has and the server never received",
    "A-not-local": "a commit the server received that the local history lacks",
    "A-clear-personal": "a phone/ID-card number written in clear in an encrypted office",
}


# What a report finds about the office's duties (a section `findings` of the report).
REPORT = {
    "R-director-visit": "a month in which no director took part in a home visit (report visits)",
    "W-training-induction": "every staff member has an induction of at least 2 days (policy "
                            "training.induction_min_days; found by report assessment)",
    "W-training-quarterly": "every staff member attends a quarterly training in each quarter they worked through "
                            "since their induction (found by report assessment)",
}


def catalogue() -> dict[str, str]:
    """Every code with what it means: the store's, each registered kind's, the audit's, the reports'."""
    from .kinds import KINDS

    out = dict(RECORD)
    for kind in KINDS.values():
        out.update({check.code: check.about for check in kind.checks})
    out.update(AUDIT)
    out.update(REPORT)
    return out


@dataclass
class Finding:
    """One audit finding: the commit (short id), its time (event time, else commit date), its
    author, the code (`AUDIT`), the record's path in the office ('' for the commit as a
    whole) and the message."""

    commit: str
    when: str
    author: str
    code: str          # A-hand-edit …
    path: str
    message: str
    upto: str = ""     # the latest event time along the first-parent order up to this commit

    @property
    def kind(self) -> str:
        return self.code[2:]

    def as_dict(self) -> dict:
        return {"commit": self.commit, "date": self.when, "author": self.author, "kind": self.kind,
                "code": self.code, "path": self.path, "message": self.message}
