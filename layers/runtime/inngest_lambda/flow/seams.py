"""What flow control needs of the runtime around it, as Protocols (no import of the engine).

Flow control is called by the executor (its message kinds, the gate around SDK requests) and by
ingestion (admission of new runs). It sees them through these seams only, so the flow package
imports neither `engine` nor `events.ingest`, and no import cycle can form through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from inngest_lambda.apps.registry import FunctionEntry, Registry
    from inngest_lambda.events.waits import Waits
    from inngest_lambda.storage.store import Run, Store


class Ingestor(Protocol):
    """Accepting events and starting runs (`events.ingest.Ingestor`)."""

    @property
    def store(self) -> Store: ...

    @property
    def waits(self) -> Waits: ...

    def ingest(self, events: list[dict[str, Any]]) -> object: ...

    def start_run(
        self,
        fn: FunctionEntry,
        event: dict[str, Any],
        *,
        parent: dict[str, Any] | None = None,
        messages: list[dict[str, Any]] | None = None,
    ) -> str | None: ...

    def cancel_items(self, fn: FunctionEntry, run: Run) -> list[dict[str, Any]]: ...


class Executor(Protocol):
    """What a flow message handler uses of the executor that received the message."""

    @property
    def store(self) -> Store: ...

    @property
    def registry(self) -> Registry: ...

    @property
    def ingestor(self) -> Ingestor: ...


class GatedDriver(Protocol):
    """The drive of one run, as the gate around its SDK requests sees it."""

    @property
    def run(self) -> Run: ...

    @property
    def fn(self) -> FunctionEntry | None: ...

    @property
    def store(self) -> Store: ...

    @property
    def owner(self) -> str: ...

    @property
    def lease_end(self) -> float:
        """Until when this drive may hold what it takes (its lease's furthest end)."""
        ...

    def reload(self) -> None:
        """Read the run and its steps again (raises `Conflict` when the lease is lost)."""
        ...

    def park(self, next_at: float) -> bool:
        """Release the run until `next_at`; False when something woke it meanwhile."""
        ...
