"""The public Python API: what the office does, as functions — the CLI calls these, and so can
a power user's script.

    from wuyectl import api
    office = api.Office.open("/path/to/office")
    tid = api.open_ticket(office, "王芳", channel="phone", category="repair", unit="3-2-1201",
                          reporter="张先生", phone="13800138000", description="卫生间漏水")
    api.assign(office, "王芳", [tid], to="李明")
    api.act(office, "李明", [tid], "resolve", sets={"result": "更换密封圈", "signed_by": "张先生"})
    print(api.show(office, tid)["record"]["sla"])

Every function that changes records takes the office, the acting person's name and the
business time (`at`, default now), runs one transaction (one commit) and returns what it made:
the new ID, or a `Committed(commit, ids)`; imports return their result objects. Values are
typed (a datetime or text for a time, a number, a code or either of its labels). Nothing here
prints. The use cases live in `wuyectl.app`, one module each.
"""
from __future__ import annotations

from .app.archive import destroy, lend, open_archive
from .app.audit import audit, record_log
from .app.audit import report as audit_report
from .app.households import ImportResult, add_people, import_owners, import_people, open_owner
from .app.listing import list_records, show
from .app.office import acting, add_staff, check_reveal, init_office, leave_staff, may_reveal, set_key
from .app.privacy import erase, erase_expired, follow_roster, key_status, migrate_encrypt
from .app.records import Committed, act, coerce, edit_record, escalate, open_record
from .app.sync import sync
from .app.ticket_import import HistoryResult, import_tickets
from .app.tickets import assign, open_callback, open_ticket
from .app.violations import open_violation
from .app.visits import draw_sample, open_home_visit, open_survey_response
from .domain.kinds import KINDS, Kind, kind_named
from .store.office import Office

__all__ = [
    "Office", "Kind", "KINDS", "kind_named", "Committed", "ImportResult", "HistoryResult",
    "init_office", "add_staff", "set_key", "leave_staff", "acting", "may_reveal", "check_reveal",
    "migrate_encrypt", "erase", "erase_expired", "follow_roster", "key_status",
    "open_ticket", "open_owner", "open_callback", "open_home_visit", "open_survey_response", "draw_sample",
    "open_violation", "open_archive", "open_record", "import_owners", "import_people", "import_tickets", "add_people",
    "act", "assign", "escalate", "lend", "destroy", "edit_record", "coerce",
    "list_records", "show", "record_log", "audit", "audit_report", "sync",
]
