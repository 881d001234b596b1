"""Cancelling runs: from the API, from a matching `cancel=` event, or from flow control.

A cancel lands at once: the run is flagged (and is `Cancelled` for every reader from then on)
and woken. A step already executing is not interrupted, but nothing it returns is recorded: the
invocation driving the run has every write conditioned on the flag (no read per step), so its
next write is refused; it then records the end and emits `inngest/function.cancelled`. A parked
run is finished the same way by the wake-up. Timers and pauses of a cancelled run find it ended
and do nothing.
"""

from __future__ import annotations

from inngest_lambda.scheduling import queue
from inngest_lambda.storage.store import Store


def cancel_run(store: Store, run_id: str, reason: str) -> bool:
    """Request cancellation; False when the run does not exist or has already ended."""
    if not store.request_cancel(run_id, reason):
        return False
    queue.send({"kind": "run", "run_id": run_id})
    return True


def cancelled_error(reason: str) -> dict[str, str]:
    from inngest_lambda.core import errors

    return errors.error("FunctionCancelled", reason)
