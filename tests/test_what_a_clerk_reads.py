"""What a clerk reads under the default Chinese interface (issue 11, found by trying it as a
new user): labels, never internal codes or English words, in refusals, usage errors, the
audit's table and import summaries; English with --lang en."""
from __future__ import annotations

from conftest import ticket_path


def test_an_escalation_beyond_the_role_names_roles_and_levels_by_their_labels(cli, ticket):
    zh = cli("escalate", ticket, "--reason", "业主催促", "--to", "3", "--as", "王芳")
    assert zh.code == 6
    assert zh.err == ("wuyectl: T-20261122-A001：王芳（客服）不能升级到第 3 级（公司）：客服最多升级到第 1 级（政策 escalate_max_level）；"
                      "第 3 级须由管理处主任升级\n")
    en = cli("escalate", ticket, "--reason", "业主催促", "--to", "2", "--as", "王芳", "--lang", "en")
    assert en.err == ("wuyectl: T-20261122-A001: 王芳 (clerk) may not escalate to level 2 (director): a clerk escalates up to level 1 "
                      "(policy escalate_max_level); level 2 needs director or supervisor\n")


def test_another_kinds_step_on_a_ticket_says_whose_step_it_is(cli, ticket):
    zh = cli("request-destruction", ticket, "--as", "王芳")
    assert zh.code == 3
    assert zh.err.startswith("wuyectl: 工单没有“申请销毁”这一步：这是档案的步骤（工单的步骤：派单、联系业主、")
    assert "request_destruction" not in zh.err
    en = cli("request-destruction", ticket, "--as", "王芳", "--lang", "en")
    assert en.err.startswith("wuyectl: a ticket has no step “request destruction”: it is a step of archive item "
                             "(a ticket takes assign, contact, ")


def test_a_missing_choice_argument_is_one_line(run):
    zh = run("import")
    assert (zh.code, zh.out) == (2, "")
    assert zh.err == ("wuyectl: 缺少参数 '{owners|tenants|members|tickets}'。可选：owners, tenants, members, tickets"
                      "（见 'wuyectl import --help'）\n")
    en = run("import", "--lang", "en")
    assert en.err == ("wuyectl: Missing argument '{owners|tenants|members|tickets}'. Choose from: owners, tenants, "
                      "members, tickets (see 'wuyectl import --help')\n")


def test_the_audit_table_has_labelled_headings(cli, ticket, office, git):
    path = office / ticket_path(ticket)
    path.write_text(path.read_text(encoding="utf-8").replace("卫生间漏水", "卫生间漏水（手改）"), encoding="utf-8")
    git("commit", "-q", "--no-verify", "-am", "hand edit")
    zh = cli("audit")
    assert zh.code == 7
    assert zh.out.splitlines()[0].split() == ["提交", "记录时间", "作者", "代码", "文件", "说明"]
    en = cli("audit", "--lang", "en")
    assert en.out.splitlines()[0].split() == ["commit", "recorded", "author", "code", "path", "message"]


def test_an_import_summary_names_the_unmapped_fields_in_chinese(cli, tmp_path):
    rows = "".join(f"{i},2026-10-02 08:00,,Yyy,Carrier\n" for i in range(1, 13))
    path = tmp_path / "history.csv"
    path.write_text("id,opened,closed,type,source\n" + rows, encoding="utf-8")
    result = cli("import", "tickets", path, "--map", "id=source_id", "--map", "opened=received_at",
                 "--map", "closed=closed_at", "--map", "type=category", "--map", "source=channel",
                 "--timezone", "Asia/Shanghai", "--dry-run", "--as", "刘主任")
    assert result.code == 7
    tail = result.err.splitlines()[-3:]
    assert tail == ["未对应的值：", "  类别 'Yyy': 12", "  渠道 'Carrier': 12"]
    assert f"{path}:2: 类别 'Yyy' 未对应（" in result.err
    assert "; " not in result.err.splitlines()[0]


def test_skip_bad_with_no_good_row_does_not_advise_skip_bad(cli, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("房号,业主姓名\n9-9,甲\n", encoding="utf-8")
    result = cli("import", "owners", path, "--skip-bad", "--as", "刘主任", "--lang", "en")
    assert result.code == 7
    assert result.err.splitlines()[-1] == "1 bad row(s) and no good one; nothing written"


def test_the_export_title_row_states_due_within(cli, ticket):
    result = cli("get", "tickets", "--due-within", "1d", "-o", "csv", "--lang", "en")
    assert result.code == 0, result.err
    title = result.out.lstrip("\ufeff").splitlines()[0]
    assert "--due-within 1d" in title



def test_lang_after_help_still_chooses_the_language(run):
    english = run("get", "--help", "--lang", "en")
    assert english.code == 0 and english.out.startswith("Usage: wuyectl get [OPTIONS] KIND [FILE]\n")
    chinese = run("get", "--help")
    assert chinese.code == 0 and chinese.out.startswith("用法： wuyectl get [OPTIONS] KIND [FILE]\n")
