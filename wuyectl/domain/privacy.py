"""Personal data (档案…不可传播): phone and ID-card numbers are masked wherever shown.

Each kind declares which of its fields are personal (`Kind.personal`: path → "phone" or
"id_card"); a value under such a key is masked in every listing, show, report, log and export.
"""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=None)
def personal_keys(what: str) -> frozenset[str]:
    """The keys holding personal numbers of one sort ("phone", "id_card"), from every kind's
    declaration (wuye.yaml's staff phones are phones too)."""
    from .kinds import KINDS

    keys = {path.rsplit(".", 1)[-1] for kind in KINDS.values() for path, sort in kind.personal.items()
            if sort == what}
    return frozenset(keys | ALWAYS[what])


# Masked wherever they appear, declared or not: a hand edit may add a field no schema has
# (it is refused, but `log` and `audit` still show it), and wuye.yaml's staff have phones.
ALWAYS = {"phone": {"phone", "mobile", "tel"}, "id_card": {"id_card", "id_number"}}


def mask_phone(value) -> str:
    text = "" if value is None else str(value)
    if len(text) <= 4:
        return "*" * len(text)
    if len(text) < 8:
        return "*" * (len(text) - 4) + text[-4:]
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask_id_card(value) -> str:
    text = "" if value is None else str(value)
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def masked(data, reveal: bool = False):
    """A deep copy of plain data with personal numbers masked (unless `reveal`)."""
    if reveal:
        return data
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if key in personal_keys("phone") and isinstance(value, (str, int)):
                out[key] = mask_phone(value)
            elif key in personal_keys("id_card") and isinstance(value, (str, int)):
                out[key] = mask_id_card(value)
            else:
                out[key] = masked(value)
        return out
    if isinstance(data, list):
        return [masked(v) for v in data]
    return data


def mask(key: str, value):
    """`value` masked if `key` holds a personal number, else as it is."""
    if value is None:
        return value
    if key in personal_keys("phone"):
        return mask_phone(value)
    if key in personal_keys("id_card"):
        return mask_id_card(value)
    return value
