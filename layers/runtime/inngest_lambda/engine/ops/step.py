"""`step.run` as the SDK reports it: `StepRun` (ran, with its output), `StepFailed` (failed for
good) and `StepPlanned` (to be run by a targeted request, e.g. a branch of `group.parallel`).

A step error that will be retried (`StepError`) is `retry.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_lambda.engine.ops.base import Op, OpCall, ended_step
from inngest_lambda.storage.store import COMPLETED, FAILED, PLANNED, Step

if TYPE_CHECKING:
    from inngest_lambda.engine.protocols import RunDriver


class StepRun(Op):
    opcode = "StepRun"

    async def start(self, driver: RunDriver, call: OpCall) -> bool:
        error = call.existing.error if call.existing else None  # the last failed attempt's
        _ended(driver, call, self.opcode, COMPLETED, {"data": call.op.get("data")}, error)
        return True


class StepFailed(Op):
    opcode = "StepFailed"

    async def start(self, driver: RunDriver, call: OpCall) -> bool:
        error = call.op.get("error") or {}
        _ended(driver, call, self.opcode, FAILED, {"error": error}, error)
        return True


class StepPlanned(Op):
    """A planned step is stored `Planned` (no `kind`): the drive runs every planned step."""

    opcode = "StepPlanned"

    async def start(self, driver: RunDriver, call: OpCall) -> bool:
        mode = call.opts.get("parallelMode")
        info = {"parallel_mode": mode} if mode == "race" else {}
        driver.state.save_new(
            Step(
                call.step_id,
                call.name,
                StepRun.opcode,
                PLANNED,
                driver.state.seq(call.existing),
                call.attempt,
                info=info,
            )
        )
        return True


def _ended(
    driver: RunDriver,
    call: OpCall,
    op: str,
    status: str,
    memo: object,
    error: dict[str, Any] | None,
) -> None:
    """Record a step the SDK ran to its end; the run's function-level attempts start over."""
    driver.metrics.add("StepDuration", (call.now - call.started) * 1000)
    driver.state.save(ended_step(driver, call, op, status, memo, error=error, started=call.started))
    driver.run.fn_attempt = 0
