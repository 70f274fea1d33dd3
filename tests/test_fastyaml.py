"""The fast writer (`fastyaml.dump`) writes exactly the bytes of the round-trip writer.

A record the tool creates is written by `fastyaml.dump`; an edited one by ruamel
(`yamlio.dump`). The two must never differ: a file written by an import must be what the next
edit of it would write back, or every first edit would show changes nobody made. Held here on
every record of sample-records/ and on generated records full of what makes YAML choose
quotes (Chinese text, numbers, booleans, dates, `no`, `0301`, `#`, `: `, quotes, line breaks).
"""
from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wuyectl.store import fastyaml, yamlio

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "sample-records").rglob("*.yaml"))


def reference(data) -> str:
    """What the round-trip writer writes for a record made from `data` (yamlio.new_map)."""
    return yamlio.dump(yamlio.new_map(data))


def slow_calls(monkeypatch) -> list:
    """Count the records the fast writer hands to the round-trip writer."""
    calls = []
    real = yamlio.dump

    def counting(data):
        calls.append(data)
        return real(data)

    monkeypatch.setattr(yamlio, "dump", counting)
    return calls


@pytest.mark.parametrize("path", SAMPLES, ids=[str(p.relative_to(ROOT / "sample-records")) for p in SAMPLES])
def test_every_sample_record_is_written_byte_for_byte(path, monkeypatch):
    data = yamlio.to_plain(yamlio.load_roundtrip(path.read_text(encoding="utf-8")))
    expected = reference(data)
    calls = slow_calls(monkeypatch)
    assert fastyaml.dump(data) == expected                       # plain data, as an import stages it
    assert fastyaml.dump(yamlio.new_map(data)) == expected       # the round-trip tree of a created record
    assert calls == []   # and by the fast path itself, not by handing the record to ruamel


def test_the_sample_office_has_records_of_every_shape():
    assert len(SAMPLES) > 100
    assert {p.relative_to(ROOT / "sample-records").parts[0] for p in SAMPLES} >= {
        "tickets", "owners", "visits", "violations", "surveys"}


TRICKY = ["", " ", "no", "No", "yes", "off", "on", "y", "n", "true", "False", "TRUE", "null", "Null", "~", "0301",
          "0o17", "0x1F", "0b101", "1_000", "12", "-3", "+4", "1.5", "1e3", ".5", ".inf", "-.inf", ".nan", "1:20",
          "2026-11-22", "2026-11-22T09:14:00+08:00", "2026-11-22 09:14:00", "2026-1-2", "=", "<<", "---", "...",
          "--- x", "... x", "- x", "-x", "? x", "?x", ": x", ":x", "x:", "x: y", "x:y", "a #b", "a#b", "#c",
          "'q'", '"dq"', "it's", 'say "hi"', "a\nb", "a\n\nb", "\nlead", "trail\n", " lead", "trail ", "a  b",
          "tab\there", "\x00", "\x07bell", "\x1b", "\x7f", "\x85", "\xa0", "a\u2028b", "\u2029", "\ufeff",
          "\ue000", "\U0001f600", "😀 emoji", "[x]", "{x}", "a,b", "a[b]", "&anchor", "*alias", "!tag", "|", ">",
          "%", "@", "`", "\\", "back\\slash", "@at", "3-2-1201", "13800138000", "110101199003071234",
          "客厅墙面出现裂缝", "电话：13800138000", "维修: 完成", "备注 #1", "王五、赵六", "  两个空格", "全角　空格"]


def test_tricky_texts_as_values_keys_and_items():
    for text in TRICKY:
        for data in ({"id": "T-1", "value": text}, {"id": "T-1", "items": [text, "x"]},
                     {"id": "T-1", "timeline": [{"at": "2026-11-22T09:14:00+08:00", "note": text}]},
                     {"id": "T-1", "nested": {"deeper": {"note": text}}}, {"at": text}, {"date": text},
                     {"closed_at": text}, {"times_at": [text]}):
            assert fastyaml.dump(data) == reference(data), repr(text)
        for key in ("key", "true", "no", "12", "a b", "x-y", "_k", "键"):
            data = {key: text}
            assert fastyaml.dump(data) == reference(data), (key, text)


def test_scalars_of_every_type():
    data = {"n": 0, "big": 10 ** 30, "neg": -7, "t": True, "f": False, "none": None, "x": 1.5, "tiny": 1e-05,
            "huge": 1e17, "inf": float("inf"), "nan": float("nan"), "empty_list": [], "empty_map": {},
            "list": [None, 1, True, 2.5, "x"], "lists": [[1, 2], []], "maps": [{}, {"a": None}]}
    assert fastyaml.dump(data) == reference(data)


