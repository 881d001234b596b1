"""Issue 12 item 6: the run item is budgeted as a whole; large values go to S3 by reference."""

from __future__ import annotations

import pytest

from inngest_lambda.testing import assert_completed

pytestmark = pytest.mark.durable(functions="tests.support.apps.fault_functions")


@pytest.mark.parametrize("size", [250_000, 390_000, 1_000_000])
def test_a_large_output_completes(durable, size):
    event_id = durable.send("f/big", {"size": size})
    assert_completed(durable.run(event_id), "x" * size)


def test_a_large_output_of_a_run_with_a_large_event_completes(durable):
    event_id = durable.send("f/big", {"size": 250_000, "pad": "p" * 250_000})
    assert_completed(durable.run(event_id), "x" * 250_000)
