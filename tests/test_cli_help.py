"""What a clerk sees first (issue 11): help that reads normally, codes in the words an office
uses, and <TAB> that completes kinds, IDs, staff names and codes.

- `wuyectl` alone, and every group alone (`report`, `staff` …), prints its help, exit 0.
- The help speaks the user's language (Chinese by default: tests/test_help_zh.py); the checks
  of its English words here ask for English (--lang en, WUYECTL_LANG=en).
- `wuyectl --help` lists the exit codes, from `errors.Exit` (the README's table says the same).
- No help text points at SPEC (users do not have it); every option of every command has help;
  `update --help` lists the actions of every kind, from the kinds' workflow tables.
- `--channel 微信` (APP, 公众号 …) and `--action 联系` are accepted: one rule, `codes.lookup`.
- Completion runs the real CLI in a subprocess, as the shell does, and checks the candidates.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from conftest import UNIT
from wuyectl.cli.main import cli as root
from wuyectl.domain import codes
from wuyectl.domain.kinds import KINDS
from wuyectl.errors import Exit

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _walk(command, ctx, path=()):
    """Every command of the click tree, with its context (groups' commands as they list
    them, so `open`'s commands made from the kinds are walked too)."""
    yield path, command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            yield from _walk(sub, click.Context(sub, info_name=name, parent=ctx), path + (name,))


TREE = list(_walk(root, click.Context(root, info_name="wuyectl")))
GROUPS = [path for path, command, _ in TREE if isinstance(command, click.Group)]


# -- help that reads normally ---------------------------------------------------------------

EN = {"WUYECTL_LANG": "en"}


def test_wuyectl_alone_prints_its_help_and_exits_0(run):
    bare = run(env=EN)
    assert (bare.code, bare.err) == (0, "")
    assert bare.out == run("--help", env=EN).out
    assert bare.out.startswith("Usage: wuyectl [OPTIONS] COMMAND [ARGS]...\n\n")
    assert "\\n" not in bare.out and bare.out.count("\n") > 40


@pytest.mark.parametrize("path", [p for p in GROUPS if p], ids=" ".join)
def test_every_group_alone_prints_its_help_and_exits_0(cli, path):
    alone = cli(*path, env=EN)
    assert (alone.code, alone.err) == (0, "")
    assert alone.out == cli(*path, "--help", env=EN).out
    assert alone.out.startswith(f"Usage: wuyectl {' '.join(path)} [OPTIONS] COMMAND [ARGS]...\n")


def test_the_groups_walked_include_the_issues(cli):
    assert {("report",), ("staff",), ("policy",), ("server",), ("open",), ("survey",)} <= set(GROUPS)


def test_root_help_lists_the_exit_codes_from_errors_exit(cli):
    out = cli("--help", env=EN).out
    section = out.split("\nExit codes:\n", 1)[1]
    listed = {}
    for line in section.splitlines():
        found = re.match(r"  (\d+)  (.*)", line)
        if found:
            code = int(found.group(1))
            listed[code] = found.group(2).strip()   # (a one-digit code is padded to the width of 10)
        else:   # a wrapped meaning goes on
            listed[code] += " " + line.strip()
    assert listed == {int(code): code.meaning for code in Exit}
    assert len(listed) == len(Exit) == 11


def test_readme_exit_code_table_is_errors_exit():
    table = README.split("### Exit codes", 1)[1].split("\n\n", 2)[1]
    rows = re.findall(r"^\| (\d+) \| (.*) \|$", table, flags=re.M)
    assert [(int(code), meaning) for code, meaning in rows] == [(int(c), c.meaning) for c in Exit]


@pytest.mark.parametrize("path", [p for p, _, _ in TREE], ids=lambda p: " ".join(p) or "wuyectl")
def test_no_help_text_sends_users_to_spec(cli, path):
    out = cli(*path, "--help", env=EN).out
    assert out.startswith("Usage:")
    assert "SPEC" not in out and "§" not in out
    out = cli(*path, "--help").out
    assert out.startswith("用法：")
    assert "SPEC" not in out and "§" not in out


def options_without_help(tree) -> list[str]:
    return [" ".join(("wuyectl", *path, param.opts[0]))
            for path, command, _ in tree for param in command.params
            if isinstance(param, click.Option) and not (param.help or "").strip()]


def test_every_option_of_every_command_has_help():
    assert options_without_help(TREE) == []
    # the walk reaches the leaves: `open ticket`'s options, each report, the short verbs
    names = {" ".join(path) for path, _, _ in TREE}
    assert {"open ticket", "open archive", "report kpi", "report handover", "resolve", "server install",
            "staff key", "survey sample"} <= names


def test_an_option_without_help_is_found():
    """The check above fails on a missing help, however deep (it is not vacuous)."""
    inner = click.Command("leaf", params=[click.Option(["--x"]), click.Option(["--y"], help="Why.")])
    top = click.Group("top", commands=[click.Group("mid", commands=[inner])])
    tree = list(_walk(top, click.Context(top, info_name="top")))
    assert options_without_help(tree) == ["wuyectl mid leaf --x"]


def _actions_section(out: str) -> dict[str, str]:
    section = out.split("\nActions (the code, its Chinese label or an alias):\n", 1)[1]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        found = re.match(r"  (\w+)\s{2,}(.*)", line)
        if found:
            kind = found.group(1)
            rows[kind] = found.group(2)
        else:
            rows[kind] += " " + line.strip()
    return rows


def test_update_help_lists_the_actions_of_every_kind(cli):
    rows = _actions_section(cli("update", "--help", env=EN).out)
    # a kind whose every action has a command of its own (a visit's follow-up) has no verb here
    expected = {k.name for k in KINDS.values() if any(a.via_command is None for a in k.workflow.actions.values())}
    assert set(rows) == expected == {"ticket", "violation", "archive", "decoration", "duty", "lending", "lostfound",
                                     "parcel", "pass", "visitor", "survey"}
    for name in expected:
        for action in KINDS[name].workflow.actions.values():
            if action.via_command is None:
                assert f"{action.name} {codes.label('action', action.name, 'zh')}" in rows[name]
            else:
                assert f"{action.name} ({action.via_command})" in rows[name]
    assert rows["ticket"].startswith("contact 联系业主, arrive 到场, progress 进度告知, resolve 完成,")


def test_update_help_lists_a_new_kinds_actions(cli):
    """From the declarations: a kind registered now shows up with its actions."""
    import re as _re

    from wuyectl.domain.kinds import Kind, dated, register, unregister
    from wuyectl.domain.workflow import ALL_STAFF, Action, Workflow

    # (a kind no module declares: registering and dropping a real one's name would take it away)
    register(Kind(name="locker", plural="lockers", folder="lockers", id_form="L-20261122-A001",
                  id_re=_re.compile(r"L-\d{8}-[A-Z]\d{3}"), path_of=dated("lockers"),
                  workflow=Workflow(kind="locker", states=("held", "emptied"), initial="held",
                                    terminal=("emptied",),
                                    actions={"pick_up": Action("pick_up", ("held",), "emptied", ALL_STAFF)}),
                  codes={"action": {"pick_up": ("取件", "pick up")}}))
    try:
        rows = _actions_section(cli("update", "--help", env=EN).out)
        assert rows["locker"] == "pick_up 取件"
    finally:
        unregister("locker")
        codes.CODES["action"].pop("pick_up", None)


# -- codes in the words an office uses ---------------------------------------------------------

@pytest.mark.parametrize("word", ["微信", "APP", "app", "ＡＰＰ", "网上", "公众号", "小程序", "短信", "在线", "online",
                                  "WeChat"])
def test_channel_aliases_are_online(cli, new_ticket, api_office, word):
    tid = new_ticket("repair", "--channel", word)
    from wuyectl import api

    assert api.show(api_office, tid)["record"]["channel"] == "online"


def test_channel_aliases_filter_listings(cli, new_ticket):
    online = new_ticket("repair", "--channel", "微信")
    new_ticket("repair")   # by phone
    listed = cli("get", "tickets", "--where", "channel=公众号", "-o", "ids")
    assert (listed.code, listed.out) == (0, f"{online}\n")


def test_an_unknown_channel_is_still_refused(cli):
    result = cli("open", "ticket", "--channel", "微博", "--category", "repair", "--unit", UNIT,
                 "--description", "漏水", "--as", "王芳", "--lang", "en")
    assert result.code == 3
    assert result.err == ("wuyectl: unknown channel '微博': use one of phone, walk-in, letter, online, patrol, "
                          "suggestion box, home visit (did you mean 'online'?)\n")


@pytest.mark.parametrize("spelling", ["联系", "联系业主", "contact", "CONTACT", "Contact"])
def test_action_by_label_or_alias(cli, ticket, api_office, spelling):
    assert cli("assign", ticket, "--to", "李明", "--as", "王芳").code == 0
    result = cli("update", ticket, "--action", spelling, "--as", "李明")
    assert result.code == 0, result.err
    from wuyectl import api

    assert [e["action"] for e in api.show(api_office, ticket)["record"]["timeline"]][-1] == "contact"


def test_report_back_spelled_as_its_verb():
    from wuyectl.domain.workflow import find_action

    assert find_action(KINDS["ticket"].workflow, "report-back").name == "report_back"
    assert find_action(KINDS["ticket"].workflow, "回报").name == "report_back"


def test_another_kinds_action_label_is_not_this_kinds(cli, ticket):
    result = cli("update", ticket, "--action", "归还", "--as", "王芳", "--lang", "en")
    assert result.code == 3
    assert result.err.startswith("wuyectl: a ticket has no step “return”: it is a step of archive item or lending "
                                 "record (a ticket takes assign, contact, ")


def test_visit_type_by_label(cli, api_office):
    result = cli("open", "visit", "--type", "走访", "--unit", UNIT, "--topic", "治安", "--as", "王芳", "-o", "ids")
    assert result.code == 0, result.err
    from wuyectl import api

    visit = api.show(api_office, result.out.strip())["record"]
    assert (visit["type"], visit["topics"]) == ("home", ["security"])


def test_role_and_department_by_alias(cli, api_office):
    assert cli("staff", "add", "钱工", "--role", "电工", "--dept", "维修", "--as", "刘主任").code == 0
    from wuyectl import api

    person = api.Office(str(api_office.root)).person("钱工")
    assert (person["role"], person["department"]) == ("technician", "maintenance")


def test_every_spelling_names_one_code_of_its_group():
    for group, table in codes.CODES.items():
        seen: dict[str, str] = {}
        for code in table:
            for spelling in codes.spellings(group, code):
                key = codes.typed(spelling)
                assert seen.setdefault(key, code) == code, (group, spelling, seen[key], code)


def test_spec_words_for_online_are_aliases():
    """SPEC: `online` 在线/微信/APP; the manuals' 公众号, 小程序, 短信, 网上 too."""
    for word in ("微信", "APP", "公众号", "小程序", "短信", "网上"):
        assert codes.lookup("channel", word) == "online"
    assert codes.lookup("channel", "来信") == "letter" and codes.lookup("channel", "微博") is None


# -- completion, as the shell runs it ---------------------------------------------------------

def complete(office, words: str) -> tuple[int, list[str], str]:
    """What `wuyectl` answers bash for `words` (the last word being completed)."""
    full = dict(os.environ, _WUYECTL_COMPLETE="bash_complete", COMP_WORDS=words,
                COMP_CWORD=str(len(words.split(" ")) - 1))
    proc = subprocess.run([sys.executable, "-m", "wuyectl"], cwd=str(office), env=full, capture_output=True,
                          timeout=60)
    out = proc.stdout.decode("utf-8")
    return proc.returncode, [line.split(",", 1)[1] for line in out.splitlines() if line], proc.stderr.decode("utf-8")


@pytest.fixture
def records(cli, new_ticket):
    """Two tickets, a violation and the household 3-2-1201."""
    tickets = [new_ticket(), new_ticket()]
    result = cli("open", "violation", "--category", "装修", "--unit", UNIT, "--description", "阳台外扩",
                 "--as", "王芳", "-o", "ids")
    assert result.code == 0, result.err
    assert tickets == ["T-20261122-A001", "T-20261122-A002"] and result.out.strip() == "W-20261122-A001"
    return tickets + [result.out.strip()]


def test_complete_ticket_ids(office, records):
    assert complete(office, "wuyectl show T-2026") == (0, ["T-20261122-A001", "T-20261122-A002"], "")


def test_complete_ids_of_every_kind(office, records):
    assert complete(office, "wuyectl show ") == (0, ["T-20261122-A001", "T-20261122-A002", "W-20261122-A001",
                                                     "3-2-1201"], "")
    assert complete(office, "wuyectl log 3-") == (0, ["3-2-1201"], "")


def test_complete_ids_of_the_kinds_an_action_takes(office, records):
    assert complete(office, "wuyectl assign ")[1] == ["T-20261122-A001", "T-20261122-A002"]
    assert complete(office, "wuyectl rectify ")[1] == ["W-20261122-A001"]
    assert complete(office, "wuyectl update --action 已整改 ")[1] == ["W-20261122-A001"]
    assert complete(office, "wuyectl update --action close T")[1] == ["T-20261122-A001", "T-20261122-A002"]
    assert complete(office, "wuyectl open ticket --unit 3")[1] == ["3-2-1201"]


def test_complete_staff_names(office):
    assert complete(office, "wuyectl assign T-20261122-A001 --to 王") == (0, ["王芳"], "")
    assert complete(office, "wuyectl --as 刘")[1] == ["刘主任"]
    assert complete(office, "wuyectl destroy A-2026-A001 --witness ")[1] == ["刘主任", "王芳", "赵强", "李明",
                                                                             "陈洁", "孙审"]


def test_complete_codes(office):
    assert complete(office, "wuyectl open ticket --channel 微") == (0, ["微信", "微信公众号", "微信小程序"], "")
    assert complete(office, "wuyectl open ticket --channel ")[1] == ["phone", "walk_in", "letter", "online",
                                                                     "patrol", "suggestion_box", "visit"]
    assert complete(office, "wuyectl open ticket --category 报")[1] == ["报修"]
    assert complete(office, "wuyectl staff add 钱 --role super")[1] == ["supervisor"]
    assert complete(office, "wuyectl update T-20261122-A001 --action 联")[1] == ["联系业主", "联系"]


def test_complete_kinds(office):
    assert complete(office, "wuyectl get ")[1] == ["tickets", "visits", "violations", "archive", "owners",
                                                   "surveys", "decorations", "duty", "lending", "lostfound",
                                                   "parcels", "passes", "trainings", "visitors"]
    assert complete(office, "wuyectl get v")[1] == ["visits", "violations", "visitors"]


def test_completion_gives_zsh_the_code_and_label(office):
    proc = subprocess.run([sys.executable, "-m", "wuyectl"], cwd=str(office), capture_output=True, timeout=60,
                          env=dict(os.environ, _WUYECTL_COMPLETE="zsh_complete",
                                   COMP_WORDS="wuyectl open ticket --channel 微信", COMP_CWORD="4"))
    # click's zsh format: type, value, help per candidate
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert proc.stdout.decode("utf-8").splitlines() == ["plain", "微信", "online 在线", "plain", "微信公众号",
                                                        "online 在线", "plain", "微信小程序", "online 在线"]


def test_completion_never_prints_errors(office, tmp_path, records):
    outside = tmp_path / "nowhere"
    outside.mkdir()
    for words in ("wuyectl show T-", "wuyectl assign X --to 王", "wuyectl --repo /no/such show T"):
        proc = subprocess.run([sys.executable, "-m", "wuyectl"], cwd=str(outside), capture_output=True, timeout=60,
                              env=dict(os.environ, _WUYECTL_COMPLETE="bash_complete", COMP_WORDS=words,
                                       COMP_CWORD=str(len(words.split(" ")) - 1)))
        assert (proc.returncode, proc.stdout.strip(), proc.stderr) == (0, b"", b""), words
    (office / "wuye.yaml").write_text("staff: [unclosed\n", encoding="utf-8")
    assert complete(office, "wuyectl assign X --to 王") == (0, [], "")
    assert complete(office, "wuyectl show T-") == (0, [], "")


def test_readme_says_how_to_turn_completion_on(office):
    section = README.split("### Shell completion", 1)[1].split("\n## ", 1)[0]
    for shell, line in (("bash", 'eval "$(_WUYECTL_COMPLETE=bash_source wuyectl)"'),
                        ("zsh", 'eval "$(_WUYECTL_COMPLETE=zsh_source wuyectl)"'),
                        ("fish", "_WUYECTL_COMPLETE=fish_source wuyectl | source")):
        assert line in section, shell
        # the script the line sources is what wuyectl prints
        proc = subprocess.run([sys.executable, "-m", "wuyectl"], cwd=str(office), capture_output=True, timeout=60,
                              env=dict(os.environ, _WUYECTL_COMPLETE=f"{shell}_source"))
        assert proc.returncode == 0 and "_WUYECTL_COMPLETE" in proc.stdout.decode(), shell


# -- report periods at the calendar's ends (found by test_hostile: an internal error) ---------

@pytest.mark.parametrize("args, shown", [
    (("sla", "--from", "9999-12-31", "--to", "9999-12-31"), "--from 9999-12-31"),
    (("kpi", "--from", "0001-01-01", "--to", "0001-01-02"), "--from 0001-01-01"),
    (("kpi", "--from", "2026-11-01", "--to", "9999-12-30"), "--to 9999-12-30"),
    (("kpi", "--month", "9999-11"), "--month 9999-11-01"),
    (("handover", "--date", "9999-12-31"), "--date 9999-12-31"),
])
def test_a_report_period_beyond_the_calendar_is_a_bad_value(cli, args, shown):
    result = cli("report", *args, "--lang", "en")
    assert (result.code, result.out) == (3, "")
    assert result.err == f"wuyectl: {shown} is outside the dates a report can cover (0002-01-01 to 9998-12-31)\n"


def test_a_report_period_at_the_edges_of_the_range_runs(cli):
    result = cli("report", "kpi", "--from", "0002-01-01", "--to", "9998-12-31", "-o", "json")
    assert result.code == 0, result.err
