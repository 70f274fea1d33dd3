"""Printable forms and letters (issue 15 §4): `wuyectl print ID [--form NAME] -o FILE.pdf|.html`.

Each form of each kind is printed from a record written here; poppler-utils reads the PDF
back: its text (pdftotext) holds the record's fields, the office's name and the ID; the font
is embedded (pdffonts); every page is A4 (pdfinfo) and renders (pdftoppm). The HTML holds the
same text. Bad input is one line and writes no file."""
from __future__ import annotations

import html
import re
import shutil
import subprocess

import pytest
from hypothesis import given, settings, strategies as st

from conftest import DIRECTOR, MASKED, PHONE, UNIT

OFFICE = "幸福花园"
POPPLER = ("pdftotext", "pdffonts", "pdfinfo", "pdftoppm")


def _poppler():
    missing = [tool for tool in POPPLER if not shutil.which(tool)]
    if missing:
        pytest.skip(f"poppler-utils not installed: {', '.join(missing)} not found (apt-get install poppler-utils)")


def _tool(*args) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def _text(pdf) -> str:
    """The PDF's text in the order it was drawn (a table cell's lines together), all white space
    taken out (pdftotext spaces CJK text its own way)."""
    return re.sub(r"\s+", "", _tool("pdftotext", "-raw", str(pdf), "-"))


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


TICKET = f"""\
    id: T-20261006-A002
    status: closed
    channel: phone
    category: paid_repair
    urgency: normal
    reporter:
      name: 张三
      phone: '{PHONE}'
    unit: {UNIT}
    description: 厨房下水道堵塞，请求上门疏通
    repair_system: 给排水/厨房下水
    damage: 油污堵塞
    department: maintenance
    assignee: 李明
    result: 使用电动疏通机疏通厨房下水管，清理油污
    materials: 疏通剂一瓶
    fee: 80
    fee_consent: true
    signed_by: 张三
    signed_at: 2026-10-06T13:31:00+08:00
    escalation_level: 0
    received_at: 2026-10-06T12:42:00+08:00
    timeline:
      - {{at: 2026-10-06T12:42:00+08:00, by: 王芳, action: receive}}
      - {{at: 2026-10-06T12:43:00+08:00, by: 王芳, action: assign, to: 李明, department: maintenance}}
      - {{at: 2026-10-06T13:02:00+08:00, by: 李明, action: arrive}}
      - {{at: 2026-10-06T13:31:00+08:00, by: 李明, action: resolve}}
      - {{at: 2026-10-06T13:59:00+08:00, by: 王芳, action: notify}}
      - {{at: 2026-10-07T13:59:00+08:00, by: 王芳, action: callback, rating: satisfied, visit: V-20261007-A001}}
    """

ARCHIVE = """\
    id: A-2026-A005
    status: lent
    title: 前期物业服务合同
    category: contracts
    medium: paper
    confidential: false
    location: 档案室A柜第2层
    filed_on: '2019-06-01'
    retention_years: 15
    destroy_after: '2034-06-01'
    loans:
    {loans}
    destruction:
      requested_by: 王芳
      requested_at: 2026-10-30T09:30:00+08:00
      reviewed_by: 赵强
      reviewed_at: 2026-10-31T15:00:00+08:00
      approved_by: 刘主任
      approved_at: 2026-11-01T10:00:00+08:00
      destroyed_at: 2026-11-03T14:30:00+08:00
      witnesses: [赵强, 李明]
      method: 碎纸机粉碎
    timeline:
      - {{at: 2026-10-02T14:21:00+08:00, by: 王芳, action: open}}
    """
LOAN = ("  - {{borrower: 业主委员会 林国栋, purpose: 合同续签前审阅, lent_at: 2026-11-1{n}T10:00:00+08:00, "
        "due_at: 2026-11-30T17:00:00+08:00, lent_by: 王芳, approved_by: 刘主任}}")

FEE = f"""\
    id: W-20261005-A001
    status: open
    category: fee_refusal
    subtype: 拒交物业服务费
    severity: general
    unit: {UNIT}
    description: 拒交2026年1月至9月物业服务费2376元
    found_at: 2026-10-05T10:30:00+08:00
    found_by: 王芳
    ladder: fee_refusal
    step: {{step}}
    measures:
    {{measures}}
    timeline:
      - {{{{at: 2026-10-05T10:30:00+08:00, by: 王芳, action: open}}}}
    """
