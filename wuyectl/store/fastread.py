"""A reader for the layout the tool itself writes, ~5× the speed of libyaml through PyYAML;
anything else goes to `fastyaml.load`, whose result it always equals.

A cold index of 100,000 tickets parses every record file once, and most of that time is
PyYAML building events and nodes in Python for files that all look alike: block mappings and
sequences indented with spaces, keys that are plain names, one-line plain or quoted scalars
(see yamlio and fastyaml.dump). This reads exactly that, line by line:

1. the text is refused at once if it holds a character outside the safe printable set (tabs,
   control characters, the line breaks only YAML knows: NEL, LS, PS, a BOM);
2. each line is a `key: value`, a `key:` opening a block, a `- ` item, or an empty line;
   a key twice in a mapping, comments, documents markers, directives, anchors, aliases,
   tags, block scalars, flow collections other than `[]` and `{}`, plain scalars that
   continue on the next line or hold `: ` or ` #`, quoted scalars over several lines, odd
   indentation: all refused;
3. a plain scalar's type is resolved by fastyaml's own resolvers and built by its own
   constructors, so `no`, `0301`, `1:20` and times mean what they mean there.

A refusal is not an error: `load` then returns what `fastyaml.load` returns (or raises what
it raises). tests/test_fastread.py holds the two to the same result over the sample office
and over generated records with awkward strings.
"""
from __future__ import annotations

import re

from yaml.nodes import ScalarNode

from . import fastyaml

# Every character that may appear in a file read here (else: the general loader).
_ODD = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
# a line: indentation, a list item's dash, a key, the rest (every line matches)
_LINE = re.compile(r"^( *)(- |-$)?(?:([A-Za-z_][A-Za-z0-9_]{0,200}):(?: |$))?(.*)$", re.M)
_EMPTY = ("", "", "", "")
_TRAILING = re.compile(r"^(?! *- $).* $", re.M)   # (`- ` alone is an empty item: the round-trip writer's)
_DOUBLE = re.compile(r'[^"\\]+|\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[0abtnvfre "/\\N_LP])')
_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r", "e": "\x1b",
            " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}
_NOT_PLAIN = set("-?:,[]{}#&*!|>'\"%@`")
_TYPES = {f"tag:yaml.org,2002:{name}" for name in ("str", "null", "bool", "int", "float", "timestamp")}


_keys: dict[str, object] = {}   # a key's text → the key


class _Refused(Exception):
    """Not the tool's layout: the general loader reads it."""


class _Scalars:
    """What fastyaml's constructors need of a loader to build a scalar."""

    @staticmethod
    def construct_scalar(node):
        return node.value


_values: dict[str, object] = {}   # a scalar's text → its value (immutable values only)


def _plain(text: str):
    """A plain scalar's value, as fastyaml.Loader resolves and constructs it."""
    resolvers = fastyaml.Loader.yaml_implicit_resolvers
    tag = "tag:yaml.org,2002:str"
    for candidate, regexp in resolvers.get(text[0] if text else "", []) + resolvers.get(None, []):
        if regexp.match(text):
            tag = candidate
            break
    if tag not in _TYPES:
        raise _Refused(tag)
    return fastyaml.Loader.yaml_constructors[tag](_Scalars, ScalarNode(tag, text))


def _scalar(text: str):
    """The value written after `key: ` or `- ` on one line."""
    try:
        return _values[text]
    except KeyError:
        pass
    first = text[0]
    if first == " ":
        raise _Refused(text)   # more than one space after the colon or dash
    if first == "'":
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != "'" or "'" in inner.replace("''", ""):
            raise _Refused(text)
        value = inner.replace("''", "'")
    elif first == '"':
        if len(text) < 2 or text[-1] != '"':
            raise _Refused(text)
        inner = text[1:-1]
        if "\\" in inner:
            value = _unescape(inner)
        elif '"' in inner:
            raise _Refused(text)
        else:
            value = inner
    else:
        if first in _NOT_PLAIN:
            if text == "[]":
                return []   # (new each time: never shared between records)
            if text == "{}":
                return {}
            if not (first == "-" and len(text) > 1 and (text[1].isascii() and text[1].isdigit() or text[1] == ".")):
                raise _Refused(text)
        if ": " in text or " #" in text or text[-1] == ":":
            raise _Refused(text)
        value = _plain(text)
    if len(_values) > 50_000:
        _values.clear()
    _values[text] = value
    return value


