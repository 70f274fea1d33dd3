"""The help pages speak the user's language (issue 11): Chinese by default, English with
--lang en or WUYECTL_LANG=en, from the same catalogue as the messages.

The commands keep their help in English (the msgids); wuyectl/cli/help.py translates it where
click renders it. Checked here: the Chinese of the root page and of `open ticket` (usage line,
sections, texts, option help, click's own words); English byte for byte what click itself
renders, for every command; every help text of the click tree is a msgid with its Chinese
(and one without is found); a generated code list or short verb keeps its generated words;
Chinese is wrapped by the columns it takes.
"""
from __future__ import annotations

import importlib.util
import unicodedata
from pathlib import Path

import click
import pytest

from wuyectl.cli import help as help_pages
from wuyectl.cli.main import cli as root
from wuyectl.cli.options import code_help

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("messages_tool", ROOT / "tools" / "messages.py")
messages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(messages)

EN = {"WUYECTL_LANG": "en"}
TREE = [path for path, _command, _ctx in help_pages.walk(root, click.Context(root, info_name="wuyectl",
                                                                         **root.context_settings))]


def columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


# -- Chinese by default ---------------------------------------------------------------------
def test_root_help_in_chinese_by_default(cli):
    out = cli("--help").out
    assert out.startswith("用法： wuyectl [OPTIONS] COMMAND [ARGS]...\n\n  wuyectl — 物业客服中心的工作工具。\n")
    for section in ("\n选项：\n", "\n命令：\n", "\n退出码：\n"):
        assert section in out
    assert "  --as NAME       操作人 [WUYECTL_USER，其次为 git config user.name]。\n" in out
    assert "  -h, --help      显示此帮助并退出。\n" in out
    assert "  --version       显示版本并退出。\n" in out
    # the commands' lines: a help's first sentence, a short verb's template around its words
    assert "  assign               把工单派给某人（派单）\n" in out
    assert "  resolve              完成：即 `update --action resolve`\n" in out
    assert "  0   成功\n" in out and "  2   用法错误：未知选项、缺少参数\n" in out
    assert "Show this message" not in out and "Exit codes" not in out and "Options" not in out


def test_open_ticket_help_in_chinese_by_default(cli):
    out = cli("open", "ticket", "--help").out
    assert out.startswith("用法： wuyectl open ticket [OPTIONS]\n\n  登记一项诉求（受理），并显示新工单。\n\n选项：\n")
    assert "  --description TEXT              业主咨询或反映的内容。  [必填]\n" in out
    assert "  --place TEXT                    公共区域：具体地点（如 地下车库B区）。\n" in out
    # a code list made from the codes table stays as made; the words before it are translated
    assert "  --channel CHANNEL               来源渠道： phone 电话 (来电, 热线, 服务热线,\n" in out
    assert "  --severity SEVERITY             投诉： general 一般, major 重大.\n" in out
    assert "输出格式。  [默认：table]" in out
    assert "How it came in" not in out and "Register a request" not in out and "Usage:" not in out


def test_a_report_page_update_actions_and_a_group_in_chinese(cli):
    kpi = cli("report", "kpi", "--help").out
    assert "\n  指标：\n\n  受理总数 = 统计期内受理的工单（每张工单计一次，无论重新派单几次）\n" in kpi
    assert "  --month YYYY-MM                 统计期：一个自然月（默认：本月）。\n" in kpi
    report = cli("report").out
    assert "  kpi           服务质量指标：受理、受理及时、完成、回访、满意、超时。\n" in report
    update = cli("update", "--help").out
    assert "\n操作（代码、中文名称或别名均可）：\n" in update
    assert "cancel 取消；以下须用各自的命令：assign" in update.replace("\n             ", "")


@pytest.mark.parametrize("how", [["--lang", "en"], []], ids=["--lang en", "WUYECTL_LANG=en"])
def test_english_on_request(cli, how):
    env = {} if how else EN
    out = cli(*how, "open", "ticket", "--help", env=env).out
    assert out.startswith("Usage: wuyectl open ticket [OPTIONS]\n\n  Register a request (受理). Prints the new ticket.\n")
    assert "  --description TEXT              What the owner asks or reports.  [required]\n" in out
    assert "  -h, --help                      Show this message and exit.\n" in out
    assert "用法" not in out and "必填" not in out