FEE_STEPS = [("persuade", "2026-10-05T11:10:00+08:00", "王芳", ""),
             ("reminder_letter", "2026-10-15T10:00:00+08:00", "赵强", ""),
             ("late_fee", "2026-11-03T09:30:00+08:00", "赵强", ", amount: 356.4"),
             ("lawyer_letter", "2026-11-17T15:00:00+08:00", "刘主任", "")]


def _fee(steps: int) -> str:
    measures = "\n    ".join(f"  - {{step: {s}, at: {at}, by: {by}{extra}}}" for s, at, by, extra in FEE_STEPS[:steps])
    return FEE.format(step=FEE_STEPS[steps - 1][0] if steps else "null", measures=measures or "  []")


NOTICE = f"""\
    id: W-20261021-A001
    status: open
    category: hygiene
    subtype: 公用场地私自堆放杂物
    severity: general
    unit: {UNIT}
    description: 本层楼道公共部位堆放旧家具，占用疏散通道
    found_at: 2026-10-21T09:40:00+08:00
    found_by: 王芳
    ladder: ordinary
    step: rectify
    measures:
      - {{at: 2026-10-21T09:50:00+08:00, by: 王芳, step: persuade}}
      - {{at: 2026-10-22T10:00:00+08:00, by: 赵强, step: rectify, deadline: '2026-10-28'}}
    timeline:
      - {{at: 2026-10-21T09:40:00+08:00, by: 王芳, action: open}}
    """

DECORATION = f"""\
    id: Z-20261026-A001
    status: works
    unit: {UNIT}
    applicant: 张三
    applicant_type: owner
    contractor: 城市人家装饰工程有限公司
    workers: [贾文斌, 江志明]
    scope: [kitchen_bath, floor]
    start: '2026-10-28'
    end: '2026-11-20'
    applied_at: 2026-10-26T09:30:00+08:00
    permit:
      valid_from: '2026-10-28'
      valid_to: '2026-11-20'
      hours: ['08:00-12:00', '14:00-18:00']
      issued_by: 李明
      issued_at: 2026-10-27T10:00:00+08:00
    timeline:
      - {{at: 2026-10-26T09:30:00+08:00, by: 王芳, action: open}}
    """

PASS = f"""\
    id: R-20261101-A001
    status: released
    unit: {UNIT}
    goods: [跑步机, 行李箱3个]
    owner: 张三
    carried_by: 蚂蚁搬家 王师傅
    issued_at: 2026-11-01T10:30:00+08:00
    expires_at: 2026-11-01T23:59:59+08:00
    released_at: 2026-11-01T11:40:00+08:00
    released_by: 马俊
    gate: 南门
    timeline:
      - {{at: 2026-11-01T10:30:00+08:00, by: 王芳, action: open}}
    """

RECORDS = {
    "tickets/2026-10/T-20261006-A002.yaml": TICKET,
    "archive/A-2026-A005.yaml": ARCHIVE.format(loans=LOAN.format(n=1)),
    "violations/2026/W-20261005-A001.yaml": _fee(4),
    "violations/2026/W-20261021-A001.yaml": NOTICE,
    "decorations/2026-10/Z-20261026-A001.yaml": DECORATION,
    "passes/2026-11/R-20261101-A001.yaml": PASS,
}

