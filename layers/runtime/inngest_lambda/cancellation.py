"""Cancelling runs: from the API, from a matching `cancel=` event, or from flow control.

A cancel is a request: the run is flagged and woken, and the invocation that drives it stops at
its next step boundary (a step already executing is not interrupted), marks it `Cancelled` and
emits `inngest/function.cancelled`. Timers and pauses of a cancelled run find it ended and do
nothing.
"""

from __future__ import annotations

from inngest_lambda import queue
from inngest_lambda.store import Store


def cancel_run(store: Store, run_id: str, reason: str) -> bool:
    """Request cancellation; False when the run does not exist or has already ended."""
    if not store.request_cancel(run_id, reason):
        return False
    queue.send({"kind": "run", "run_id": run_id})
    return True


def cancelled_error(reason: str) -> dict[str, str]:
    from inngest_lambda import errors

    return errors.error("FunctionCancelled", reason)
