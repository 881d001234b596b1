"""The tests docs/testing.md shows, run as written: the project's example `functions`
package (the fixture's default module) and the `checkout` function of docs/waits.md."""

from __future__ import annotations

import datetime

import pytest

from functions import fulfil_order  # importing at the top of the file is fine
from inngest_lambda.testing import assert_completed
from tests.support.apps.readme_functions import checkout


def test_order_is_charged_then_shipped_after_the_cool_off(durable):
    event_id = durable.send("shop/order.placed", {"order_id": "o-1", "amount": 42})
    run = durable.run(event_id)
    assert run.step("charge-card").output == {"charged": 42}
    assert run.step("cool-off").status == "Scheduled"

    durable.advance(datetime.timedelta(seconds=3))

    run = assert_completed(durable.run(event_id, fulfil_order))
    assert run.output["shipment"] == {"tracking": "TRACK-o-1"}
    (shipped_id,) = run.step("tell-customer").output  # the event step.send_event sent
    assert_completed(durable.run(shipped_id), "emailed about o-1")


@pytest.mark.durable(functions="tests.support.apps.readme_functions")
def test_unpaid_checkout_times_out_after_a_day(durable):
    event_id = durable.send("shop/order.placed", {"orderId": "o-7"})
    durable.advance(datetime.timedelta(hours=23))
    assert durable.run(event_id, checkout).step("wait-payment").status == "Waiting"
    durable.advance(datetime.timedelta(hours=2))
    assert_completed(durable.run(event_id, checkout), "timed out")


@pytest.mark.durable(functions="tests.support.apps.readme_functions")
def test_payment_resumes_the_checkout(durable):
    event_id = durable.send("shop/order.placed", {"orderId": "o-8"})
    durable.send("shop/payment.success", {"orderId": "o-8", "amount": 42})
    assert_completed(durable.run(event_id, checkout), "paid 42")
