"""Help pages in the user's language: the commands keep their help in English (the msgids),
and the help is translated where click renders it, through the same gettext catalogue.

`install()` (called once by cli/main.py) puts the translation in the few places click's help
goes through, for every command, however it was made (report commands, short verbs, `open
<kind>`):

- `Context.formatter_class`: the formatter translates the headings (`Options`, `Exit codes`
  …), the texts (a command's help, its epilog, a report's paragraphs) and a definition row's
  text when it is a msgid as a whole (the exit codes' meanings);
- `Command.get_short_help_str`: a command's line in its group's list (its short help, or the
  first sentence of its help);
- `Option.get_help_record`: an option's help (click adds `[default: …]`, `[required]` after).
- `Command.get_help_option`: the help option keeps its msgid (click makes it once per command,
  in the language of that moment), so it is translated when shown;
- `click.formatting.wrap_text`: Chinese is wrapped by the two columns a character takes, and
  between any two characters (English goes to click's own).

click's own words (Usage:, Options, Show this message and exit. …) come from click's `_`,
which `i18n.translate_click()` already sends to the catalogue. In English nothing changes:
every hook hands click the very text it had. `msgids()` lists what the help of a click tree
asks of the catalogue (tools/messages.py adds them to the template).
"""
from __future__ import annotations

import inspect
import re
import unicodedata
from contextlib import contextmanager
from functools import lru_cache

import click

from ..i18n import N_, _, language


# -- the generated part of an option's help (cli/options.py code_help) -----------------------
def _generated() -> list[str]:
    """The code lists `code_help()` writes (`phone 电话, walk_in 来访 …`), longest first: an
    option's help that ends with one is translated without it and the list kept as it is."""
    from ..domain import codes

    return _lists(tuple((group, tuple(codes.CODES[group].items())) for group in codes.groups()))


@lru_cache(maxsize=4)
def _lists(_table: tuple) -> list[str]:
    """(for the codes table as it is now: a kind registered later adds codes)"""
    from ..domain import codes
    from .options import code_help

    lists = {code_help(group, aliases=aliases) for group in codes.groups() for aliases in range(6)}
    return sorted(lists, key=len, reverse=True)


def split(text: str) -> tuple[str, str]:
    """(the words before it, the generated code list) of an option's help; (text, "") for a
    help without one."""
    if not text:
        return "", ""
    for listed in _generated():
        if text == listed:
            return "", listed
        if text.endswith(" " + listed):
            return text[: -len(listed) - 1], listed
    return text, ""


# Help texts made from a template and generated words (a short verb's label and action, the
# actions `update` lists): the template is the msgid, the words stay as they were made.
PATTERNS = [
    N_("{label}: short for `update --action {action}`."),
    N_("{actions}; through their own command: {commands}"),
]


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
                              for i, part in enumerate(parts)), re.S)


HELP_OPTION = "Show this message and exit."     # click's msgid (in tools/messages.py)

# click writes this word of an option's help with `_(extra["required"])`, out of Babel's sight
N_("required")

_MATCHERS = [(template, _pattern(template)) for template in PATTERNS]


def pattern_of(text: str) -> str | None:
    """The template of PATTERNS that `text` was made from, if any."""
    return next((template for template, regex in _MATCHERS if regex.fullmatch(text)), None)


def translate(text: str | None) -> str | None:
    """A help text in the current language: a template's words kept, a code list kept."""
    if not text or language() == "en":
        return text
    for template, regex in _MATCHERS:
        found = regex.fullmatch(text)
        if found:
            return _(template).format(**found.groupdict())
    template, listed = split(text)
    if not listed:
        return _(text)
    return f"{_(template)} {listed}" if template else listed


# -- the hooks ------------------------------------------------------------------------------
class HelpFormatter(click.HelpFormatter):
    """click's formatter, with the headings and texts in the current language."""

    def write_heading(self, heading: str) -> None:
        if language() == "en":
            return super().write_heading(heading)
        self.write(f"{'':>{self.current_indent}}{translate(heading)}：\n")     # 选项：, not 选项:

    def write_text(self, text: str) -> None:
        super().write_text(translate(text))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, translate(text)) for term, text in rows], col_max, col_spacing)


