"""`expressions.paths`: values at dotted event paths, or MISSING."""

from inngest_lambda.expressions import (
    MISSING,
    value_at,
)
from tests.unit.expressions.sample_events import event


def test_value_at():
    e = event({"a": {"b": [1]}, "n": None})
    assert value_at(e, "data.a.b") == [1]
    assert value_at(e, ("data", "a")) == {"b": [1]}
    assert value_at(e, "data.n") is None
    assert value_at(e, "data.n.x") is MISSING
    assert value_at(e, "data.a.b.c") is MISSING
    assert value_at(e, "data.zz") is MISSING
    assert value_at(e, "") is e
    assert not MISSING
