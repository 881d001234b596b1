"""No lost events before the wait (beyond Inngest, inngest/inngest#1433), on the virtual clock so
that "before the run started" is certain: the test delivers the queue itself."""

from __future__ import annotations

import datetime

import pytest

from inngest_lambda.testing import assert_completed

pytestmark = pytest.mark.durable(functions="tests.support.apps.parity_workflows")


def test_approval_sent_before_the_run_started_resumes_its_first_step_wait(durable):
    order = durable.send("parity/order", {"orderId": "A-1"}, process=False)
    durable.clock.advance(0.5)  # time passes, nothing is delivered
    durable.send("parity/approve", {"orderId": "B-2", "by": "bob"}, process=False)  # another order
    durable.send("parity/approve", {"orderId": "A-1", "by": "ann"}, process=False)
    durable.clock.advance(1)
    assert durable.run(order).status == "Queued"  # the run has not started yet
    durable.run_until_idle()
    assert_completed(durable.run(order), {"orderId": "A-1", "by": "ann"})


def test_event_from_before_the_trigger_does_not_count(durable):
    durable.send("parity/approve", {"orderId": "C-3", "by": "early"})
    durable.advance(1)
    order = durable.send("parity/order", {"orderId": "C-3"})
    assert durable.run(order).status == "Running"
    durable.advance(datetime.timedelta(minutes=6))
    assert_completed(durable.run(order), None)


def test_an_event_resumes_one_wait_of_a_run_never_a_later_one(durable):
    run = durable.send("parity/two", process=False)
    durable.send("parity/sign", {"who": "ann"}, process=False)
    durable.run_until_idle()
    assert durable.run(run).step("second").status == "Waiting"  # ann's event is spent
    durable.send("parity/sign", {"who": "bob"})
    assert_completed(durable.run(run), ["ann", "bob"])