@contextmanager
def _swapped(obj, **values):
    """Give `obj` these attribute values while click renders it, then its own again."""
    before = {name: getattr(obj, name) for name in values}
    for name, value in values.items():
        setattr(obj, name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(obj, name, value)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def short(text: str, limit: int) -> str:
    """The first sentence of a translated help (up to 。), cut to `limit` columns."""
    first = " ".join(text.partition("\n\n")[0].split()).removeprefix("\b").strip()
    sentence, stop, _rest = first.partition("。")
    first = sentence + stop if stop and _rest.strip() else first
    first = first.removesuffix("。") if any(_width(ch) == 2 for ch in first) else first
    if _width(first) <= limit:
        return first
    cut = ""
    for ch in first:
        if _width(cut + ch) > limit - 1:
            break
        cut += ch
    return cut + "…"


# -- wrapping Chinese: by the columns a character takes, and between any two characters ------
_CLOSING = set("，。、；：？！）》」』”’…,.;:?!)]")      # not at the start of a line
_OPENING = set("（《「『“‘")                             # not at the end of one
_TOKENS = re.compile(r"\s+|[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+")


def _wide(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in "WF" for ch in text)


def _joined(lines: list[str]) -> str:
    """A paragraph's lines as one: a space between two lines, none next to a Chinese character."""
    out = ""
    for line in lines:
        line = line.strip()
        if out and line and not (_wide(out[-1]) or _wide(line[0])):
            out += " "
        out += line
    return out


def _fill(text: str, width: int, first: str, rest: str) -> str:
    """Greedy filling, token by token (a Chinese character, a run of other letters): no line
    starts with a closing mark (the character before it goes down with it) or ends with an
    opening one."""
    lines: list[str] = []
    indent, pieces = first, []          # pieces: (space before, token) of the current line
    used = _width(indent)               # the current line's width so far
    space, held = "", ""
    for token in _TOKENS.findall(text):
        if token.isspace():
            space = token if pieces else ""
            continue
        if token in _OPENING:
            held += token
            continue
        token, held = held + token, ""
        if pieces and used + _width(space + token) > width:
            carried = []
            if token in _CLOSING and len(pieces) > 1:
                carried = [("", pieces.pop()[1])]
            lines.append(indent + "".join(a + b for a, b in pieces))
            indent, pieces, space = rest, carried, ""
            used = _width(indent) + sum(_width(b) for _a, b in carried)
        pieces.append((space, token))
        used += _width(space + token)
        space = ""
    lines.append(indent + "".join(a + b for a, b in pieces) + held)
    return "\n".join(lines)


def wrap_text(text: str, width: int = 78, initial_indent: str = "", subsequent_indent: str = "",
              preserve_paragraphs: bool = False) -> str:
    """click's `wrap_text`, for a Chinese help text or usage line (`用法：` before it); English
    goes to click's own, as before."""
    if language() == "en" or not (_wide(text) or _wide(initial_indent)):
        return _originals["wrap"](text, width, initial_indent, subsequent_indent, preserve_paragraphs)
    text = text.expandtabs()
    if not subsequent_indent.strip() and len(subsequent_indent) == len(initial_indent):
        subsequent_indent = " " * _width(initial_indent)     # under a usage line's arguments
    if not preserve_paragraphs:
        return _fill(_joined(text.splitlines()), width, initial_indent, subsequent_indent)
    paragraphs: list[tuple[int, bool, list[str]]] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if line]
        if not lines:
            continue
        indent = len(lines[0]) - len(lines[0].lstrip())
        raw = lines[0].strip() == "\b"
        paragraphs.append((indent, raw, lines[1:] if raw else lines))
    out = []
    for indent, raw, lines in paragraphs:
        pad = " " * indent
        if raw:
            out.append("\n".join((initial_indent if i == 0 else subsequent_indent) + pad + line
                                  for i, line in enumerate(lines)))
        else:
            out.append(_fill(_joined(lines), width, initial_indent + pad, subsequent_indent + pad))
    return "\n\n".join(out)


