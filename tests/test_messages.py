"""Every message in Chinese and English (issue 11): the gettext catalogue and the language.

The code writes messages in English inside `_()`; wuyectl/locale/zh/LC_MESSAGES/wuyectl.po
holds the Chinese, compiled to wuyectl.mo. Babel's own extractor reads the msgids out of the
code (as `python tools/messages.py update` does), so a message added without its Chinese, a
Chinese left behind by a message that is gone, or a Chinese that drops a `{value}` fails here.
Then: the language follows --lang, WUYECTL_LANG and the office's `language` setting (Chinese
by default), for our messages and click's alike, and a message names things by their labels.
"""
from __future__ import annotations

import importlib.util
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

spec = importlib.util.spec_from_file_location("messages_tool", ROOT / "tools" / "messages.py")
messages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(messages)


def _key(message_id):
    return message_id[0] if isinstance(message_id, (tuple, list)) else message_id


@pytest.fixture(scope="module")
def extracted():
    return {(_key(m.id), m.context) for m in messages.extracted() if m.id}


@pytest.fixture(scope="module")
def catalogue():
    return {(_key(m.id), m.context): m for m in messages.read_po() if m.id}


# -- the catalogue ----------------------------------------------------------------------------
def test_the_extractor_finds_the_messages_of_the_code(extracted):
    """Babel reads `_()`, `ngettext`, `pgettext` and `N_()` in wuyectl/: a few known ones."""
    ids = {key for key, _context in extracted}
    assert len(ids) > 300
    assert "{id}: cannot {action}: the {kind} is {state}; allowed now: {allowed}" in ids    # _()
    assert "a unit like 3-2-1201" in ids                                                      # N_()
    assert ("sync refused, nothing pushed: the local history was rewritten: {count} commit on {upstream} "
            "is not in it ({ids}); fetch and reset to {upstream}, don't push") in ids         # ngettext
    assert (", ", "list separator") in extracted                                              # pgettext
    assert "Missing option" in ids                                                            # click's
    assert "Usage:" in ids                                                                    # click's help
    assert "Register a request (受理). Prints the new ticket." in ids                        # a command's help


def test_every_message_has_its_chinese_and_no_other(extracted, catalogue):
    missing = sorted(key for key in extracted - set(catalogue))
    stale = sorted(key for key in set(catalogue) - extracted)
    assert missing == [], "run `python tools/messages.py update` and write the Chinese of these"
    assert stale == [], "run `python tools/messages.py update` to drop these"
    untranslated = [key for key, m in catalogue.items()
                    if m.fuzzy or not all(m.string if isinstance(m.string, (tuple, list)) else [m.string])]
    assert untranslated == []


def test_the_chinese_keeps_every_placeholder(catalogue):
    for key, message in catalogue.items():
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        wanted = set().union(*(messages.placeholders(i) for i in ids))
        for text in strings:
            got = set(messages.placeholders(text))
            if len(ids) > 1:
                assert got <= wanted and got, key     # one Chinese form for both English ones
            else:
                assert got == wanted, key


def test_the_chinese_is_chinese(catalogue):
    """A msgstr that is the English again (a copy left untranslated) is caught; the only ones
    without a Chinese character are punctuation or what stays as typed."""
    han = re.compile(r"[\u4e00-\u9fff、，：；（）“”]")
    for key, message in catalogue.items():
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        for text in strings:
            assert han.search(text), (key, text)


def test_the_placeholder_check_sees_a_dropped_value():
    assert messages.placeholders("'{id}' is not a {kind} ID") == ["id", "kind"]
    assert messages.placeholders("'{id}' 不是编号") == ["id"]
    assert messages.placeholders("{value!r} is {{literal}}") == ["value!r"]


def test_the_shipped_mo_is_compiled_from_the_po():
    import gettext

    fresh = gettext.GNUTranslations(io.BytesIO(messages.compiled(messages.read_po())))._catalog
    shipped = gettext.GNUTranslations(io.BytesIO(messages.MO.read_bytes()))._catalog
    assert fresh == shipped, "run `python tools/messages.py update` (it compiles the .mo)"


def test_the_click_messages_are_still_clicks():
    """CLICK_MESSAGES are msgids click has (a click upgrade that rewords one shows here)."""
    have = messages.click_msgids()
    assert [m for m in messages.CLICK_MESSAGES if _key(m) not in have] == []


def test_the_tool_check_says_nothing_is_wrong():
    assert messages.problems() == []


