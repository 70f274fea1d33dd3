"""Docs checked by tests (STYLE "Tests"): every command has help, and `--help` works."""
from __future__ import annotations

import click
import pytest

from wuyectl.cli.main import cli as root


def _commands(command, path=()):
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):      # (the root loads its command modules lazily)
            yield from _commands(command.get_command(ctx, name), path + (name,))


COMMANDS = [path for path, _ in _commands(root)]


def test_the_lazy_commands_hints_name_where_each_command_is_defined():
    """cli/main.py imports only the module of the command run (HOME_OF); every hint must be
    right, and every command reachable by its name."""
    import importlib

    from wuyectl.cli import main

    defined = {}
    for module in main.MODULES:
        for command in importlib.import_module(f"wuyectl.cli.commands.{module}").COMMANDS:
            defined[command.name] = module
    defined["measure"] = "actions"
    assert {name: defined.get(name) for name in main.HOME_OF} == main.HOME_OF
    ctx = click.Context(root)
    assert sorted(root.list_commands(ctx)) == sorted(defined)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "wuyectl")
def test_every_command_has_help(cli, path):
    result = cli(*path, "--help", env={"WUYECTL_LANG": "en"})     # the English page (Chinese: test_help_zh)
    assert result.code == 0, result.err
    assert result.out.startswith(f"Usage: wuyectl {' '.join(path)}".rstrip())
    assert result.err == ""
    # a description between the usage line and the options (some commands load it lazily)
    lines = [line.strip() for line in result.out.splitlines() if line.strip()]
    assert lines[1] not in ("Options:", "Commands:"), f"`wuyectl {' '.join(path)}` has no help text"


def test_the_issue_invocations_are_documented(cli):
    """The forms the issue fixes are in the help of their commands."""
    assert "--to" in cli("assign", "--help").out
    update = cli("update", "--help").out
    for word in ("--action", "--set", "--note", "--at"):
        assert word in update
    assert "ids" in cli("open", "ticket", "--help").out
    get = cli("get", "--help").out
    assert "--where" in get and "--overdue" in get


@pytest.mark.parametrize("args", [["--help"], ["open", "--help"], ["report", "kpi", "--help"], ["close", "--help"],
                                  ["assign", "--help"], ["keys", "--help"]], ids=" ".join)
def test_help_in_a_fresh_process(run, args):
    """Each process loads only the command module it needs (cli/main.py): a page must not
    depend on what an earlier command in the same process happened to load."""
    for lang, usage in (("zh", "用法： wuyectl"), ("en", "Usage: wuyectl")):   # (Chinese pages list the codes)
        result = run(*args, env={"WUYECTL_LANG": lang})
        assert (result.code, result.err) == (0, ""), lang
        assert result.out.startswith(usage)
