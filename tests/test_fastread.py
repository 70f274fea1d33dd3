"""The reader of the tool's own layout (store/fastread.py) gives exactly what the general
loader (fastyaml.load) gives: on every sample file, on records the tool's writers write from
generated data with awkward strings, and on hand edits it does not know (which it hands on)."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wuyectl.store import fastread, fastyaml, yamlio

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "sample-records").rglob("*.yaml"))


def same(a, b) -> bool:
    """Equal data of equal types all the way down (True is not 1, 1.0 is not 1), in the same key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def agree(text: str) -> bool:
    """fastread.load(text) is fastyaml.load(text), or raises what it raises; True when the
    fast path read it itself."""
    try:
        expected = fastyaml.load(text)
    except Exception as exc:   # noqa: BLE001 - whatever the general loader raises, so must the fast one
        with pytest.raises(type(exc)):
            fastread.load(text)
        return False
    assert same(fastread.load(text), expected), text
    try:
        assert same(fastread.read(text), expected), text
    except fastread._Refused:
        return False
    return True


def test_every_sample_file_reads_the_same_and_every_record_file_fast():
    assert len(SAMPLES) > 100
    refused = [p.name for p in SAMPLES if not agree(p.read_text(encoding="utf-8"))]
    assert refused == ["wuye.yaml"]   # (its comments are a person's: the general loader reads it)


@pytest.mark.parametrize("text", [
    "a: no\nb: 0301\nc: 1:20\nd: 2026-11-22\ne: 2026-11-22T09:14:00+08:00\nf: 0o17\ng: 0x1F\nh: 1e5\ni: .inf\n"
    "j: -.INF\nk: .nan\nl: ~\nm: null\nn: True\no: FALSE\np: yes\nq: +12\nr: -0\ns: 1_000\nt: 1.\nu: .5\n",
    "a: 'it''s'\nb: '#1'\nc: 'x: y'\nd: ''\ne: '0301'\nf: ' 前后 '\n",
    'a: "x\\ty\\n\\u4e2d\\x41\\\\\\""\nb: ""\nc: "\\N\\_\\L\\P\\e\\0\\/"\n',
    'a: "\\ud800"\n', 'a: "\\q"\n', 'a: "x"y"\n', "a: 'x'y'\n",
    "a:\n- 1\n- x\nb: 2\n", "a:\n  - b: 1\n    c: 2\n  - d\n  -\n  - []\n  - {}\n", "- a: 1\n  b:\n  - 2\n- 3\n",
    "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n", "a:\nb:\n", "- - a\n", "-\n- b\n",
    "a: x #c\n", "a: x#c\n", "# hi\na: 1\n", "a: 1 # c\n", "a: b: c\n", "a: b:\n", "a: [1, 2]\n", "a: {b: 1}\n",
    "<<: {a: 1}\n", "a: =\n", "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: |\n  x\n", "a: >-\n  x\n",
    "a: plain\n  going on\n", "a: 'quoted\n  going on'\n", "a:  two spaces\n", "a: 1 \n", "a:\tb\n", "a: \x85\n",
    "a: x\u2028y\n", "---\na: 1\n", "a: 1\n...\n", "%YAML 1.2\n---\na: 1\n", "  a: 1\n  b: 2\n", "  a: 1\n b: 2\n",
    "a: 1\n\n\nb: 2\n", "a:\n  - \n  -\n  - b\n", "a:\n  - \n    b: 1\n", "a:\n  -  \n", "a: \n", "a:\n    b: 1\n  c: 2\n", "null: 1\ntrue: 2\n", "a: 1\na: 2\nb: 3\n", "", "\n", "a\n", "- x\na: 1\n",
    "a: -\n", "a: -1\n", "a: -x\n", "a: ?x\n", "a: :x\n", "a: x:\n", "a: 3#楼\n", "a: @x\n", "a: `x\n", "a: %x\n",
    "a: " + "9" * 5000 + "\n", "a:" + "\n  b:" * 200 + " 1\n", "ab-c: 1\n", "a b: 1\n", "a:b\n",
])
def test_awkward_texts_read_the_same(text):
    agree(text)


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**12), st.floats(allow_nan=False, allow_infinity=True),
    st.sampled_from(["no", "yes", "on", "0301", "1:20", "1e5", ".inf", "~", "null", "True", "", " ", "0x1F", "0o7",
                     "2026-11-22", "2026-11-22T09:14:00+08:00", "-", "- a", "a: b", "a #b", "#a", "'", '"', "''",
                     "x'y", 'x"y', "[1]", "{}", "&a", "*a", "!x", "|", ">", "%", "@", "`", "<<", "=", "3#楼",
                     "漏水 的 地方", "第1行\n第2行", "a\n", "\tx", "x ", " x", "\\", "-1", "-.5", "+1", ".5."]),
    st.text(alphabet=st.sampled_from(list("ab0 :#'\"-\\\n\t中文号.,[]{}&*!|>%@`~?") + ["\u3000", "\xa0", "\x85", "\u2028"]),
            max_size=12),
    st.text(max_size=8),
)
# what people type on one line: quotes, '#', ': ', Chinese, numbers and words YAML would read as another type
ONE_LINE = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**12), st.floats(allow_nan=False),
    st.sampled_from(["no", "on", "0301", "1:20", "1e5", ".inf", "~", "null", "True", "", "2026-11-22T09:14:00+08:00",
                     "a: b", "a #b", "#a", "'", '"', "x'y", "[1]", "{}", "&a", "- a", "-1", "3#楼", "漏水 的 地方"]),
    st.text(alphabet=st.sampled_from(list("ab0 :#'\"-\\中文号.,[]{}&*!|>%@`~?") + ["\u3000", "\xa0"]), max_size=12),
)
KEYS = st.one_of(st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True), st.sampled_from(["null", "true", "no", "1"]))
DATA = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(KEYS, inner, max_size=5)), max_leaves=25)
NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True)
TAME = st.recursive(ONE_LINE, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(NAMES, inner, max_size=5)), max_leaves=25)
RECORDS = st.one_of(st.dictionaries(KEYS, DATA, min_size=1, max_size=8),
                    st.dictionaries(NAMES, TAME, min_size=1, max_size=8))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS)
