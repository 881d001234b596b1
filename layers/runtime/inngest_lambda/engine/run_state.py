"""The steps of one run as a drive holds them in memory, and how they are written.

`steps` is every step of the run; `open` the ones not finished yet (the loop looks only at
these, never at every step of the run). Every change goes through `track`, which keeps `steps`,
`open`, the next seq and the request body in step with it.

Writes are conditional on the drive's lease (`owner`). A step can also be deferred: recorded with
the run's next write (sleeps: the one that ended and the next one ride on the park, so a wake-up
costs the lease and one write). Deferred puts are safe to lose in a crash: a drive derives an
ended sleep again, and the SDK reports the next one again.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.sdk.body import RequestBody
from inngest_lambda.storage.store import Step, Store


class RunState:
    def __init__(self, store: Store, run_id: str, owner: str, body: RequestBody) -> None:
        self.store = store
        self.run_id = run_id
        self.owner = owner
        self.body = body
        self.steps: dict[str, Step] = {}
        self.open: dict[str, Step] = {}
        self.next_seq = 0
        self.last_ended: float | None = None  # the latest end of a finished step
        self.deferred: dict[str, dict[str, Any]] = {}  # step id -> its put

    def seq(self, existing: Step | None) -> int:
        """The seq of a step being (re)written: its own, or the next one for a new step."""
        if existing is not None:
            return existing.seq
        return self.next_seq

    def track(self, step: Step) -> None:
        """Keep `steps`, `open`, the next seq and the request body in step with one change."""
        self.steps[step.step_id] = step
        self.next_seq = max(self.next_seq, step.seq + 1)
        if step.done:
            self.open.pop(step.step_id, None)
            self.body.add(step)
            if step.ended_at is not None:
                self.last_ended = max(self.last_ended or step.ended_at, step.ended_at)
        else:
            self.open[step.step_id] = step

    def load(self) -> None:
        """Track every step the table holds for the run."""
        for step in self.store.load_steps(self.run_id).values():
            self.track(step)

    def forget(self) -> None:
        """Start again from what the table holds: deferred puts that were refused are forgotten."""
        self.deferred = {}
        self.steps, self.open = {}, {}
        self.load()

    def save(self, step: Step) -> None:
        """Write `step` (whatever the table holds for it), with the deferred puts."""
        self._put(step, only_if_absent=False)

    def save_new(self, step: Step) -> None:
        """Write `step` unless the table holds it already (then track what it holds)."""
        self._put(step, only_if_absent=True)

    def _put(self, step: Step, *, only_if_absent: bool) -> None:
        self.deferred.pop(step.step_id, None)  # superseded: one operation per item
        current = self.store.put_step(
            self.run_id,
            step,
            only_if_absent=only_if_absent,
            owner=self.owner,
            deferred=self.take_deferred(),
        )
        self.track(current or step)

    def defer(self, step: Step, *, only_if_absent: bool = True) -> None:
        """Record `step` with the run's next write (see the module's docstring)."""
        put = self.store.step_put(self.run_id, step, only_if_absent=only_if_absent)
        earlier = self.deferred.get(step.step_id)
        if earlier is not None:  # a sleep that ended before it was written: one put, the
            put = {**earlier, "Item": put["Item"]}  # latest state, the first put's condition
        self.deferred[step.step_id] = put
        self.track(step)

    def take_deferred(self) -> list[dict[str, Any]]:
        taken, self.deferred = list(self.deferred.values()), {}
        return taken

    def flush(self) -> None:
        """Write the deferred puts now (the run is about to end)."""
        if self.deferred:
            self.store.write_steps(self.run_id, self.owner, self.take_deferred())

    def resolve(
        self,
        step: Step,
        status: str,
        memo: object,
        error: dict[str, Any] | None = None,
        *,
        ended_at: float | None = None,
    ) -> bool:
        """Resolve a waiting step (the first resolver wins); when this drive won, hold the step
        as written. Returns False when something else resolved it first."""
        if not self.store.resolve_waiting(self.run_id, step.step_id, status, memo, error):
            return False
        self.track(
            dataclasses.replace(
                step,
                status=status,
                memo=memo,
                memo_text=None,
                error=error if error is not None else step.error,
                ended_at=ended_at if ended_at is not None else clock.now(),
            )
        )
        return True
