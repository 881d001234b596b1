"""`expressions.canonical`: keys never split values CEL calls equal."""

from inngest_lambda.expressions import (
    MISSING,
    canonical,
    matches,
)


def test_canonical_never_splits_values_the_evaluator_calls_equal():
    # Soundness of the waiter index: if CEL says a == b, their keys must be equal.
    pool = [
        0,
        1,
        -1,
        1.0,
        -0.0,
        0.0,
        2.5,
        True,
        False,
        None,
        "1",
        "true",
        "null",
        "",
        2**53,
        2**53 + 1,
        float(2**53),
        2**63,
        float(2**63),
        2**64 - 1,
        [1],
        [1.0],
        [True],
        {"a": 1},
        {"a": 1.0},
        {"a": True},
    ]
    for a in pool:
        for b in pool:
            if matches("x == y", {"x": a, "y": b}):
                assert canonical(a) == canonical(b), (a, b)
    assert canonical(True) != canonical(1)
    assert canonical(1) == canonical(1.0) == "1"
    assert canonical("x") == "x"
    assert canonical(MISSING) == "null"
