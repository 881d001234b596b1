"""`StepError`: a failed attempt is stored Scheduled (kind "retry") with the next attempt and
its backoff; it runs again only when that time comes."""

from __future__ import annotations

import datetime

import pytest

from inngest_lambda.core import clock, retries
from inngest_lambda.testing import assert_completed
from tests.support.apps import engine_ops_functions as functions
from tests.unit.engine.support import steps_by_name

pytestmark = pytest.mark.durable(functions="tests.support.apps.engine_ops_functions")


def test_a_step_error_is_retried_after_its_backoff(durable):
    sent_at = clock.now()
    run = durable.run(durable.send("ops/flaky", {}))
    key = f"flaky:{run.run_id}"
    assert functions.CALLS[key] == 1
    step = steps_by_name(run.run_id)["flaky-step"]
    assert (step.op, step.status, step.attempt, step.info) == (
        "StepRun",
        "Scheduled",
        1,
        {"kind": "retry"},
    )
    assert step.error["message"] == "transient failure 1"
    delay = step.due_at - sent_at  # Inngest's first backoff, with its jitter
    lowest = retries.BACKOFF_SECONDS[0] * retries.scale()
    assert lowest <= delay <= lowest + retries.MAX_JITTER_SECONDS * retries.scale() + 1
    durable.advance(step.due_at - clock.now() - 0.5)  # not yet due: not run again
    assert functions.CALLS[key] == 1
    durable.advance(datetime.timedelta(minutes=10))  # both backoffs pass
    assert functions.CALLS[key] == 3
    assert_completed(durable.get_run(run.run_id), "ok")
    step = steps_by_name(run.run_id)["flaky-step"]
    assert (step.status, step.attempt) == ("Completed", 2)
