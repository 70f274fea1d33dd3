"""The fast schema check never passes a record that jsonschema finds fault with."""
from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from wuyectl.domain.kinds import kind_of_path
from wuyectl.store import fastyaml, schema

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "sample-records").rglob("*.yaml"))
RECORDS = [(kind_of_path(str(p.relative_to(ROOT / "sample-records"))), p) for p in SAMPLES]
RECORDS = [(k, fastyaml.load(p.read_text(encoding="utf-8"))) for k, p in RECORDS if k is not None]
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False),
                   st.text(max_size=30), st.lists(st.text(max_size=5), max_size=3),
                   st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=2))


def agree(data, name) -> None:
    slow = schema.explained(data, name)      # jsonschema alone
    fast = schema.problems(data, name)       # the compiled validator first
    assert fast == slow


def test_every_sample_record_agrees():
    assert len(RECORDS) > 100
    for kind, data in RECORDS:
        agree(data, kind.schema)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(RECORDS) - 1), st.data())
def test_mutated_records_agree(index, draw):
    kind, data = RECORDS[index]
    record = dict(data)
    key = draw.draw(st.sampled_from(sorted(record) + ["unknown_field"]))
    if draw.draw(st.booleans()) and key in record:
        del record[key]
    else:
        record[key] = draw.draw(VALUES)
    agree(record, kind.schema)
