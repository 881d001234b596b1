"""`WaitForEvent`: stored Waiting with its pause, resolved by the first matching event or by
its timeout; an event that resumed one wait never resumes another; a bad `if` fails the run."""

from __future__ import annotations

import datetime

import pytest

from inngest_lambda.testing import assert_completed, assert_failed
from tests.unit.engine.support import steps_by_name

pytestmark = pytest.mark.durable(functions="tests.support.apps.engine_ops_functions")


def test_a_wait_is_stored_waiting_with_its_pause_and_a_matching_event_resumes_it(durable):
    run = durable.run(durable.send("ops/wait", {"k": "a"}))
    step = steps_by_name(run.run_id)["payment"]
    assert (step.op, step.status, step.info["kind"]) == ("WaitForEvent", "Waiting", "wait")
    assert step.info["pause"]["event_name"] == "ops/paid"
    durable.send("ops/paid", {"k": "other", "amount": 1})  # does not match its `if`
    assert durable.get_run(run.run_id).status == "Running"
    durable.send("ops/paid", {"k": "a", "amount": 5})
    assert_completed(durable.get_run(run.run_id), 5)


def test_a_wait_that_times_out_resumes_with_no_event(durable):
    run = durable.run(durable.send("ops/wait", {"k": "a"}))
    durable.advance(datetime.timedelta(hours=1, seconds=1))
    assert_completed(durable.get_run(run.run_id), None)
    assert steps_by_name(run.run_id)["payment"].status == "Completed"


def test_an_event_resumes_one_wait_only(durable):
    run = durable.run(durable.send("ops/wait2", {}))
    durable.send("ops/ping", {"n": 1})
    # The second wait opens at the same (virtual) moment the first one ended: the event that
    # resumed the first is in its look-back window, and must not resume it too.
    steps = steps_by_name(run.run_id)
    assert steps["first"].status == "Completed"
    assert steps["second"].status == "Waiting"
    durable.send("ops/ping", {"n": 2})
    assert_completed(durable.get_run(run.run_id), [1, 2])


def test_a_wait_with_a_bad_expression_fails_the_run(durable):
    run = durable.run(durable.send("ops/bad-wait", {}))
    assert_failed(run, "wait expression 'event.data.k ==' is invalid")
    assert run.error is not None and run.error["name"] == "InvalidExpression"
    assert run.steps == ()  # nothing stored for the wait