def test_english_is_what_click_itself_renders_for_every_command(cli):
    """With the hooks out, click renders the English help as it always did: the same bytes,
    for every command of the tree (hidden ones too), Chinese pages shown in between."""
    hooked = {path: cli(*path, "--help", env=EN).out for path in TREE}
    assert cli("resolve", "--help").out.startswith("用法：")     # the help option made in Chinese …
    help_pages.uninstall()
    try:
        plain = {path: cli(*path, "--help", env=EN).out for path in TREE}
    finally:
        help_pages.install()
    assert len(TREE) > 60
    assert [path for path in TREE if hooked[path] != plain[path]] == []
    assert "Show this message and exit." in cli("resolve", "--help", env=EN).out   # … still English here


def test_chinese_lines_fit_the_page(cli):
    """Chinese is wrapped by the columns a character takes (two), not by characters."""
    for path in (("report", "kpi"), ("import",), ("open", "visit"), ("staff", "key")):
        out = cli(*path, "--help", env={"COLUMNS": "80"}).out
        assert max(columns(line) for line in out.splitlines()) <= 80, path


# -- every help text in the catalogue -------------------------------------------------------
def test_the_help_of_the_tree_is_extracted():
    found = messages.help_messages()
    assert "Register a request (受理). Prints the new ticket." in found                 # a command's help
    assert found["How it came in:"] == "--help/wuyectl/open/ticket/--channel"         # without its code list
    assert "Show this message and exit." in found and "Exit codes" in found             # words, headings
    assert "The day's duty log and handover sheet (值班日志/工作交接表)." in found      # a report's short help
    assert "Figures:" in found                                                          # a report's paragraph
    assert "git merge driver for record files (used by `sync`)." in found               # a hidden command
    assert "bad value: unknown code, unreadable date, malformed ID, a path outside the office repo" in found
    assert not [text for text in found if "short for `update --action" in text]        # one template instead
    assert not [text for text in found if "phone 电话" in text]


def test_every_help_text_has_its_chinese():
    catalogue = {m.id: m.string for m in messages.read_po() if m.id}
    assert [text for text in messages.help_messages() if not catalogue.get(text)] == []
    for template in help_pages.PATTERNS:
        assert catalogue[template]


def test_a_help_text_without_chinese_is_found(monkeypatch):
    """A new command's help, option help or epilog is a msgid: without its Chinese, check fails."""
    leaf = click.Command("leaf", help="Weigh a parcel.", epilog="Scales are in the lobby.",
                         params=[click.Option(["--kg"], help="The weight in kg.")])
    top = click.Group("top", commands=[leaf], help="Parcels.")
    found = help_pages.msgids(top, "top")
    assert {"Weigh a parcel.", "Scales are in the lobby.", "The weight in kg.", "Parcels."} <= set(found)
    monkeypatch.setattr(messages, "help_messages", lambda: found)
    assert "not in the catalogue (run tools/messages.py update): 'Weigh a parcel.'" in messages.problems()


def test_generated_words_are_kept(monkeypatch):
    monkeypatch.setenv("WUYECTL_LANG", "zh")
    listed = code_help("channel", aliases=4)
    assert help_pages.split(f"How it came in: {listed}") == ("How it came in:", listed)
    assert help_pages.translate(f"How it came in: {listed}") == f"来源渠道： {listed}"
    assert help_pages.translate(code_help("urgency")) == code_help("urgency")
    assert help_pages.translate("完成: short for `update --action resolve`.") == "完成：即 `update --action resolve`。"
    assert help_pages.translate("Not a msgid at all.") == "Not a msgid at all."
    monkeypatch.setenv("WUYECTL_LANG", "en")
    assert help_pages.translate(f"How it came in: {listed}") == f"How it came in: {listed}"


def test_a_subprocess_shows_the_chinese_help(run):
    """The real command line (a fresh process) reads the compiled catalogue for the help too."""
    out = run("open", "ticket", "--help").out
    assert out.startswith("用法： wuyectl open ticket [OPTIONS]\n\n  登记一项诉求（受理），并显示新工单。\n")
    assert run("--lang", "en", "open", "ticket", "--help").out.startswith("Usage: wuyectl open ticket [OPTIONS]\n")
