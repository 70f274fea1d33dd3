"""The office's policy (wuye.yaml `policy:`): its time limits, who may see personal numbers,
whether commits must be signed … changed by the director with `wuyectl policy set`, as one
tool commit, so the audit knows the policy each commit was made under and who changed it (a
hand edit of wuye.yaml is taken as written, but reported)."""
from __future__ import annotations

from ..domain import codes
from ..domain.workflow import POLICY_MAKERS
from ..errors import BadValue, NotPermitted, Refused
from ..i18n import _
from ..store import yamlio
from ..store.office import CONFIG, Office
from ..store.transaction import Transaction
from .office import acting



def read_value(text: str):
    """A value as typed: a YAML scalar or flow list (`30`, `true`, `[director, supervisor]`)."""
    try:
        value = yamlio.to_plain(yamlio.load_roundtrip(f"value: {text}\n"))["value"]
    except (yamlio.YamlProblem, KeyError, TypeError):
        raise BadValue(_("'{text}' is not a value (a number, true/false, text or [a, b])").format(text=text)) from None
    return value


def set_policy(office: Office, actor: str | None, key: str, value) -> str | None:
    """Set `policy.KEY` (dotted for nested keys: `sla_minutes.dispatch`) to `value` (a Python
    value, or text as typed); None removes the setting (back to the manuals' default).
    Returns the commit, or None when nothing changed."""
    person = acting(office, actor)
    if person["role"] not in POLICY_MAKERS:
        raise NotPermitted(_("{name} ({role}) may not change the policy: needs {roles}").format(
            name=person["name"], role=codes.shown("role", person["role"]),
            roles=codes.shown_or("role", sorted(POLICY_MAKERS))))
    parts = [p.strip() for p in str(key).split(".")]
    if not all(parts):
        raise BadValue(_("'{key}' is not a policy setting (e.g. backdate_limit_days, sla_minutes.dispatch)").format(key=key))
    if isinstance(value, str):
        value = read_value(value)
    if parts == ["require_signatures"] and value is True and not person.get("signing_key"):
        raise Refused(_("{name} has no signing key on the roster: register it first (wuyectl staff key "
                        "{name} --file KEY.pub), or no one could change this policy back").format(name=person["name"]))
    if parts[0] in ("calendar", "working_time"):
        _check_calendar(office, _policy_after(office, parts, value), value)
    if parts[0] == "assessment":
        _check_assessment(_policy_after(office, parts, value))
    with Transaction(office, person) as tx:
        loaded = tx.load_path(CONFIG)
        if "policy" not in loaded.rt:
            loaded.rt["policy"] = yamlio.new_map({})
        node = loaded.rt["policy"]
        for part in parts[:-1]:
            if part not in node or not hasattr(node[part], "keys"):
                node[part] = yamlio.new_map({})
            node = node[part]
        before = yamlio.to_plain(node.get(parts[-1])) if parts[-1] in node else None
        if before == value:
            return None
        if value is None:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = yamlio.new_map(value) if isinstance(value, dict) else value
        if not loaded.rt["policy"]:
            del loaded.rt["policy"]
        tx.stage(loaded)   # the config schema is checked when it is committed
        shown = "(default)" if value is None else value
        commit = tx.commit(f"policy {key} = {shown}", action="policy", records=[])
    office.reload()
    return commit


def _policy_after(office: Office, parts: list[str], value) -> dict:
    """The policy as it would be once this value is set (a copy: nothing is written)."""
    import copy

    policy = copy.deepcopy(office.config.get("policy") or {})
    node = policy
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value
    return policy


def _check_calendar(office: Office, policy: dict, value) -> None:
    """The working calendar's settings as a bad value before anything is written: a day that
    is not a date (2027-02-30), office hours that are not HH:MM-HH:MM or overlap, a day both a
    holiday and a workday, a stage that is not one (the rest of the policy is checked by the
    config schema when it is committed)."""
    from ..domain.workdays import WorkCalendar
    from ..store import schema

    for path, message in schema.problems({**office.config, "policy": policy}, "config"):
        if path[:2] in (("policy", "calendar"), ("policy", "working_time")):
            raise BadValue(message)
    try:
        WorkCalendar.from_policy(policy.get("calendar"))
    except ValueError:
        raise BadValue(_("policy calendar: office hours overlap, or a day is both a holiday and a workday "
                         "({value})").format(value=value)) from None


def _check_assessment(policy: dict) -> None:
    """The assessment's grade thresholds must still increase once this value is set: refused
    here in one line, before anything is written (validate flags a hand edit)."""
    from ..domain.assessment import threshold_problems

    for _path, message in threshold_problems(policy):
        raise BadValue(message)
