"""Messages in the user's language.

The code writes every message in English and wraps it in `_()`; the Chinese text lives in a
gettext catalogue, `wuyectl/locale/zh/LC_MESSAGES/wuyectl.po` (compiled to `.mo` beside it).
A message with values is formatted after translation, so the catalogue sees the template:

    raise BadValue(_("cannot read the time '{text}'").format(text=text))

The language is chosen where the command line knows it (--lang, WUYECTL_LANG, the office's
`language` setting, else Chinese): `use(resolver)` hands `_()` a function that answers it.
"""
from __future__ import annotations

import gettext
import os
from functools import lru_cache
from pathlib import Path
from typing import Callable

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
    if lang == "en":
        return message
    return translations(lang).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    lang = language()
    if lang == "en":
        return singular if n == 1 else plural
    return translations(lang).ngettext(singular, plural, n)
