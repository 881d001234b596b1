"""Issue 12 item 1: a wait whose pause registration half-failed must still be matchable."""

from __future__ import annotations

import pytest

from inngest_lambda.testing import assert_completed
from tests.faults.injector import key_starts

pytestmark = pytest.mark.durable(functions="tests.support.apps.fault_functions")


@pytest.mark.parametrize(
    ("op", "prefix"),
    [("dynamodb.PutItem", "P#"), ("dynamodb.UpdateItem", "PP#")],
    ids=["pause-item", "key-path"],
)
def test_a_pause_write_that_failed_once_is_completed_by_the_retried_drive(
    durable, faults, op, prefix
):
    faults.fail(op, key_starts(prefix))
    event_id = durable.send("f/wait", {"order": "o-1"})
    assert faults.failed == [op]
    durable.advance(10)  # the retried drive
    assert durable.run(event_id).step("wait-paid").status == "Waiting"
    durable.send("f/paid", {"order": "o-1", "amount": 42})
    assert_completed(durable.run(event_id), {"paid": 42})