def test_what_the_writers_write_reads_the_same(record):
    """Both writers: the round-trip one (edits) and fastyaml's (new records, imports)."""
    for text in (yamlio.dump(yamlio.new_map(record)), fastyaml.dump(record)):
        agree(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS, st.data())
def test_hand_edits_read_the_same(record, draw):
    """A line of a written record replaced, doubled, indented or dropped: whatever the result
    means to the general loader (data or an error), it means to the fast one."""
    lines = fastyaml.dump(record).split("\n")
    at = draw.draw(st.integers(0, len(lines) - 1))
    edit = draw.draw(st.sampled_from(["drop", "double", "indent", "outdent", "comment", "trailing", "tab", "replace"]))
    line = lines[at]
    if edit == "drop":
        del lines[at]
    elif edit == "double":
        lines.insert(at, line)
    elif edit == "indent":
        lines[at] = " " * draw.draw(st.integers(1, 4)) + line
    elif edit == "outdent":
        lines[at] = line[draw.draw(st.integers(1, 4)):]
    elif edit == "comment":
        lines.insert(at, " " * draw.draw(st.integers(0, 4)) + "# " + draw.draw(st.text(max_size=5)))
    elif edit == "trailing":
        lines[at] = line + draw.draw(st.sampled_from([" ", "  # x", "\t", ":"]))
    elif edit == "tab":
        lines[at] = line.replace(" ", "\t", 1)
    else:
        lines[at] = draw.draw(st.text(alphabet=st.sampled_from(list("ab :-#'\"\\ 中")), max_size=10))
    agree("\n".join(lines))


def test_most_generated_records_are_read_fast():
    """The property tests above are not vacuous: plain records of the tool's form take the
    fast path (a refusal is never wrong, only slow)."""
    record = {"id": "T-20261122-A001", "status": "closed", "reporter": {"name": "张三", "phone": "13800000000"},
              "fee": 12.5, "escalation_level": 0, "fee_consent": True, "note": "it's 3#楼: 'x'", "empty": None,
              "timeline": [{"at": "2026-11-22T09:14:00+08:00", "by": "王芳", "action": "receive", "set": {}},
                           {"at": "2026-11-22T10:00:00+08:00", "by": "李明", "action": "close"}], "tags": ["a", "0301"]}
    for text in (yamlio.dump(yamlio.new_map(record)), fastyaml.dump(record)):
        assert agree(text), text
