"""What an operator does to runs besides reading them: replay one, replay many, invoke a function.

Shared by the JSON API (`http/ops_api.py`, used by the CLI) and the dashboard, so both follow one
set of rules. Nothing here bypasses the run lifecycle: a replay or an invoke creates a Queued run
and a start message, exactly like an event would, and the executor drives it as any other.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Protocol

from inngest_lambda.core import clock, ids
from inngest_lambda.events.emitted import FUNCTION_INVOKED
from inngest_lambda.scheduling import queue
from inngest_lambda.storage import listing
from inngest_lambda.storage.store import RUNNING_STATES, Conflict, Run

if TYPE_CHECKING:
    from inngest_lambda.apps.registry import Registry
    from inngest_lambda.events.ingest import Ingestor
    from inngest_lambda.storage.store import Store

MAX_BULK_REPLAY = 500


class Deployment(Protocol):
    """What an operation needs of the deployment (`inngest_lambda.runtime.Runtime` has it, as
    does the HTTP layer's `Services`): its runs, its functions, and the way events start runs."""

    store: Store
    registry: Registry
    ingestor: Ingestor


class NotFound(LookupError):
    """The run or function named does not exist (a 404 for the API, exit status 3 for the CLI)."""


def replay(deployment: Deployment, run_id: str) -> Run:
    """Start a new run of the same function from the same event(s); both runs link each other.

    The replay skips event-time flow control (debounce, rate limit, idempotency: the event was
    admitted once already) but not run-time limits: concurrency and throttle still apply when the
    executor drives it.
    """
    original = deployment.store.get_run(run_id)
    if original is None:
        raise NotFound(f"run {run_id} not found")
    if deployment.registry.get(original.function_id) is None:
        raise NotFound(f"function {original.function_id} of run {run_id} is no longer registered")
    new = replay_run(original)
    start_linked(deployment, original, new, f"replay#{original.run_id}#{new.run_id}")
    return new


def replay_run(original: Run) -> Run:
    """A new Queued run of `original`'s function and event(s), `replay_of` it (not stored)."""
    return Run(
        run_id=ids.new_id(),
        function_id=original.function_id,
        status="Queued",
        event_id=original.event_id,
        event=original.event,
        events=original.events,
        created_at=clock.now(),
        replay_of=original.run_id,
    )


def start_linked(
    deployment: Deployment,
    original: Run,
    new: Run,
    key: str,
    extra: list[dict[str, Any]] | None = None,
) -> None:
    """Create `new` (a replay or rerun of `original`, under its own idempotency `key`) linked
    from the original, with `extra` items in the same transaction, then send its start."""
    live = original.status in RUNNING_STATES and not original.finishing
    store = deployment.store
    try:
        store.create_run(
            new, key, [*store.replay_link(original, new.run_id, live=live), *(extra or [])]
        )
    except Conflict:
        if not live:
            raise
        # The original began to end meanwhile: its end will not see this replay.
        store.create_run(
            new, key, [*store.replay_link(original, new.run_id, live=False), *(extra or [])]
        )
    queue.send({"kind": "run", "run_id": new.run_id})


@dataclasses.dataclass
class Replayed:
    run_id: str
    replay_run_id: str


def bulk_replay(
    deployment: Deployment,
    function_id: str,
    *,
    status: str = "Failed",
    since: float | None = None,
    until: float | None = None,
    limit: int = MAX_BULK_REPLAY,
    reason: str | None = None,
) -> list[Replayed]:
    """Replay every run of one function in one status and time window (newest first).

    `reason` keeps only the Skipped runs skipped for that reason (their output's `reason`, e.g.
    `FunctionPaused`: the runs a paused function did not start); it costs one GetItem per run
    listed, on top of the replay's own.
    """
    if deployment.registry.get(function_id) is None:
        raise NotFound(f"function {function_id} not found")
    runs = listing.list_runs(
        deployment.store, [function_id], status=status, since=since, until=until, limit=limit
    ).items
    out = []
    for r in runs:
        if reason is not None and skip_reason(deployment.store.get_run(r.run_id)) != reason:
            continue
        out.append(Replayed(r.run_id, replay(deployment, r.run_id).run_id))
    return out


def skip_reason(run: Run | None) -> str | None:
    """Why a Skipped run was skipped (`FunctionPaused`, `RateLimited`, ...), else None."""
    output = run.output if run is not None and run.status == "Skipped" else None
    reason = output.get("reason") if isinstance(output, dict) else None
    return reason if isinstance(reason, str) else None


def invoke(
    deployment: Deployment, function_id: str, data: dict[str, Any]
) -> tuple[str, str | None]:
    """Run a function now with `data`, as `step.invoke` would; returns (event id, run id).

    The run id is None when flow control decided not to start one (debounced, batched, ...).
    """
    fn = deployment.registry.get(function_id)
    if fn is None:
        raise NotFound(f"function {function_id} not found")
    event = {
        "name": FUNCTION_INVOKED,
        "data": data,
        "id": ids.new_id(),
        "ts": clock.now_ms(),
    }
    deployment.store.put_events([event])
    run_id = deployment.ingestor.start_run(fn, event)
    return event["id"], run_id