# (ID, form, its title, what its text holds besides the ID and the office's name)
FORMS = [
    ("T-20261006-A002", "service", "服务及回访记录表",
     [UNIT, "张三", MASKED, "厨房下水道堵塞", "有偿维修", "工程部", "李明", "2026-10-0612:43", "2026-10-0613:02",
      "2026-10-0613:31", "疏通剂一瓶", "80", "满意", "2026-10-0713:59", "V-20261007-A001", "客户签字", "回访人签字"]),
    ("T-20261006-A002", "work_order", "维修派工单",
     [UNIT, "给排水/厨房下水", "油污堵塞", "李明", "2026-10-0613:02", "2026-10-0613:31", "疏通剂一瓶", "80",
      "业主验收签字", "维修人员签字"]),
    ("A-2026-A005", "loans", "文件借阅登记表",
     ["前期物业服务合同", "合同", "纸质", "档案室A柜第2层", "业主委员会林国栋", "合同续签前审阅", "2026-11-1110:00",
      "2026-11-3017:00", "刘主任", "借阅人签字", "超过3天的须经管理处主任"]),
    ("A-2026-A005", "destruction", "过期文件处理登记表",
     ["前期物业服务合同", "2034-06-01", "2026-10-3009:30", "赵强", "2026-11-0110:00", "刘主任", "2026-11-0314:30",
      "碎纸机粉碎", "赵强、李明", "监销人签字", "管理处主任批准签字"]),
    ("W-20261021-A001", "notice", "整改通知书",
     [UNIT, "公用场地私自堆放杂物", "占用疏散通道", "公共道德/环境卫生", "2026-10-28", f"{UNIT}业主张三：",
      "请您于2026-10-28前自行整改完毕", "幸福花园物业管理处", "2026年11月22日", "业主签收签字"]),
    ("W-20261005-A001", "reminder", "物业服务费缴费提醒函",
     [f"{UNIT}业主张三：", "拒交2026年1月至9月物业服务费2376元", "幸福花园物业管理处", "2026年11月22日"]),
    ("W-20261005-A001", "demand", "物业服务费催缴函",
     [f"{UNIT}业主张三：", "十五日内", "已计滞纳金：356.4元", "幸福花园物业管理处"]),
    ("W-20261005-A001", "lawyer", "律师函",
     [f"{UNIT}业主张三：", "幸福花园物业管理处（以下简称“委托人”）委托本所", "第九百四十四条", "律师事务所（盖章）",
      "业主签收签字"]),
    ("Z-20261026-A001", "permit", "装修施工许可证",
     [UNIT, "张三", "城市人家装饰工程有限公司", "贾文斌、江志明", "厨卫防水、地面铺装", "2026-10-28", "2026-11-20",
      "08:00-12:00、14:00-18:00", "李明", "对房屋内外承重墙、柱、梁、板进行违章凿、拆、搭建", "施工单位负责人签字"]),
    ("R-20261101-A001", "pass", "物品放行条",
     [UNIT, "张三", "跑步机、行李箱3个", "蚂蚁搬家王师傅", "2026-11-0123:59", "马俊", "南门", "已放行", "门岗保安签字"]),
]


# The records are written as they are (the hook's checks would want every approval and visit
# behind them; printing reads what is there).
@pytest.fixture
def records(office, write, git):
    for relpath, text in RECORDS.items():
        write(relpath, text)
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", "records to print")
    return office


@pytest.mark.parametrize("rid,form,title,holds", FORMS, ids=[f"{f[0][0]}-{f[1]}" for f in FORMS])
def test_each_form_prints_its_record_on_a4_with_the_font_embedded(cli, records, tmp_path, rid, form, title, holds):
    _poppler()
    pdf = tmp_path / f"{form}.pdf"
    result = cli("print", rid, "--form", form, "-o", pdf, "--as", "王芳")
    assert (result.code, result.out, result.err) == (0, f"{pdf}\n", "")
    text = _text(pdf)
    for expected in [title, rid, OFFICE, f"编号：{rid}", "第1页共1页", "日期", *holds]:
        assert _flat(expected) in text, (expected, text)
    assert PHONE not in text                                   # masked as `show` masks it
    fonts = _tool("pdffonts", str(pdf)).splitlines()[2:]
    assert fonts and all(re.search(r"NotoSansCJKSC\s+CID Type 0C\s+\S+\s+yes\s+yes\s+yes", f) for f in fonts), fonts
    info = _tool("pdfinfo", "-f", "1", "-l", "99", str(pdf))
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])
    assert re.findall(r"Page\s+\d+ size:\s+(.*) pts", info) == ["595.28 x 841.89"] * pages
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == pages and all(p.stat().st_size > 1000 for p in pngs)

    page = tmp_path / f"{form}.html"
    assert cli("print", rid, "--form", form, "-o", page, "--as", "王芳").code == 0
    shown = _flat(html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))))
    for expected in [title, rid, OFFICE, *holds]:
        assert _flat(expected) in shown, expected
    assert PHONE not in shown


