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

from inngest_lambda import clock
from inngest_lambda.local.pump import Pump
from inngest_lambda.testing import moto_time
from inngest_lambda.testing.virtual_clock import VirtualClock

MAX_BATCHES = 10_000  # per run_until_idle: more means something keeps re-queuing itself
MAX_STOPS = 100_000  # per advance: a schedule firing every minute for ~70 days


class NeverIdle(RuntimeError):
    """Work kept coming at one virtual instant (a function that re-queues itself forever?)."""


@dataclasses.dataclass
class VirtualDelivery:
    pump: Pump
    clock: VirtualClock
    queue_url: str
    region: str
    max_batches: int = MAX_BATCHES
    max_stops: int = MAX_STOPS

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
            return batches
        raise NeverIdle(
            f"still delivering after {batches} batches at {clock.iso(self.clock.now())}"
        )

    def next_due(self, until: float) -> float | None:
        """The earliest moment in (now, until] when a message or a schedule becomes due."""
        now = self.clock.now()
        message = moto_time.next_visible(self.queue_url, self.region)
        schedule = self.pump.next_fire(until)
        candidates = [t for t in (message, schedule) if t is not None and now < t <= until]
        return min(candidates, default=None)

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
