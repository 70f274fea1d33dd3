"""Lost and found (客户失物登记表 / 物品发还清单, issue 14 point 4): a found item is registered and
kept; claimed with proof of identity (masked) and a signature, or disposed of after the policy's
keeping time by a supervisor or the director; one kept past that time is overdue."""
from __future__ import annotations

import json

import pytest

from conftest import UNIT

FID = "F-20261122-A001"
ID_CARD = "11010519491231002X"
OLD = "2026-08-20 08:30"          # found 94 days before 2026-11-22: past the 90 days' keeping


def found(cli, *extra, who="王芳"):
    return cli("log", "lostfound", "--item", "黑色钱包", "--found-place", "2栋大堂沙发", "--found-by", "陈洁",
               "--kept-at", "前台失物柜", *extra, "--as", who)


def claim(cli, rid=FID, *extra, who="王芳", env=None):
    return cli("claim", rid, "--set", "claimant=李四", "--set", "claimant_id_type=身份证",
               "--set", f"claimant_id_number={ID_CARD}", "--set", "claimant_phone=13800138000", *extra,
               "--as", who, **({"env": env} if env else {}))


def test_a_found_item_is_registered_and_kept(cli, git, office):
    made = found(cli, "--found-at", "2026-11-22 08:30", "--note", "内有银行卡两张")
    assert (made.code, made.out, made.err) == (0, f"{FID}\n", "")
    assert git("log", "-1", "--format=%an|%s").strip() == f"王芳|{FID} open lostfound"
    assert (office / f"lostfound/2026-11/{FID}.yaml").read_text(encoding="utf-8") == (
        f"id: {FID}\n"
        "status: kept\n"
        "item: 黑色钱包\n"
        "found_at: 2026-11-22T08:30:00+08:00\n"
        "found_place: 2栋大堂沙发\n"
        "found_by: 陈洁\n"
        "kept_at: 前台失物柜\n"
        "note: 内有银行卡两张\n"
        "timeline:\n"
        "  - at: 2026-11-22T09:14:00+08:00\n"
        "    by: 王芳\n"
        "    action: open\n")
    second = cli("log", "lostfound", "--item", "钥匙一串", "--found-place", "地下车库B区", "--found-by", "张三",
                 "--finder-unit", UNIT, "--kept-at", "前台失物柜", "--as", "王芳")
    assert second.out == "F-20261122-A002\n"
    assert cli("get", "lost-found", "--as", "王芳").out == (
        "编号             状态    物品      发现时间          拾获地点     发现人    保管位置    保管期至    去向    超过保管期\n"
        "---------------  ------  --------  ----------------  -----------  --------  ----------  ----------  ------  ------------\n"
        "F-20261122-A001  保管中  黑色钱包  2026-11-22 08:30  2栋大堂沙发  陈洁      前台失物柜  2027-02-20\n"
        "F-20261122-A002  保管中  钥匙一串  2026-11-22 09:14  地下车库B区  张三      前台失物柜  2027-02-20\n"
        "(2 条)\n")
    household = json.loads(cli("show", UNIT, "-o", "json", "--as", "王芳").out)
    assert [r["id"] for r in household["related"]["lostfound"]] == ["F-20261122-A002"]


@pytest.mark.lang("en")
def test_bad_entries_are_one_line_and_write_nothing(cli, git):
    head = git("rev-parse", "HEAD")
    cases = [
        (found(cli, "--finder-unit", "9-9-909"), 4,
         "wuyectl: unit 9-9-909 has no household record (owners/9/9-9-909.yaml)\n"),
        (found(cli, "--found-at", "2026-11-22 10:00"), 3,
         "wuyectl: --found-at 2026-11-22 10:00 is later than now (2026-11-22 09:14)\n"),
        (found(cli, who="孙审"), 6, "wuyectl: 孙审 (auditor) has read-only access\n"),
        (cli("log", "lostfound", "--item", "伞", "--as", "王芳"), 2, None),
    ]
    for result, code, err in cases:
        assert (result.code, result.out) == (code, ""), result.err
        if err is not None:
            assert result.err == err
        assert len(result.err.splitlines()) == 1
    assert git("rev-parse", "HEAD") == head