@pytest.mark.parametrize("steps,title", [(0, "物业服务费缴费提醒函"), (1, "物业服务费缴费提醒函"), (2, "物业服务费催缴函"),
                                         (3, "物业服务费催缴函"), (4, "律师函")])
def test_a_fee_refusal_prints_the_letter_of_its_current_step(cli, office, write, git, tmp_path, steps, title):
    write("violations/2026/W-20261005-A001.yaml", _fee(steps))
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", "fee refusal")
    page = tmp_path / "letter.html"
    assert cli("print", "W-20261005-A001", "-o", page).code == 0
    assert f"<h1>{title}</h1>" in page.read_text(encoding="utf-8")


def test_without_form_the_first_form_and_the_notice_for_an_ordinary_violation(cli, records, tmp_path):
    for rid, title in [("T-20261006-A002", "服务及回访记录表"), ("A-2026-A005", "文件借阅登记表"),
                       ("W-20261021-A001", "整改通知书"), ("Z-20261026-A001", "装修施工许可证")]:
        page = tmp_path / f"{rid}.html"
        assert cli("print", rid, "-o", page).code == 0
        assert f"<h1>{title}</h1>" in page.read_text(encoding="utf-8")


def test_bad_input_is_one_line_and_writes_no_file(records, refused, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    out = tmp_path / "x.pdf"
    assert refused("print", "T-20261006-A002", "--form", "wrok_order", "-o", out, "--lang", "en") == (
        2, "wuyectl: ticket T-20261006-A002 has no form 'wrok_order': use one of service, work_order "
           "(did you mean 'work_order'?)\n")
    # a fee letter is not a form of an ordinary violation
    assert refused("print", "W-20261021-A001", "--form", "lawyer", "-o", out, "--lang", "en") == (
        2, "wuyectl: violation W-20261021-A001 has no form 'lawyer': use one of notice\n")
    assert refused("print", UNIT, "-o", out, "--lang", "en") == (
        2, f"wuyectl: owner {UNIT} has no printable form (kinds with forms: ticket, violation, archive, "
           "decoration, pass)\n")
    code, line = refused("print", "T-20261006-A999", "-o", out, "--lang", "en")
    assert (code, line) == (4, "wuyectl: no ticket T-20261006-A999 (looked for tickets/2026-10/T-20261006-A999.yaml)\n")
    assert refused("print", "T-20261006-A002", "-o", tmp_path / "x.txt", "--lang", "en") == (
        3, f"wuyectl: {tmp_path / 'x.txt'}: the output must end in .pdf or .html\n")
    assert refused("print", "T-20261006-A002", "-o", tmp_path / "no" / "x.pdf", "--lang", "en") == (
        3, f"wuyectl: cannot write {tmp_path / 'no' / 'x.pdf'}: No such file or directory\n")
    folder = tmp_path / "a-folder.pdf"
    folder.mkdir()
    code, line = refused("print", "T-20261006-A002", "-o", folder, "--lang", "en")
    assert code == 3 and line.startswith(f"wuyectl: cannot write {folder}: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder.pdf"]   # no file, no temporary left
    assert list(folder.iterdir()) == []


def test_a_file_is_replaced_whole(cli, records, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    page = tmp_path / "form.html"
    page.write_text("old", encoding="utf-8")
    assert cli("print", "R-20261101-A001", "-o", page).code == 0
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["form.html"]


def test_only_a_role_that_may_reveal_prints_the_numbers(cli, records, tmp_path, refused):
    page = tmp_path / "t.html"
    assert cli("print", "T-20261006-A002", "-o", page, "--reveal", "--as", DIRECTOR).code == 0
    assert PHONE in page.read_text(encoding="utf-8")
    code, _line = refused("print", "T-20261006-A002", "-o", page, "--reveal", "--as", "王芳")
    assert code == 6


def test_english_headings(cli, records, tmp_path):
    page = tmp_path / "t.html"
    assert cli("print", "T-20261006-A002", "--form", "work_order", "-o", page, "--lang", "en").code == 0
    text = page.read_text(encoding="utf-8")
    for expected in ("<h1>Repair work order</h1>", "No. T-20261006-A002", ">dispatched by<", ">paid repair<",
                     ">Owner&#x27;s acceptance — Signature<"):
        assert expected in text, expected


def test_a_long_register_runs_over_pages_each_headed_and_numbered(cli, office, write, git, tmp_path):
    _poppler()
    loans = "\n    ".join(LOAN.format(n=n % 10) for n in range(40))
    write("archive/A-2026-A005.yaml", ARCHIVE.format(loans=loans))
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", "many loans")
    pdf = tmp_path / "loans.pdf"
    assert cli("print", "A-2026-A005", "-o", pdf).code == 0
    pages = [_flat(p) for p in _tool("pdftotext", str(pdf), "-").split("\f") if p.strip()]
    assert len(pages) >= 2
    for number, page in enumerate(pages, 1):
        assert f"第{number}页共{len(pages)}页" in page and "编号：A-2026-A005" in page and OFFICE in page


def test_help_lists_the_forms_of_each_kind(cli):
    result = cli("print", "--help", "--lang", "en")
    assert result.code == 0
    forms = result.out[result.out.index("Forms:"):]
    for line in ("ticket (T-20261122-A001)  service: Service and callback record",
                 "work_order: Repair work order", "violation (W-…)           notice: Rectification notice",
                 "reminder: Service fee reminder", "demand: Demand for the service fee", "lawyer: Lawyer's letter",
                 "archive (A-2026-A001)     loans: Document loan register",
                 "destruction: Expired document disposal register",
                 "decoration (Z-…)          permit: Decoration works permit",
                 "pass (R-…)                pass: Goods release pass"):
        assert line in forms, line


def _with_rare_name(write, git):
    write("passes/2026-11/R-20261101-A001.yaml", PASS.replace("马俊", "马堃"))
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", "a rare name")


def test_a_character_the_package_font_lacks_comes_from_a_system_font(cli, office, write, git, tmp_path):
    _poppler()
    from wuyectl.cli.forms.pdf import missing_characters, system_font

    assert missing_characters(["马堃"]) == ["堃"]
    if system_font(["堃"]) is None:
        pytest.skip("no system CJK font has 堃 (fonts-noto-cjk not installed)")
    _with_rare_name(write, git)
    pdf = tmp_path / "pass.pdf"
    result = cli("print", "R-20261101-A001", "-o", pdf)
    assert (result.code, result.err) == (0, "")
    assert "马堃" in _text(pdf)
    assert len(_tool("pdffonts", str(pdf)).splitlines()[2:]) == 2    # the package's font and the fallback


def test_without_any_font_for_it_a_character_prints_as_its_code_point(cli, office, write, git, tmp_path,
                                                                    monkeypatch):
    _poppler()
    from wuyectl.cli.forms import pdf as printing_pdf

    monkeypatch.setattr(printing_pdf, "system_font", lambda chars: None)
    _with_rare_name(write, git)
    pdf = tmp_path / "pass.pdf"
    result = cli("print", "R-20261101-A001", "-o", pdf, "--lang", "en")
    assert (result.code, result.err) == (0, "wuyectl: warning: no font has U+5803: printed as their code points\n")
    assert "马[U+5803]" in _text(pdf)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1, max_size=12), st.text(max_size=40), st.booleans()), max_size=8))
def test_the_html_page_holds_every_text_of_the_form(grid):
    from wuyectl.cli.forms import Document
    from wuyectl.cli.forms.html import render

    doc = Document(title="维修派工单", office=OFFICE, record_id="T-20261006-A002", lang="zh", id_label="编号",
                   grid=grid, signatures=["业主验收"])
    page = render(doc)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)
    shown = [html.unescape(c) for c in cells]
    for label, value, _wide in grid:
        assert label in shown and (value in shown or not value)


def test_form_names_complete_for_the_kind_of_the_id():
    import click

    from wuyectl.cli.commands.printing import _form_names, print_

    ctx = click.Context(print_)
    ctx.params["record_id"] = "W-20261005-A001"
    assert [c.value for c in _form_names(ctx, None, "")] == ["notice", "reminder", "demand", "lawyer"]
    ctx.params["record_id"] = None
    assert [c.value for c in _form_names(ctx, None, "p")] == ["permit", "pass"]
