"""What a run costs in AWS calls, counted with botocore's event hooks on the runtime's own
clients (the figures `make bench` prints, asserted here as counts, never as wall time)."""

from __future__ import annotations

import collections
import datetime
from typing import Any

import pytest

from inngest_lambda.core import aws
from inngest_lambda.testing import assert_completed

# The benchmark's own functions: the counts asserted here are those of the runs `make bench` times.
pytestmark = pytest.mark.durable(functions="bench.workflows")

READS = {"GetItem", "Query", "BatchGetItem", "Scan"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


class DynamoCalls:
    def __init__(self) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        aws.client("dynamodb").meta.events.register("before-parameter-build.dynamodb", self._seen)

    def _seen(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def reads(self) -> int:
        return sum(n for op, n in self.calls.items() if op in READS)

    def writes(self) -> int:
        return sum(n for op, n in self.calls.items() if op in WRITES)


def _cost(durable, counter, name: str, n: int, advance: float = 0) -> tuple[int, int]:
    counter.calls.clear()
    event_id = durable.send(f"bench/{name}", {name: n})
    if advance:
        durable.advance(advance)
    assert_completed(durable.run(event_id))
    return counter.reads(), counter.writes()


def test_a_completed_step_costs_one_write_and_no_read(durable):
    counter = DynamoCalls()
    reads_10, writes_10 = _cost(durable, counter, "steps", 10)
    reads_60, writes_60 = _cost(durable, counter, "steps", 60)
    # Per step (the difference cancels what any run costs to start and end).
    assert (writes_60 - writes_10) / 50 <= 1
    assert (reads_60 - reads_10) / 50 <= 0.1


def test_a_sleep_wake_up_costs_at_most_two_writes(durable):
    counter = DynamoCalls()
    minute = datetime.timedelta(minutes=1).total_seconds()
    reads_2, writes_2 = _cost(durable, counter, "sleeps", 2, advance=minute)
    reads_12, writes_12 = _cost(durable, counter, "sleeps", 12, advance=minute)
    assert (writes_12 - writes_2) / 10 <= 2
    assert (reads_12 - reads_2) / 10 <= 2
