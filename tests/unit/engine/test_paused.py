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
OTHER_GET_ITEMS_PER_5_RUNS = 1
# 18.8 per run (was 105: + 13 pause reads); 2 of them the charts' counters, one per SQS batch
CALLS_PER_5_RUNS = 94


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


def _pause_reads(calls: list[str]):
    """Count the GetItems of pause items (`FPAUSE#... / P`) the runtime's client makes."""
    from inngest_lambda.core import aws

    def hook(params: dict, **_: object) -> None:
        if params.get("Key", {}).get("pk", {}).get("S", "").startswith("FPAUSE#"):
            calls.append(params["Key"]["pk"]["S"])

    client = aws.client("dynamodb")
    client.meta.events.register("before-parameter-build.dynamodb.GetItem", hook)
    return lambda: client.meta.events.unregister("before-parameter-build.dynamodb.GetItem", hook)


def test_runs_of_a_function_not_paused_share_one_pause_read_per_5_seconds(durable, aws_calls):
    """Five runs (intake, a drive, a sleep of an hour, a drive) of a function that is not
    paused: one pause read when they start and one when they wake, not one per run and drive
    (was 15: each intake and each drive read it; `function_pauses.check` reuses "not paused")."""
    pause_functions.CALLS.clear()
    reads: list[str] = []
    stop = _pause_reads(reads)
    try:
        aws_calls.reset()
        event_ids = durable.send_many([{"name": "pause/go", "data": {"n": n}} for n in range(5)])
        durable.advance(HOUR)  # every sleep ends at once: five drives
        calls = dict(aws_calls)
    finally:
        stop()
    assert pause_functions.CALLS == {"first": 5, "second": 5}
    assert [durable.run(e).status for e in event_ids] == ["Completed"] * 5
    assert reads == [f"FPAUSE#{FN}"] * 2  # at the start and at the wake-up
    assert calls["dynamodb.GetItem"] == 2 + OTHER_GET_ITEMS_PER_5_RUNS, calls
    assert sum(calls.values()) == CALLS_PER_5_RUNS, calls
