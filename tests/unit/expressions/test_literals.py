"""`expressions.literals`: CEL literals evaluate back to equal values."""

import math

import pytest

from inngest_lambda.expressions import (
    evaluate,
    matches,
    to_literal,
)

LITERAL_VALUES = [
    None,
    True,
    False,
    0,
    -7,
    2**63 - 1,
    -(2**63),
    2**63,  # uint
    2**64 + 5,  # beyond uint64: the library converts it to a double, and so do we
    1.5,
    -0.25,
    1e300,
    100.0,
    "",
    "plain",
    'say "hi"',
    "it's",
    "back\\slash",
    "line\nbreak\ttab\r",
    "\x00\x07\x1f\x7f",
    "é ü 日本 😀",
    "\u2028\u200b",
    "event.data.x",
    "'''",
    '"""',
    [],
    [1, "a", None, [2.5, {"k": False}]],
    {},
    {"a": {"b": {"c": [1, 2, 3]}}, 'q"k': "v", "": 0},
]


@pytest.mark.parametrize("value", LITERAL_VALUES, ids=repr)
def test_to_literal_round_trips_through_cel(value):
    source = to_literal(value)
    got = evaluate(source, {})
    if isinstance(value, int) and not isinstance(value, bool) and value > 2**64:
        assert got == float(value)
    else:
        assert got == value
        assert type(got) is type(value)
    # And as a variable, the library produces an equal value.
    assert matches(f"x == {source}", {"x": value})


def test_non_finite_doubles_have_literals():
    assert math.isnan(evaluate(to_literal(float("nan")), {}))
    assert evaluate(to_literal(float("inf")), {}) == float("inf")
    assert evaluate(to_literal(float("-inf")), {}) == float("-inf")
