"""Test your inngest functions locally, fast, on the production code paths.

    def test_order_ships(durable):                       # the pytest fixture
        event_id = durable.send("shop/order.placed", {"order_id": "o-1"})
        durable.advance(datetime.timedelta(hours=1))     # the cool-off sleep ends
        run = durable.run(event_id)
        assert_completed(run, output={"shipped": "o-1"})
        assert run.step("charge-card").attempts == 1

`Durable` runs the local stack (moto, the Lambda handler, the executor, the store, timers) in
the test's process on a `VirtualClock`; see docs/readme/testing.md. The pytest plugin
(`inngest_lambda.testing.plugin`) is installed with the package.
"""

from inngest_lambda.testing.harness import Durable
from inngest_lambda.testing.results import (
    RunResult,
    StepResult,
    assert_completed,
    assert_failed,
    assert_status,
)
from inngest_lambda.testing.virtual_clock import VirtualClock

__all__ = [
    "Durable",
    "RunResult",
    "StepResult",
    "VirtualClock",
    "assert_completed",
    "assert_failed",
    "assert_status",
]
