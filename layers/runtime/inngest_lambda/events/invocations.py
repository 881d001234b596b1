"""How an invoked run and its caller find each other: the `inngest/function.invoked` event that
starts the child, and the `inngest/function.finished` event that resolves the caller's step.

The caller's side (`step.invoke` becoming a waiting step, its timeout) is the engine's op,
`engine/ops/invoke.py`. This half lives with the events because it is what ingesting an event
does: the child's finish reaches the caller as an event, like any `wait_for_event`. The
correlation id `<caller run id>.<caller step id>` rides in both events (step ids may contain
dots, run ids never do).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.storage.store import COMPLETED, FAILED, Store


@dataclasses.dataclass(frozen=True)
class Target:
    run_id: str
    step_id: str


def correlation_id(run_id: str, step_id: str) -> str:
    return f"{run_id}.{step_id}"


def resume_target(event: dict[str, Any]) -> Target | None:
    corr = (event.get("data") or {}).get("correlation_id")
    if not isinstance(corr, str) or "." not in corr:
        return None
    run_id, step_id = corr.split(".", 1)
    return Target(run_id, step_id)


def child_event(
    opts: dict[str, Any], parent_run_id: str, parent_fn: str, step_id: str, event_id: str
) -> dict[str, Any]:
    payload = opts.get("payload") or {}
    data = dict(payload.get("data") or {})
    data["_inngest"] = {
        "source_fn_id": parent_fn,
        "source_run_id": parent_run_id,
        "invoke_correlation_id": correlation_id(parent_run_id, step_id),
    }
    event: dict[str, Any] = {
        "name": "inngest/function.invoked",
        "data": data,
        "id": event_id,
        "ts": clock.now_ms(),
    }
    if payload.get("v"):
        event["v"] = payload["v"]
    return event


def resume(store: Store, target: Target, finished: dict[str, Any]) -> bool:
    """Resolve the caller's step, then wake the caller.

    The wake happens even when the step was already resolved: a retry of this ingestion after
    a crash between the two writes must still wake the caller. A spare wake is harmless.
    Returns whether the caller is still running (and so needs a message to continue).
    """
    data = finished.get("data") or {}
    error = data.get("error")
    if error is not None:
        store.resolve_waiting(target.run_id, target.step_id, FAILED, {"error": error}, error)
    else:
        store.resolve_waiting(
            target.run_id, target.step_id, COMPLETED, {"data": data.get("result")}
        )
    return store.wake(target.run_id)
