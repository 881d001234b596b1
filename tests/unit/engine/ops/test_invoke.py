"""`InvokeFunction`: the caller's step waits while the child runs; the child's end resolves it,
a timeout fails it first, a function that does not exist fails it at once."""

from __future__ import annotations

import datetime

import pytest

from inngest_lambda.core import ids
from inngest_lambda.engine.ops import invoke
from inngest_lambda.testing import assert_completed
from tests.unit.engine.support import steps_by_name

pytestmark = pytest.mark.durable(functions="tests.support.apps.engine_ops_functions")


def test_the_child_runs_with_the_payload_and_its_output_resumes_the_caller(durable):
    run = durable.run(durable.send("ops/call", {"n": 21}))
    assert_completed(durable.get_run(run.run_id), {"doubled": 42})
    step = steps_by_name(run.run_id)["call-double"]
    assert (step.op, step.status, step.info["kind"]) == ("InvokeFunction", "Completed", "invoke")
    assert step.info["function_id"] == "engine-ops-double"
    (child,) = durable.runs_of("engine-ops-double")
    assert_completed(child, {"doubled": 42})
    # The child's event is derived from the caller's step: a re-armed invoke starts no twin.
    assert child.event_id == ids.deterministic_id(run.run_id, step.step_id)


def test_a_child_that_outlives_the_timeout_fails_the_step(durable):
    run = durable.run(durable.send("ops/impatient", {}))
    assert steps_by_name(run.run_id)["call-slow"].status == "Waiting"
    durable.advance(datetime.timedelta(minutes=1, seconds=1))
    expected = invoke.timeout_error()
    assert_completed(
        durable.get_run(run.run_id),
        {"error": expected["name"], "message": expected["message"]},
    )
    durable.advance(datetime.timedelta(hours=1))  # the child's late end changes nothing
    assert_completed(durable.runs_of("engine-ops-slow-child")[0], "late")
    assert steps_by_name(run.run_id)["call-slow"].status == "Failed"


def test_invoking_a_function_that_does_not_exist_fails_the_step(durable):
    run = durable.run(durable.send("ops/nobody", {}))
    assert_completed(
        run,
        {
            "error": "FunctionNotFound",
            "message": "could not invoke engine-ops-not-registered: function not found",
        },
    )
