"""Property tests (hypothesis): invariants that hold for any sequence of actions.

1. Any sequence of ticket actions, by any of the desk and field roles, taken through the
   Python API: every action the SPEC allows is accepted and moves the status as the SPEC
   says (an independent model below); every other action is refused with a WuyeError and
   changes nothing (file bytes, HEAD); after every step the record passes the store's
   validators; the engine's list of allowed actions agrees with the model; and each accepted
   action is exactly one commit (no sequence loses or doubles a commit).
2. YAML round trip: load → dump of a record keeps its data and its comments.
"""
from __future__ import annotations

import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import UNIT, ticket_path

# Messages are asserted in English here (the default is Chinese: tests/test_messages.py).
pytestmark = pytest.mark.lang("en")

ACTIONS = ["assign", "contact", "arrive", "progress", "resolve", "report_back", "notify", "answer", "close",
           "reopen", "cancel", "escalate", "callback"]
ACTORS = {"王芳": "clerk", "赵强": "supervisor", "李明": "technician"}
FIELD_ACTIONS = {"contact", "arrive", "progress", "resolve", "report_back", "notify"}
CALLBACK_CATEGORIES = {"repair", "paid_repair", "complaint", "help"}
ANSWERABLE = {"consult", "suggestion", "praise"}
# The highest level each role escalates to (the seeds: the desk reports to the supervisor, the
# supervisor to the director, the director to the company).
ESCALATES_TO = {"clerk": 1, "supervisor": 2, "director": 3}


class Model:
    """The ticket lifecycle of SPEC §2.1, written from the SPEC (not from the engine)."""

    def __init__(self, category: str):
        self.category = category
        self.status = "received"
        self.assignee = None
        self.level = 1 if category == "complaint" else 0

    def allowed(self, role: str | None = None) -> set[str]:
        s = self.status
        out = set()
        if s in ("received", "assigned", "in_progress"):
            out.add("assign")
        if s in ("assigned", "in_progress"):
            out |= {"contact", "arrive", "progress", "resolve"}
        if s in ("resolved", "closed"):
            out |= {"report_back", "notify", "reopen"}
        if s == "received" and self.category in ANSWERABLE:
            out.add("answer")
        if s == "resolved":
            out.add("callback")
            if self.category not in CALLBACK_CATEGORIES:
                out.add("close")
        if s in ("received", "assigned"):
            out.add("cancel")
        if s in ("received", "assigned", "in_progress", "resolved") and self.level < 3:
            out.add("escalate")
        if role == "technician":
            out &= FIELD_ACTIONS
        if role is not None and self.level + 1 > ESCALATES_TO.get(role, 0):
            out.discard("escalate")
        return out

    def apply(self, action: str, to: str, rating: str) -> None:
        if action == "assign":
            self.status, self.assignee = "assigned", to
        elif action in ("contact", "arrive", "progress"):
            self.status = "in_progress"
        elif action in ("resolve", "answer"):
            self.status = "resolved"
        elif action == "close":
            self.status = "closed"
        elif action == "cancel":
            self.status = "cancelled"
        elif action == "escalate":
            self.level += 1
        elif action == "reopen" or (action == "callback" and rating == "dissatisfied"):
            self.status = "assigned" if self.assignee else "received"
        elif action == "callback":
            self.status = "closed"


def _take(office, actor, tid, category, action, to, rating):
    from wuyectl import api

    if action == "assign":
        return api.assign(office, actor, [tid], to=to)
    if action == "escalate":
        return api.escalate(office, actor, [tid], reason="业主要求升级")
    if action == "callback":
        return api.open_callback(office, actor, ticket=tid, rating=rating)
    sets, note = {}, None
    if action == "resolve":
        sets = {"result": "已处理", "signed_by": "张先生"} if category in ("repair",) else {"result": "已处理"}
    elif action in ("answer", "reopen", "cancel"):
        note = "说明"
    return api.act(office, actor, [tid], action, sets=sets, note=note)


def _git(top, *args) -> str:
    return subprocess.run(["git", *args], cwd=top, capture_output=True, text=True, check=True).stdout


def _head(top) -> str:
    return _git(top, "rev-parse", "HEAD").strip()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(category=st.sampled_from(["repair", "consult", "complaint", "help"]), data=st.data())