def _unescape(inner: str) -> str:
    out, at = [], 0
    for match in _DOUBLE.finditer(inner):
        if match.start() != at:
            raise _Refused(inner)
        piece = match.group()
        at = match.end()
        if piece[0] != "\\":
            out.append(piece)
        elif piece[1] in "xuU":
            code = int(piece[2:], 16)
            if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                raise _Refused(inner)
            out.append(chr(code))
        else:
            out.append(_ESCAPES[piece[1]])
    if at != len(inner):
        raise _Refused(inner)
    return "".join(out)


class _Lines:
    """The lines of a text as (indentation, `- ` or '', key or '', the rest), read by a
    recursive descent."""

    def __init__(self, text: str):
        if _TRAILING.search(text):
            raise _Refused("trailing spaces")   # (a plain scalar would lose them)
        rows = _LINE.findall(text)
        if rows and rows[-1] == _EMPTY:
            rows.pop()
        if _EMPTY in rows:
            rows = [row for row in rows if row != _EMPTY]
        self.rows = rows
        self.count = len(rows)

    def block(self, at: int, indent: int):
        if self.rows[at][1]:
            return self.sequence(at, indent, False)
        return self.mapping(at, indent, False)

    def mapping(self, at: int, indent: int, inline: bool):
        """The mapping whose keys stand at `indent`; `inline`: its first key follows a `- `."""
        out: dict = {}
        rows, count, keys = self.rows, self.count, _keys
        while at < count:
            spaces, dash, key, rest = rows[at]
            if inline:
                inline = False
            elif len(spaces) != indent or dash or not key:
                if len(spaces) < indent:
                    break
                raise _Refused(rest)   # a plain scalar going on, odd indentation, a comment…
            at += 1
            if rest:
                value = _scalar(rest)
            elif at < count and len(rows[at][0]) > indent:
                value, at = self.block(at, len(rows[at][0]))
            elif at < count and len(rows[at][0]) == indent and rows[at][1]:
                value, at = self.sequence(at, indent, True)   # a list not indented under its key
            else:
                value = None
            try:
                name = keys[key]
            except KeyError:
                name = keys[key] = _plain(key)
            if name in out:
                raise _Refused(key)   # a key twice: fastyaml refuses it, and says so
            out[name] = value
        return out, at

    def sequence(self, at: int, indent: int, indentless: bool):
        out: list = []
        rows, count = self.rows, self.count
        while at < count:
            spaces, dash, key, rest = rows[at]
            if len(spaces) != indent or not dash:
                if len(spaces) < indent or (indentless and len(spaces) == indent):
                    break   # (indentless: the next key of the mapping the list is the value of)
                raise _Refused(rest)
            if key:
                value, at = self.mapping(at, indent + 2, True)   # `- key: value`
            elif rest:
                value = _scalar(rest)
                at += 1
            else:
                at += 1
                if at < count and len(rows[at][0]) > indent:
                    value, at = self.block(at, len(rows[at][0]))
                else:
                    value = None
            out.append(value)
        return out, at


def read(text: str):
    """The data of a file in the tool's layout; raises _Refused for anything else."""
    if _ODD.search(text):
        raise _Refused("character")
    lines = _Lines(text)
    if not lines.count:
        raise _Refused("empty")
    value, at = lines.block(0, len(lines.rows[0][0]))
    if at != lines.count:
        raise _Refused(lines.rows[at][3])
    return value


def load(text: str):
    """What `fastyaml.load(text)` returns (or raises), faster for the files the tool writes."""
    try:
        return read(text)
    except (_Refused, RecursionError, ValueError, OverflowError):
        return fastyaml.load(text)
