"""`expressions.match_keys`: the equality the pause index looks waits up by."""

import pytest

from inngest_lambda.expressions import (
    MatchKey,
    canonical,
    interpolate,
    match_key,
    matches,
    value_at,
)
from tests.unit.expressions.sample_events import event


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('async.data.orderId == "o-1"', MatchKey("data.orderId", "o-1", True)),
        ('"o-1" == async.data.orderId', MatchKey("data.orderId", "o-1", True)),
        ('( async.data.orderId  ==  "o-1" )', MatchKey("data.orderId", "o-1", True)),
        ('("o-1") == (async.data.orderId)', MatchKey("data.orderId", "o-1", True)),
        ("async.data.n == 42", MatchKey("data.n", "42", True)),
        ("async.data.n == -42", MatchKey("data.n", "-42", True)),
        ("async.data.n == 1.0", MatchKey("data.n", "1", True)),
        ("async.data.n == 2.5", MatchKey("data.n", "2.5", True)),
        ("async.data.b == true", MatchKey("data.b", "true", True)),
        ("async.data.x == null", MatchKey("data.x", "null", True)),
        ('async.data.m == {"b": 1, "a": [2.0]}', MatchKey("data.m", '{"a":[2],"b":1}', True)),
        ("async.name == 'x' && async.data.id == 'y'", MatchKey("name", "x", False)),
        ("async.data.amount > 1 && (async.data.id == 'y')", MatchKey("data.id", "y", False)),
        ("(async.data.a > 1 && async.data.id == 'y') && true", MatchKey("data.id", "y", False)),
    ],
)
def test_match_key_forms(source, expected):
    assert match_key(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "async.data.x > 1",
        "async.data.x != 1",
        "async.data.x == async.data.y",
        "async.data.x == 1 || async.data.y == 2",
        "async.data.x == 1 && async.data.y == 2 || true",
        "async.data.x == 1 ? true : false",
        "!(async.data.x == 1)",
        "async.data.items[0] == 1",
        "async.data.x.size() == 1",
        "async.data.x == 1 + 1",
        "async.data.x == 1 == true",
        "async.data.x == b'abc'",
        "event.data.x == async.data.x",  # not interpolated
        "async == 1",
        "'async.data.x == 1'",
        "async.data.x == 'unterminated",
    ],
)
def test_match_key_none_for_other_forms(source):
    assert match_key(source) is None


KEY_VALUES = [
    "o-1",
    "with \"quotes\" and 'apostrophes'",
    "back\\slash",
    "é😀",
    "",
    0,
    7,
    -3,
    2**63,
    1.0,
    2.5,
    -0.0,
    True,
    False,
    None,
    [1, "a", None],
    {"b": 1, "a": {"c": [1.0]}},
]


@pytest.mark.parametrize("value", KEY_VALUES, ids=repr)
def test_match_key_agrees_with_value_at_side(value):
    trigger = event({"orderId": value})
    wait = interpolate("event.data.orderId == async.data.orderId", trigger)
    key = match_key(wait)
    assert key is not None and key.exact and key.path == "data.orderId"
    incoming = event({"orderId": value})
    assert key.value_key == canonical(value_at(incoming, key.path))
    assert matches(wait, {"async": incoming})


def test_int_and_float_share_a_key_because_cel_calls_them_equal():
    wait = interpolate("event.data.n == async.data.n", event({"n": 1.0}))
    assert wait == "1.0 == async.data.n"
    incoming = event({"n": 1})
    assert matches(wait, {"async": incoming})
    assert match_key(wait).value_key == canonical(value_at(incoming, "data.n")) == "1"


def test_absent_incoming_value_shares_the_null_key():
    wait = interpolate("event.data.n == async.data.n", event({}))
    assert wait == "null == async.data.n"
    assert match_key(wait).value_key == "null"
    incoming = event({})
    assert matches(wait, {"async": incoming})  # absent is null
    assert canonical(value_at(incoming, "data.n")) == "null"