def test_a_long_text_is_left_to_the_round_trip_writer(monkeypatch):
    # past the emitter's width (4096) a line may be folded: the round-trip writer does that
    data = {"id": "T-1", "description": "维修 " * 2000, "result": "a" * 5000}
    expected = reference(data)
    calls = slow_calls(monkeypatch)
    assert fastyaml.dump(data) == expected
    assert len(calls) == 1


@pytest.mark.parametrize("text", ["id: T-1  # hand note\nstatus: received\n", "# top\nid: T-1\n",
                                  "id: T-1\ntimeline:\n  - at: x  # c\n", "id: T-1\nm:\n  a: 1\n# end\n",
                                  "id: T-1\nl:\n  - a\n  # between\n  - b\n", "id: T-1\n\nstatus: x\n"])
def test_a_round_trip_tree_with_a_comment_is_written_by_ruamel(text, monkeypatch):
    rt = yamlio.load_roundtrip(text)
    calls = slow_calls(monkeypatch)
    assert fastyaml.dump(rt) == text
    assert len(calls) == 1


def test_a_loaded_tree_without_comments_is_written_alike():
    text = "id: T-1\nstatus: received\nreporter:\n  name: 李四\n  phone: '13800138000'\ntimeline:\n" \
           "  - at: 2026-11-22T09:14:00+08:00\n    by: 王芳\n    action: receive\n"
    rt = yamlio.load_roundtrip(text)
    assert fastyaml.dump(rt) == yamlio.dump(rt) == text


def test_kept_quotes_and_flow_style_are_the_round_trip_writers():
    for text in ("id: 'T-1'\n", 'id: "T-1"\n', "tags: [a, b]\n", "m: {a: 1}\n", "a: &x 1\nb: *x\n", "a: !!str 1\n"):
        rt = yamlio.load_roundtrip(text)
        assert fastyaml.dump(rt) == yamlio.dump(rt), text


# -- generated records ----------------------------------------------------------------------
_chars = st.one_of(
    st.sampled_from(list(string.ascii_letters + string.digits + " -_:#'\",.[]{}&*!|>%@`?\\/\n\t")),
    st.sampled_from(list("客厅墙面出现裂缝维修完成王五赵六电话：、，。（）　")),
    st.characters(blacklist_categories=("Cs",)),
)
texts = st.one_of(st.sampled_from(TRICKY), st.text(_chars, max_size=30),
                  st.from_regex(r"\A[0-9]{1,4}([-:.][0-9]{1,2}){0,5}\Z"),
                  st.builds(lambda a, b: f"{a}{b}", st.sampled_from(["2026-11-22", "2026-11-22T09:14", "0", "no "]),
                            st.text(_chars, max_size=8)))
scalars = st.one_of(texts, st.integers(), st.booleans(), st.none(),
                    st.floats(allow_nan=True, allow_infinity=True))
keys = st.one_of(st.sampled_from(["id", "status", "at", "date", "received_at", "note", "by", "set", "timeline",
                                  "description", "phone", "closed_at", "true", "no", "1"]),
                 st.text(st.sampled_from(list(string.ascii_lowercase + "_-")), min_size=1, max_size=12),
                 texts)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(keys, inner, max_size=4)),
                      max_leaves=25)
records = st.dictionaries(keys, values, min_size=1, max_size=8)


@settings(max_examples=400, deadline=None)
@given(records)
def test_any_record_is_written_byte_for_byte(data):
    expected = reference(data)
    assert fastyaml.dump(data) == expected
    assert fastyaml.dump(yamlio.new_map(data)) == expected


ticket_like = st.fixed_dictionaries({
    "id": st.just("T-20261122-A001"), "status": st.sampled_from(["received", "closed", "cancelled"]),
    "category": st.sampled_from(["repair", "complaint"]), "source_category": texts,
    "location": st.fixed_dictionaries({"building": texts, "place": texts}),
    "description": texts, "escalation_level": st.integers(0, 3),
    "received_at": st.just("2016-03-01T09:14:00-08:00"), "source_id": texts, "result": texts,
    "timeline": st.lists(st.fixed_dictionaries({"at": st.just("2016-03-01T09:14:00-08:00"), "by": texts,
                                                "action": st.just("receive"), "note": texts}),
                         min_size=1, max_size=3)})


@settings(max_examples=300, deadline=None)
@given(ticket_like)
def test_any_imported_ticket_is_written_byte_for_byte(data):
    assert fastyaml.dump(data) == reference(data)
