"""The end of a run: record it as finishing, then complete it.

`finish` writes the run's end onto the run item first (`finishing`: status, output, error, the
ids of the lifecycle events), then `complete` does the rest: emit `inngest/function.finished`
(and `.failed` / `.cancelled`), end the run's items and blobs, record the final status, and drop
what only the open steps still hold (long timers; each op's own cleanup, e.g. a wait's pause).
A drive that dies in between leaves the run `finishing`; the next drive completes it from there
with the same event ids, so nothing is emitted twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_lambda.core import clock, errors, ids
from inngest_lambda.engine.ops import table
from inngest_lambda.events import emitted as run_events
from inngest_lambda.flow import gate as flow_gate
from inngest_lambda.scheduling import timers

if TYPE_CHECKING:
    from inngest_lambda.engine.protocols import RunDriver


async def finish(
    driver: RunDriver,
    status: str,
    output: object = None,
    error: Any = None,
    reason: str | None = None,
) -> None:
    """`reason` is Inngest's `error` line for the lifecycle events (for a failed request,
    "invalid status code: 500"); without it, "<name>: <message>"."""
    run = driver.run
    if status != "Cancelled":
        driver.state.flush()
    else:
        driver.state.deferred = {}  # a cancelled run records nothing more
    finishing = {
        "status": status,
        "output": output,
        "error": error,
        "event_error": errors.standard_error(error, reason) if error is not None else None,
        "event_ids": [
            ids.deterministic_id(run.run_id, "finished"),
            ids.deterministic_id(run.run_id, "failed"),
        ],
    }
    driver.store.set_finishing(run, driver.owner, finishing)
    await complete(driver, finishing)


async def complete(driver: RunDriver, finishing: dict[str, Any]) -> None:
    """Complete a run's end recorded by `finish` (in this drive or one that died)."""
    flow_gate.finished(driver.gate)  # give back concurrency slots, leave any waiting list
    run, store = driver.run, driver.store
    status = finishing["status"]
    output, error = finishing.get("output"), finishing.get("error")
    # The lifecycle events carry Inngest's error object (error, name, message, stack).
    event_error = finishing.get("event_error", error)
    finished_id, failed_id = finishing["event_ids"]
    finished = run_events.finished_data(
        run, result=output, error=event_error if error is not None else None
    )
    now = clock.now_ms()
    emitted = [
        {"name": run_events.FUNCTION_FINISHED, "data": finished, "id": finished_id, "ts": now}
    ]
    if status in ("Failed", "Cancelled"):
        name = run_events.FUNCTION_FAILED if status == "Failed" else run_events.FUNCTION_CANCELLED
        failed = {**run_events.run_data(run), "error": event_error}
        emitted.append({"name": name, "data": failed, "id": failed_id, "ts": now})
    driver.ingestor.ingest(emitted)
    steps = driver.state.steps
    pauses = {*run.cancel_pauses, *driver.cancel_pause_keys()}
    store.end_items(run, steps, pauses)
    store.end_blobs(run)
    store.finish(run, driver.owner, status, output, error)
    if status in ("Completed", "Failed", "Cancelled"):
        driver.metrics.count(f"Runs{status}")
    # Long timers (Scheduler schedules) of steps that never completed: delete them.
    timers.forget_run_timers(
        run.run_id,
        [
            (f"{step.step_id}:{step.attempt}", step.due_at)
            for step in steps.values()
            if not step.done and step.due_at is not None
        ],
    )
    for step in steps.values():  # what only the open step's op knows about (a wait's pause)
        op = table.for_step(step)
        if op is not None:
            op.on_finish(driver, step)
    if driver.tracer is not None:  # the run's root span, and its waiting steps' spans
        driver.tracer.finished(run, status, error, steps)
    driver.log.info(f"run {status.lower()}", extra={**driver.log_extra, "status": status})
