"""`priority=Priority(run="event.data.plan == 'enterprise' ? 100 : 0")`: where a run queues.

A run's place in a concurrency waiting list is its creation time minus its priority (in
seconds): priority N starts ahead of work queued up to N seconds before it; negative values
delay. Inngest bounds the factor to -600..600 seconds. Only matters when runs wait.
"""

from __future__ import annotations

from typing import Any

from inngest_lambda import expressions
from inngest_lambda.flow.state import log

MIN_FACTOR, MAX_FACTOR = -600, 600


def factor(source: str | None, event: dict[str, Any]) -> int:
    """The run's priority in seconds (0 without `priority`, or when the expression fails)."""
    if not source:
        return 0
    try:
        value = expressions.evaluate_int(source, event)
    except expressions.ExpressionError as err:
        log.warning(f"priority expression {source!r} failed, using 0: {err}")
        return 0
    return max(MIN_FACTOR, min(MAX_FACTOR, value))


def score_ms(created_at: float, source: str | None, event: dict[str, Any]) -> int:
    """Sort position in a waiting list: lower goes first."""
    return int(created_at * 1000) - factor(source, event) * 1000
