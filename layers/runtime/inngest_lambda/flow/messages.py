"""The work-queue message kinds flow control adds, dispatched from `Executor.handle`.

Each handler returns None (done: delete the message) or seconds after which to retry it. Every
message may arrive twice, early or late; handlers decide from DynamoDB state, never from the
message alone. Messages carrying `due_at` that arrive early (Scheduler fires minutes ahead) are
handed back to SQS for the remainder first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from inngest_lambda.flow import batching, debounce, scheduled, timeouts
from inngest_lambda.scheduling import timers
from inngest_lambda.storage.store import Conflict

if TYPE_CHECKING:
    from inngest_lambda.flow.seams import Executor


RETRY_SECONDS = 1.0

HANDLERS: dict[str, Callable[[Executor, dict[str, Any]], float | None]] = {
    debounce.KIND: debounce.handle,
    batching.KIND: batching.handle,
    scheduled.KIND: scheduled.handle,
    timeouts.KIND: timeouts.handle,
}
KINDS = frozenset(HANDLERS)


def handle(executor: Executor, message: dict[str, Any]) -> float | None:
    """Handle one flow-control message; returns seconds to retry after, or None when done."""
    if timers.defer_if_early(message):
        return None
    try:
        return HANDLERS[message["kind"]](executor, message)
    except Conflict:  # state kept changing under heavy contention: try again shortly
        return RETRY_SECONDS
