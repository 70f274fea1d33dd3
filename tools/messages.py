#!/usr/bin/env python3
"""The message catalogue: extract, merge, compile (Babel).

    python tools/messages.py update     # after changing or adding messages
    python tools/messages.py check      # what tests/test_messages.py checks, as a list

`update` extracts every msgid from wuyectl/ (`_()`, `ngettext()`, `pgettext()`, `N_()`),
the click messages below and the help of every command (`help_messages()`: the live click
tree of wuyectl.cli.main, walked by wuyectl/cli/help.py — each help text, short help,
epilog, report paragraph, section heading and option help, an option's generated code list
left out), merges them into wuyectl/locale/zh/LC_MESSAGES/wuyectl.po (the
Chinese of every msgid already there is kept; a new one comes in with an empty msgstr, a
gone one is dropped) and compiles wuyectl.mo beside it. Then write the Chinese of each empty
msgstr in the .po and run `update` again: the .mo is what `pip install .` ships.
`check` lists what is missing (so a help text without its Chinese fails too): an empty or fuzzy translation, a stale msgid, a placeholder
({name}) that the Chinese does not keep, a .mo older than its .po.
"""
from __future__ import annotations

import io
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "wuyectl"
PO = PACKAGE / "locale" / "zh" / "LC_MESSAGES" / "wuyectl.po"
MO = PO.with_suffix(".mo")

# Click's own messages that a user of wuyectl can meet (a usage error, the words of a help
# page): translated through this catalogue too (`i18n.translate_click()`). A msgid click no
# longer has is reported by `check`.
CLICK_MESSAGES = [
    "Usage:",
    "Options",
    "Commands",
    "Show this message and exit.",
    "Show the version and exit.",
    "default: {default}",
    "env var: {var}",
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    "Missing command.",
    "Choose from:\n\t{choices}",
    "Value must be an iterable.",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    "Invalid value: {message}",
    "Invalid value for {param_hint}: {message}",
    "Missing argument",
    "Missing option",
    "Missing parameter",
    "Missing {param_type}",
    "Missing parameter: {param_name}",
    "No such option {name!r}.",
    "No such command {name!r}.",
    "unknown error",
    "Could not open file {filename!r}: {message}",
    "Argument {name!r} takes {nargs} values.",
    "Option {name!r} does not take a value.",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."),
    "{value!r} is not a valid {number_type}.",
    "{value} is not in the range {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}",
    "file",
    "directory",
    "path",
    "{name} {filename!r} does not exist.",
    "{name} {filename!r} is a file.",
    "{name} {filename!r} is a directory.",
    "{name} {filename!r} is not readable.",
    "{name} {filename!r} is not writable.",
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."),
]


HEADER = """\
# The Chinese (zh) messages of wuyectl; the msgids are the English the code writes.
# After changing messages in the code: python tools/messages.py update, write the msgstr of
# each new message, run it again (it compiles wuyectl.mo). tests/test_messages.py checks it."""


def _key(message_id) -> str:
    return message_id[0] if isinstance(message_id, (tuple, list)) else message_id


def help_messages() -> dict[str, str]:
    """{msgid: where it is shown} for every command's --help (wuyectl/cli/help.py)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from wuyectl.cli import help as help_pages
    from wuyectl.cli.main import cli

    return help_pages.msgids(cli)


def extracted():
    """The template: every msgid of wuyectl/, CLICK_MESSAGES and the help pages, as a Babel
    Catalog."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    template = Catalog(domain="wuyectl", project="wuyectl", charset="utf-8",
                       creation_date=datetime(2026, 11, 1, tzinfo=timezone.utc))
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], comment_tags=("TRANSLATORS:",)):
        template.add(message, None, [(f"wuyectl/{filename}", lineno)], auto_comments=comments, context=context)
    for message in CLICK_MESSAGES:
        template.add(message, None, [("click", 0)])
    for message, where in help_messages().items():
        template.add(message, None, [(where, 0)])
    return template


def click_msgids() -> set[str]:
    """The msgids click has now (to see that CLICK_MESSAGES are still click's)."""
    import click
    from babel.messages.extract import extract_from_dir

    folder = Path(click.__file__).parent
    return {_key(message) for _f, _l, message, _c, _x in extract_from_dir(str(folder), method_map=[("**.py", "python")])}


def read_po():
    from babel.messages.pofile import read_po as _read

    with PO.open("rb") as f:
        return _read(f, locale="zh", domain="wuyectl")


def compiled(catalog) -> bytes:
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def update() -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    template = extracted()
    if PO.exists():
        catalog = read_po()
    else:
        catalog = Catalog(locale="zh", domain="wuyectl", project="wuyectl", charset="utf-8",
                          creation_date=template.creation_date)
    catalog.update(template, no_fuzzy_matching=True)
    # a stable header (no diff without a change), and messages sorted by msgid with their files
    # but no line numbers: a change elsewhere in a file, or two branches adding messages, touch
    # only the lines of the messages concerned
    catalog.revision_date = template.creation_date
    catalog.last_translator = "wuyectl"
    catalog.language_team = "wuyectl"
    catalog.fuzzy = False
    catalog.header_comment = HEADER
    PO.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, ignore_obsolete=True, include_previous=False, sort_output=True,
             include_lineno=False)
    PO.write_bytes(buffer.getvalue())
    written = read_po()
    MO.write_bytes(compiled(written))
    missing = [m for m in problems(template, written) if m]
    print(f"{PO.relative_to(ROOT)}: {len([m for m in written if m.id])} messages; {MO.relative_to(ROOT)} compiled")
    for line in missing:
        print("  " + line)


_PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text or ""))


def problems(template=None, catalog=None) -> list[str]:
    """What is wrong with the catalogue, one line each (empty: nothing); `update` hands in the
    messages it has just extracted and the catalogue it has just written."""
    import gettext

    out = []
    wanted = {(_key(m.id), m.context) for m in (template if template is not None else extracted()) if m.id}
    catalog = catalog if catalog is not None else read_po()
    have = {(_key(m.id), m.context): m for m in catalog if m.id}
    for key in sorted(wanted - set(have), key=str):
        out.append(f"not in the catalogue (run tools/messages.py update): {key[0]!r}")
    for key in sorted(set(have) - wanted, key=str):
        out.append(f"stale (no longer in the code): {key[0]!r}")
    for key, message in have.items():
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        if message.fuzzy or not all(strings):
            out.append(f"no Chinese yet: {key[0]!r}")
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        expected = set().union(*(placeholders(i) for i in ids))
        for text in strings:
            # a plural's one Chinese form may use the values of either English form (both
            # are given to format); a message's must be exactly the msgid's
            got = set(placeholders(text))
            if (got - expected) if len(ids) > 1 else (got != expected):
                out.append(f"placeholders differ: {key[0]!r}: {text!r}")
    present = click_msgids()
    for message in CLICK_MESSAGES:
        if _key(message) not in present:
            out.append(f"click no longer has: {_key(message)!r}")
    fresh = gettext.GNUTranslations(io.BytesIO(compiled(catalog)))._catalog
    shipped = gettext.GNUTranslations(io.BytesIO(MO.read_bytes()))._catalog if MO.exists() else {}
    if fresh != shipped:
        out.append(f"{MO.relative_to(ROOT)} is not compiled from the .po (run tools/messages.py update)")
    return out


def main(argv: list[str]) -> int:
    if argv[1:] == ["update"]:
        update()
        return 0
    if argv[1:] == ["check"]:
        found = problems()
        for line in found:
            print(line)
        return 1 if found else 0
    print(__doc__.strip().split("\n\n")[0].replace("    ", ""), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
