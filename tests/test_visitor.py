"""The visitor register (物业来访人员登记表, issue 14 point 1): `log visitor`, `sign-out`, the
5-minute registration clock, overdue after the day, the document number masked by role, the
unit's page, the front desk's report and the handover sheet, validate and audit."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st

from conftest import UNIT

from wuyectl.domain.kinds import KINDS
from wuyectl.domain.privacy import mask_id_card

GID, GID2 = "G-20261122-A001", "G-20261122-A002"
PATH = "visitors/2026-11/G-20261122-A001.yaml"
ID_CARD = "11010519491231002X"
GUARD = "张勇"
LATER = {"WUYECTL_NOW": "2026-11-22T10:30:00+08:00"}


@pytest.fixture
def guard(cli):
    assert cli("staff", "add", GUARD, "--role", "security", "--dept", "security", "--as", "刘主任").code == 0
    return GUARD


def _visitor(cli, *extra, who=GUARD, env=None):
    return cli("log", "visitor", "--name", "赵六", "--gender", "男", "--id-type", "身份证", "--id-number", ID_CARD,
               "--phone", "13712345678", "--employer", "顺丰速运", "--host", "张三", "--visiting", UNIT, *extra,
               "--as", who, env=env)


def test_a_visitor_is_registered_and_signed_out(cli, git, guard):
    made = _visitor(cli, "--arrived-at", "2026-11-22 09:00", "--note", "送货")
    assert (made.code, made.out, made.err) == (0, f"{GID}\n", "")
    assert git("log", "-1", "--format=%an|%s").strip() == f"{GUARD}|{GID} open visitor"
    assert cli("log", "visitor", "--name", "Tom Smith", "--id-type", "passport", "--id-number", "e12345678",
               "--visiting", UNIT, "--as", "王芳").out == f"{GID2}\n"
    assert cli("get", "visitors", "--as", "王芳").out == (
        "编号             状态    姓名       被访房号    被访人    来访时间          离开时间    登记超时    值班员\n"
        "---------------  ------  ---------  ----------  --------  ----------------  ----------  ----------  --------\n"
        f"{GID}  在访    赵六       {UNIT}    张三      2026-11-22 09:00              是          张勇\n"
        f"{GID2}  在访    Tom Smith  {UNIT}              2026-11-22 09:14                          王芳\n"
        "(2 条)\n")
    out = cli("sign-out", GID, "--as", GUARD, env=LATER)
    assert (out.code, out.err) == (0, "") and out.out.startswith(f"{GID}：已提交 ")
    shown = cli("show", GID, "--as", "王芳").out
    assert shown.split("\n修改历史")[0] == (
        f"{GID}  ({PATH})\n"
        "  状态      已离开\n"
        "  姓名      赵六\n"
        "  性别      男\n"
        "  证件名称  身份证\n"
        "  证件号码  1101**********002X\n"
        "  电话      137****5678\n"
        "  工作单位  顺丰速运\n"
        "  被访人    张三\n"
        f"  被访房号  {UNIT}\n"
        "  来访时间  2026-11-22 09:00\n"
        "  登记时间  2026-11-22 09:14\n"
        "  登记超时  是（14 分钟）\n"
        "  离开时间  2026-11-22 10:30\n"
        "  值班员    张勇\n"
        "  超时      否\n"
        "  说明      送货\n"
        "\n"
        "处理记录:\n"
        "时间              经办人    动作    说明\n"
        "----------------  --------  ------  ------\n"
        "2026-11-22 09:14  张勇      登记\n"
        "2026-11-22 10:30  张勇      离开\n")
    record = json.loads(cli("show", GID, "-o", "json", "--as", "王芳").out)
    assert {k: record[k] for k in ("status", "arrived_at", "registered_at", "left_at", "on_duty",
                                   "registration_minutes", "late_registration")} == {
        "status": "out", "arrived_at": "2026-11-22T09:00:00+08:00", "registered_at": "2026-11-22T09:14:00+08:00",
        "left_at": "2026-11-22T10:30:00+08:00", "on_duty": GUARD, "registration_minutes": 14,
        "late_registration": True}
    assert cli("validate").out == "正常：4 个文件均有效\n"
    assert cli("audit", "-o", "json").out.strip() == "[]"


def test_the_document_number_and_phone_are_masked_unless_revealed(cli, guard):
    _visitor(cli)
    cli("log", "visitor", "--name", "Tom Smith", "--id-type", "护照", "--id-number", "E12345678", "--visiting", UNIT,
        "--as", "王芳")
    clerk = json.loads(cli("get", "visitors", "-o", "json", "--as", "王芳").out)
    assert [(v["id_number"], v.get("phone")) for v in clerk] == [("1101**********002X", "137****5678"),
                                                                 ("E*****678", None)]
    director = json.loads(cli("get", "visitors", "-o", "json", "--reveal", "--as", "刘主任").out)
    assert [v["id_number"] for v in director] == [ID_CARD, "E12345678"]
    assert cli("get", "visitors", "--reveal", "--as", "王芳").code == 6
    csv = cli("get", "visitors", "-o", "csv", "--as", "王芳").out.splitlines()
    assert csv[2] == ("编号,状态,姓名,性别,证件名称,证件号码,电话,工作单位,住址,被访人,被访房号,来访时间,登记时间,"
                      "登记用时（分钟）,登记超时,离开时间,值班员,说明")
    assert csv[3] == (f"{GID},在访,赵六,男,身份证,1101**********002X,137****5678,顺丰速运,,张三,{UNIT},"
                      f"2026-11-22 09:14,2026-11-22 09:14,0,,,张勇,")
    assert csv[4] == f"{GID2},在访,Tom Smith,,护照,E*****678,,,,,{UNIT},2026-11-22 09:14,2026-11-22 09:14,0,,,王芳,"


@pytest.mark.lang("en")
def test_bad_entries_and_sign_outs_are_one_line_and_write_nothing(cli, git, guard):
    head = git("rev-parse", "HEAD")

    def refused(result, code, err):
        assert (result.code, result.out, result.err) == (code, "", f"wuyectl: {err}\n")
        assert git("rev-parse", "HEAD") == head

    refused(cli("log", "visitor", "--name", "赵六", "--id-number", "110105194912310021", "--visiting", UNIT,
                "--as", GUARD), 3, "--id-number: not an ID-card number: its check digit is wrong (GB 11643) "
                                   "(another document: --id-type)")
    refused(cli("log", "visitor", "--name", "赵六", "--id-type", "passport", "--id-number", "E1", "--visiting", UNIT,
                "--as", GUARD), 3, "--id-number: a document number is 4 to 20 letters, digits or dashes")
    refused(cli("log", "visitor", "--name", "赵六", "--as", GUARD), 3,
            "a visitor comes to see someone: --visiting UNIT or --host NAME")
    refused(cli("log", "visitor", "--name", "赵六", "--visiting", "9-9-909", "--as", GUARD), 4,
            "unit 9-9-909 has no household record (owners/9/9-9-909.yaml)")
    refused(cli("log", "visitor", "--name", "赵六", "--visiting", UNIT, "--arrived-at", "2026-11-22 09:30",
                "--as", GUARD), 3, "--arrived-at 2026-11-22 09:30 is after the entry is written (2026-11-22 09:14)")
    refused(cli("log", "visitor", "--name", "赵六", "--visiting", UNIT, "--as", "陈洁"), 6,
            "陈洁 (cleaner) may not register visitors: needs clerk, director, security guard or supervisor")
    refused(cli("log", "visitor", "--name", "赵六", "--id-type", "签证", "--visiting", UNIT, "--as", GUARD), 3,
            "unknown ID document '签证': use one of ID card, passport, HK/Macau permit, Taiwan compatriot permit, "
            "driving licence, other")

    assert _visitor(cli, "--arrived-at", "2026-11-22 09:00").code == 0
    head = git("rev-parse", "HEAD")
    refused(cli("sign-out", GID, "--at", "2026-11-22 08:50", "--as", GUARD), 5,
            f"{GID}: a visitor cannot sign out (2026-11-22 08:50) before arriving (2026-11-22 09:00)")
    refused(cli("sign-out", GID, "--as", "陈洁"), 6,
            f"陈洁 (cleaner) may not sign out {GID}: needs clerk, director, security guard or supervisor")
    assert cli("sign-out", GID, "--as", GUARD).code == 0
    head = git("rev-parse", "HEAD")
    refused(cli("sign-out", GID, "--as", GUARD), 5,
            f"{GID}: cannot sign out: the visitor is signed out; allowed now: nothing (it is finished)")


def test_registration_is_on_time_within_the_policys_minutes(cli, guard):
    _visitor(cli, "--arrived-at", "2026-11-22 09:09")          # 5 minutes: on time
    _visitor(cli, "--arrived-at", "2026-11-22 09:08")          # 6 minutes: late
    late = [v["id"] for v in json.loads(cli("get", "visitors", "-o", "json", "--as", "王芳").out)
            if v["late_registration"]]
    assert late == [GID2]
    assert cli("policy", "set", "visitor.register_minutes", "10", "--as", "刘主任").code == 0
    assert not any(v["late_registration"] for v in json.loads(cli("get", "visitors", "-o", "json", "--as", "王芳").out))
    bad = cli("policy", "set", "visitor.register_minutes", "0", "--as", "刘主任")
    assert bad.code != 0 and "register_minutes" in bad.err


def test_a_visitor_still_in_after_their_day_is_overdue(cli, guard):
    _visitor(cli)
    _visitor(cli)
    cli("sign-out", GID2, "--as", GUARD, env=LATER)
    assert cli("get", "visitors", "--overdue", "-o", "ids", "--as", "王芳",
               env={"WUYECTL_NOW": "2026-11-22T23:59:00+08:00"}).out == ""
    assert cli("get", "visitors", "--overdue", "-o", "ids", "--as", "王芳",
               env={"WUYECTL_NOW": "2026-11-23T00:00:00+08:00"}).out == f"{GID}\n"
    assert cli("get", "visitors", "--due-within", "15h", "-o", "ids", "--as", "王芳", env=LATER).out == f"{GID}\n"
    assert cli("get", "visitors", "--due-within", "13h", "-o", "ids", "--as", "王芳", env=LATER).out == ""


def test_the_units_page_lists_its_visitors(cli, guard):
    _visitor(cli)
    household = json.loads(cli("show", UNIT, "-o", "json", "--as", "王芳").out)
    assert [v["id"] for v in household["related"]["visitors"]] == [GID]


def test_the_front_desk_report_and_the_handover_sheet(cli, guard):
    _visitor(cli, "--arrived-at", "2026-11-22 09:00")           # late, signed out
    _visitor(cli)                                                # on time, never signed out
    cli("sign-out", GID, "--as", GUARD, env=LATER)
    _visitor(cli, env={"WUYECTL_NOW": "2026-11-23T15:00:00+08:00"})   # the next day, still in
    report = json.loads(cli("report", "frontdesk", "--month", "2026-11", "-o", "json", "--as", "王芳",
                            env={"WUYECTL_NOW": "2026-11-23T16:00:00+08:00"}).out)["sections"]
    assert report["visitor"]["rows"] == [
        {"key": "registered", "figure": "来访登记人数", "value": 3, "numerator": 3, "denominator": None},
        {"key": "registered_on_time", "figure": "及时登记率", "value": "66.7%", "numerator": 2, "denominator": 3},
        {"key": "signed_out", "figure": "已离开", "value": 1, "numerator": 1, "denominator": None},
        {"key": "not_out_by_day_end", "figure": "当日未登记离开", "value": 1, "numerator": 1, "denominator": None}]
    assert report["visitor.late"]["rows"] == [
        {"id": GID, "name": "赵六", "visiting": UNIT, "arrived_at": "2026-11-22 09:00",
         "registered_at": "2026-11-22 09:14", "registration_minutes": 14, "on_duty": GUARD}]
    assert report["visitor.not_out"]["rows"] == [
        {"id": GID2, "name": "赵六", "visiting": UNIT, "host": "张三", "arrived_at": "2026-11-22 09:14",
         "left_at": "", "on_duty": GUARD}]
    help_text = " ".join(cli("report", "frontdesk", "--help", "--lang", "en").out.split())
    assert "registered on time (及时登记率) = visitors registered within the policy's minutes" in help_text

    sheet = json.loads(cli("report", "handover", "--date", "2026-11-22", "-o", "json", "--as", "王芳",
                           env={"WUYECTL_NOW": "2026-11-23T16:00:00+08:00"}).out)["sections"]
    assert sheet["visitor.in"]["rows"] == [
        {"id": GID2, "name": "赵六", "visiting": UNIT, "host": "张三", "arrived_at": "2026-11-22 09:14",
         "on_duty": GUARD}]


@pytest.mark.lang("en")
def test_a_hand_edit_is_caught_by_validate_and_audit(cli, office, git, guard):
    _visitor(cli, "--arrived-at", "2026-11-22 09:00")
    cli("sign-out", GID, "--as", GUARD, env=LATER)
    text = (office / PATH).read_text(encoding="utf-8")
    (office / PATH).write_text(text.replace("left_at: 2026-11-22T10:30:00+08:00", "left_at: 2026-11-22T08:30:00+08:00"),
                               encoding="utf-8")
    checked = cli("validate", "-o", "json")
    assert checked.code == 7
    assert {(p["code"], p["message"]) for p in json.loads(checked.out)["problems"]} == {
        ("W-visitor-left", "a visitor leaves after arriving")}
    git("commit", "-q", "--no-verify", "-am", "改了离开时间")
    found = json.loads(cli("audit", "-o", "json").out)
    assert {(f["code"], f["path"]) for f in found} == {("A-hand-edit", PATH), ("A-invalid", PATH)}


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=9, max_size=14))
def test_a_short_document_number_is_mostly_hidden(number):
    """Another document than an ID card keeps its length and shows at most 4 of its characters."""
    shown = mask_id_card(number)
    assert len(shown) == len(number) and len(shown.replace("*", "")) == 4
    assert shown[0] == number[0] and shown[-3:] == number[-3:]


def test_its_declaration_names_its_personal_fields():
    assert KINDS["visitor"].personal == {"id_number": "id_card", "phone": "phone"}


def test_in_an_encrypted_office_the_numbers_are_sealed_as_written(cli, office, keygen, guard):
    key = keygen("director")
    assert cli("staff", "key", "刘主任", "--file", f"{key}.pub", "--as", "刘主任").code == 0
    env = {"WUYECTL_SIGNING_KEY": str(key)}
    assert cli("migrate", "encrypt", "--as", "刘主任", env=env).code == 0
    assert _visitor(cli).code == 0
    text = (office / PATH).read_text(encoding="utf-8")
    assert ID_CARD not in text and "13712345678" not in text
    assert "id_number: enc:1:G-20261122-A001." in text and ":1101**********002X:" in text
    assert cli("validate").code == 0
    shown = json.loads(cli("show", GID, "-o", "json", "--reveal", "--as", "刘主任", env=env).out)
    assert (shown["id_number"], shown["phone"]) == (ID_CARD, "13712345678")
    assert json.loads(cli("show", GID, "-o", "json", "--as", "王芳").out)["id_number"] == "1101**********002X"
    assert cli("audit", "-o", "json").out.strip() == "[]"
