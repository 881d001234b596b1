"""`expressions.interpolation`: a wait with its `event.*` values written in."""

import random

import pytest

from inngest_lambda.expressions import (
    MISSING,
    ExpressionError,
    evaluate,
    interpolate,
    matches,
)
from tests.unit.expressions.sample_events import event


def test_interpolate_replaces_event_references():
    e = event({"orderId": "o-1", "n": 5, "f": 2.5, "ok": True, "nil": None, "m": {"a": [1]}})
    assert (
        interpolate("event.data.orderId == async.data.orderId", e) == '"o-1" == async.data.orderId'
    )
    assert interpolate("async.data.n > event.data.n", e) == "async.data.n > 5"
    assert interpolate("event.data.f == async.data.f", e) == "2.5 == async.data.f"
    assert interpolate("event.data.ok == async.data.ok", e) == "true == async.data.ok"
    assert interpolate("event.data.nil == async.data.x", e) == "null == async.data.x"
    assert interpolate("event.data.m == async.data.m", e) == '{"a": [1]} == async.data.m'
    assert interpolate("event.data.missing == async.data.x", e) == "null == async.data.x"
    assert interpolate("event.data.m.a.b == async.data.x", e) == "null == async.data.x"
    assert interpolate("event.name == async.name", e) == '"shop/order.created" == async.name'


@pytest.mark.parametrize(
    "text", ['quote " in', "apos ' in", "back \\ slash", '\\"', "é😀", "a\nb", "\u0000"]
)
def test_interpolated_strings_are_escaped(text):
    source = interpolate("event.data.s == async.data.s", event({"s": text}))
    assert matches(source, {"async": event({"s": text})})
    assert not matches(source, {"async": event({"s": text + "x"})})


def test_interpolate_leaves_literals_and_async_alone():
    e = event({"x": 1})
    for source in [
        "'event.data.x' == async.data.s",
        '"event.data.x" == async.data.s',
        "'''event.data.x''' == async.data.s",
        "r'event.data.x\\' == async.data.s",
        "'it\\'s event.data.x' == async.data.s",
        "async.event.data.x == 1",
        "async.data.event == 1",
        "async.data.x == 1 // event.data.x",
    ]:
        assert interpolate(source, e) == source


def test_interpolate_mixed_and_positional_forms():
    e = event({"x": 1, "s": "ab", "l": [3, 4], "m": {"k": "v"}, "neg": -2})
    assert interpolate("has(event.data.x) && has(event.data.y)", e) == "true && false"
    assert interpolate("event.data.s.startsWith('a')", e) == "(\"ab\").startsWith('a')"
    assert interpolate("event.data.l[0] == async.data.n", e) == "([3, 4])[0] == async.data.n"
    assert interpolate("event.data.m['k'] == 'v'", e) == "({\"k\": \"v\"})['k'] == 'v'"
    assert interpolate("-event.data.neg == 2", e) == "--2 == 2"
    assert interpolate("event . data . x == 1", e) == "1 == 1"
    assert matches(interpolate("-event.data.neg == 2 && event.data.l[1] == 4", e), {})
    assert evaluate(interpolate("event", e), {}) == e


def test_interpolate_refuses_a_comprehension_rebinding_event():
    with pytest.raises(ExpressionError, match="rebinds"):
        interpolate("async.data.l.exists(event, event == 1)", event())


def test_interpolate_reports_malformed_expressions_against_the_original():
    with pytest.raises(ExpressionError) as info:
        interpolate("event.data.x ==", event({"x": 1}))
    assert info.value.expression == "event.data.x =="


def _random_value(rng):
    kind = rng.randrange(9)
    if kind == 0:
        return MISSING
    if kind == 1:
        return None
    if kind == 2:
        return rng.choice([True, False])
    if kind == 3:
        return rng.randrange(-3, 4)
    if kind == 4:
        return rng.choice([0.0, 1.0, 2.0, -1.5, 0.5])
    if kind == 5:
        return rng.choice(["", "a", "A", "é", "'", '"', "\\", "a b", "1", "null", "true"])
    if kind == 6:
        return [rng.randrange(3) for _ in range(rng.randrange(3))]
    if kind == 7:
        return {"z": rng.randrange(2)} if rng.random() < 0.8 else {}
    return rng.choice([2**63, 2**53 + 1, -(2**63)])


def _random_event(rng, keys):
    data = {}
    for key in keys:
        value = _random_value(rng)
        if value is not MISSING:
            data[key] = value
    return event(data, name=rng.choice(["a", "b"]))


ROUND_TRIP_EXPRESSIONS = [
    "event.data.k == async.data.k",
    "async.data.k == event.data.k",
    "async.data.k != event.data.k",
    "event.data.k == async.data.k && async.name == event.name",
    "event.data.k == async.data.k || event.data.j == async.data.j",
    "has(event.data.k) && event.data.k == async.data.k",
    "event.data.k == async.data.j",
    "event.data.k in async.data.l",
    "async.data.k in [event.data.k, event.data.j]",
    "event.data.m.z == async.data.m.z",
    "(event.data.k == async.data.k) == (event.data.j == async.data.j)",
    "event.data.k > async.data.k",
    "size(event.data.l) == size(async.data.l)",
    "event.data.l.exists(x, x == async.data.k)",
]


def _outcome(source, variables):
    try:
        return ("ok", matches(source, variables))
    except ExpressionError as error:
        return ("error", type(error).__name__)


def test_interpolation_round_trip_property():
    rng = random.Random(20240611)
    keys = ["k", "j", "l", "m"]
    checked = 0
    for _ in range(600):
        e, a = _random_event(rng, keys), _random_event(rng, keys)
        for original in ROUND_TRIP_EXPRESSIONS:
            want = _outcome(original, {"event": e, "async": a})
            got = _outcome(interpolate(original, e), {"async": a})
            assert got == want, (original, e, a)
            checked += want[0] == "ok"
    assert checked > 3000  # most cases evaluate rather than error
