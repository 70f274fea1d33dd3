"""Personal data (档案…不可传播): phone and ID-card numbers are masked wherever shown, and
sealed (encrypted) in the record files once the office is encrypted.

Each kind declares which of its fields are personal (`Kind.personal`: path → "phone" or
"id_card"); a value under such a key is masked in every listing, show, report, log and export.

A sealed value is one string, so a file stays plain YAML and every other field stays readable
and hand-editable:

    phone: enc:1:3-2-1201.5f0c9e21:150****4421:Xq3…(base64url)

— the format version, the data key it was sealed with (`SUBJECT.ID`: the household, or the
record itself for one that belongs to none), the mask every role may see, and the ciphertext
(store/keys.py: HPKE to that key). This module knows the form, not the cryptography: it finds
a record's personal values (`personal_values`), builds and reads the string, and masks it.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

ERASED = object()   # what a sealed value opens to when its data key is gone (erased, or never came here)


@lru_cache(maxsize=None)
def personal_keys(what: str) -> frozenset[str]:
    """The keys holding personal data of one sort ("phone", "id_card", "birth_date"), from
    every kind's declaration (wuye.yaml's staff phones are phones too)."""
    from .kinds import KINDS

    keys = {path.rsplit(".", 1)[-1] for kind in KINDS.values() for path, sort in kind.personal.items()
            if sort == what}
    return frozenset(keys | ALWAYS[what])


# Masked wherever they appear, declared or not: a hand edit may add a field no schema has
# (it is refused, but `log` and `audit` still show it), and wuye.yaml's staff have phones.
ALWAYS = {"phone": {"phone", "mobile", "tel"}, "id_card": {"id_card", "id_number"}, "birth_date": {"birth_date"}}


# Who may see personal numbers unmasked when the policy does not say (policy `reveal_roles`).
DEFAULT_REVEAL_ROLES = ("director", "supervisor", "archivist")


# Who may erase a household's personal data (`wuyectl erase`; the audit holds an erasure to it).
ERASERS = ("director",)


def reveal_roles(config) -> tuple[str, ...]:
    """The roles that may see personal numbers unmasked, by wuye.yaml's policy."""
    return tuple(((config or {}).get("policy") or {}).get("reveal_roles", DEFAULT_REVEAL_ROLES))


# -- sealed values ---------------------------------------------------------------------------
SEALED_PREFIX = "enc:1:"
SEALED_RE = re.compile(r"enc:1:(?P<key>[0-9A-Za-z-]{1,40}\.[0-9a-f]{8}):(?P<mask>[0-9A-Za-z*+ -]{0,24})"
                       r":(?P<payload>[A-Za-z0-9_-]{40,400})")


def is_sealed(value) -> bool:
    return isinstance(value, str) and value.startswith(SEALED_PREFIX)


def sealed_parts(value) -> tuple[str, str, str] | None:
    """(key id, mask, payload) of a sealed value, or None if `value` is not one."""
    found = SEALED_RE.fullmatch(value) if is_sealed(value) else None
    return (found["key"], found["mask"], found["payload"]) if found else None


def sealed_mask(value: str) -> str | None:
    """The mask part of a sealed value, without checking the rest (a search's first filter:
    a split, not the whole pattern, for each of 100,000 values)."""
    parts = value.split(":", 4)
    return parts[3] if len(parts) == 5 else None


def sealed_text(key_id: str, mask_text: str, payload: str) -> str:
    return f"{SEALED_PREFIX}{key_id}:{mask_text}:{payload}"


def subject_of_key(key_id: str) -> str:
    return key_id.rsplit(".", 1)[0]


def _pattern_parts(pattern: str) -> tuple[str, ...]:
    return tuple(pattern.split("."))


def personal_values(kind, data) -> Iterator[tuple[object, object, str, str]]:
    """(container, key, sort, path) of every personal value present in `data` (plain data or
    a ruamel tree) by `kind.personal`'s paths (`owners.*.phone`: `*` is every list item);
    `path` is dotted with list indexes (`owners.0.phone`). Empty values are skipped."""
    for pattern, sort in kind.personal.items():
        yield from values_at(data, pattern, sort)


def values_at(data, pattern: str, sort: str) -> Iterator[tuple[object, object, str, str]]:
    """`personal_values` for one personal path (`owners.*.phone`) of sort `sort`."""
    return _walk(data, _pattern_parts(pattern), sort, ())


def _walk(node, parts, sort, at):
    if not parts:
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(node, list):
            for i, item in enumerate(node):
                yield from _walk(item, rest, sort, at + (str(i),))
        return
    if not isinstance(node, dict) or head not in node:
        return
    if not rest:
        value = node[head]
        if value not in (None, ""):
            yield node, head, sort, ".".join(at + (head,))
        return
    yield from _walk(node[head], rest, sort, at + (head,))


