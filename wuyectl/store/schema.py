"""JSON Schema validation with messages people can act on and the path of each fault."""
from __future__ import annotations

import json
import os
from functools import lru_cache

from ..errors import did_you_mean
from ..i18n import N_, _, join_or


def _schema_dir():
    # Installed: the package wuyectl.schemas; from a source checkout: <repo>/schemas.
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    installed = os.path.join(here, "schemas")
    if os.path.isdir(installed):
        return installed
    return os.path.join(os.path.dirname(here), "schemas")


def schema_text(name: str) -> str:
    """The schema's JSON text: a registered kind's inline schema (`Kind.schema_doc`), else
    its file. Asked afresh each time (what is derived from it is cached by the text), so a
    kind registered later, or again, is never judged by a stale schema."""
    from ..domain.kinds import KINDS

    inline = next((k.schema_doc for k in KINDS.values() if k.schema == name and k.schema_doc is not None), None)
    if inline is not None:
        return json.dumps(inline, ensure_ascii=False, sort_keys=True)
    return _file_text(name)


@lru_cache(maxsize=None)
def _file_text(name: str) -> str:
    with open(os.path.join(_schema_dir(), f"{name}.schema.json"), encoding="utf-8") as fh:
        return fh.read()


def schema(name: str) -> dict:
    return _parsed(schema_text(name))


@lru_cache(maxsize=None)
def _parsed(text: str) -> dict:
    return json.loads(text)


def _as_python(node):
    """The schema with its patterns meaning in Python's re what they mean in JSON Schema
    (ECMA-262): a final `$` is the end of the text, where Python's also matches before a final
    line break ('3-2-1201\\n'). (Digits are spelled [0-9] in the schemas: Python's \\d takes
    any script's digits.)"""
    if isinstance(node, dict):
        out = {key: _as_python(value) for key, value in node.items()}
        pattern = node.get("pattern")
        if isinstance(pattern, str) and pattern.endswith("$") and not pattern.endswith("\\$"):
            out["pattern"] = pattern[:-1] + "\\Z"
        return out
    if isinstance(node, list):
        return [_as_python(value) for value in node]
    return node


def _validator(name: str):
    return _validator_of(schema_text(name))


@lru_cache(maxsize=None)
def _validator_of(text: str):
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker(formats=())
    for name, ok in FORMATS.items():
        checker.checks(name)(ok)
    return Draft202012Validator(_as_python(_parsed(text)), format_checker=checker)


def _id_card(value) -> bool:
    """An ID-card number (GB 11643), or one sealed in its well-formed encrypted form."""
    from ..domain.privacy import id_card_problem, is_sealed, sealed_parts

    if is_sealed(value):
        return sealed_parts(value) is not None
    return not isinstance(value, str) or id_card_problem(value) is None


# Formats the schemas use beyond JSON Schema's own (date-time is checked by its pattern).
FORMATS = {"id-card": _id_card}


def _fast(name: str):
    return _fast_of(schema_text(name))


@lru_cache(maxsize=None)
def _fast_of(text: str):
    """A compiled validator (fastjsonschema, ~8x jsonschema) that only says yes or no; for
    checking many records, where almost all are valid. jsonschema stays the authority: it
    gives the messages, and is asked whenever the fast one says no."""
    try:
        import fastjsonschema
    except ImportError:
        return None
    plain = {k: v for k, v in _as_python(_parsed(text)).items() if k not in ("$id", "$schema")}
    formats = {"date-time": lambda value: True, **FORMATS}
    try:
        # The generated code names every nested value for its error message as it goes, with
        # "….timeline[{i}].at".format(**locals()): two thirds of its time on a ticket. Only its
        # yes or no is used here, so the names stay unformatted (3.4x faster).
        from functools import partial

        resolver, generator = fastjsonschema._factory(plain, {}, formats, True, True, False, True)
        scope = generator.global_state
        exec(generator.func_code.replace(".format(**locals())", ""), scope)   # noqa: S102 - its own code
        return partial(scope[resolver.get_scope_name()], custom_formats=formats)
    except Exception:   # another version of fastjsonschema: as it comes
        pass
    try:
        return fastjsonschema.compile(plain, formats=formats)
    except Exception:   # a schema it cannot compile: fall back to jsonschema alone
        return None


