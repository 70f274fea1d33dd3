"""A record kind declared in one module is a whole kind (docs/adding-a-kind.md).

A key log (钥匙登记: a person signs out a key and brings it back) is declared here, in this
test module alone, shaped like the front desk's visitor register: its ID
form and folder, an inline schema, a workflow (signed in → signed out), what "overdue" means
(still signed in after midnight), its person fields, the household it names, its personal
data, its columns and labels, and one consistency check. Registered, it is driven end to end
through the CLI — open, an action, get, get --overdue, show, validate, audit, a report —
without any other file of the package knowing it exists.
"""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from conftest import UNIT

from wuyectl.domain.kinds import Check, Kind, daily_ids, register, unregister
from wuyectl.domain.workflow import ALL_STAFF, Action, Change, Workflow
from wuyectl.timeutil import read_iso

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "status", "name", "visiting", "arrived_at", "timeline"],
    "properties": {
        "id": {"type": "string", "pattern": r"^K-\d{8}-[A-Z]\d{3,5}$"},
        "status": {"enum": ["in", "out"]},
        "name": {"type": "string", "minLength": 1, "maxLength": 60},
        "phone": {"type": "string", "pattern": r"^[0-9+\- ]{3,20}$"},
        "visiting": {"type": "string"},
        "arrived_at": {"type": "string"},
        "left_at": {"type": "string"},
        "note": {"type": "string", "maxLength": 400},
        "timeline": {"type": "array", "items": {"type": "object"}},
    },
}


def _sign_out(change: Change) -> None:
    change.record["left_at"] = change.at


def _still_in_after_midnight(record: dict, now: datetime) -> bool:
    return record.get("status") == "in" and now.date() > read_iso(record["arrived_at"]).date()


def _left_when_out(record: dict, ctx):
    if record.get("status") == "out" and not record.get("left_at"):
        yield ("left_at",), "a visitor signed out has left_at"


KEYLOG = Kind(
    name="keylog", plural="keylogs", folder="keylogs", id_form="K-20261122-A001",
    **daily_ids("K", "keylogs"),
    schema_doc=SCHEMA,
    workflow=Workflow(kind="key log entry", states=("in", "out"), initial="in", terminal=("out",), actions={
        "sign_out": Action("sign_out", ("in",), "out", roles=ALL_STAFF, settable=("note",), effect=_sign_out),
    }),
    columns=("id", "status", "name", "phone", "visiting", "arrived_at", "left_at"),
    cells={"phone": lambda d, lang, reveal: (d.get("phone", "") if reveal else d.get("phone", "")[:3] + "****")},
    code_fields={"status": "keylog_status"},
    codes={"keylog_status": {"in": ("在访", "in"), "out": ("已离开", "signed out")},
           "action": {"sign_out": ("离开", "sign out")}},
    labels={"keylogs": ("钥匙登记", "key log"), "visiting": ("被访房号", "visiting"),
            "arrived_at": ("来访时间", "arrived"), "left_at": ("离开时间", "left")},
    opened_field="arrived_at",
    overdue=_still_in_after_midnight,
    people={"timeline.*.by": "timeline by"},
    refs={"visiting": "owner"},
    personal={"phone": "phone"},
    checks=(Check("W-keylog-left", "a visitor signed out has the time they left", _left_when_out),),
    new_record=lambda values, person, at: {
        "status": "in", **values, "arrived_at": at,
        "timeline": [{"at": at, "by": person["name"], "action": "open"}]},
)


@pytest.fixture
def key_log():
    register(KEYLOG)
    yield KEYLOG
    unregister(KEYLOG.name)


GID = "K-20261122-A001"
PATH = "keylogs/2026-11/K-20261122-A001.yaml"