@pytest.mark.lang("en")
def test_a_claim_needs_proof_and_a_signature(cli, git):
    found(cli)
    head = git("rev-parse", "HEAD")
    refusals = [
        (cli("claim", FID, "--set", "claimant=李四", "--set", "signed=yes", "--as", "王芳"), 5,
         f"wuyectl: {FID}: a claim records who claimed it and their proof of identity: "
         "--set claimant_id_type=… --set claimant_id_number=…\n"),
        (claim(cli), 5, f"wuyectl: {FID}: the claimant signs the 物品发还清单 (list of items returned): "
                        "--set signed=yes\n"),
        (cli("claim", FID, "--set", "claimant=李四", "--set", "claimant_id_type=id_card",
             "--set", "claimant_id_number=110105194912310021", "--set", "signed=yes", "--as", "王芳"), 3,
         "wuyectl: claimant_id_number: not an ID-card number: its check digit is wrong (GB 11643)\n"),
        (claim(cli, "F-20261122-A009", "--set", "signed=yes"), 4,
         "wuyectl: no lostfound F-20261122-A009 (looked for lostfound/2026-11/F-20261122-A009.yaml)\n"),
        (claim(cli, FID, "--set", "signed=yes", who="孙审"), 6, None),
    ]
    for result, code, err in refusals:
        assert (result.code, result.out) == (code, ""), result.err
        if err is not None:
            assert result.err == err
        assert len(result.err.splitlines()) == 1
    assert git("rev-parse", "HEAD") == head
    passport = cli("claim", FID, "--set", "claimant=John Smith", "--set", "claimant_id_type=passport",
                   "--set", "claimant_id_number=E12345678", "--set", "signed=yes", "--as", "陈洁")
    assert (passport.code, passport.err) == (0, "")
    again = claim(cli, FID, "--set", "signed=yes")
    assert (again.code, again.err) == (5, f"wuyectl: {FID}: cannot claim: the lost-and-found item is returned to "
                                          "owner; allowed now: nothing (it is finished)\n")


def test_a_claim_is_shown_with_the_document_masked(cli):
    found(cli)
    done = claim(cli, FID, "--set", "signed=yes", "--set", f"claimant_unit={UNIT}", "--note", "核对钱包内证件无误")
    assert (done.code, done.err) == (0, "")
    shown = cli("show", FID, "--as", "王芳").out
    assert shown.split("\n\n")[0] == (
        f"{FID}  (lostfound/2026-11/{FID}.yaml)\n"
        "  状态        已发还\n"
        "  物品        黑色钱包\n"
        "  发现时间    2026-11-22 09:14\n"
        "  拾获地点    2栋大堂沙发\n"
        "  发现人      陈洁\n"
        "  保管位置    前台失物柜\n"
        "  保管期至    2027-02-20\n"
        "  认领人      李四\n"
        "  认领人房号  3-2-1201\n"
        "  认领人电话  138****8000\n"
        "  证件类型    身份证\n"
        "  证件号码    1101**********002X\n"
        "  认领人签名  是\n"
        "  认领时间    2026-11-22 09:14\n"
        "  发还人      王芳")
    as_json = cli("show", FID, "-o", "json", "--as", "王芳").out
    assert ID_CARD not in as_json and "13800138000" not in as_json     # the event's values are masked too
    household = json.loads(cli("show", UNIT, "-o", "json", "--as", "王芳").out)   # the claimant's unit
    assert [r["id"] for r in household["related"]["lostfound"]] == [FID]
    revealed = json.loads(cli("show", FID, "-o", "json", "--reveal", "--as", "赵强").out)
    assert revealed["claimant_id_number"] == ID_CARD
    assert cli("audit", "-o", "json").out.strip() == "[]"