def test_any_sequence_of_actions_keeps_the_record_valid(office, category, data):
    from wuyectl import api
    from wuyectl.domain.kinds.ticket import KIND as TICKET, WORKFLOW as TICKET_WORKFLOW
    from wuyectl.errors import WuyeError
    from wuyectl.store.validate import Context, findings

    the_office = api.Office(str(office))
    tid = api.open_ticket(the_office, "王芳", channel="phone", category=category, unit=UNIT,
                          reporter="张先生", phone="13800138000", description="属性测试")
    rel = ticket_path(tid)
    path = office / rel
    model = Model(category)
    start, accepted_count = int(_git(office, "rev-list", "--count", "HEAD")), 0
    steps = data.draw(st.integers(min_value=1, max_value=7), label="steps")
    for _ in range(steps):
        actor = data.draw(st.sampled_from(sorted(ACTORS)), label="actor")
        role = ACTORS[actor]
        likely = sorted(model.allowed(role))
        action = data.draw(st.sampled_from(likely) if likely and data.draw(st.booleans(), label="valid?")
                           else st.sampled_from(ACTIONS), label="action")
        to = data.draw(st.sampled_from(["李明", "陈洁"]), label="to")
        rating = data.draw(st.sampled_from(["satisfied", "basically_satisfied", "dissatisfied"]), label="rating")

        before_bytes = path.read_bytes()
        head = _head(office)
        expected = action in model.allowed(role)
        try:
            _take(the_office, actor, tid, category, action, to, rating)
            accepted = True
        except WuyeError:
            accepted = False
        assert accepted == expected, (action, role, model.status, category)
        if accepted:
            model.apply(action, to, rating)
            accepted_count += 1
            assert _head(office) != head
        else:
            assert path.read_bytes() == before_bytes
            assert _head(office) == head

        _, loaded = the_office.load(tid)
        record = loaded.data
        assert record["status"] == model.status
        assert record.get("escalation_level") == model.level
        if model.assignee and record["status"] in ("assigned", "in_progress"):
            assert record["assignee"] == model.assignee
        problems = findings(TICKET, rel, record, Context(the_office))
        assert problems == []
        engine = set(TICKET_WORKFLOW.allowed(record))
        assert engine == model.allowed(), (record["status"], category)

    # one commit per accepted action, no more, no fewer
    assert int(_git(office, "rev-list", "--count", "HEAD")) == start + accepted_count
    assert _git(office, "status", "--porcelain") == ""


# -- YAML round trip -----------------------------------------------------------------------
_text = st.text(alphabet=st.sampled_from("abcXYZ019 -_.,:#'\"!?&*[]{}|>%@`漏水卫生间张先生：，。（）"), min_size=1,
                max_size=20)
_scalar = st.one_of(_text, st.integers(-10**6, 10**6), st.booleans(), st.none())
_keys = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True)
_values = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(_keys, inner, max_size=4)), max_leaves=12)


@settings(max_examples=40, deadline=None)
@given(data=st.dictionaries(_keys, _values, min_size=1, max_size=6), comment=_text)
def test_yaml_round_trip_keeps_data_and_comments(data, comment):
    from wuyectl.store import yamlio

    comment = " ".join(comment.split()) or "备注"
    text = f"# {comment}\n" + yamlio.dump(yamlio.new_map(data))
    loaded = yamlio.load_roundtrip(text)
    assert yamlio.to_plain(loaded) == data
    again = yamlio.dump(loaded)
    assert again == text
    assert yamlio.to_plain(yamlio.load_roundtrip(again)) == data


def test_yaml_loading_constructs_no_objects(tmp_path):
    from wuyectl.store import yamlio

    marker = tmp_path / "pwned"
    text = f"a: !!python/object/apply:os.system ['touch {marker}']\n"
    data = yamlio.to_plain(yamlio.load_roundtrip(text))
    assert data == {"a": [f"touch {marker}"]}      # kept as data; the schema rejects it
    assert not marker.exists()


def test_yaml_alias_bomb_is_bounded():
    from wuyectl.store import yamlio

    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcde", "bcdef"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(yamlio.YamlProblem, match="more than 200000 values"):
        yamlio.to_plain(yamlio.load_roundtrip("\n".join(lines) + "\n"))
