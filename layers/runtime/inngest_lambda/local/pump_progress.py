"""What the local pump has done and is doing: its counters, the work in progress, a generation.

SQS delivery and schedule firing both report here, under one lock, so that
`Pump.wait_idle` can read a consistent picture: it is idle only when nothing is in progress and
no batch was received nor schedule fired (the generation did not move) between its two looks.
"""

from __future__ import annotations

import dataclasses
import threading

__all__ = ["PumpCounters", "PumpProgress"]


@dataclasses.dataclass
class PumpCounters:
    """What the pump has done so far; `Pump.counters` returns a snapshot."""

    receives: int = 0  # ReceiveMessage calls that returned messages
    messages_received: int = 0  # messages taken off the queue
    messages_delivered: int = 0  # records handed to the handler (duplicates count twice)
    handler_calls: int = 0
    handler_errors: int = 0  # calls that raised, timed out or answered nonsense
    messages_deleted: int = 0
    messages_failed: int = 0  # messages left on the queue for a retry
    schedules_fired: int = 0
    schedule_errors: int = 0


class PumpProgress:
    """Thread-safe counters, the number of receives and batches in progress, and a generation
    bumped by every batch received and every schedule fired."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters = PumpCounters()
        self._active = 0
        self._generation = 0

    def count(self, **increments: int) -> None:
        """Add to the named counters of :class:`PumpCounters`."""
        with self._lock:
            for name, value in increments.items():
                setattr(self._counters, name, getattr(self._counters, name) + value)

    def counters(self) -> PumpCounters:
        with self._lock:
            return dataclasses.replace(self._counters)

    def started(self) -> None:
        """A receive (and the batch it may bring) is in progress."""
        with self._lock:
            self._active += 1

    def finished(self) -> None:
        with self._lock:
            self._active -= 1

    def new_work(self) -> None:
        """A batch was received or a schedule is firing: work may exist that no count shows yet."""
        with self._lock:
            self._generation += 1

    def state(self) -> tuple[int, int]:
        """(work in progress, generation), read together."""
        with self._lock:
            return self._active, self._generation