@pytest.mark.lang("en")
def test_disposal_waits_for_the_keeping_time_and_a_manager(cli, git):
    found(cli)
    found(cli, "--found-at", OLD)
    head = git("rev-parse", "HEAD")
    early = cli("dispose", FID, "--set", "disposal=police", "--as", "赵强")
    assert (early.code, early.out, early.err) == (
        5, "", f"wuyectl: {FID}: it is kept until 2027-02-20 (the policy's 90 days); it may not be disposed of before\n")
    clerk = cli("dispose", "F-20261122-A002", "--set", "disposal=police", "--as", "王芳")
    assert (clerk.code, clerk.err) == (6, "wuyectl: 王芳 (clerk) may not dispose of F-20261122-A002: needs director "
                                          "or supervisor\n")
    how = cli("dispose", "F-20261122-A002", "--as", "赵强")
    assert (how.code, how.err) == (5, "wuyectl: F-20261122-A002: say how it is disposed of: "
                                      "--set disposal=police|donate|destroy|other\n")
    assert git("rev-parse", "HEAD") == head
    done = cli("dispose", "F-20261122-A002", "--set", "disposal=上交派出所", "--set", "disposal_note=城东派出所接收",
               "--as", "赵强")
    assert (done.code, done.err) == (0, "")
    record = json.loads(cli("show", "F-20261122-A002", "-o", "json", "--as", "王芳").out)
    assert {k: record.get(k) for k in ("status", "disposal", "disposal_note", "disposed_at", "approved_by")} == {
        "status": "disposed", "disposal": "police", "disposal_note": "城东派出所接收",
        "disposed_at": "2026-11-22T09:14:00+08:00", "approved_by": "赵强"}
    assert cli("audit", "-o", "json").out.strip() == "[]"


def test_keeping_time_is_policy(cli):
    found(cli, "--found-at", "2026-11-01 10:00")
    assert cli("dispose", FID, "--set", "disposal=donate", "--as", "赵强").code == 5
    assert cli("policy", "set", "lostfound.keep_days", "14", "--as", "刘主任").code == 0
    assert cli("get", "lostfound", "--overdue", "-o", "ids", "--as", "王芳").out == f"{FID}\n"
    assert cli("dispose", FID, "--set", "disposal=donate", "--as", "赵强").code == 0
    bad = cli("policy", "set", "lostfound.keep_days", "0", "--as", "刘主任")
    assert bad.code != 0 and "keep_days" in bad.err


def test_overdue_lists_what_needs_disposing(cli):
    found(cli, "--found-at", OLD)
    found(cli)
    assert cli("get", "lostfound", "--overdue", "--as", "王芳").out == (
        "编号             状态    物品      发现时间          拾获地点     发现人    保管位置    保管期至    去向    超过保管期\n"
        "---------------  ------  --------  ----------------  -----------  --------  ----------  ----------  ------  ------------\n"
        "F-20261122-A001  保管中  黑色钱包  2026-08-20 08:30  2栋大堂沙发  陈洁      前台失物柜  2026-11-18          待处理\n"
        "(1 条)\n")
    out = cli("get", "lostfound", "-o", "csv", "--as", "王芳").out
    assert out.splitlines()[2:] == [
        "编号,状态,物品,发现时间,拾获地点,发现人,拾获人房号,保管位置,保管期至,认领人,认领人房号,认领时间,发还人,处理方式,处理时间,批准人,超过保管期",
        "F-20261122-A001,保管中,黑色钱包,2026-08-20 08:30,2栋大堂沙发,陈洁,,前台失物柜,2026-11-18,,,,,,,,待处理",
        "F-20261122-A002,保管中,黑色钱包,2026-11-22 09:14,2栋大堂沙发,陈洁,,前台失物柜,2027-02-20,,,,,,,,",
    ]


@pytest.mark.lang("en")
def test_a_hand_edit_is_caught(cli, office, git):
    found(cli)
    path = office / f"lostfound/2026-11/{FID}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: kept", "status: claimed"), encoding="utf-8")
    checked = json.loads(cli("validate", "-o", "json").out)
    assert {(p["code"], p["message"]) for p in checked["problems"]} == {
        ("W-lostfound-end", f"a returned to owner item records {field}")
        for field in ("claimed_at", "returned_by", "claimant", "claimant_id_type", "claimant_id_number")} | {
        ("W-lostfound-end", "a claimed item records the claimant's signature (signed: true)")}
    git("commit", "-q", "--no-verify", "-am", "改了失物登记")
    found_ = json.loads(cli("audit", "-o", "json").out)
    assert {(f["code"], f["path"]) for f in found_} == {("A-hand-edit", f"lostfound/2026-11/{FID}.yaml"),
                                                        ("A-invalid", f"lostfound/2026-11/{FID}.yaml")}


