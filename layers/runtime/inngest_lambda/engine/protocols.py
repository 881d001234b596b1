"""The drive of one run as its parts see it: the ops (`engine/ops/`) and the finishing.

`driver.Driver` implements `RunDriver`; the ops and `finishing` depend on this Protocol only,
never on the driver module, so the driver can import them without an import cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from inngest_lambda.apps.registry import FunctionEntry, Registry
    from inngest_lambda.core.metrics import Batch
    from inngest_lambda.engine.run_state import RunState
    from inngest_lambda.flow.gate import Gate
    from inngest_lambda.flow.seams import Ingestor
    from inngest_lambda.sdk.client import SdkResponse
    from inngest_lambda.storage.store import Run, Step, Store


class DriveTracer(Protocol):
    """What a traced drive reports, at the engine's seams (`tracing/spans.py` implements it).

    With tracing off a drive holds None instead, so each seam costs one `is not None` check and
    nothing of OpenTelemetry is imported. A tracer never raises into the drive.
    """

    async def request(
        self, step_id: str, attempt: int, call: Awaitable[SdkResponse]
    ) -> SdkResponse:
        """Await one SDK request (`step_id` "step": a discovery) as a span."""
        ...

    def responded(self, res: SdkResponse) -> None:
        """The drive starts recording `res`: the ops that follow came from that request."""
        ...

    def op_applied(
        self, op: dict[str, Any], attempt: int, started: float, now: float, step: Step | None
    ) -> None:
        """One op of the current response was recorded (a step attempt, a sleep, a wait...);
        `step` is its step as the drive now holds it."""
        ...

    def child_started(self, step: Step, child_run_id: str) -> None:
        """`step` (an invoke) started, or found, the child run `child_run_id`."""
        ...

    def finished(self, run: Run, status: str, error: Any, steps: dict[str, Step]) -> None:
        """The run ended with `status`: its root span and its waiting steps' spans."""
        ...

    def close(self) -> None:
        """The drive is over (whatever happened): hand what is left to the exporter."""
        ...


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
    tracer: DriveTracer | None  # None unless tracing is on (`tracing/`)

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
