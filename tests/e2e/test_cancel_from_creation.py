"""`cancel=` applies from the moment a run exists, however late its first drive (Inngest opens a
run's cancellation pauses when it schedules the run: `createCancellationPauses` in
pkg/execution/executor/executor.go)."""

from __future__ import annotations

import collections
import datetime
from collections.abc import Callable
from typing import Any

import pytest

from inngest_lambda.storage.index_keys import RECENT_SHARDS
from inngest_lambda.testing import assert_completed
from tests.support.apps.cancel_workflows import CALLS

pytestmark = pytest.mark.durable(functions="tests.support.apps.cancel_workflows")

MINUTE = datetime.timedelta(minutes=1)


def test_a_cancel_sent_before_a_late_first_drive_cancels_the_run(durable):
    first = durable.send("c/throttled", {"order": "a"})
    assert_completed(durable.run(first), "a")  # it took the 2 h throttle slot
    late = durable.send("c/throttled", {"order": "b"})
    assert durable.run(late).status == "Queued"  # its first drive is 2 h away
    durable.advance(10 * MINUTE)
    durable.send("c/stop", {"order": "x"})  # another order's: cancels nothing
    durable.send("c/stop", {"order": "b"})
    durable.advance(70 * MINUTE)
    # The stop event is now out of the pause look-back's hour (its by-name entry lives on, for
    # the by-name listing, but the look-back reads only the last hour): the pause written with
    # the run is what cancels it.
    from inngest_lambda import runtime
    from inngest_lambda.events.pauses import PauseIndex

    assert PauseIndex(runtime.get_runtime().store).recent_event_ids("c/stop", since=0) == []
    durable.advance(60 * MINUTE)  # past the throttle slot: the run's first drive
    run = durable.run(late)
    assert run.status == "Cancelled", durable.describe()
    assert "c/stop" in run.error["message"]
    assert CALLS["b:work"] == 0  # its steps never ran
    assert CALLS["a:work"] == 1


class DynamoCalls:
    """DynamoDB calls of the runtime's own client, by operation (botocore's event hooks)."""

    WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
    READS = {"GetItem", "Query", "BatchGetItem", "Scan"}

    def __init__(self) -> None:
        from inngest_lambda.core import aws

        self.calls: collections.Counter[str] = collections.Counter()
        aws.client("dynamodb").meta.events.register("before-parameter-build.dynamodb", self._seen)

    def _seen(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def count(self, action) -> tuple[int, int]:
        """(writes, reads) that `action` made."""
        self.calls.clear()
        action()
        writes = sum(n for op, n in self.calls.items() if op in self.WRITES)
        return writes, sum(n for op, n in self.calls.items() if op in self.READS)


def test_cancel_costs_one_write_per_run_and_its_pauses_ride_the_creation(durable):
    counter = DynamoCalls()
    for name in ("plain", "cancellable", "throttled-plain", "throttled"):  # key paths listed
        durable.send(f"c/{name}", {"order": f"warm-{name}"})

    def run(name: str, order: str) -> Callable[[], None]:
        return lambda: assert_completed(durable.run(durable.send(f"c/{name}", {"order": order})))

    plain_w, plain_r = counter.count(run("plain", "p"))
    cancel_w, cancel_r = counter.count(run("cancellable", "c"))
    # The whole run: one flag after the first drive's look-back; the pause is an item of the
    # creation transaction; reads: the key list, then each recent-events shard (and the legacy
    # key) of the cancel name.
    assert cancel_w - plain_w == 1, (plain_w, cancel_w)
    assert cancel_r - plain_r == 1 + RECENT_SHARDS + 1, (plain_r, cancel_r)

    # A throttled run (its first drive 2 h away): the look-back and its flag at creation...
    plain_created = counter.count(lambda: durable.send("c/throttled-plain", {"order": "tp"}))
    plain_drive = counter.count(lambda: durable.advance(121 * MINUTE))
    durable.send("c/throttled", {"order": "occupier"})  # takes the slot: the next run waits 2 h
    created = counter.count(lambda: durable.send("c/throttled", {"order": "tc"}))
    assert created[0] - plain_created[0] == 1, (plain_created, created)
    assert created[1] - plain_created[1] == 1 + RECENT_SHARDS + 1, (plain_created, created)
    # ... and nothing more on its first drive.
    drive = counter.count(lambda: durable.advance(121 * MINUTE))
    assert CALLS["tc:work"] == 1
    assert drive == plain_drive, (plain_drive, drive)
