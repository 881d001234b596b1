"""`step.sleep` / `step.sleep_until`: the SDK reports `Sleep` with the wake-up time as `name`.

The sleep is deferred (written with the run's park, see `run_state`), armed as a timer, and
ended by the drive that finds it due: also deferred, so a wake-up costs the lease and one write.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from inngest_lambda.core import clock
from inngest_lambda.engine.ops.base import Op, OpCall
from inngest_lambda.storage.store import COMPLETED, SCHEDULED, Step

if TYPE_CHECKING:
    from inngest_lambda.engine.protocols import RunDriver


class Sleep(Op):
    opcode = "Sleep"
    kind = "sleep"

    async def start(self, driver: RunDriver, call: OpCall) -> bool:
        driver.state.defer(
            Step(
                call.step_id,
                call.name,
                self.opcode,
                SCHEDULED,
                driver.state.seq(call.existing),
                0,
                due_at=clock.parse_iso(call.op["name"]),
                started_at=call.now,
                info={"kind": self.kind},
            )
        )
        return True

    def on_due(self, driver: RunDriver, step: Step, now: float) -> None:
        if step.status != SCHEDULED or step.due_at is None:
            return
        driver.state.defer(
            dataclasses.replace(step, status=COMPLETED, memo=None, memo_text=None, ended_at=now),
            only_if_absent=False,
        )
        driver.metrics.add("SleepLateness", max(0.0, now - step.due_at) * 1000)
