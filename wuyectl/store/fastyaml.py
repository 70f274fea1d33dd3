"""The fast read path's YAML loader: PyYAML's libyaml parser, made to read YAML 1.2 like the
round-trip loader (ruamel.yaml) that the tool edits with.

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
class Dumper(yaml.SafeDumper):
    """Writes a new record in the layout the round-trip writer uses for edits (block style,
    lists indented under their key, times as plain timestamps), at libyaml-like speed: a bulk
    import writes thousands of files, and ruamel's round-trip dump is ~8 ms each."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _timestamp(dumper, data):
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", str(data))


# Quote what YAML 1.2 would read as another type: the dumper is told the loader's 1.2 rules, so
# 'no' stays plain and '0301' is quoted.
Dumper.yaml_implicit_resolvers = {k: list(v) for k, v in Loader.yaml_implicit_resolvers.items()}


Dumper.add_multi_representer(dict, lambda dumper, data: dumper.represent_dict(data.items()))
Dumper.add_multi_representer(list, lambda dumper, data: dumper.represent_list(list(data)))


def dump(data) -> str:
    from .yamlio import Timestamp

    Dumper.add_representer(Timestamp, _timestamp)
    return yaml.dump(data, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=4096,
                     default_flow_style=False)
