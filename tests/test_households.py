"""Households (SPEC §2.2, issue 3): importing an office's roster spreadsheet, privacy of phone
and ID-card numbers, and a household's page (`show 3-2-1201`)."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest

from conftest import DIRECTOR, MASKED, OWNER_PHONE, PHONE, UNIT
from helpers_kinds import bodies, commits, touched, write_csv

# A roster as offices keep them: Chinese headings, a BOM, blank lines (an empty one and one of
# bare commas), a unit typed twice and a date nobody can read.  Row numbers as a spreadsheet
# shows them, the header being row 1:
MESSY = (
    "房号,业主姓名,性别,身份证号,联系电话,入伙日期,建筑面积\n"        # 1
    "1-1-101,李四,男,11010119800101111X,13700137001,2020-05-01,89.5\n"  # 2
    "\n"                                                                 # 3 blank
    "1-1-102,王五,女,110101198001012227,13700137002,2020/05/02,100\n"   # 4
    ",,,,,,\n"                                                           # 5 blank
    "1-1-101,赵六,男,,13700137003,2020-05-03,90\n"                      # 6 repeats row 2
    "1-1-103,钱七,男,,13700137004,2020-13-45,88\n"                      # 7 bad date
    "1-1-104,孙八,女,,13700137005,2020年5月4日,77\n"                     # 8
)
BAD_LINES = ["{f}:6: unit 1-1-101 repeats line 2", "{f}:7: 入伙日期: '2020-13-45' is not a date"]
PERSONAL = ["11010119800101111X", "110101198001012227", "13700137001", "13700137002", "13700137005"]


@pytest.fixture
def messy(tmp_path):
    return write_csv(tmp_path / "业主信息统计表.csv", MESSY)


def _bad(path) -> str:
    return "".join(line.format(f=path) + "\n" for line in BAD_LINES)


# -- import owners -------------------------------------------------------------------------
@pytest.mark.lang("en")
def test_messy_roster_reports_exactly_the_bad_rows_and_writes_nothing(run, messy, repo_state):
    before = repo_state()
    result = run("import", "owners", messy, "--as", "王芳")
    assert result.code == 7
    assert result.out == ""
    assert result.err == _bad(messy) + "2 bad row(s); nothing written (fix them, or --skip-bad)\n"
    assert repo_state() == before


@pytest.mark.lang("en")
def test_dry_run_checks_every_row_and_writes_nothing(cli, messy, tmp_path, repo_state):
    before = repo_state()
    bad = cli("import", "owners", messy, "--dry-run", "--as", "王芳", "--lang", "en")
    assert (bad.code, bad.out, bad.err) == (7, "dry run: 2 bad row(s); nothing would be written (fix them, or "
                                               "--skip-bad: would import 3 household(s) in 1 commit)\n", _bad(messy))
    skipping = cli("import", "owners", messy, "--dry-run", "--skip-bad", "--as", "王芳", "--lang", "en")
    assert (skipping.code, skipping.out) == (0, "dry run: would import 3 household(s) in 1 commit; "
                                                "2 bad row(s) skipped\n")
    clean = write_csv(tmp_path / "clean.csv", "房号,业主姓名\n1-1-101,李四\n")
    good = cli("import", "owners", clean, "--dry-run", "--as", "王芳", "--lang", "en")
    assert (good.code, good.out, good.err) == (0, "dry run: would import 1 household(s) in 1 commit\n", "")
    assert repo_state() == before


@pytest.mark.lang("en")
def test_skip_bad_writes_the_good_rows_in_one_commit(cli, git, office, messy):
    start = commits(git)
    result = cli("import", "owners", messy, "--skip-bad", "--as", "王芳")
    assert result.code == 0, result.err
    head = git("rev-parse", "HEAD").strip()
    assert result.out == f"imported 3 household(s) in commit {head[:10]}; skipped 2 bad row(s)\n"
    assert result.err == _bad(messy)
    assert commits(git) == start + 1
    assert touched(git) == ["owners/1/1-1-101.yaml", "owners/1/1-1-102.yaml", "owners/1/1-1-104.yaml"]
    assert not (office / "owners/1/1-1-103.yaml").exists()
    assert git("log", "-1", "--format=%an%n%s").splitlines() == ["王芳", f"import 3 households from {messy.name}"]
    # the first of the repeated unit is kept; Chinese dates and labels become ISO dates and codes
    first = json.loads(cli("show", "1-1-101", "-o", "json", "--as", DIRECTOR, "--reveal").out)
    assert {k: first[k] for k in ("id", "building_area", "handover_date", "owners")} == {
        "id": "1-1-101", "building_area": 89.5, "handover_date": "2020-05-01",
        "owners": [{"name": "李四", "gender": "male", "id_card": "11010119800101111X", "phone": "13700137001"}]}
    fourth = json.loads(cli("show", "1-1-104", "-o", "json", "--as", "王芳").out)
    assert fourth["handover_date"] == "2020-05-04"
    assert fourth["owners"] == [{"name": "孙八", "gender": "female", "phone": "137****7005"}]
    # a second run refuses every unit now on file, and writes nothing
    again = cli("import", "owners", messy, "--skip-bad", "--as", "王芳")
    assert again.code == 7
    assert "1-1-101 already has a household record" in again.err
    assert commits(git) == start + 1
    assert cli("validate").code == 0


def test_personal_numbers_never_reach_commit_messages(cli, git, messy):
    assert cli("import", "owners", messy, "--skip-bad", "--as", "王芳").code == 0
    assert cli("open", "owner", "--unit", "3-2-1202", "--name", "李四", "--phone", "13712345678",
               "--id-card", "110101199001011237", "--as", "王芳").code == 0
    text = bodies(git)
    for number in PERSONAL + ["13712345678", "110101199001011237", OWNER_PHONE]:
        assert number not in text
        assert number[-4:] + "\n" not in text   # not even a masked tail as a trailer


@pytest.mark.lang("en")
def test_map_names_columns_the_tool_does_not_know(cli, git, tmp_path, repo_state):
    path = write_csv(tmp_path / "export.csv", "Room,Owner,Tel,Moved in\n5-1-101,甲,13700000001,2021-03-04\n", bom=False)
    before = repo_state()
    unknown = cli("import", "owners", path, "--as", "王芳")
    assert (unknown.code, unknown.out) == (3, "")
    assert unknown.err == ("wuyectl: the file needs a unit column (房号) and an owner name column (业主姓名); "
                           "name them with --map COLUMN=unit --map COLUMN=owner.name\n")
    typo = cli("import", "owners", path, "--map", "Room=unit", "--map", "Owner=owner.nme", "--as", "王芳")
    assert typo.code == 3
    assert typo.err.startswith("wuyectl: --map Owner=owner.nme: unknown field 'owner.nme'; fields: building_area, ")
    assert typo.err.endswith(" (did you mean 'owner.name'?)\n")
    missing = cli("import", "owners", path, "--map", "房号=unit", "--map", "Owner=owner.name", "--as", "王芳")
    assert missing.code == 3
    assert missing.err == "wuyectl: --map: no column '房号' in the file (columns: Room, Owner, Tel, Moved in)\n"
    assert repo_state() == before

    ok = cli("import", "owners", path, "--map", "Room=unit", "--map", "Owner=owner.name", "--map", "Tel=owner.phone",
             "--map", "Moved in=move_in_date", "--as", "王芳")
    assert ok.code == 0, ok.err
    record = json.loads(cli("show", "5-1-101", "-o", "json", "--reveal", "--as", DIRECTOR).out)
    assert record["owners"] == [{"name": "甲", "phone": "13700000001"}]
    assert record["move_in_date"] == "2021-03-04"


@pytest.mark.lang("en")
def test_xlsx_roster(cli, git, office, tmp_path, repo_state):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["房号", "业主姓名", "联系电话", "出生日期", "建筑面积", "居住状态"])
    sheet.append(["2-1-301", "周一", 13700137011, datetime(1980, 1, 2), 95.25, "自住"])   # 2: spreadsheet types
    sheet.append([None, None, None, None, None, None])                                     # 3: blank
    sheet.append(["2栋1单元", "吴二", "13700137012", "1981-02-03", 80, "出租"])            # 4: not a unit
    sheet.append(["2-1-303", "郑三", "13700137013", "1982-03-04", "很大", "空置"])          # 5: not a number
    sheet.append(["2-1-304", "王四", "13700137014", "1983-04-05", 70, "rented"])            # 6
    sheet.append(["3-2-1201", "张三", "13700137015", None, None, None])                    # 7: on file already
    path = tmp_path / "roster.xlsx"
    book.save(path)

    before = repo_state()
    refused = cli("import", "owners", path, "--as", "王芳")
    assert refused.code == 7
    assert refused.err.splitlines() == [
        f"{path}:4: unit '2栋1单元' is not 3-2-1201 / 3栋2单元1201",
        f"{path}:5: 建筑面积: '很大' is not a number",
        f"{path}:7: unit 3-2-1201 already has a household record",
        "3 bad row(s); nothing written (fix them, or --skip-bad)",
    ]
    assert repo_state() == before

    start = commits(git)
    done = cli("import", "owners", path, "--skip-bad", "--as", "王芳")
    assert done.code == 0, done.err
    assert done.out.startswith("imported 2 household(s) in commit ")
    assert commits(git) == start + 1
    assert touched(git) == ["owners/2/2-1-301.yaml", "owners/2/2-1-304.yaml"]
    first = json.loads(cli("show", "2-1-301", "-o", "json", "--reveal", "--as", DIRECTOR).out)
    assert first["building_area"] == 95.25
    assert first["occupancy"] == "self"
    assert first["owners"] == [{"name": "周一", "birth_date": "1980-01-02", "phone": "13700137011"}]
    assert json.loads(cli("show", "2-1-304", "-o", "json", "--as", "王芳").out)["occupancy"] == "rented"
    assert cli("validate").code == 0


@pytest.mark.lang("en")
def test_positions_are_file_lines_when_a_cell_spans_lines(cli, tmp_path):
    # A note typed with Alt+Enter in Excel is one cell over two lines of the CSV: the next
    # record starts a line lower, and that line is what an editor jumps to.
    path = write_csv(tmp_path / "notes.csv",
                     '房号,业主姓名,备注\n1-1-101,李四,"一楼\n二楼"\n1-1-101,赵六,\n')
    result = cli("import", "owners", path, "--dry-run", "--as", "王芳", "--lang", "en")
    assert result.err == f"{path}:4: unit 1-1-101 repeats line 2\n"


# -- privacy ---------------------------------------------------------------------------------
@pytest.fixture
def household(cli):
    """3-2-1202 with an owner's phone and ID-card number, and a ticket with a reporter's phone."""
    made = cli("open", "owner", "--unit", "3-2-1202", "--name", "李四", "--phone", "13712345678",
               "--id-card", "110101199001011237", "--occupancy", "出租", "--as", "王芳")
    assert (made.code, made.out) == (0, "3-2-1202\n"), made.err
    ticket = cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", "3-2-1202",
                 "--reporter", "李四", "--phone", PHONE, "--description", "水管漏水", "-o", "ids", "--as", "王芳")
    assert ticket.code == 0, ticket.err
    return "3-2-1202", ticket.out.strip()


RAW = ("13712345678", "110101199001011237", PHONE, OWNER_PHONE)


def test_numbers_are_masked_in_every_listing_show_and_export(cli, household):
    unit, tid = household
    outputs = {}
    for fmt in ("table", "json", "yaml", "csv"):
        outputs[f"get owners {fmt}"] = cli("get", "owners", "-o", fmt, "--as", "王芳")
        outputs[f"get tickets {fmt}"] = cli("get", "tickets", "-o", fmt, "--as", "王芳")
    for fmt in ("table", "json", "yaml"):
        outputs[f"show owner {fmt}"] = cli("show", unit, "-o", fmt, "--as", "王芳")
        outputs[f"show ticket {fmt}"] = cli("show", tid, "-o", fmt, "--as", "王芳")
    for name, result in outputs.items():
        assert result.code == 0, (name, result.err)
        for number in RAW:
            assert number not in result.out, name

    owner = json.loads(outputs["show owner json"].out)
    assert owner["owners"] == [{"name": "李四", "phone": "137****5678", "id_card": "1101**********1237"}]
    assert json.loads(outputs["show ticket json"].out)["reporter"]["phone"] == MASKED
    listed = {o["id"]: o for o in json.loads(outputs["get owners json"].out)}
    assert listed[unit]["owners"][0]["id_card"] == "1101**********1237"
    assert listed[UNIT]["owners"][0]["phone"] == "139****9000"
    rows = list(csv.reader(io.StringIO(outputs["get owners csv"].out.lstrip("\ufeff"))))[2:]   # under the title row
    assert rows[0] == ["编号", "姓名", "电话", "居住状态"]
    assert ["3-2-1202", "李四", "137****5678", "出租"] in rows
    assert "1101**********1237" in outputs["show owner yaml"].out
    assert "1101**********1237" in outputs["show owner table"].out
    tickets = list(csv.reader(io.StringIO(outputs["get tickets csv"].out.lstrip("\ufeff"))))[2:]
    assert tickets[1][tickets[0].index("电话")] == MASKED


@pytest.mark.lang("en")
@pytest.mark.parametrize("who, role", [("王芳", "clerk"), ("李明", "technician"), ("孙审", "auditor")])
def test_reveal_is_refused_for_roles_the_policy_does_not_permit(cli, household, who, role, repo_state):
    unit, _ = household
    before = repo_state()
    message = f"wuyectl: {who} ({role}) may not --reveal personal numbers: needs director, supervisor or archivist\n"
    for args in (("show", unit, "--reveal"), ("get", "owners", "--reveal", "-o", "json"),
                 ("get", "tickets", "--reveal", "-o", "csv")):
        result = cli(*args, "--as", who)
        assert (result.code, result.out, result.err) == (6, "", message), args
    assert repo_state() == before


@pytest.mark.parametrize("who", [DIRECTOR, "赵强"])
def test_reveal_is_allowed_for_director_and_supervisor(cli, household, who):
    unit, tid = household
    shown = cli("show", unit, "--reveal", "-o", "json", "--as", who)
    assert shown.code == 0, shown.err
    assert json.loads(shown.out)["owners"] == [{"name": "李四", "phone": "13712345678", "id_card": "110101199001011237"}]
    listed = cli("get", "tickets", "--reveal", "-o", "csv", "--as", who)
    assert PHONE in listed.out
    table = cli("get", "owners", "--reveal", "--as", who)
    assert "13712345678" in table.out


@pytest.mark.lang("en")
def test_reveal_roles_follow_the_policy(cli, git, office, household):
    unit, _ = household
    config = office / "wuye.yaml"
    # (the test office's wuye.yaml has a policy section already: conftest.TEMPLATE_POLICY)
    config.write_text(config.read_text(encoding="utf-8").replace("policy:\n", "policy:\n  reveal_roles: [director]\n"),
                      encoding="utf-8")
    git("commit", "-q", "-am", "只许主任查看证件号")
    refused = cli("show", unit, "--reveal", "--as", "赵强")
    assert (refused.code, refused.err) == (
        6, "wuyectl: 赵强 (supervisor) may not --reveal personal numbers: needs director\n")
    assert cli("show", unit, "--reveal", "--as", DIRECTOR).code == 0


# -- a household's page --------------------------------------------------------------------
def test_show_household_lists_its_tickets_visits_and_violations(cli, git, household, new_ticket):
    other_unit, other_ticket = household
    start = commits(git)
    repair = new_ticket()                                   # for 3-2-1201
    visit = cli("open", "visit", "--type", "home", "--unit", UNIT, "--topic", "security", "--opinion", "门禁常坏",
                "--complaint", "门禁坏了一周", "--as", "王芳")
    assert visit.code == 0, visit.err
    vid, complaint = visit.out.split()
    violation = cli("open", "violation", "--category", "decoration", "--unit", UNIT, "--description", "擅自拆墙",
                    "--as", "王芳")
    assert violation.code == 0, violation.err
    wid = violation.out.strip()
    cli("open", "violation", "--category", "hygiene", "--unit", other_unit, "--description", "楼道堆物", "--as", "王芳")
    assert commits(git) == start + 4

    page = json.loads(cli("show", UNIT, "-o", "json", "--as", "王芳").out)
    related = page["related"]
    assert [t["id"] for t in related["tickets"]] == sorted([repair, complaint], reverse=True)   # as `get`: newest first
    assert [v["id"] for v in related["visits"]] == [vid]
    assert [w["id"] for w in related["violations"]] == [wid]
    assert other_ticket not in json.dumps(related)
    # personal numbers in the related records are masked too
    assert PHONE not in json.dumps(page)

    table = cli("show", UNIT, "--as", "王芳").out
    for heading in ("工单:", "走访/回访:", "违章:", "修改历史:"):
        assert heading in table
    for rid in (repair, complaint, vid, wid):
        assert rid in table
    english = cli("show", UNIT, "--lang", "en", "--as", "王芳").out
    for heading in ("tickets:", "visits:", "violations:", "history:"):
        assert heading in english


@pytest.mark.lang("en")
def test_open_owner_refuses_a_unit_on_file_and_a_bad_unit(cli, repo_state):
    before = repo_state()
    again = cli("open", "owner", "--unit", UNIT, "--name", "张三", "--as", "王芳")
    assert (again.code, again.err) == (3, f"wuyectl: unit {UNIT} already has a household record (owners/3/{UNIT}.yaml)\n")
    bad = cli("open", "owner", "--unit", "3栋1201", "--name", "张三", "--as", "王芳")
    assert (bad.code, bad.err) == (3, "wuyectl: '3栋1201' is not a owner ID\n")
    assert repo_state() == before


# -- the full household record, written by hand --------------------------------------------
FULL = """\
# 业主登记表 + 租住人员信息登记表, entered by hand
id: 3-2-1203
property_type: residence
building_area: 120.5
usable_area: 98
handover_date: 2019-06-01
move_in_date: 2019-10-01
parking_space: B-023
bicycle_garage: true
occupancy: rented
owners:
  - name: 陈一
    gender: female
    birth_date: 1975-03-04
    native_place: 浙江宁波
    id_card: '330200197503040020'
    hukou: 宁波市海曙区
    employer: 宁波某公司
    phone: '13600136000'
