"""`expressions.projection`: only the paths read, absent ones as null."""

import json

from inngest_lambda.expressions import (
    evaluate,
    matches,
)
from tests.unit.expressions.sample_events import event


def test_null_fill_does_not_mutate_the_callers_event():
    e = event({"a": {}})
    snapshot = json.dumps(e, sort_keys=True)
    assert matches("event.data.a.b == null && event.data.c == null", {"event": e})
    assert json.dumps(e, sort_keys=True) == snapshot


def test_projection_keeps_whole_values_the_expression_uses():
    e = {"event": event({"m": {"a": 1, "b": 2}, "x": 1, "y": 2})}
    assert matches("size(event.data) == 3", e)
    assert matches("event.data.m.a == 1 && size(event.data.m) == 2", e)
    # A map read whole is passed as-is, so an absent key inside it is not filled with null:
    # the lookup fails, which matches() reports as "no match" (documented limitation).
    assert not matches("event.data.m.zz == null && size(event.data.m) == 2", e)
    assert matches("event.data.m.zz == null", e)
    assert evaluate("event", e) == e["event"]
    assert evaluate("event.data['y']", e) == 2
