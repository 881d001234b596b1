"""`step.wait_for_event`: the SDK reports `WaitForEvent` (event name, `if` expression, timeout).

The step is stored `Waiting` with its pause (`info["pause"]`) and opened in the pause index; an
event that matches resolves it (ingestion, `events/waits.py`), the timeout resolves it with no
event (`on_due`), whichever comes first (the first resolver wins). Events that arrived since the
step before it count too (`since`), so an event sent while the SDK reached the wait is not lost.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from inngest_lambda.core import clock, errors
from inngest_lambda.engine.ops.base import Op, OpCall, waiting_step
from inngest_lambda.events.pauses import Pause
from inngest_lambda.events.waits import WaitError, build_pause
from inngest_lambda.storage.index_keys import RECENT_EVENTS_SECONDS
from inngest_lambda.storage.store import COMPLETED, WAITING, Step

if TYPE_CHECKING:
    from inngest_lambda.engine.protocols import RunDriver


class WaitForEvent(Op):
    opcode = "WaitForEvent"
    kind = "wait"

    async def start(self, driver: RunDriver, call: OpCall) -> bool:
        now = clock.now()
        due = now + clock.duration_seconds(call.opts.get("timeout") or "1s")
        run = driver.run
        try:
            expression = call.opts.get("if")
            pause = build_pause(
                "wait", call.op["name"], expression, run.event, run.run_id, call.step_id, due
            )
        except WaitError as err:
            await driver.finish("Failed", error=errors.error("InvalidExpression", str(err)))
            return False
        info = {"kind": self.kind, "pause": dataclasses.asdict(pause), "since": _since(driver)}
        driver.state.save_new(waiting_step(driver, call, self.opcode, due, info, started=now))
        current = driver.state.steps[call.step_id]
        if current.status == WAITING:
            _open_pause(driver, current)
        return True

    def arm(self, driver: RunDriver, step: Step) -> bool:
        if step.step_id not in driver.opened:
            _open_pause(driver, step)
            if driver.state.steps[step.step_id].status != WAITING:
                return False
        return super().arm(driver, step)

    def on_due(self, driver: RunDriver, step: Step, now: float) -> None:
        if step.status != WAITING:
            return
        if not driver.state.resolve(step, COMPLETED, None, ended_at=now):
            driver.state.load()  # the event won the race: its memo is in the table
        driver.ingestor.waits.close(Pause(**step.info["pause"]))

    def on_finish(self, driver: RunDriver, step: Step) -> None:
        if step.status == WAITING:  # nobody waits any more: drop the run's open pause
            driver.ingestor.waits.close(Pause(**step.info["pause"]))


def _since(driver: RunDriver) -> float:
    """From when an event can satisfy a new wait: the end of the step before it (events
    that arrive while the SDK reaches the wait count), or the run's start when the wait is
    its first step, so an event sent right after the trigger is not lost. Bounded by how
    long ingestion keeps its index of recent events."""
    last = driver.state.last_ended
    since = last if last is not None else driver.run.created_at
    return max(since, clock.now() - RECENT_EVENTS_SECONDS)


def _consumed_events(driver: RunDriver, step_id: str) -> set[str]:
    """Events that already resumed another wait of this run: never matched twice. Read from
    the run's finished waits in memory (no AWS call); only when a pause opens."""
    return {
        str(step.memo["id"])
        for step in driver.state.steps.values()
        if step.step_id != step_id
        and step.op == WaitForEvent.opcode
        and step.done
        and isinstance(step.memo, dict)
        and "id" in step.memo
    }


def _open_pause(driver: RunDriver, step: Step) -> None:
    """Write the step's pause (again: a put of the same item is harmless) and resolve the
    step if a matching event came in meanwhile. Called where the wait starts and on every
    later drive that finds it waiting, so a registration cut short by an error (the step
    stored `Waiting`, its pause or key path not) is completed by the retried drive."""
    driver.opened.add(step.step_id)
    waits = driver.ingestor.waits
    pause = Pause(**step.info["pause"])
    since = step.info.get("since", step.started_at or driver.request_started)
    matched = waits.open(pause, since=since, exclude=_consumed_events(driver, step.step_id))
    if matched is not None:
        if not driver.state.resolve(step, COMPLETED, matched):
            driver.state.load()
        waits.close(pause)
