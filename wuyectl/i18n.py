"""Messages in the user's language.

The code writes every message in English and wraps it in `_()`; the Chinese text lives in a
gettext catalogue, `wuyectl/locale/zh/LC_MESSAGES/wuyectl.po` (compiled to `.mo` beside it).
A message with values is formatted after translation, so the catalogue sees the template:

    raise BadValue(_("cannot read the time '{text}'").format(text=text))

The language is chosen where the command line knows it (--lang, WUYECTL_LANG, the office's
`language` setting, else Chinese): `use(resolver)` hands `_()` a function that answers it.

1. `_()`, `ngettext()`, `pgettext()` translate now; `N_()` only marks a text declared ahead
   (a kind's hint, a table of reasons) that is translated with `_()` where it is shown.
2. `join()` / `join_or()` list items the language's way (`a, b or c` · `a、b或c`).
3. `translate_click()` sends click's own messages (usage errors, the words of a help page)
   through this catalogue; the commands' help texts are translated where click renders
   them (`wuyectl/cli/help.py`, installed by cli/main.py).
4. `python tools/messages.py update` extracts the msgids (Babel, and the help of the click
   tree), merges them into the .po and compiles the .mo; tests/test_messages.py fails while
   one lacks its Chinese.
"""
from __future__ import annotations

import gettext
import os
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

LOCALE = Path(__file__).parent / "locale"
DOMAIN = "wuyectl"
LANGUAGES = ("zh", "en")

_resolver: Callable[[], str] | None = None


def use(resolver: Callable[[], str] | None) -> None:
    """Let `_()` ask `resolver` for the language (the CLI's --lang/env/office setting)."""
    global _resolver
    _resolver = resolver


def language() -> str:
    if _resolver is not None:
        value = _resolver()
        if value in LANGUAGES:
            return value
    value = os.environ.get("WUYECTL_LANG")
    return value if value in LANGUAGES else "zh"


@lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=str(LOCALE), languages=[lang], fallback=True)


def _(message: str) -> str:
    """`message` in the current language (English is the message itself)."""
    lang = language()
    if lang == "en" or not message:       # gettext("") is the catalogue's header
        return message
    return translations(lang).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    lang = language()
    if lang == "en":
        return singular if n == 1 else plural
    return translations(lang).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language, where the same English needs telling apart."""
    lang = language()
    if lang == "en":
        return message
    return translations(lang).pgettext(context, message)


def N_(message: str) -> str:
    """Mark a text for the catalogue without translating it here (`_()` it where shown)."""
    return message


def pick(pair, lang: str) -> str:
    """The text of a (Chinese, English) pair — a label, a title — in `lang`."""
    return pair[0] if lang == "zh" else pair[1]


def join(items: Iterable) -> str:
    """'a, b, c' (Chinese: 'a、b、c')."""
    return pgettext("list separator", ", ").join(str(item) for item in items)


def join_or(items: Iterable) -> str:
    """'a, b or c' (Chinese: 'a、b或c')."""
    items = [str(item) for item in items]
    if len(items) < 2:
        return "".join(items)
    return _("{items} or {last}").format(items=join(items[:-1]), last=items[-1])


def translate_click() -> None:
    """Click writes its messages (missing option, no such command, bad choice …) with
    `gettext.gettext` bound in each of its modules; point those names at this catalogue,
    which holds the click messages a user can meet (tools/messages.py CLICK_MESSAGES)."""
    import importlib

    for name in ("core", "exceptions", "parser", "types", "decorators", "termui", "utils", "formatting"):
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:     # a click without that module
            continue
        if getattr(module, "_", None) is gettext.gettext:
            module._ = _
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = ngettext
