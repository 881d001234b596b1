"""`step.run` as the SDK reports it: `StepRun` (ran, with its output), `StepFailed` (failed for
good) and `StepPlanned` (to be run by a targeted request, e.g. a branch of `group.parallel`).

A step error that will be retried (`StepError`) is `retry.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inngest_lambda.engine.ops.base import Op, OpCall
from inngest_lambda.storage.store import COMPLETED, FAILED, PLANNED, Step

if TYPE_CHECKING:
    from inngest_lambda.engine.protocols import RunDriver


class StepRun(Op):
    opcode = "StepRun"

    async def start(self, driver: RunDriver, call: OpCall) -> bool:
        driver.metrics.add("StepDuration", (call.now - call.started) * 1000)
        existing = call.existing
        driver.state.save(
            Step(
                call.step_id,
                call.name,
                self.opcode,
                COMPLETED,
                driver.state.seq(existing),
                call.attempt,
                memo={"data": call.op.get("data")},
                started_at=call.started,
                ended_at=call.now,
                error=existing.error if existing else None,
            )
        )
        driver.run.fn_attempt = 0
        return True


class StepFailed(Op):
    opcode = "StepFailed"

    async def start(self, driver: RunDriver, call: OpCall) -> bool:
        driver.metrics.add("StepDuration", (call.now - call.started) * 1000)
        error = call.op.get("error") or {}
        driver.state.save(
            Step(
                call.step_id,
                call.name,
                self.opcode,
                FAILED,
                driver.state.seq(call.existing),
                call.attempt,
                memo={"error": error},
                error=error,
                started_at=call.started,
                ended_at=call.now,
            )
        )
        driver.run.fn_attempt = 0
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
