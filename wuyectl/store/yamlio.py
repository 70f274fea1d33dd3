"""YAML in and out, safely, keeping what people wrote.

- `load_roundtrip(text)` → ruamel CommentedMap: the tool edits this and dumps it back, so
  hand-written comments and key order survive.
- `to_plain(node)` → dicts/lists/str/int/float/bool/None for validation, rules and the cache,
  with a node budget so an alias bomb cannot blow up memory.
- Timestamps stay strings (`Timestamp`, a str) instead of becoming datetime objects: the
  schema checks them as ISO 8601 strings, and they are written back exactly as read.
- No Python objects are ever constructed from tags; an unknown tag is kept as tagged data and
  the schema rejects it.
"""
from __future__ import annotations

import io

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ..errors import Problem
from ..i18n import _

MAX_NODES = 200_000
MAX_BYTES = 5_000_000


class Timestamp(str):
    """A YAML timestamp scalar kept as its text."""


class YamlProblem(Exception):
    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message

    def problem(self, path: str) -> Problem:
        return Problem(path, self.line, self.col, self.message, "V-yaml")


def _construct_timestamp(constructor, node):
    return Timestamp(constructor.construct_scalar(node))


def _represent_timestamp(representer, data):
    return representer.represent_scalar("tag:yaml.org,2002:timestamp", str(data))


def _make(typ: str) -> YAML:
    yaml = YAML(typ=typ, pure=(typ == "rt"))
    yaml.constructor.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
    yaml.allow_duplicate_keys = False
    if typ == "rt":
        yaml.representer.add_representer(Timestamp, _represent_timestamp)
        yaml.width = 4096
        yaml.indent(mapping=2, sequence=4, offset=2)
        yaml.preserve_quotes = True
    return yaml


_RT: YAML | None = None


def _rt() -> YAML:
    global _RT
    if _RT is None:
        _RT = _make("rt")
    return _RT


def decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise YamlProblem(0, 0, _("file is too large ({size} bytes; at most {limit})").format(size=len(raw), limit=MAX_BYTES))
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlProblem(line, col, _("not UTF-8 text (save the file as UTF-8)")) from None
    return text.replace("\r\n", "\n")


MAX_DEPTH = 100


def too_deep(text: str) -> bool:
    """Flow collections nested past MAX_DEPTH. ruamel's pure-Python parser takes seconds to
    fail on them (recursion), libyaml's event stream measures them in milliseconds."""
    if text.count("[") + text.count("{") < MAX_DEPTH:
        return False
    import yaml

    depth = 0
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return True
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return False   # the round-trip loader says where and why
    return False


def load_roundtrip(text: str):
    """Parse for editing. Raises YamlProblem with the line and column of the fault."""
    if too_deep(text):
        raise YamlProblem(1, 1, _("bad YAML: nested too deeply"))
    yaml = _rt()
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        message = (exc.problem or exc.context or "").strip()
        if "found duplicate key" in str(exc):
            message = _("duplicate key{key}").format(key=_dup_key(exc))
        raise YamlProblem(line, col, _("bad YAML: {detail}").format(detail=message) if message else _("bad YAML")) from None
    except YAMLError as exc:
        raise YamlProblem(1, 1, _("bad YAML: {detail}").format(detail=str(exc).splitlines()[0])) from None
    except RecursionError:
        raise YamlProblem(1, 1, _("bad YAML: nested too deeply")) from None
    except ValueError as exc:   # e.g. an integer of more digits than Python converts (4300)
        detail = _("a number with too many digits") if "digits" in str(exc) else str(exc)
        raise YamlProblem(1, 1, _("bad YAML: {detail}").format(detail=detail)) from None
    finally:
        # A `%YAML 1.1` directive in one file sets the shared instance's version, which every
        # later dump would then write at the top of its file: forget it.
        yaml.version = None
        yaml.tags = None
    return data


def _dup_key(exc) -> str:
    text = str(exc)
    marker = 'found duplicate key "'
    if marker in text:
        key = text.split(marker, 1)[1].split('"', 1)[0]
        return f" '{key}'"
    return ""


def to_plain(node, budget: list[int] | None = None):
    """Plain Python data; raises YamlProblem past MAX_NODES nodes (alias bombs)."""
    if budget is None:
        budget = [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise YamlProblem(1, 1, _("bad YAML: more than {limit} values (aliases expanding?)").format(limit=MAX_NODES))
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, str) else str(k): to_plain(v, budget) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [to_plain(v, budget) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    tag = getattr(getattr(node, "tag", None), "value", None) or type(node).__name__
    return {"__unsupported__": str(tag)}


def dump(data) -> str:
    stream = io.StringIO()
    _rt().dump(data, stream)
    return stream.getvalue()


def location(root, path) -> tuple[int, int]:
    """1-based line and column of the key (or list item) at `path` in a round-trip tree; the
    deepest node that exists when the path goes further than the file."""
    node, line, col = root, 0, 0
    for key in path:
        try:
            if isinstance(node, CommentedMap) and key in node:
                line, col = node.lc.key(key)
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
                line, col = node.lc.item(key)
                node = node[key]
            else:
                break
        except (AttributeError, KeyError, TypeError, IndexError):
            break
    return line + 1, col + 1


def new_map(items: dict) -> CommentedMap:
    """A round-trip mapping from plain data, timestamps marked so they are written plain."""
    out = CommentedMap()
    for key, value in items.items():
        out[key] = _rt_value(key, value)
    return out


def _rt_value(key, value):
    if isinstance(value, dict):
        return new_map(value)
    if isinstance(value, list):
        seq = CommentedSeq()
        seq.extend(_rt_value(key, v) for v in value)
        return seq
    return as_yaml_scalar(key, value)


def as_yaml_scalar(key, value):
    """Times as plain YAML timestamps; everything else as it is."""
    if isinstance(value, str) and (str(key).endswith("_at") or key in ("at", "date")) and _looks_like_time(value):
        return Timestamp(value)
    return value


def _looks_like_time(text: str) -> bool:
    return len(text) >= 10 and text[4:5] == "-" and text[7:8] == "-" and text[:4].isdigit()


def place_new_keys(node, original_keys, order) -> None:
    """Move keys added since loading to their place in `order` (the schema's field order),
    so a field the tool adds sits where a person would look for it, not after the timeline.
    Keys that were in the file stay exactly where they were."""
    rank = {key: i for i, key in enumerate(order)}
    for key in [k for k in list(node.keys()) if k not in original_keys and k in rank]:
        value = node.pop(key)
        position = len(node)
        for i, existing in enumerate(node.keys()):
            if rank.get(existing, -1) > rank[key]:
                position = i
                break
        node.insert(position, key, value)
