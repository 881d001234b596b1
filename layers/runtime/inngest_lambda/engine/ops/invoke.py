"""`step.invoke`: a run starts another function's run and waits for it to finish.

The SDK reports `InvokeFunction` (target function id, payload, timeout). The caller's step is
stored `Waiting`; arming it makes sure the child run exists (its `inngest/function.invoked`
event has an id derived from the caller's step, so a repeated arm starts nothing twice). When
the child ends, the runtime emits `inngest/function.finished` carrying the correlation id
(`events/invocations.py`), and ingesting that event resolves the caller's waiting step
(`invocations.resume`, called by `events/ingest.py`); the first resolver wins, so a timeout
(`on_due`) and a finish cannot both land.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_lambda.core import clock, errors, ids
from inngest_lambda.engine.ops.base import Op, OpCall, waiting_step
from inngest_lambda.events.invocations import child_event
from inngest_lambda.storage.store import FAILED, WAITING, Step

if TYPE_CHECKING:
    from inngest_lambda.engine.protocols import RunDriver


class InvokeFunction(Op):
    opcode = "InvokeFunction"
    kind = "invoke"

    async def start(self, driver: RunDriver, call: OpCall) -> bool:
        timeout = call.opts.get("timeout")
        due = clock.now() + clock.duration_seconds(timeout) if timeout else None
        info = {
            "kind": self.kind,
            "function_id": call.opts.get("function_id"),
            "payload": call.opts.get("payload") or {},
        }
        step = waiting_step(driver, call, self.opcode, due, info, started=clock.now())
        driver.state.save_new(step)
        return True

    def arm(self, driver: RunDriver, step: Step) -> bool:
        super().arm(driver, step)
        if step.status == WAITING:
            _ensure_child(driver, step)
        return True

    def on_due(self, driver: RunDriver, step: Step, now: float) -> None:
        if step.status != WAITING:
            return
        err = timeout_error()
        if not driver.state.resolve(step, FAILED, {"error": err}, err, ended_at=now):
            driver.state.load()


def _ensure_child(driver: RunDriver, step: Step) -> None:
    """Start the child run (again: the same event id, so a duplicate starts nothing), or fail
    the step when the target function does not exist."""
    target_id = step.info.get("function_id") or ""
    target = driver.registry.get(target_id)
    if target is None:
        err = errors.error("FunctionNotFound", f"could not invoke {target_id}: function not found")
        driver.state.resolve(step, FAILED, {"error": err}, err)
        return
    run = driver.run
    event = child_event(
        {"payload": step.info.get("payload")},
        run.run_id,
        run.function_id,
        step.step_id,
        ids.deterministic_id(run.run_id, step.step_id),
    )
    driver.store.put_events([event])
    parent = {"run_id": run.run_id, "step_id": step.step_id}
    child = driver.ingestor.start_run(target, event, parent=parent)
    if driver.tracer is not None and child:
        driver.tracer.child_started(step, child)


def timeout_error() -> dict[str, Any]:
    """What the caller's `step.invoke` raises when the child outlives `timeout` (Inngest's)."""
    return errors.error(
        "InngestInvokeTimeoutError", "Timed out waiting for invoked function to complete"
    )
