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
    if name == "config":
        settings = {k.name: {key: {**one.schema, "description": one.about} for key, one in k.settings.items()}
                    for k in KINDS.values() if k.settings}
        return _with_settings(_file_text(name), json.dumps(settings, ensure_ascii=False, sort_keys=True))
    return _file_text(name)


@lru_cache(maxsize=8)
def _with_settings(text: str, settings: str) -> str:
    """The office config's schema with each kind's policy settings (`Kind.settings`, here as
    JSON: kind → key → schema) as `policy.<kind>`: an object of those keys only."""
    kinds = json.loads(settings)
    if not kinds:
        return text
    doc = json.loads(text)
    policy = doc["properties"]["policy"]["properties"]
    for kind, properties in kinds.items():
        policy[kind] = {"type": "object", "additionalProperties": False, "properties": properties}
    return json.dumps(doc, ensure_ascii=False, sort_keys=True)


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


def _calendar_date(value) -> bool:
    """A real day of the calendar, YYYY-MM-DD (2027-02-30 is not): wuye.yaml's calendar overrides."""
    from ..domain.workdays import read_date

    try:
        return not isinstance(value, str) or bool(read_date(value))
    except ValueError:
        return False


def _office_hours(value) -> bool:
    """HH:MM-HH:MM with the end after the start: wuye.yaml's office hours."""
    from ..domain.workdays import read_hours

    try:
        return not isinstance(value, str) or bool(read_hours(value))
    except ValueError:
        return False


# Formats the schemas use beyond JSON Schema's own (date-time is checked by its pattern).
FORMATS = {"id-card": _id_card, "office-day": _calendar_date, "office-hours": _office_hours}


def _fast(name: str):
    return _fast_of(schema_text(name))


class FastInvalid(ValueError):
    """What a compiled validator raises for a record it finds invalid (the generated code's
    JsonSchemaValueException, without importing fastjsonschema to run it)."""

    def __init__(self, message, value=None, name=None, definition=None, rule=None):
        super().__init__(message)


_FAST_FORMATS = {"date-time": lambda value: True, **FORMATS}
_IMPORT_LINE = "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException\n"


def cache_dir() -> str:
    """Where compiled validators are kept: WUYECTL_CACHE_DIR, else $XDG_CACHE_HOME/wuyectl,
    else ~/.cache/wuyectl (per computer and user: they depend on the Python version)."""
    explicit = os.environ.get("WUYECTL_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "wuyectl")


def _fast_code(text: str):
    """The compiled validator's code object for the schema `text`: from the cache folder, or
    generated by fastjsonschema (~40 ms and a 30 ms import, once per schema version) and kept
    there. None when fastjsonschema is missing or cannot compile the schema."""
    import hashlib
    import marshal
    import sys

    try:   # which fastjsonschema would compile it (found, not imported: the import costs 30 ms)
        from importlib.util import find_spec

        origin = find_spec("fastjsonschema").origin
        info = os.stat(os.path.join(os.path.dirname(origin), "version.py"))
        library = f"{origin}|{info.st_mtime_ns}|{info.st_size}"
    except Exception:
        return None
    key = hashlib.sha1(f"{text}\0{library}\0{sys.version}\0{sorted(_FAST_FORMATS)}\0unnamed"   # (see below)
                       .encode("utf-8")).hexdigest()
    path = os.path.join(cache_dir(), f"schema-{key[:24]}.marshal")
    try:
        with open(path, "rb") as fh:
            return marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        pass
    try:
        import fastjsonschema

        plain = {k: v for k, v in _as_python(_parsed(text)).items() if k not in ("$id", "$schema")}
        source = fastjsonschema.compile_to_code(plain, formats=_FAST_FORMATS)
    except Exception:   # a schema it cannot compile: jsonschema alone
        return None
    if _IMPORT_LINE not in source:
        return None     # a version of fastjsonschema whose code this does not know
    # The generated code names every nested value for its error message as it goes, with
    # "….timeline[{i}].at".format(**locals()): two thirds of its time on a ticket. Only its
    # yes or no is used here, so the names stay unformatted (3.4x faster).
    source = source.replace(".format(**locals())", "")
    code = compile(source.replace(_IMPORT_LINE, ""), f"<schema {key[:12]}>", "exec")
    try:
        from .shared import atomic_write

        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic_write(path, marshal.dumps(code), sync=False)
    except OSError:
        pass            # (a read-only home: compiled again next time)
    return code


@lru_cache(maxsize=None)
def _fast_of(text: str):
    """A compiled validator (fastjsonschema, ~8x jsonschema, and no jsonschema import) that
    only says yes or no: almost every record is valid. jsonschema stays the authority: it
    gives the messages, and is asked whenever the fast one says no."""
    code = _fast_code(text)
    if code is None:
        return None
    namespace = {"JsonSchemaValueException": FastInvalid, "JsonSchemaValuesException": FastInvalid}
    try:
        exec(code, namespace)
    except Exception:
        return None
    validate = namespace.get("validate")
    if validate is None:
        return None
    from functools import partial

    return partial(validate, custom_formats=_FAST_FORMATS)


def problems(data, name: str) -> list[tuple[tuple, str]]:
    """(path, message) for every schema violation of `data`, in document order. The compiled
    validator answers first (almost every record is valid); jsonschema, for a record it says
    no to (`explained`)."""
    fast = _fast(name)
    if fast is not None:
        try:
            fast(data)
            return []
        except Exception:
            pass   # not valid (or not sure): jsonschema says what is wrong
    return explained(data, name)


def explained(data, name: str) -> list[tuple[tuple, str]]:
    """(path, message) for every schema violation of `data`, in document order, by jsonschema
    alone: the authority the compiled validator is held to (tests/test_schema_fast.py)."""
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
    if rule in ("format", "pattern") and error.schema.get("format") == "office-hours":
        return where + _("{value} is not office hours like 08:30-12:00").format(value=value)
    if rule == "format" and error.validator_value == "office-day":
        return where + _("{value} is not a date like 2026-11-22").format(value=value)
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