def test_a_non_editable_install_ships_the_catalogue(tmp_path):
    """`pip install .` copies what setuptools' build_py lays out from pyproject.toml (the
    packages and their package data): the compiled catalogue must be among it, and be read
    from there."""
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "sample-records", "tests", "bench",
                                                             "*.egg-info", "build", "__pycache__"))
    built = tmp_path / "built"
    proc = subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
                           "-d", str(built)], cwd=src, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (built / "wuyectl/locale/zh/LC_MESSAGES/wuyectl.mo").is_file()
    check = subprocess.run([sys.executable, "-c", "import os, wuyectl.i18n as i; os.environ['WUYECTL_LANG'] = 'zh'; "
                            "print(i.__file__); print(i._('nothing to commit'))"],
                           cwd=tmp_path, env={"PYTHONPATH": str(built), "PATH": "/usr/bin:/bin"},
                           capture_output=True, text=True, timeout=60)
    assert check.stdout.splitlines() == [str(built / "wuyectl/i18n.py"), "没有可提交的内容"], check.stderr


# -- the language -----------------------------------------------------------------------------
def test_the_translation_functions(monkeypatch):
    from wuyectl import i18n

    monkeypatch.setenv("WUYECTL_LANG", "zh")
    assert i18n._("nothing to commit") == "没有可提交的内容"
    assert i18n._("a text no one translated") == "a text no one translated"
    assert i18n._("") == ""                                  # not the catalogue's header
    assert i18n.join(["派单", "取消", "升级"]) == "派单、取消、升级"
    assert i18n.join_or(["客服", "客服主管", "管理处主任"]) == "客服、客服主管或管理处主任"
    assert i18n.ngettext("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.",
                         1) == "选项 {name!r} 需要 {nargs} 个值。"
    monkeypatch.setenv("WUYECTL_LANG", "en")
    assert i18n._("nothing to commit") == "nothing to commit"
    assert i18n.join(["a", "b", "c"]) == "a, b, c"
    assert i18n.join_or(["a", "b", "c"]) == "a, b or c"
    assert i18n.ngettext("{n} commit", "{n} commits", 2) == "{n} commits"


TRANSITION = ["update", "T-20261122-A001", "--action", "resolve", "--set", "result=x", "--as", "王芳"]
ZH = "wuyectl: T-20261122-A001：工单状态为“已受理”，不能“完成”；现在可以：派单、取消、升级\n"
EN = "wuyectl: T-20261122-A001: cannot resolve: the ticket is received; allowed now: assign, cancel, escalate\n"


def test_lang_env_and_office_setting_choose_the_language_of_messages(cli, git, ticket):
    """Chinese by default; --lang (before or after the command), WUYECTL_LANG, then the
    office's `language`; labels in the message follow."""
    assert cli(*TRANSITION).err == ZH
    assert cli(*TRANSITION, "--lang", "en").err == EN
    assert cli("--lang", "en", *TRANSITION).err == EN
    assert cli(*TRANSITION, env={"WUYECTL_LANG": "en"}).err == EN
    assert cli(*TRANSITION, "--lang", "zh", env={"WUYECTL_LANG": "en"}).err == ZH
    config = Path("wuye.yaml")
    config.write_text(config.read_text(encoding="utf-8").replace("language: zh", "language: en"), encoding="utf-8")
    git("commit", "-q", "--no-verify", "-am", "office in English")
    assert cli(*TRANSITION).err == EN
    assert cli(*TRANSITION, env={"WUYECTL_LANG": "zh"}).err == ZH


def test_an_action_is_named_by_its_label_not_its_code(cli, ticket):
    """`request_destruction` and the like never appear in a message: the action's label does."""
    result = cli("update", ticket, "--action", "close", "--as", "王芳")
    assert result.err == "wuyectl: T-20261122-A001：工单状态为“已受理”，不能“关闭”；现在可以：派单、取消、升级\n"
    result = cli("update", ticket, "--action", "close", "--as", "王芳", "--lang", "en")
    assert result.err == "wuyectl: T-20261122-A001: cannot close: the ticket is received; allowed now: assign, cancel, escalate\n"
    filed = cli("open", "archive", "--title", "小区平面图", "--category", "site_plan", "--medium", "paper",
                "--location", "档案柜1-1", "--retention", "30", "-o", "ids", "--as", "刘主任")
    assert filed.code == 0, filed.err
    item = filed.out.strip()
    refused = cli("destroy", item, "--witness", "王芳", "--witness", "赵强", "--as", "刘主任")
    assert refused.code == 5
    assert "destroy" not in refused.err and "filed" not in refused.err and "request_destruction" not in refused.err
    assert refused.err == f"wuyectl: {item}：档案状态为“在档”，不能“销毁”；现在可以：借出\n"
    english = cli("destroy", item, "--witness", "王芳", "--witness", "赵强", "--as", "刘主任", "--lang", "en")
    assert english.err == f"wuyectl: {item}: cannot destroy: the archive item is filed; allowed now: lend\n"
    assert cli("lend", item, "--to", "李明", "--purpose", "施工参考", "--as", "刘主任").code == 0
    lent = cli("request-destruction", item, "--as", "刘主任")
    assert lent.err == f"wuyectl: {item}：档案状态为“借出”，不能“申请销毁”；现在可以：归还\n"
    lent = cli("request-destruction", item, "--as", "刘主任", "--lang", "en")
    assert lent.err == f"wuyectl: {item}: cannot request destruction: the archive item is lent; allowed now: return\n"