def problems(data, name: str, *, many: bool = False) -> list[tuple[tuple, str]]:
    """(path, message) for every schema violation of `data`, in document order. `many`: the
    caller checks a great many records (worth compiling the fast validator)."""
    if many:
        fast = _fast(name)
        if fast is not None:
            try:
                fast(data)
                return []
            except Exception:
                pass   # not valid (or not sure): jsonschema says what is wrong
    out = []
    for error in _validator(name).iter_errors(data):
        for leaf in _leaves(error):
            path = tuple(leaf.absolute_path)
            if leaf.validator == "additionalProperties" and isinstance(leaf.instance, dict):
                extras = sorted(set(leaf.instance) - set(leaf.schema.get("properties", {})))
                path += tuple(extras[:1])   # point at the unknown key itself
            out.append((path, _message(leaf)))
    out.sort(key=lambda item: [str(p) for p in item[0]])
    seen, unique = set(), []
    for item in out:
        if item not in seen:
            seen.add(item)
            unique.append(item)
    return unique


def _leaves(error):
    # anyOf/oneOf/if-then errors: report the specific failures underneath.
    if error.context:
        for sub in error.context:
            yield from _leaves(sub)
    else:
        yield error


# JSON Schema's type names, as a message names them
TYPES = {"string": N_("string"), "integer": N_("integer"), "number": N_("number"), "boolean": N_("boolean"),
         "object": N_("object"), "array": N_("array"), "null": N_("null")}


def _type(name) -> str:
    if isinstance(name, list):
        return join_or(_type(n) for n in name)
    return _(TYPES[name]) if name in TYPES else str(name)


def _message(error) -> str:
    """One schema violation in words (the codes the file must hold are shown as they are)."""
    path = ".".join(str(p) for p in error.absolute_path)
    where = f"{path}: " if path else ""
    rule = error.validator
    value = _short(error.instance)
    if rule == "enum":
        options = [str(v) for v in error.validator_value]
        return where + _("{value!r} is not one of {options}{hint}").format(
            value=error.instance, options=", ".join(options), hint=did_you_mean(error.instance, options))
    if rule == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return where + _("missing required field '{field}'").format(field=missing)
    if rule == "additionalProperties":
        extras = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        known = list(error.schema.get("properties", {}))
        hint = did_you_mean(extras[0], known) if extras else ""
        return where + _("unknown field {fields}{hint}").format(fields=", ".join(repr(e) for e in extras), hint=hint)
    if rule == "type":
        return where + _("{value} is not a {type}").format(value=value, type=_type(error.validator_value))
    if rule == "format" and error.validator_value == "id-card":
        from ..domain.privacy import id_card_problem, is_sealed

        if is_sealed(error.instance):
            return where + _("not a well-formed sealed value (enc:1:KEY:MASK:CIPHERTEXT)")
        return where + id_card_problem(error.instance)
    if rule == "pattern" and _personal(error.absolute_path):
        return where + _("does not have the expected form")   # a personal number is never repeated
    if rule == "pattern":
        if "date" in error.schema.get("format", "") or "T[0-9]{2}" in str(error.validator_value):
            return where + _("{value} is not a time like 2026-11-22T09:14:00+08:00").format(value=value)
        if str(error.validator_value) in ("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "^[0-9]{4}-[0-9]{2}-[0-9]{2}\\Z") or \
                str(error.validator_value).startswith("^([0-9]{4}-[0-9]{2}-[0-9]{2}|enc:"):   # or sealed
            return where + _("{value} is not a date like 2026-11-22").format(value=value)
        return where + _("{value} does not have the expected form").format(value=value)
    if rule in ("minLength", "minItems"):
        return where + _("must not be empty")
    if rule in ("maxLength", "maxItems"):
        return where + _("is too long (at most {limit})").format(limit=error.validator_value)
    return f"{where}{error.message}"


def _personal(path) -> bool:
    from ..domain.privacy import personal_keys

    last = list(path)[-1:] or [None]
    return last[0] in personal_keys("phone") | personal_keys("id_card")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…'"
