"""The fast paths of YAML: `load` (PyYAML's libyaml parser, read as YAML 1.2 like the
round-trip loader, ruamel.yaml, that the tool edits with) and `dump` (a new record's text,
byte for byte what the round-trip writer writes; see "writing new records" below).

ruamel.yaml's round-trip loading is ~1,000 files/s here; libyaml through PyYAML is ~4,000.
Listing and reports read every changed record once, so this is what makes a cold cache of
100,000 tickets a matter of seconds. PyYAML speaks YAML 1.1 by default, where `no` is false,
`1:20` is 80 and `0301` is octal; records are YAML 1.2, so the implicit types are replaced by
the 1.2 core schema's (true/false, decimal/0o/0x integers, 1.2 floats), and timestamps stay
strings, exactly as `yamlio` reads them. A property test holds the two loaders to the same
result.
"""
from __future__ import annotations

import re

import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_REPLACED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


class Loader(_Base):
    def construct_mapping(self, node, deep=False):
        # YAML forbids a key twice in one mapping; libyaml keeps the last silently, where the
        # round-trip loader refuses (and says where): refuse too, so the caller falls back.
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _value in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in seen and key_node.tag != "tag:yaml.org,2002:merge":
                        raise yaml.constructor.ConstructorError(None, None, "found duplicate key",
                                                                key_node.start_mark)
                    seen.add(key_node.value)
        return super().construct_mapping(node, deep)


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def _bool(loader, node):
    return loader.construct_scalar(node).lower() == "true"