def mask_as(sort: str, value) -> str:
    """`value` masked as a `sort` ("phone", "id_card", "birth_date") value."""
    return MASKS[sort](value)


# What a value whose data key is gone shows, in every role's view (masking leaves it be).
ERASED_LABELS = ("已删除", "erased")


def _as_stored(value, malformed: str) -> str | None:
    """What a value that is no longer the clear number shows, whatever its sort: an erased one
    its label, a sealed one the mask stored with it (`malformed` if it is not well formed);
    None for a clear value, which the caller masks."""
    if value in ERASED_LABELS:
        return value
    if is_sealed(value):
        parts = sealed_parts(value)
        return parts[1] if parts else malformed
    return None


def mask_phone(value) -> str:
    stored = _as_stored(value, "********")
    if stored is not None:
        return stored
    text = "" if value is None else str(value)
    if len(text) <= 4:
        return "*" * len(text)
    if len(text) < 8:
        return "*" * (len(text) - 4) + text[-4:]
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask_id_card(value) -> str:
    """An identity document's number: an ID card's (15 or 18) keeps its first 4 and last 4; a
    shorter one (passport E12345678, 港澳通行证) its first character and last 3; 8 or fewer none."""
    stored = _as_stored(value, "********")
    if stored is not None:
        return stored
    text = "" if value is None else str(value)
    if len(text) <= 8:
        return "*" * len(text)
    if len(text) < 15:   # another identity document (passport, permit: 9-11): an ID card's 4 + 4 would show it all
        return text[:1] + "*" * (len(text) - 4) + text[-3:]
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def mask_birth_date(value) -> str:
    """A birth date shows its year only (1975-**-**): with the month and day, the masked ID-card
    number (its first 4 and last 4) would leave only a few numbers it can be."""
    stored = _as_stored(value, "****-**-**")
    if stored is not None:
        return stored
    text = "" if value is None else str(value)
    return text[:4] + "-**-**" if len(text) >= 4 else "*" * len(text)


MASKS = {"phone": mask_phone, "id_card": mask_id_card, "birth_date": mask_birth_date}


def masked(data, reveal: bool = False):
    """A deep copy of plain data with personal numbers masked (unless `reveal`)."""
    if reveal:
        return data
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            sort = _sort_of(key) if isinstance(value, (str, int)) else None
            out[key] = MASKS[sort](value) if sort else masked(value)
        return out
    if isinstance(data, list):
        return [masked(v) for v in data]
    return data


def mask(key: str, value):
    """`value` masked if `key` holds a personal number, else as it is."""
    if value is None:
        return value
    sort = _sort_of(key)
    return MASKS[sort](value) if sort else value


def _sort_of(key) -> str | None:
    for sort in MASKS:
        if key in personal_keys(sort):
            return sort
    return None


# -- ID-card numbers (居民身份证号码, GB 11643-1999) -------------------------------------------
ASCII_DIGITS = frozenset("0123456789")   # str.isdigit() and \d also take ２, 𝟎, ٣ …
ID_CARD_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CARD_CHECK = "10X98765432"   # ISO 7064 MOD 11-2: the check character for each remainder


def ascii_digits(text: str) -> bool:
    """`text` is one or more of 0-9 and nothing else (no full-width or other scripts' digits)."""
    return bool(text) and set(text) <= ASCII_DIGITS


def id_card_check_digit(first17: str) -> str:
    return ID_CARD_CHECK[sum(int(d) * w for d, w in zip(first17, ID_CARD_WEIGHTS)) % 11]


def id_card_problem(value) -> str | None:
    """Why `value` is not an ID-card number, or None: 15 digits (first generation), or 17 digits
    and the GB 11643 check character (0-9 or X). The message never repeats the number."""
    from ..i18n import _

    text = value if isinstance(value, str) else ""
    if len(text) == 15 and ascii_digits(text):
        return None
    if len(text) == 18 and ascii_digits(text[:17]) and (text[17] in ASCII_DIGITS or text[17] in "Xx"):
        if text[17].upper() == id_card_check_digit(text[:17]):
            return None
        return _("not an ID-card number: its check digit is wrong (GB 11643)")
    return _("not an ID-card number: 15 digits, or 18 with the check digit (0-9 or X) last")


def id_card_number(value) -> str:
    """An ID-card number as typed (spaces around it dropped, a last x made X); BadValue when
    it is not one."""
    from ..errors import BadValue

    text = str(value).strip()
    text = text[:-1] + "X" if len(text) == 18 and text.endswith("x") else text
    problem = id_card_problem(text)
    if problem:
        raise BadValue(f"--id-card: {problem}")
    return text
