"""`timeouts=Timeouts(start, finish)`: cancel runs that waited too long to start or ran too long.

* start: measured from the run's creation to its first SDK request (time spent throttled, held
  in a concurrency queue or waiting for a retry all count). A `timeout` message is armed at
  creation for `created + start`.
* finish: measured from the first SDK request; armed when that request is about to be made.

Two attributes on the run item decide the race between "the run starts" and "the start timeout
fires", each written only if the other is absent: `flow_started_at` (written by the execution
gate) and `flow_timed_out`. Whichever lands first wins, so a run is never both started and
cancelled for not starting. Cancelling goes through `cancellation.cancel_run`, which cancels at
the next step boundary (a running step is not interrupted, as in Inngest).

DynamoDB per run start: start: 1 conditional Update on the run at its first drive (+1 SQS
message at creation); finish: the same Update (+1 SQS message at first execution).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_lambda.core import clock
from inngest_lambda.flow import state
from inngest_lambda.flow.config import Timeouts
from inngest_lambda.scheduling import timers
from inngest_lambda.storage import flow_items

if TYPE_CHECKING:
    from inngest_lambda.flow.seams import Executor
    from inngest_lambda.storage.store import Run, Store


KIND = "timeout"
STARTED = "started"
FIRST = "first"
TIMED_OUT = "timed_out"  # the timeout handler won: the run is being cancelled already
EXPIRED = "expired"  # it expired just now: the caller cancels once it let go of the run


def arm_start(run_id: str, due_at: float) -> None:
    timers.send_at({"kind": KIND, "which": "start", "run_id": run_id}, due_at, f"{run_id}:start")


def arm_finish(run_id: str, due_at: float) -> None:
    timers.send_at({"kind": KIND, "which": "finish", "run_id": run_id}, due_at, f"{run_id}:finish")


def cancel(store: Store, run_id: str, reason: str) -> bool:
    """Cancel a run through the runtime's cancellation path."""
    from inngest_lambda.events import cancellation

    return bool(cancellation.cancel_run(store, run_id, reason))


def on_execute(store: Store, run: Run, cfg: Timeouts) -> str:
    """Called before a run's SDK requests in a drive: FIRST (it starts now), STARTED (it had
    started before), EXPIRED or TIMED_OUT (see the constants)."""
    now = clock.now()
    late = cfg.start is not None and now > run.created_at + cfg.start
    if late and expire_start(store, run.run_id):
        return EXPIRED
    try:
        flow_items.update(
            store,
            TableName=store.table,
            Key=state.key(f"R#{run.run_id}", "R"),
            UpdateExpression="SET flow_started_at = :now",
            ConditionExpression=(
                "attribute_not_exists(flow_started_at) AND attribute_not_exists(flow_timed_out)"
            ),
            ExpressionAttributeValues={":now": state.enc(now)},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except Exception as err:
        if not state.is_conflict(err):
            raise
        old = getattr(err, "response", {}).get("Item") or {}
        return TIMED_OUT if "flow_timed_out" in old else STARTED
    if cfg.finish is not None:
        arm_finish(run.run_id, now + cfg.finish)
    return FIRST


def expire_start(store: Store, run_id: str) -> bool:
    """Record that the start timeout fired before the run started; False if it had started
    (or ended) first. True again for a run already expired and still active, so a repeat
    (after a crash before the cancel was requested) requests the cancel again."""
    try:
        flow_items.update(
            store,
            TableName=store.table,
            Key=state.key(f"R#{run_id}", "R"),
            UpdateExpression="SET flow_timed_out = :which",
            ConditionExpression=(
                "attribute_exists(#pk) AND attribute_not_exists(flow_started_at) "
                "AND #st IN (:q, :r)"
            ),
            ExpressionAttributeNames={"#pk": state.TABLE_PK, "#st": "status"},
            ExpressionAttributeValues={
                ":which": state.enc("start"),
                ":q": state.enc("Queued"),
                ":r": state.enc("Running"),
            },
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        return True
    except Exception as err:
        if not state.is_conflict(err):
            raise
        old = state.plain(getattr(err, "response", {}).get("Item") or {})
        return (
            "flow_timed_out" in old
            and "flow_started_at" not in old
            and old.get("status") in ("Queued", "Running")
        )


def handle(executor: Executor, message: dict[str, Any]) -> float | None:
    """A `timeout` message: cancel the run if it is still due for it."""
    run_id = message.get("run_id")
    if not isinstance(run_id, str):
        return None
    store = executor.store
    if message.get("which") == "start":
        if expire_start(store, run_id):
            cancel(store, run_id, "the run did not start within its timeouts.start")
        return None
    run = store.get_run(run_id)
    if run is not None and run.status in ("Queued", "Running"):
        cancel(store, run_id, "the run did not finish within its timeouts.finish")
    return None


def start_reason(seconds: float) -> str:
    return f"the run did not start within its timeouts.start ({seconds:g}s)"
