"""`step.invoke`: a run starts another function's run and waits for it to finish.

The SDK reports `InvokeFunction` (target function id, payload, timeout). The caller's step is
stored `Waiting`; arming it makes sure the child run exists (its `inngest/function.invoked`
event has an id derived from the caller's step, so a repeated arm starts nothing twice). When
the child ends, the runtime emits `inngest/function.finished` carrying the correlation id
(`correlation_id`, added by `events/emitted.py`), and ingesting that event resolves the caller's
waiting step (`resume`, called by `events/ingest.py`); the first resolver wins, so a timeout
(`on_due`) and a finish cannot both land.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from inngest_lambda.core import clock, errors, ids
from inngest_lambda.engine.ops.base import Op, OpCall, waiting_step
from inngest_lambda.storage.store import COMPLETED, FAILED, WAITING, Step, Store

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
    driver.ingestor.start_run(target, event, parent={"run_id": run.run_id, "step_id": step.step_id})


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


def timeout_error() -> dict[str, Any]:
    """What the caller's `step.invoke` raises when the child outlives `timeout` (Inngest's)."""
    return errors.error(
        "InngestInvokeTimeoutError", "Timed out waiting for invoked function to complete"
    )