def test_a_kind_declared_in_one_module_works_end_to_end(cli, office, git, key_log):
    made = cli("open", "keylog", "--set", "name=访客甲", "--set", "phone=13712345678", "--set", f"visiting={UNIT}",
               "--as", "王芳")
    assert (made.code, made.out, made.err) == (0, f"{GID}\n", "")
    assert git("log", "-1", "--format=%an|%s").strip() == f"王芳|{GID} open keylog"
    assert (office / PATH).is_file()

    # listing, with its own columns, labels and masking; overdue as it defines it
    listed = cli("get", "keylogs", "--as", "王芳")
    assert listed.out == (
        "编号             状态    姓名    电话     被访房号    来访时间          离开时间\n"
        "---------------  ------  ------  -------  ----------  ----------------  ----------\n"
        f"{GID}  在访    访客甲  137****  {UNIT}    2026-11-22 09:14\n"
        "(1 条)\n")
    assert cli("get", "keylogs", "--overdue", "--as", "王芳").out == "(0 条)\n"
    late = cli("get", "keylogs", "--overdue", "-o", "ids", "--as", "王芳", env={"WUYECTL_NOW": "2026-11-23T00:30:00+08:00"})
    assert late.out == f"{GID}\n"

    # its workflow: an action it declares, refused where its table says no
    out = cli("update", GID, "--action", "sign_out", "--set", "note=取快递", "--as", "陈洁",
              env={"WUYECTL_NOW": "2026-11-22T10:02:00+08:00"})
    assert (out.code, out.err) == (0, ""), out.err
    again = cli("update", GID, "--action", "sign_out", "--as", "王芳", "--lang", "en")
    assert (again.code, again.err) == (5, f"wuyectl: {GID}: cannot sign out: the key log entry is signed out; "
                                           "allowed now: nothing (it is finished)\n")
    auditor = cli("update", GID, "--action", "sign_out", "--as", "孙审")
    assert auditor.code == 6

    shown = json.loads(cli("show", GID, "-o", "json", "--as", "王芳").out)
    assert shown["status"] == "out" and shown["left_at"] == "2026-11-22T10:02:00+08:00"
    assert shown["phone"] == "137****5678"       # personal data, masked as the kind declares
    assert [e["action"] for e in shown["timeline"]] == ["open", "sign_out"]
    text = cli("show", GID, "--as", "王芳").out
    assert "已离开" not in text and "status: out" in text and "离开时间" not in text   # YAML form of show

    # the household page lists it (it names the unit through `refs`)
    household = json.loads(cli("show", UNIT, "-o", "json", "--as", "王芳").out)
    assert [v["id"] for v in household["related"]["keylogs"]] == [GID]

    assert cli("validate").out == "正常：3 个文件均有效\n".replace("3", str(_records(office)))
    assert cli("audit").out.split(" ", 1)[1].startswith("次提交中未发现问题")     # "N 次提交中未发现问题；…"

    def counted(at):
        report = json.loads(cli("report", "records", "--month", "2026-11", "-o", "json", "--as", "王芳",
                                env={"WUYECTL_NOW": at}).out)
        return next(r for r in report["sections"]["kinds"]["rows"] if r["key"] == "keylog")

    assert counted("2026-11-22T12:00:00+08:00") == {"key": "keylog", "kind": "钥匙登记", "total": 1, "opened": 1,
                                                    "open": 0, "overdue": 0}
    # as it stood before the sign-out (its timeline replayed through its workflow)
    assert counted("2026-11-22T10:00:00+08:00")["open"] == 1


@pytest.mark.lang("en")
def test_its_check_and_references_are_validated_and_audited(cli, office, git, key_log):
    assert cli("open", "keylog", "--set", "name=访客乙", "--set", f"visiting={UNIT}", "--as", "王芳").code == 0
    text = (office / PATH).read_text(encoding="utf-8")
    (office / PATH).write_text(text.replace("status: in", "status: out").replace(UNIT, "9-9-909"), encoding="utf-8")
    checked = cli("validate", "-o", "json")
    assert checked.code == 7
    problems = {(p["code"], p["message"]) for p in json.loads(checked.out)["problems"]}
    assert problems == {("V-reference", "unit 9-9-909 has no household record (owners/9/9-9-909.yaml)"),
                        ("W-keylog-left", "a visitor signed out has left_at")}
    git("commit", "-q", "--no-verify", "-am", "改了来访登记")
    found = json.loads(cli("audit", "-o", "json").out)
    assert {(f["code"], f["path"]) for f in found} == {
        ("A-hand-edit", PATH), ("A-invalid", PATH)}
    # in → out without the workflow's step is allowed by `moves` (sign_out leads there)
    assert all(f["code"] != "A-transition" for f in found)


@pytest.mark.lang("en")
def test_without_it_the_package_does_not_know_the_kind(cli, office):
    result = cli("open", "keylog", "--set", "name=x", "--as", "王芳")
    assert result.code == 2
    assert cli("show", GID).err.startswith(f"wuyectl: '{GID}' is not a record ID")


def _records(office) -> int:
    return sum(1 for p in office.rglob("*.yaml") if ".git" not in p.parts)