def test_the_front_desk_report_counts_lost_and_found(cli):
    found(cli, "--found-at", OLD)                       # A001: past keeping, then disposed of
    found(cli, "--found-at", "2026-08-22 10:00")        # A002: past keeping, still kept
    found(cli, "--found-at", "2026-11-20 18:00")        # A003: claimed
    found(cli)                                          # A004: kept
    claim(cli, "F-20261122-A003", "--set", "signed=yes")
    cli("dispose", FID, "--set", "disposal=donate", "--as", "赵强")
    report = json.loads(cli("report", "frontdesk", "--month", "2026-11", "-o", "json", "--as", "王芳").out)
    rows = {r["key"]: r["value"] for r in report["sections"]["lostfound"]["rows"]}
    assert rows == {"found": 2, "returned": 1, "disposed": 1, "kept_now": 2, "past_keeping": 1}
    assert report["sections"]["lostfound.past_keeping"]["rows"] == [
        {"id": "F-20261122-A002", "item": "黑色钱包", "found_at": "2026-08-22 10:00", "found_place": "2栋大堂沙发",
         "kept_at": "前台失物柜", "keep_until": "2026-11-20"}]
    assert "kept now (保管中) = items found and neither claimed nor disposed of at the as-of time" \
        in " ".join(cli("report", "frontdesk", "--help", "--lang", "en").out.split())


def test_the_handover_sheet_lists_todays_finds_and_what_to_dispose_of(cli):
    found(cli, "--found-at", OLD)
    found(cli, "--found-at", "2026-11-22 08:30")
    claim(cli, "F-20261122-A002", "--set", "signed=yes", env={"WUYECTL_NOW": "2026-11-22T16:00:00+08:00"})
    sheet = json.loads(cli("report", "handover", "--date", "2026-11-22", "-o", "json", "--as", "王芳",
                           env={"WUYECTL_NOW": "2026-11-22T18:00:00+08:00"}).out)
    assert sheet["sections"]["lostfound.found"]["rows"] == [
        {"id": "F-20261122-A002", "item": "黑色钱包", "found_place": "2栋大堂沙发", "found_by": "陈洁",
         "kept_at": "前台失物柜", "status": "已发还"}]
    assert sheet["sections"]["lostfound.past_keeping"]["rows"] == [
        {"id": FID, "item": "黑色钱包", "found_at": "2026-08-20 08:30", "kept_at": "前台失物柜",
         "keep_until": "2026-11-18"}]


@pytest.fixture
def encrypted(cli, tmp_path):
    """The office encrypted by its director (who has an SSH key on the roster)."""
    import subprocess

    key = tmp_path / "keys" / "director"
    key.parent.mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "director@test", "-f", str(key)],
                   check=True, capture_output=True)
    assert cli("staff", "key", "刘主任", "--file", f"{key}.pub", "--as", "刘主任").code == 0
    env = {"WUYECTL_SIGNING_KEY": str(key)}
    done = cli("migrate", "encrypt", "--as", "刘主任", env=env)
    assert done.code == 0, done.err
    return env


def test_a_claim_in_an_encrypted_office_seals_the_document_and_audits_clean(cli, office, encrypted):
    found(cli)
    assert claim(cli, FID, "--set", "signed=yes", "--set", f"claimant_unit={UNIT}").code == 0
    text = (office / f"lostfound/2026-11/{FID}.yaml").read_text(encoding="utf-8")
    assert ID_CARD not in text and "13800138000" not in text
    assert text.count("enc:1:") == 4            # the record's two numbers and its claim event's
    assert cli("audit", "-o", "json").out.strip() == "[]"
    revealed = json.loads(cli("show", FID, "-o", "json", "--reveal", "--as", "刘主任", env=encrypted).out)
    assert revealed["claimant_id_number"] == ID_CARD
