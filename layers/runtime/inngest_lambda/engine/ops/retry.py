"""`StepError`: a step failed and will be retried after Inngest's backoff.

The step is stored `Scheduled` with `info["kind"] == "retry"` and the next attempt; when its
`due_at` comes it is runnable again (the SDK is asked to run it at that attempt). An error the
SDK marks as not to be retried fails the step at once (`StepFailed`). Other ops that
retry a step themselves (`ai_infer.py`) store it the same way, through `schedule`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from inngest_lambda.core import retries
from inngest_lambda.engine.ops.base import Op, OpCall
from inngest_lambda.engine.ops.step import StepFailed
from inngest_lambda.storage.store import SCHEDULED, Step

if TYPE_CHECKING:
    from inngest_lambda.engine.protocols import RunDriver


class StepError(Op):
    opcode = "StepError"
    kind = "retry"

    async def start(self, driver: RunDriver, call: OpCall) -> bool:
        if call.no_retry:
            # The SDK says this error must not be retried (a nested step, a
            # NonRetriableError): the step fails now, as on its last attempt.
            failed = {**call.op, "op": StepFailed.opcode}
            return await StepFailed().start(driver, dataclasses.replace(call, op=failed))
        driver.metrics.add("StepDuration", (call.now - call.started) * 1000)
        schedule(driver, call, "StepRun", call.op.get("error"), started=call.started)
        return True

    def runnable(self, step: Step, now: float) -> bool:
        return step.status == SCHEDULED and step.due_at is not None and step.due_at <= now


def schedule(
    driver: RunDriver, call: OpCall, op: str, error: dict[str, Any] | None, *, started: float
) -> None:
    """Store the step as a retry of `call.attempt` after its backoff (stored as `op`)."""
    driver.state.save(
        Step(
            call.step_id,
            call.name,
            op,
            SCHEDULED,
            driver.state.seq(call.existing),
            call.attempt + 1,
            due_at=call.now + retries.backoff(call.attempt),
            error=error,
            started_at=started,
            info={"kind": StepError.kind},
        )
    )
