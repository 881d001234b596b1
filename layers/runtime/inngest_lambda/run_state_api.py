"""`use_api`: the run state an SDK fetches itself when it was too large to send.

`GET /v0/runs/{id}/actions` answers the memoised step results (the `steps` object of an
execution request) and `GET /v0/runs/{id}/batch` the run's events (its `events` list), with
the shapes the SDK's client reads (`_get_steps` / `_get_batch`).
"""

from __future__ import annotations

from typing import Any

from inngest_lambda.store import Store


def actions(store: Store, run_id: str) -> dict[str, Any] | None:
    """Every finished step's memo by step id; None when the run does not exist."""
    if store.get_run(run_id) is None:
        return None
    steps = store.load_steps(run_id)
    return {s.step_id: s.memo for s in sorted(steps.values(), key=lambda s: s.seq) if s.done}


def batch(store: Store, run_id: str) -> list[dict[str, Any]] | None:
    run = store.get_run(run_id)
    return None if run is None else run.events
