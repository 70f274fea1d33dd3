"""`wuyectl`: the group, command registration, and the mapping of errors to exit codes."""
from __future__ import annotations

import os
import re
import sys

import click

from .. import __version__, i18n
from ..errors import Exit, Invalid, WuyeError
from ..i18n import _
from . import help as help_pages
from . import options
from .options import global_options


# Where the commands are defined (cli/commands/*: each lists its own in COMMANDS). Only the
# module of the command being run is imported: `open ticket` need not load the reports, the
# server or the import code (at ~0.2 s a write, start-up is a good part of it). A hint, not a
# rule: a command not named here (a new kind's verb) is found by loading every module.
MODULES = ("office", "records", "actions", "reports", "server", "privacy", "printing", "company")
HOME_OF = {"init": "office", "staff": "office", "policy": "office", "open": "records", "callback": "records",
           "get": "records", "show": "records", "validate": "records", "edit": "records", "import": "records",
           "household": "records", "survey": "records", "log": "records", "audit": "records", "sync": "records",
           "merge-driver": "records", "assign": "actions", "update": "actions", "escalate": "actions",
           "measure": "actions", "report": "reports", "server": "server", "migrate": "privacy",
           "erase": "privacy", "keys": "privacy", "print": "printing", "company": "company"}


class Wuyectl(click.Group):
    """The root group: its commands are loaded when asked for; its help ends with the exit
    codes (from `errors.Exit`)."""

    loaded: set = set()

    def _load(self, module: str) -> None:
        if module in self.loaded:
            return
        import importlib

        self.loaded.add(module)
        commands = importlib.import_module(f"{__package__}.commands.{module}")
        for command in commands.COMMANDS:
            self.add_command(command)
        if module == "actions":
            # SPEC's word for a violation's next step; the same command as escalate.
            self.add_command(commands.escalate, name="measure")

    def _load_all(self) -> None:
        for module in MODULES:
            self._load(module)

    def get_command(self, ctx, name):
        if name not in self.commands:
            if name in HOME_OF:
                self._load(HOME_OF[name])
            if name not in self.commands:
                self._load_all()
        return self.commands.get(name)

    def list_commands(self, ctx):
        self._load_all()
        return super().list_commands(ctx)

    def format_epilog(self, ctx, formatter):
        with formatter.section("Exit codes"):
            formatter.write_dl([(str(code.value), code.meaning) for code in Exit])
        super().format_epilog(ctx, formatter)


@click.group(cls=Wuyectl, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="wuyectl")
@global_options
def cli():
    """wuyectl — the customer-service office of a residential property (物业客服中心).

    Tickets (报修, 投诉, 咨询…), households, visits and callbacks are YAML files in a git
    repository; every change is one commit, so `git log` is the audit trail.

    Global options (--repo, --as, --lang) work before or after the command. Each command's
    --help says what it takes; codes (channel, category …) may be given as the code, its
    Chinese label or a common alias (--channel 微信). Tab completion: see the README.
    """


# Help pages in the user's language (cli/help.py): click's help rendering, for every command.
help_pages.install()


def _line(text: str) -> str:
    """An error stays one line whatever was typed or found in a file: control characters
    (newlines, escape sequences, NUL …) are shown escaped, as \\n or \\x1b."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)


def _usage_message(text: str) -> str:
    """Click's usage error as one line: its list of choices ("Choose from:\\n\\ta,\\n\\tb") joined
    with commas; in Chinese, the full stop it puts after the option is a Chinese one."""
    text = text.replace(",\n\t", ", ").replace(":\n\t", ": ").replace("：\n\t", "：")
    if i18n.language() == "zh":
        text = re.sub(r"'\.( |$)", "'。", text)
    return text


# click ≥ 8.2 raises this for a group given nothing (8.1 printed the help and exited 0 itself)
_NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())


def main(argv=None) -> None:
    # Messages in the language labels use (--lang, WUYECTL_LANG, the office's, else Chinese),
    # click's own usage errors included.
    i18n.use(options.message_language(argv))
    i18n.translate_click()
    try:
        cli.main(args=argv, prog_name="wuyectl", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except _NO_ARGS as exc:
        # `wuyectl`, `wuyectl report` …: a group with nothing after it shows its help
        click.echo(exc.ctx.get_help())
        sys.exit(Exit.OK)
    except click.exceptions.Abort:
        click.echo(_("wuyectl: interrupted"), err=True)
        sys.exit(130)
    except click.ClickException as exc:
        hint = ""
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            hint = _(" (see '{command} --help')").format(command=ctx.command_path)
        click.echo(_line(f"wuyectl: {_usage_message(exc.format_message())}{hint}"), err=True)
        sys.exit(Exit.USAGE if isinstance(exc, click.UsageError) else Exit.BAD_VALUE)
    except Invalid as exc:
        click.echo(_line(str(exc)), err=True)
        sys.exit(exc.exit_code)
    except WuyeError as exc:
        click.echo(_line(f"wuyectl: {exc}"), err=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)
    except KeyboardInterrupt:
        click.echo(_("wuyectl: interrupted"), err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: still one line, never a traceback (WUYECTL_DEBUG=1 shows it)
        if os.environ.get("WUYECTL_DEBUG"):
            raise
        click.echo(_line(_("wuyectl: internal error: {error}: {message}").format(
            error=type(exc).__name__, message=exc)), err=True)
        sys.exit(Exit.INTERNAL)