def test_click_usage_errors_are_translated_too(cli, ticket):
    missing = ["assign", ticket, "--as", "王芳"]
    assert cli(*missing).err == "wuyectl: 缺少选项 '--to'。（见 'wuyectl assign --help'）\n"
    # --lang after the command is read before the missing option is noticed
    assert cli(*missing, "--lang", "en").err == "wuyectl: Missing option '--to'. (see 'wuyectl assign --help')\n"
    assert cli("frobnicate").err == "wuyectl: 没有命令 'frobnicate'。（见 'wuyectl --help'）\n"
    assert cli("--lang", "en", "frobnicate").err == "wuyectl: No such command 'frobnicate'. (see 'wuyectl --help')\n"
    extra = cli("show", ticket, "extra")
    assert (extra.code, extra.err) == (2, "wuyectl: 多余的参数（extra）（见 'wuyectl show --help'）\n")


def test_a_subprocess_speaks_the_same(run, ticket):
    """The real command line (a fresh process) reads the compiled catalogue."""
    assert run(*TRANSITION).err == ZH
    assert run(*TRANSITION, "--lang", "en").err == EN


def test_kept_findings_are_in_the_language_asked(cli, git, write):
    """validate keeps schema findings in the index and audit keeps its checkpoint: each is
    kept per language, so a message is never shown in the language of an earlier command."""
    write("tickets/2026-11/T-20261122-A001.yaml", """\
        id: T-20261122-A001
        status: resolvd
        """)
    zh, en = cli("validate"), cli("validate", "--lang", "en")
    assert (zh.code, en.code) == (7, 7)
    assert "不在可选值中" in zh.out and "is not one of" in en.out
    assert "不在可选值中" in cli("validate").out
    Path("tickets/2026-11/T-20261122-A001.yaml").unlink()
    note = Path("owners/3/3-2-1201.yaml")
    note.write_text(note.read_text(encoding="utf-8") + "note: 手工添加\n", encoding="utf-8")
    git("commit", "-q", "--no-verify", "-am", "by hand")
    first, second, third = cli("audit"), cli("audit", "--lang", "en"), cli("audit")
    assert "未经本工具修改" in first.out and "changed without the tool" in second.out
    assert "未经本工具修改" in third.out and "changed without the tool" not in third.out
    assert "发现 1 个问题" in first.err and "1 finding(s)" in second.err


def test_the_survey_error_names_the_items_the_way_they_were_typed(cli, write, tmp_path):
    """The form's missing items are listed by their labels: in Chinese for a Chinese clerk."""
    rows = "".join(f"1-1-{100 + i},业主{i}\n" for i in range(9))
    roster = tmp_path / "roster.csv"
    roster.write_text("房号,业主姓名\n" + rows, encoding="utf-8")
    assert cli("import", "owners", roster, "--as", "王芳").code == 0
    assert cli("survey", "plan", "2026H2", "--period", "2026-11-22..2026-12-10", "--as", "赵强").code == 0
    assert cli("survey", "approve", "2026H2", "--as", "刘主任").code == 0
    drawn = cli("survey", "sample", "--campaign", "2026H2", "--seed", "3", "-o", "ids", "--as", "王芳")
    assert drawn.code == 0, drawn.err
    unit = drawn.out.split()[0]
    items = ["--item", "安全防范=优秀", "--item", "车辆管理=良好", "--item", "客户服务=合格", "--item", "维修服务=良好",
             "--item", "清洁保洁=良好", "--item", "园林绿化=良好"]
    form = ["open", "visit", "--type", "survey", "--campaign", "2026H2", "--unit", unit, *items,
            "--overall", "良好", "--as", "王芳"]
    result = cli(*form)
    assert (result.code, result.err) == (3, "wuyectl: 问卷须评全部八项；缺少：社区文化、费用管理（问卷上留空的项目：--item 社区文化=）\n")
    english = cli(*form, "--lang", "en")
    assert english.err == ("wuyectl: the form rates all eight items; missing: community culture, fees (an item left "
                           "blank on the form: --item culture=)\n")
    wrong = cli(*form[:-4], "--item", "文化=良好", "--overall", "良好", "--as", "王芳")
    assert wrong.err == ("wuyectl: 未知的调查项目 '文化'：请用 安全防范、车辆管理、客户服务、维修服务、清洁保洁、"
                         "园林绿化、社区文化、费用管理 之一（是不是 '社区文化'？）\n")