def _int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _float(loader, node):
    text = loader.construct_scalar(node).lower()
    if text.endswith("inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


Loader.add_constructor("tag:yaml.org,2002:bool", _bool)
Loader.add_constructor("tag:yaml.org,2002:int", _int)
Loader.add_constructor("tag:yaml.org,2002:float", _float)
Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def load(text: str):
    return yaml.load(text, Loader=Loader)   # noqa: S506 - a safe loader (no object construction)


# -- writing new records -------------------------------------------------------------------
# The writer: the bytes the round-trip writer (`yamlio.dump`, ruamel) writes for a record the
# tool makes, at ~20x its speed. A bulk import writes thousands of files and ruamel's dump is
# ~2-8 ms each. libyaml's C emitter cannot give the layout: it always writes a sequence inside a
# mapping without indenting it (`timeline:\n- at: …`, hard-coded in emitter.c), and its choice of
# quotes differs from ruamel's (ruamel double-quotes any text with a ' or a line break). So the
# layout of a record (block mappings, sequences indented 2 under their key, items' maps at 4) is
# written here, and each scalar in the style ruamel's emitter chooses, by the same rules
# (`Emitter.analyze_scalar`, `choose_scalar_style`, the 1.2 resolver's own patterns). Anything
# outside what is known to be identical (floats, comments, anchors, a quoted-string type kept
# from a file, empty collections, very long lines, multi-line single-quoted text, a None in a
# list, …) is written by the round-trip writer itself: never different bytes. tests/test_fastyaml.py
# holds the two to the same bytes over sample-records/ and over generated records.


class _Slow(Exception):
    """The record has something the fast writer does not write: the round-trip writer does."""


_resolvers = None
_Timestamp = None
_CommentedMap = None


def _load_round_trip() -> None:
    """What the writer needs of the round-trip side, once (ruamel is imported only to write)."""
    global _resolvers, _Timestamp, _CommentedMap
    from ruamel.yaml.comments import CommentedMap

    from .yamlio import Timestamp, _rt

    _Timestamp = Timestamp
    _resolvers = _rt().resolver.versioned_resolver   # YAML 1.2, as a dump uses it
    _CommentedMap = CommentedMap


def _resolver_table():
    if _resolvers is None:
        _load_round_trip()
    return _resolvers


def _resolves_to_str(text: str) -> bool:
    table = _resolver_table()
    for _tag, regexp in table.get(text[0] if text else "", ()):
        if regexp.match(text):
            return False
    return True


def _resolves_to_float(text: str) -> bool:
    for tag, regexp in _resolver_table().get(text[0], ()):
        if regexp.match(text):
            return tag == "tag:yaml.org,2002:float"
    return False


def _resolves_to_timestamp(text: str) -> bool:
    table = _resolver_table()
    for tag, regexp in table.get(text[0] if text else "", ()):
        if regexp.match(text):
            return tag == "tag:yaml.org,2002:timestamp"
    return False


# What keeps a text from being written plain (ruamel's analyze_scalar: allow_block_plain), given
# that it is not empty: a leading indicator, ': ' or a final ':', ' #', a leading or trailing
# space, '---'/'...' at the start, a line break, or a character outside the printable set
# (unicode allowed; U+FEFF is not).
_NOT_PLAIN = re.compile("[^\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
                        "|[\u2028\u2029]"
                        r"|: |:$| #|^[-?:](?: |$)|^[#,\[\]{}&*!|>'" '"' r"%@`]|^ | $|^---|^\.\.\.")
# Characters that only a double-quoted scalar can hold (special_characters in analyze_scalar):
# not a line feed, not printable ASCII, not printable unicode (U+0085 counts as printable).
_SPECIAL = re.compile("[^\n\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_OTHER_BREAKS = re.compile("[\x85\u2028\u2029]")
# In double quotes (write_double_quoted): these, and anything not printable, are escaped.
_ESCAPED = re.compile('["\\\\\x85\u2028\u2029\ufeff]|'
                      "[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = {"\0": "0", "\x07": "a", "\x08": "b", "\x09": "t", "\x0a": "n", "\x0b": "v", "\x0c": "f",
            "\x0d": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_", "\u2028": "L",
            "\u2029": "P"}
# A line longer than this might be folded by the emitter (width 4096): such a value goes slow.
_LONGEST = 3500
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,99}\Z")


def _escape(match) -> str:
    ch = match.group()
    if ch in _ESCAPES:
        return "\\" + _ESCAPES[ch]
    code = ord(ch)
    if code <= 0xFF:
        return "\\x%02X" % code
    if code <= 0xFFFF:
        return "\\u%04X" % code
    return "\\U%08X" % code


def _text(value: str) -> str:
    """A text value as ruamel writes it in block context (not a key)."""
    if len(value) > _LONGEST:
        raise _Slow
    if value and _NOT_PLAIN.search(value) is None and _resolves_to_str(value):
        return value
    if not value:
        return "''"
    if "'" in value or "\n" in value or _SPECIAL.search(value) is not None:
        escaped = _ESCAPED.sub(_escape, value)
        if len(escaped) > _LONGEST:
            raise _Slow
        return f'"{escaped}"'
    if _OTHER_BREAKS.search(value) is not None:
        raise _Slow   # a multi-line single-quoted scalar
    return f"'{value}'"


_texts: dict[str, str] = {}


def _scalar(value, key, plain_data: bool) -> str:
    """`value` as written after `key: ` or `- `; _Slow if not known."""
    kind = type(value)
    if kind is str:
        if plain_data and (key == "at" or key == "date" or (type(key) is str and key.endswith("_at"))) \
                and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-" and value[:4].isdigit():
            return _timestamp_text(value)    # yamlio.new_map marks it a Timestamp
        text = _texts.get(value)
        if text is None:
            text = _text(value)
            if len(_texts) > 50_000:
                _texts.clear()
            _texts[value] = text
        return text
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is _Timestamp:
        return _timestamp_text(value)
    if kind is float:
        # SafeRepresenter.represent_float: repr, lower case, plain when it reads back as a float
        text = repr(value).lower()
        if value == value and text not in ("inf", "-inf") and _resolves_to_float(text):
            return text
    raise _Slow


# The times the tool writes (2026-11-22T09:14:00+08:00): the 1.2 resolver reads them as
# timestamps (no int or float pattern matches them first) and nothing in them needs quotes.
_ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})?\Z")


