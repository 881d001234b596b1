"""Priority: a run's queue score from its `priority.run` expression (flow/priority.py)."""

from __future__ import annotations

from inngest_lambda.flow import priority


def test_priority_moves_a_run_up_by_its_seconds_and_is_bounded():
    source = "event.data.plan == 'enterprise' ? 100 : 0"
    assert priority.score_ms(1000.0, source, {"data": {"plan": "enterprise"}}) == 900_000
    assert priority.score_ms(1000.0, source, {"data": {"plan": "free"}}) == 1_000_000
    assert priority.factor("5000", {"data": {}}) == 600
    assert priority.factor("'high'", {"data": {}}) == 0  # not an int: no priority
