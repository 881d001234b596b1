"""A clock that only moves when a test says so, installed everywhere time is read.

Production code reads time in three places, and all three must agree or a 30-day sleep would
end at the wrong moment:

* the runtime, through `inngest_lambda.core.clock.now()` (leases, timers, pauses, retries);
* the inngest SDK, which computes a sleep's wake-up time and a `RetryAfterError`'s deadline
  from `datetime.now()` inside the function (`sdk_time`);
* moto, whose SQS delays and visibility timeouts and Scheduler creation dates use its own clock
  (`moto_time`): with it virtual, moto's SQS keeps every rule it has (delays, visibility,
  receive counts, the dead-letter queue) but on the test's time.

Nothing else changes: the code under test is the production code.
"""

from __future__ import annotations

import contextlib
import datetime
import time
from collections.abc import Iterator

from inngest_lambda.core import clock


class VirtualClock:
    """Seconds since the epoch that start at the real time and move only forward, on request."""

    def __init__(self, start: float | None = None) -> None:
        self._now = float(time.time() if start is None else start)

    def now(self) -> float:
        return self._now

    @property
    def datetime(self) -> datetime.datetime:
        """The current virtual time as an aware UTC datetime."""
        return datetime.datetime.fromtimestamp(self._now, tz=datetime.UTC)

    def set(self, when: float) -> None:
        """Jump to `when`; time never goes backwards (a due timer would then be early)."""
        if when < self._now:
            raise ValueError(
                f"virtual time cannot go backwards ({clock.iso(when)} < {clock.iso(self._now)})"
            )
        self._now = float(when)

    def advance(self, seconds: float) -> None:
        self.set(self._now + seconds)


@contextlib.contextmanager
def installed(virtual: VirtualClock) -> Iterator[VirtualClock]:
    """Make `virtual` the time of the runtime, the SDK and moto until the block ends."""
    from inngest_lambda.testing import moto_time, sdk_time

    previous = clock.source()  # restored as found, whatever it was
    clock.set_clock(virtual.now)
    try:
        with sdk_time.patched(virtual.now), moto_time.patched(virtual.now):
            yield virtual
    finally:
        clock.set_clock(previous)