_originals: dict[str, object] = {}


def _short_help(self, limit: int = 45) -> str:
    original = _originals["short"]
    if language() == "en" or not (self.short_help or self.help):
        return original(self, limit)
    if self.short_help:
        text = translate(inspect.cleandoc(self.short_help))
    else:
        text = short(translate(inspect.cleandoc(self.help).partition("\f")[0]), limit)
    with _swapped(self, short_help=text):
        return original(self, limit)


def _help_option(self, ctx):
    """The help option is made once per command, with click's `_` of its help: give it back
    its msgid, so it is translated when shown, in the language of that time."""
    option = _originals["help_option"](self, ctx)
    if option is not None and option.help == _(HELP_OPTION):
        option.help = HELP_OPTION
    return option


def _option_help(self, ctx):
    original = _originals["option"]
    if language() == "en" or not self.help:
        return original(self, ctx)
    with _swapped(self, help=translate(self.help)):
        return original(self, ctx)


def install() -> None:
    """Translate every help page from now on (once; English stays byte for byte)."""
    if _originals:
        return
    _originals["short"] = click.Command.get_short_help_str
    _originals["option"] = click.Option.get_help_record
    _originals["help_option"] = click.Command.get_help_option
    _originals["wrap"] = click.formatting.wrap_text
    _originals["formatter"] = click.Context.formatter_class
    click.Command.get_short_help_str = _short_help
    click.Option.get_help_record = _option_help
    click.Command.get_help_option = _help_option
    click.formatting.wrap_text = wrap_text
    click.Context.formatter_class = HelpFormatter


def uninstall() -> None:
    """click as it was (tests compare the English with click's own rendering)."""
    if not _originals:
        return
    click.Command.get_short_help_str = _originals.pop("short")
    click.Option.get_help_record = _originals.pop("option")
    click.Command.get_help_option = _originals.pop("help_option")
    click.formatting.wrap_text = _originals.pop("wrap")
    click.Context.formatter_class = _originals.pop("formatter")


# -- what the help asks of the catalogue ----------------------------------------------------
class _Recorder(click.HelpFormatter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.texts: list[str] = []

    def write_heading(self, heading: str) -> None:
        self.texts.append(heading)
        super().write_heading(heading)

    def write_text(self, text: str) -> None:
        self.texts.append(text)
        super().write_text(text)


def walk(command: click.Command, ctx: click.Context, path: tuple = ()):
    """Every command of a click tree (hidden ones too), with its context."""
    yield path, command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                yield from walk(sub, click.Context(sub, info_name=name, parent=ctx), path + (name,))


def msgids(root: click.Command, name: str = "wuyectl") -> dict[str, str]:
    """{msgid: where it is shown (`--help/wuyectl/open/ticket/--channel`)} for the help of
    every command of `root`, hidden ones too, as rendered in English: headings and texts
    (help, epilog, a report's paragraphs), short helps, the options' helps (without their
    generated code list), the exit codes' meanings. A text made from PATTERNS is not one."""
    from ..errors import Exit
    from .. import i18n

    found: dict[str, str] = {}

    def add(text, where):
        if text and text.strip():
            found.setdefault(text, where)

    saved = i18n._resolver
    i18n.use(lambda: "en")
    try:
        for path, command, ctx in walk(root, click.Context(root, info_name=name, **root.context_settings)):
            where = "/".join(("--help", name, *path))
            recorder = _Recorder(width=ctx.terminal_width, max_width=ctx.max_content_width)
            command.format_help(ctx, recorder)
            for text in recorder.texts:
                if not pattern_of(text):
                    add(text, where)
            if command.short_help and not pattern_of(inspect.cleandoc(command.short_help)):
                add(inspect.cleandoc(command.short_help), where)
            for param in command.get_params(ctx):
                if isinstance(param, click.Option) and not param.hidden:
                    add(split(param.help or "")[0], f"{where}/{param.opts[0]}")
        for code in Exit:
            add(code.meaning, f"--help/{name}")
    finally:
        i18n.use(saved)
    return found
