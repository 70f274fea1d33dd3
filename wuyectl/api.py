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

import importlib

# Where each name lives (module under wuyectl, and its name there). A name is imported when it
# is first used: a command needs one or two of these, and importing every use case costs a
# write at 100,000 tickets a good part of its time.
_HOMES = {
    "destroy": ("app.archive", "destroy"), "lend": ("app.archive", "lend"), "open_archive": ("app.archive", "open_archive"),
    "audit": ("app.audit", "audit"), "record_log": ("app.audit", "record_log"), "audit_report": ("app.audit", "report"),
    "ImportResult": ("app.households", "ImportResult"), "add_people": ("app.households", "add_people"),
    "import_owners": ("app.households", "import_owners"), "import_people": ("app.households", "import_people"),
    "open_owner": ("app.households", "open_owner"),
    "list_records": ("app.listing", "list_records"), "show": ("app.listing", "show"),
    "acting": ("app.office", "acting"), "add_staff": ("app.office", "add_staff"),
    "check_reveal": ("app.office", "check_reveal"), "init_office": ("app.office", "init_office"),
    "leave_staff": ("app.office", "leave_staff"), "may_reveal": ("app.office", "may_reveal"),
    "set_key": ("app.office", "set_key"),
    "erase": ("app.privacy", "erase"), "erase_expired": ("app.privacy", "erase_expired"),
    "follow_roster": ("app.privacy", "follow_roster"), "key_status": ("app.privacy", "key_status"),
    "migrate_encrypt": ("app.privacy", "migrate_encrypt"),
    "Committed": ("app.records", "Committed"), "act": ("app.records", "act"), "coerce": ("app.records", "coerce"),
    "edit_record": ("app.records", "edit_record"), "escalate": ("app.records", "escalate"),
    "open_record": ("app.records", "open_record"),
    "open_entry": ("app.records", "open_entry"),
    "sync": ("app.sync", "sync"),
    "HistoryResult": ("app.ticket_import", "HistoryResult"), "import_tickets": ("app.ticket_import", "import_tickets"),
    "assign": ("app.tickets", "assign"), "open_callback": ("app.tickets", "open_callback"),
    "open_ticket": ("app.tickets", "open_ticket"),
    "open_violation": ("app.violations", "open_violation"),
    "draw_sample": ("app.visits", "draw_sample"), "open_home_visit": ("app.visits", "open_home_visit"),
    "open_survey_response": ("app.visits", "open_survey_response"),
    "plan_survey": ("app.visits", "plan_survey"), "approve_plan": ("app.visits", "approve_plan"),
    "follow_up": ("app.visits", "follow_up"), "read_period": ("app.visits", "read_period"),
    "KINDS": ("domain.kinds", "KINDS"), "Kind": ("domain.kinds", "Kind"), "kind_named": ("domain.kinds", "kind_named"),
    "Office": ("store.office", "Office"),
}


def __getattr__(name: str):
    try:
        module, attribute = _HOMES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__package__}.{module}"), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


__all__ = list(_HOMES)