members:
  - name: 陈二
    relation: 子
    phone: '13600136001'
tenants:
  - name: 刘租
    id_card: '110101199502020019'
    phone: '13500135000'
    move_in_date: 2025-03-01
    lease_end: 2027-02-28
"""


@pytest.mark.lang("en")
def test_a_hand_written_household_with_members_and_tenants(cli, git, write):
    write("owners/3/3-2-1203.yaml", FULL)
    checked = cli("validate", "owners/3/3-2-1203.yaml")
    assert (checked.code, checked.out) == (0, "ok: 1 file(s) valid\n")
    git("add", "owners/3/3-2-1203.yaml")
    git("commit", "-q", "-m", "3-2-1203 登记")          # the pre-commit hook lets it in
    record = json.loads(cli("show", "3-2-1203", "-o", "json", "--as", "王芳").out)
    assert (record["owners"][0]["id_card"], record["owners"][0]["phone"]) == ("3302**********0020", "136****6000")
    assert record["members"] == [{"name": "陈二", "relation": "子", "phone": "136****6001"}]
    assert record["tenants"][0]["id_card"] == "1101**********0019"
    assert record["tenants"][0]["phone"] == "135****5000"
    assert (record["tenants"][0]["lease_end"], record["parking_space"], record["bicycle_garage"]) == (
        "2027-02-28", "B-023", True)
    revealed = json.loads(cli("show", "3-2-1203", "-o", "json", "--reveal", "--as", "赵强").out)
    assert revealed["tenants"][0]["id_card"] == "110101199502020019"


@pytest.mark.lang("en")
def test_a_bad_hand_written_tenant_is_found_with_its_line(cli, git, write, repo_state):
    write("owners/3/3-2-1203.yaml", FULL.replace("'110101199502020019'", "'1101A'"))
    checked = cli("validate", "owners/3/3-2-1203.yaml", "--lang", "en")
    assert checked.code == 7
    assert checked.out == ("owners/3/3-2-1203.yaml:26:5: tenants.0.id_card: not an ID-card number: 15 digits, "
                           "or 18 with the check digit (0-9 or X) last\n")
    git("add", "owners/3/3-2-1203.yaml")
    assert git("commit", "-q", "-m", "x", check=False).returncode != 0     # the hook refuses it


def test_the_audit_log_masks_personal_numbers_too(cli, git, write, household):
    unit, _ = household
    write("owners/3/3-2-1203.yaml", FULL)
    git("add", "owners/3/3-2-1203.yaml")
    git("commit", "-q", "-m", "3-2-1203 登记")
    changed = FULL.replace("'13500135000'", "'13500135999'")
    write("owners/3/3-2-1203.yaml", changed)
    git("commit", "-q", "-am", "3-2-1203 租户换号")
    for rid in (unit, "3-2-1203"):
        for fmt in ("table", "json", "yaml"):
            result = cli("log", rid, "-o", fmt, "--as", "王芳")
            assert result.code == 0, result.err
            for number in RAW + ("13600136000", "13600136001", "13500135000", "13500135999", "330200197503040020",
                                 "110101199502020019"):
                assert number not in result.out, (rid, fmt, number)
    entries = json.loads(cli("log", "3-2-1203", "-o", "json", "--as", "王芳").out)
    changes = [c for e in entries for c in e["changes"]]
    assert {"field": "tenants.0.phone", "old": "135****5000", "new": "135****5999"} in changes
