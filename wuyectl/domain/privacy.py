"""Personal data (档案…不可传播): phone and ID-card numbers are masked wherever shown."""
from __future__ import annotations

# Keys whose values are masked in every listing, show, report and export.
PHONE_KEYS = frozenset({"phone", "mobile", "tel"})
ID_CARD_KEYS = frozenset({"id_card", "id_number"})


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
            if key in PHONE_KEYS and isinstance(value, (str, int)):
                out[key] = mask_phone(value)
            elif key in ID_CARD_KEYS and isinstance(value, (str, int)):
                out[key] = mask_id_card(value)
            else:
                out[key] = masked(value)
        return out
    if isinstance(data, list):
        return [masked(v) for v in data]
    return data
