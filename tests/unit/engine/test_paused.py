"""A paused function's in-flight run: held at its next step boundary, at a counted cost, and
not a step run; a drive of a function that is not paused pays one GetItem for the check."""

from __future__ import annotations

import datetime

import pytest

from inngest_lambda import runtime
from inngest_lambda.storage import function_pauses
from tests.support.apps import pause_functions

pytestmark = pytest.mark.durable(functions="tests.support.apps.pause_functions")
FN = "pause-app-pause-steps"
HOUR = datetime.timedelta(hours=1, seconds=1)


def _sleeping_run(durable) -> str:
    pause_functions.CALLS.clear()
    run = durable.run(durable.send("pause/go", {}))
    assert run.status == "Running" and pause_functions.CALLS["first"] == 1
    return run.run_id


def test_a_held_run_costs_two_reads_its_entry_and_its_park_and_runs_no_step(durable, aws_calls):
    run_id = _sleeping_run(durable)
    store = runtime.get_runtime().store
    function_pauses.pause(store, FN, cancel_running=False)
    aws_calls.reset()
    durable.advance(HOUR)  # the sleep's wake-up: exactly one drive
    assert pause_functions.CALLS["second"] == 0
    assert list(function_pauses.parked_runs(store, FN)) == [run_id]
    assert aws_calls.of("dynamodb", "GetItem") == 2  # the pause, before and after parking
    assert aws_calls.of("dynamodb", "PutItem") == 1  # the parked-run entry
    assert aws_calls.of("dynamodb", "TransactWriteItems") == 1  # the park
    assert aws_calls.of("dynamodb", "UpdateItem") == 1  # the lease


def test_a_drive_of_a_function_not_paused_checks_once(durable, aws_calls):
    _sleeping_run(durable)
    aws_calls.reset()
    durable.advance(HOUR)  # wakes, runs "second" and ends: one drive
    assert pause_functions.CALLS["second"] == 1
    assert aws_calls.of("dynamodb", "GetItem") == 1


def test_cancel_running_cancels_a_run_at_its_next_drive(durable):
    """A run the pause request did not cancel (over its limit, or created just after) is
    cancelled by its next drive, which finds `cancelRunning` on the pause; no step runs."""
    run_id = _sleeping_run(durable)
    function_pauses.pause(runtime.get_runtime().store, FN, cancel_running=True)  # no API cancel
    durable.advance(HOUR)
    run = durable.get_run(run_id)
    assert run.status == "Cancelled" and "cancelRunning" in (run.error or {}).get("message", "")
    assert pause_functions.CALLS["second"] == 0
