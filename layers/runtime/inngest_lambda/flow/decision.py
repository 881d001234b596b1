"""What admission decided for one run about to be created: its status, start time and the
conditional writes that must commit together with it.

Each option's `decide()` reads its state, then adds its writes here; `admission` commits them
in the run-creation transaction, so an option's state changes exactly when the run is created
(a duplicate delivery that finds the run already there changes nothing).
"""

from __future__ import annotations

import dataclasses
from typing import Any

SKIPPED = "Skipped"
QUEUED = "Queued"


@dataclasses.dataclass
class Decision:
    run_id: str
    now: float
    status: str = QUEUED
    next_at: float = 0.0  # a throttled run starts at this time
    output: dict[str, Any] | None = None
    extra: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    cancel_run_id: str | None = None  # singleton "cancel": the run this one replaces

    @property
    def queued(self) -> bool:
        return self.status == QUEUED

    def skip(self, reason: str, message: str) -> None:
        """Create the run as Skipped: visible through the API, never executed."""
        self.status = SKIPPED
        self.output = {"skipped": True, "reason": reason, "message": message}
        self.next_at = 0.0
        self.cancel_run_id = None
