"""Inngest's retry timing, on the testing toolkit's virtual clock (deterministic; the real-time
stack waits out the fraction of a second SQS cannot express, see `timers.early_by`)."""

from __future__ import annotations

import pytest

from inngest_lambda.testing import assert_completed

pytestmark = pytest.mark.durable(functions="tests.support.apps.parity_workflows")


def _attempts(key: str) -> int:
    from tests.support.apps.parity_workflows import TIMES

    return len(TIMES[key])


def test_retry_after_one_second_retries_within_half_a_second_of_the_asked_time(durable):
    event_id = durable.send("parity/retry-after")  # RetryAfterError(1 s) in the function body
    run_id = durable.run(event_id).run_id
    assert _attempts(f"fn:{run_id}") == 1
    durable.advance(0.5)
    assert _attempts(f"fn:{run_id}") == 1  # not early
    durable.advance(1.0)  # 1.5 s after the error: retried by now
    assert _attempts(f"fn:{run_id}") == 2
    # The step raised RetryAfterError(1 s) in that same attempt: the same again.
    assert _attempts(f"step:{run_id}") == 1
    durable.advance(0.5)
    assert _attempts(f"step:{run_id}") == 1
    durable.advance(1.0)
    assert _attempts(f"step:{run_id}") == 2
    assert_completed(durable.run(event_id), "ok")