def _timestamp_text(value: str) -> str:
    # Written plain when the resolver reads it back as a timestamp; otherwise ruamel writes an
    # explicit tag (`!!timestamp '…'`): left to it.
    if _ISO_TIME.match(value) is not None:
        return value
    if len(value) <= _LONGEST and _NOT_PLAIN.search(value) is None and _resolves_to_timestamp(value):
        return value
    raise _Slow


_keys: dict = {}


def _key(key) -> str:
    text = _keys.get(key)
    if text is None:
        if type(key) is not str or _KEY.match(key) is None or not _resolves_to_str(key):
            raise _Slow
        if len(_keys) > 10_000:
            _keys.clear()
        _keys[key] = text = key
    return text


def _bare(node) -> bool:
    """A round-trip container with nothing of its own to write: no comment, anchor, tag, flow
    style or merge (what a record made by `yamlio.new_map` is)."""
    comment = getattr(node, "_yaml_comment", None)   # (a slot: not in __dict__)
    if comment is not None and (comment.comment or comment.items or getattr(comment, "end", None)
                                or getattr(comment, "pre", None)):
        return False
    for name, value in getattr(node, "__dict__", {}).items():
        if name == "_yaml_format":
            if value.flow_style():   # (set on every loaded node: False for block style)
                return False
        elif name == "_yaml_anchor":
            if value.value is not None:
                return False
        elif name == "_yaml_tag":
            if value.value is not None:
                return False
        elif name == "_yaml_merge":
            if value:
                return False
        elif name != "_yaml_line_col":
            return False
    return True


def _write_map(node, indent: int, first: str | None, out: list, plain_data: bool) -> None:
    """Lines of a block mapping at `indent`; `first`: the first line's prefix (`  - `)."""
    if not node or indent > 200:
        raise _Slow
    if not plain_data and not _bare(node):
        raise _Slow
    pad = " " * indent
    prefix = first if first is not None else pad
    for key, value in node.items():
        head = prefix + _key(key) + ":"
        prefix = pad
        kind = type(value)
        if isinstance(value, dict):
            if plain_data != (kind is dict):
                raise _Slow
            if not value and (plain_data or _bare(value)):
                out.append(head + " {}\n")
                continue
            out.append(head + "\n")
            _write_map(value, indent + 2, None, out, plain_data)
        elif isinstance(value, list):
            if plain_data != (kind is list):
                raise _Slow
            if not value and (plain_data or _bare(value)):
                out.append(head + " []\n")
                continue
            out.append(head + "\n")
            _write_seq(value, indent + 2, key, out, plain_data)
        elif value is None:
            out.append(head + "\n")
        else:
            out.append(head + " " + _scalar(value, key, plain_data) + "\n")


def _write_seq(node, indent: int, key, out: list, plain_data: bool) -> None:
    """Items of a block sequence, each `- ` at `indent` (their maps' keys at indent + 2)."""
    if not node:
        raise _Slow
    if not plain_data and not _bare(node):
        raise _Slow
    dash = " " * indent + "- "
    for value in node:
        kind = type(value)
        if isinstance(value, dict):
            if plain_data != (kind is dict):
                raise _Slow
            _write_map(value, indent + 2, dash, out, plain_data)
        elif isinstance(value, list) or value is None:
            raise _Slow
        else:
            out.append(dash + _scalar(value, key, plain_data) + "\n")


def dump(data) -> str:
    """The text of a record: exactly what the round-trip writer writes for it, that is
    `yamlio.dump(data)` for a round-trip mapping (as `yamlio.new_map` makes, or a loaded one
    without comments) and `yamlio.dump(yamlio.new_map(data))` for plain data (dicts, lists,
    str, int, bool, None)."""
    plain_data = type(data) is dict
    if _CommentedMap is None:
        _load_round_trip()
    if plain_data or type(data) is _CommentedMap:
        out: list[str] = []
        try:
            _write_map(data, 0, None, out, plain_data)
        except (_Slow, RecursionError):
            pass
        else:
            return "".join(out)
    from . import yamlio

    return yamlio.dump(yamlio.new_map(data) if isinstance(data, dict) and not isinstance(data, _CommentedMap)
                       else data)
