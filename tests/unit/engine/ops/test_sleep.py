"""`Sleep`: stored Scheduled with its wake-up time, armed as a timer, ended when due; both the
ended sleep and the next one ride on the park (a wake-up is the lease and one write)."""

from __future__ import annotations

import datetime

import pytest

from inngest_lambda.core import clock
from inngest_lambda.testing import assert_completed
from tests.unit.engine.support import steps_by_name

pytestmark = pytest.mark.durable(functions="tests.support.apps.engine_ops_functions")
HOUR = 3600.0


def test_a_sleep_is_stored_scheduled_and_armed_as_a_long_timer(durable, aws_calls):
    started = clock.now()
    run = durable.run(durable.send("ops/naps", {}))
    assert run.status == "Running"
    nap = steps_by_name(run.run_id)["nap-1"]
    assert (nap.op, nap.status, nap.info) == ("Sleep", "Scheduled", {"kind": "sleep"})
    assert nap.due_at == pytest.approx(started + HOUR, abs=1)
    # An hour is past SQS's 15-minute delay: one Scheduler schedule wakes the run.
    assert aws_calls.of("scheduler", "CreateSchedule") == 1


def test_a_wake_up_costs_the_lease_and_one_write(durable, aws_calls):
    run = durable.run(durable.send("ops/naps", {}))
    aws_calls.reset()
    durable.advance(datetime.timedelta(hours=1, seconds=1))  # nap-1 ends, nap-2 starts
    steps = steps_by_name(run.run_id)
    assert steps["nap-1"].status == "Completed"
    assert steps["nap-2"].status == "Scheduled"
    writes = aws_calls.of(
        "dynamodb", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"
    )
    assert writes == 2  # the lease, then the park carrying both sleeps' puts
    durable.advance(datetime.timedelta(hours=1, seconds=1))
    assert_completed(durable.get_run(run.run_id), "rested")
    assert steps_by_name(run.run_id)["nap-2"].status == "Completed"
