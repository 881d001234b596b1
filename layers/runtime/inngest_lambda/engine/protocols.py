"""The drive of one run as its parts see it: the ops (`engine/ops/`) and the finishing.

`driver.Driver` implements `RunDriver`; the ops and `finishing` depend on this Protocol only,
never on the driver module, so the driver can import them without an import cycle.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from inngest_lambda.apps.registry import FunctionEntry, Registry
    from inngest_lambda.core.metrics import Batch
    from inngest_lambda.engine.run_state import RunState
    from inngest_lambda.flow.gate import Gate
    from inngest_lambda.flow.seams import Ingestor
    from inngest_lambda.storage.store import Run, Store


class RunDriver(Protocol):
    run: Run
    fn: FunctionEntry | None
    owner: str
    store: Store
    registry: Registry
    ingestor: Ingestor
    state: RunState  # the run's steps, and how they are written
    metrics: Batch
    log: logging.Logger
    log_extra: dict[str, Any]
    request_started: float  # events accepted from here on can satisfy a new wait
    opened: set[str]  # wait steps whose pause this drive has written

    @property
    def gate(self) -> Gate | None:
        """The flow-control gate of this drive (None for functions it does not apply to)."""
        ...

    def request_timeout(self) -> float:
        """How long an outgoing request made for this drive may take."""
        ...

    def cancel_pause_keys(self) -> list[tuple[str, str]]:
        """The `cancel=` pauses of this run under the function's current config."""
        ...

    async def finish(
        self, status: str, output: object = None, error: Any = None, reason: str | None = None
    ) -> None:
        """Record the run's end (see `finishing.finish`)."""
        ...
