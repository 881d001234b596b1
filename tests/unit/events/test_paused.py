"""A paused function's new runs: recorded Skipped (FunctionPaused) at one read and one write,
once per event however often it is delivered, and never driven."""

from __future__ import annotations

import pytest

from inngest_lambda import runtime
from inngest_lambda.events import paused
from inngest_lambda.storage import function_pauses
from tests.support.apps import pause_functions

pytestmark = pytest.mark.durable(functions="tests.support.apps.pause_functions")
FN = "pause-app-pause-steps"


def test_a_skipped_run_costs_the_pause_read_and_the_run_write(durable, aws_calls):  # noqa: F811
    pause_functions.CALLS.clear()
    rt = runtime.get_runtime()
    function_pauses.pause(rt.store, FN, cancel_running=False)
    fn = rt.registry.get(FN)
    assert fn is not None
    event = {"name": "pause/go", "id": "01EVENT", "ts": 0, "data": {}}
    aws_calls.reset()
    run_id = rt.ingestor.start_run(fn, event)
    assert aws_calls.of("dynamodb", "GetItem") == 1  # the pause
    assert aws_calls.of("dynamodb", "TransactWriteItems", "PutItem") == 1  # the run
    assert aws_calls.of("sqs", "SendMessage", "SendMessageBatch") == 0  # nothing to drive
    run = rt.store.get_run(run_id)
    assert run is not None and run.status == "Skipped" and run.ended_at is not None
    assert run.output == paused.skipped_output(FN)
    assert rt.ingestor.start_run(fn, event) is None  # a duplicate delivery: still one run
    durable.run_until_idle()
    assert [r.status for r in durable.runs_of(FN)] == ["Skipped"]
    assert pause_functions.CALLS["first"] == 0
