"""`StepRun`, `StepFailed`, `StepPlanned`: what a step reports is stored as it reports it."""

from __future__ import annotations

import pytest

from inngest_lambda.testing import assert_completed, assert_failed
from tests.unit.engine.support import steps_by_name

pytestmark = pytest.mark.durable(functions="tests.support.apps.engine_ops_functions")


def test_a_step_that_ran_is_stored_completed_with_its_output(durable):
    run = durable.run(durable.send("ops/add", {"a": 41}))
    assert_completed(run, 42)
    step = steps_by_name(run.run_id)["add"]
    assert (step.op, step.status, step.attempt, step.memo) == (
        "StepRun",
        "Completed",
        0,
        {"data": 42},
    )
    assert step.started_at is not None and step.ended_at is not None


def test_a_step_that_failed_for_good_is_stored_failed_and_not_retried(durable):
    run = durable.run(durable.send("ops/fail", {}))
    assert_failed(run, "card declined")
    step = steps_by_name(run.run_id)["boom"]
    assert (step.op, step.status, step.attempt) == ("StepFailed", "Failed", 0)
    assert step.error["message"] == "card declined"
    assert step.memo == {"error": step.error}


def test_planned_steps_are_stored_then_each_run_by_its_own_request(durable):
    run = durable.run(durable.send("ops/fan", {}))
    assert_completed(run, ["L", "R"])
    steps = steps_by_name(run.run_id)
    for name, output in (("left", "L"), ("right", "R")):
        assert (steps[name].op, steps[name].status) == ("StepRun", "Completed")
        assert steps[name].memo == {"data": output}
        assert "kind" not in steps[name].info  # a planned step stores no kind
