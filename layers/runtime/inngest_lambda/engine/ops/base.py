"""What every SDK opcode implements: its start, and its step's later life.

The SDK answers a request with ops (`[{"op": "Sleep", "id": ..., ...}]`). Each opcode is one
`Op` (one module under `engine/ops/`, one line in `table.OPS`). An op owns:

- `start`: record what the SDK reported (a step stored, a pause opened, a model called);
- `arm`: make sure a pending step will wake the run (a timer; a wait's pause, an invoke's child);
- `on_due`: what happens when a pending step's time comes (a sleep ends, a wait times out);
- `runnable`: whether a pending step is to be run by the SDK now (a retry whose delay is over);
- `on_finish`: its cleanup when the run ends (a wait's pause is closed).

Steps a drive finds in the table are mapped back to their op by the `kind` their `info` stores
(`"sleep"`, `"wait"`, `"invoke"`, `"retry"`: the data format, unchanged), through `kind`.
"""

from __future__ import annotations

import abc
import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar

from inngest_lambda.scheduling import timers
from inngest_lambda.storage.store import WAITING, Step

if TYPE_CHECKING:
    from inngest_lambda.engine.protocols import RunDriver


@dataclasses.dataclass(frozen=True)
class OpCall:
    """One op of an SDK response, with what the drive knows of its step."""

    op: dict[str, Any]
    step_id: str
    name: str  # what the step is shown as
    existing: Step | None  # the step as the drive holds it, if it has seen it before
    attempt: int  # the attempt the op reports on (0 for a finished or new step)
    started: float  # when the step started (this request, for a new step)
    now: float
    no_retry: bool = False  # the SDK said its errors must not be retried (`X-Inngest-No-Retry`)

    @classmethod
    def of(
        cls,
        op: dict[str, Any],
        steps: dict[str, Step],
        request_started: float,
        now: float,
        no_retry: bool = False,
    ) -> OpCall:
        step_id = op.get("id", "")
        existing = steps.get(step_id)
        return cls(
            op=op,
            step_id=step_id,
            name=op.get("displayName") or op.get("name") or step_id,
            existing=existing,
            attempt=existing.attempt if existing and not existing.done else 0,
            started=existing.started_at if existing and existing.started_at else request_started,
            now=now,
            no_retry=no_retry,
        )

    @property
    def opts(self) -> dict[str, Any]:
        return self.op.get("opts") or {}


class Op(abc.ABC):
    opcode: ClassVar[str]  # the SDK's opcode (`inngest._internal.server_lib.consts.Opcode`)
    kind: ClassVar[str | None] = None  # the `info["kind"]` its pending steps store, if any

    @abc.abstractmethod
    async def start(self, driver: RunDriver, call: OpCall) -> bool:
        """Record the op; False when the drive must stop (the run finished or was parked)."""

    def arm(self, driver: RunDriver, step: Step) -> bool:
        """Make sure the pending `step` will wake the run (again, after a crash: duplicates are
        harmless). False when arming resolved the step instead (the drive arms it no more)."""
        arm_timer(driver, step)
        return True

    def on_due(self, driver: RunDriver, step: Step, now: float) -> None:
        """The pending `step`'s `due_at` has come (default: nothing happens)."""
        return None

    def runnable(self, step: Step, now: float) -> bool:
        """Whether the pending `step` is to be run by the SDK now (default: never)."""
        return False

    def on_finish(self, driver: RunDriver, step: Step) -> None:
        """The run ends while `step` is still open: clean up what only the op knows about."""
        return None


def ended_step(
    driver: RunDriver,
    call: OpCall,
    op: str,
    status: str,
    memo: object,
    *,
    error: dict[str, Any] | None = None,
    started: float,
) -> Step:
    """The op's step, finished at `call.now` (`status` Completed or Failed)."""
    return Step(
        call.step_id,
        call.name,
        op,
        status,
        driver.state.seq(call.existing),
        call.attempt,
        memo=memo,
        error=error,
        started_at=started,
        ended_at=call.now,
    )


def waiting_step(
    driver: RunDriver,
    call: OpCall,
    op: str,
    due: float | None,
    info: dict[str, Any],
    *,
    started: float,
) -> Step:
    """The op's step, `Waiting` from `started` until something resolves it (or `due`)."""
    return Step(
        call.step_id,
        call.name,
        op,
        WAITING,
        driver.state.seq(call.existing),
        0,
        due_at=due,
        started_at=started,
        info=info,
    )


def arm_timer(driver: RunDriver, step: Step) -> None:
    """Wake the run at the step's `due_at` (named per attempt, so a retry gets its own timer)."""
    if step.due_at is not None:
        timers.wake_at(driver.run.run_id, step.due_at, f"{step.step_id}:{step.attempt}")
