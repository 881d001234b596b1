"""Deterministic delivery in virtual time: the SQS event source and Scheduler, driven by the test.

Lambda's pollers and Scheduler act on their own, in real time; in a test that would make the
outcome depend on thread timing and the test last as long as its sleeps. Here the test's thread
does their job through the same `Pump` (same records, same partial-batch rules, same schedule
evaluation), and time only moves in `advance_to`, which stops at each moment something becomes
due (a delayed or returning SQS message, a schedule's fire time) in order, delivering everything
due at that moment before moving on.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.local.aws_clients import client
from inngest_lambda.local.pump import Pump
from inngest_lambda.settings import SWEEPER_RATE_MINUTES
from inngest_lambda.testing import moto_time
from inngest_lambda.testing.virtual_clock import VirtualClock

MAX_BATCHES = 10_000  # per run_until_idle: more means something keeps re-queuing itself
MAX_STOPS = 100_000  # per advance: a schedule firing every minute for ~70 days


class NeverIdle(RuntimeError):
    """Work kept coming at one virtual instant (a function that re-queues itself forever?)."""


@dataclasses.dataclass
class VirtualDelivery:
    """`table` (when given) turns on the sweeper: its once-a-minute rate schedule is emulated
    here, firing only at the ticks where the sweep index holds an overdue run or debounce burst
    (a tick that finds nothing would do nothing), so long advances do not stop every minute."""

    pump: Pump
    clock: VirtualClock
    queue_url: str
    region: str
    max_batches: int = MAX_BATCHES
    max_stops: int = MAX_STOPS
    table: str | None = None
    last_sweep: float = 0.0
    sweeps: int = 0

    def run_until_idle(self) -> int:
        """Deliver every message receivable now and fire every schedule due now, until there is
        nothing left at this instant; returns the number of batches handed to the handler."""
        batches = 0
        while batches < self.max_batches:
            if self.pump.deliver_once():
                batches += 1
                continue
            if self.pump.fire_due_schedules():
                continue  # their messages are on the queue now
            if self._sweep_if_due():
                continue
            return batches
        raise NeverIdle(
            f"still delivering after {batches} batches at {clock.iso(self.clock.now())}"
        )

    def next_due(self, until: float) -> float | None:
        """The earliest moment in (now, until] when a message or a schedule becomes due."""
        now = self.clock.now()
        message = moto_time.next_visible(self.queue_url, self.region)
        schedule = self.pump.next_fire(until)
        sweep = self._next_sweep()
        candidates = [t for t in (message, schedule, sweep) if t is not None and now < t <= until]
        return min(candidates, default=None)

    # --- the sweeper's rate schedule -------------------------------------------------------------
    def _tick_after(self, t: float) -> float:
        period = SWEEPER_RATE_MINUTES * 60
        return (math.floor(t / period) + 1) * period

    def _next_sweep(self) -> float | None:
        """The first tick after the last sweep at which some run's `sweep_at` has passed."""
        if self.table is None:
            return None
        earliest = self._earliest_sweep_at()
        if earliest is None:
            return None
        tick = self._tick_after(max(self.last_sweep, earliest - 1e-6))
        return max(tick, self._tick_after(self.clock.now() - 1e-6))

    def _earliest_sweep_at(self) -> float | None:
        """One scan of the sparse index (moto sorts a whole table per Query, so one scan is far
        cheaper than a query per shard at every stop)."""
        from inngest_lambda.settings import SWEEP_AT_ATTRIBUTE, SWEEP_INDEX

        ddb = client("dynamodb", self.region)
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": SWEEP_INDEX,
            "ProjectionExpression": "#at",
            "ExpressionAttributeNames": {"#at": SWEEP_AT_ATTRIBUTE},
        }
        earliest: float | None = None
        while True:
            page = ddb.scan(**kwargs)
            for item in page.get("Items", []):
                at = float(item[SWEEP_AT_ATTRIBUTE]["N"])
                earliest = at if earliest is None else min(earliest, at)
            if "LastEvaluatedKey" not in page:
                return earliest
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _sweep_if_due(self) -> bool:
        due = self._next_sweep()
        if due is None or due > self.clock.now():
            return False
        self.last_sweep = due
        self.sweeps += 1
        from inngest_lambda.engine import sweeper
        from inngest_lambda.scheduling import queue

        client("sqs", self.region).send_message(
            QueueUrl=self.queue_url, MessageBody=queue.encode(sweeper.MESSAGE)
        )
        return True

    def advance_to(self, target: float) -> None:
        """Move time to `target`, stopping at each due moment on the way to deliver its work."""
        if target < self.clock.now():
            raise ValueError("virtual time cannot go backwards")
        self.run_until_idle()
        for _ in range(self.max_stops):
            due = self.next_due(target)
            if due is None:
                break
            self.clock.set(due)
            self.run_until_idle()
        else:
            raise NeverIdle(f"more than {self.max_stops} due moments before {clock.iso(target)}")
        self.clock.set(target)
        self.run_until_idle()
