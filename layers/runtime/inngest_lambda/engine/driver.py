"""The drive of one run: ask the SDK what to do next, record what it did, hand over when it must.

A drive holds the run's lease and loops SDK requests in-process: each request can record one
new `step.run`, so a run of N plain steps costs N SDK requests but a single queue message. The
loop stops at a sleep, an invoke, a retry delay, the end of the run, or when the invocation's
remaining time runs low; it then parks the run (releasing the lease) with the timers that will
wake it.

What each SDK op means is its op's business (`engine/ops/`, looked up in `ops.table`): the loop
starts ops, arms pending steps, resolves due ones and runs runnable ones through them, and never
looks at an opcode or a step's `kind` itself.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from inngest_lambda import tracing
from inngest_lambda.apps.registry import FunctionEntry, Registry
from inngest_lambda.core import clock, errors, metrics, retries
from inngest_lambda.engine import finishing, sdk_request
from inngest_lambda.engine.heartbeat import LEASE_GRACE_SECONDS
from inngest_lambda.engine.ops import table
from inngest_lambda.engine.ops.base import OpCall, arm_timer
from inngest_lambda.engine.paused import PauseCheck
from inngest_lambda.engine.run_state import RunState
from inngest_lambda.events import cancellation
from inngest_lambda.events.waits import WaitError, cancel_pause_keys
from inngest_lambda.flow import gate as flow_gate
from inngest_lambda.flow.seams import Ingestor
from inngest_lambda.scheduling import queue, timers
from inngest_lambda.sdk.body import RequestBody
from inngest_lambda.sdk.client import SdkClient, SdkResponse
from inngest_lambda.storage.store import (
    NEVER,
    PLANNED,
    SCHEDULED,
    WAITING,
    Conflict,
    Run,
    Step,
    Store,
)

# Hand over to a fresh invocation when less than this much time is left.
HANDOVER_SECONDS = 30.0
# A run parked until at most this far ahead gets a second wake-up message (see `park`).
REWAKE_SECONDS = timers.PRECISE_WAIT_SECONDS + 0.5


class Driver:
    """One drive of one run, holding its lease (`owner`) until `deadline`.

    Implements `protocols.RunDriver` (what the ops and `finishing` use) and `flow.seams.
    GatedDriver` (what the flow-control gate uses).
    """

    def __init__(
        self,
        store: Store,
        registry: Registry,
        ingestor: Ingestor,
        log: logging.Logger,
        run: Run,
        fn: FunctionEntry | None,
        owner: str,
        sdk: SdkClient,
        deadline: float,
    ) -> None:
        self.store = store
        self.registry = registry
        self.ingestor = ingestor
        self.log = log
        self.run = run
        self.fn = fn
        self.owner = owner
        self.sdk = sdk
        self.deadline = deadline
        body = RequestBody(run.event, run.events, run.run_id, canonical=sdk.signed)
        self.state = RunState(store, run.run_id, owner, body)
        self.armed: set[str] = set()
        self.opened: set[str] = set()  # wait steps whose pause this drive has written
        self.request_started = clock.now()
        self.log_extra = {"run_id": run.run_id, "function_id": run.function_id}
        self.metrics = metrics.Batch(run.function_id)  # one EMF line per drive
        self._gate: flow_gate.Gate | None = None  # made on first use (`gate`)
        self._gate_made = False
        self.pause_check = PauseCheck()  # a paused function's runs stop at a step boundary
        self.tracer = tracing.drive_tracer(run, owner)  # None unless tracing is on

    @property
    def lease_end(self) -> float:
        """The furthest end of this drive's lease: its deadline plus the time to record."""
        return self.deadline + LEASE_GRACE_SECONDS

    @property
    def gate(self) -> flow_gate.Gate | None:
        """The flow-control gate of this drive, made on first use; None where none applies."""
        if not self._gate_made:
            self._gate, self._gate_made = flow_gate.gate_for(self), True
        return self._gate

    # --- top level --------------------------------------------------------------------------
    async def start(self) -> None:
        if self.run.finishing:
            self.state.steps = self.store.load_steps(self.run.run_id)  # TTLs start at the end
            await finishing.complete(self, self.store.load_finishing(self.run) or {})
            return
        if self.fn is None:
            await self.finish(
                "Failed",
                error=errors.error(
                    "FunctionNotFound", f"function {self.run.function_id} is not registered"
                ),
            )
            return
        unsupported = self.fn.unsupported()
        if unsupported:
            await self.finish(
                "Failed",
                error=errors.error(
                    "NotSupportedYet",
                    f"function {self.fn.id} uses {', '.join(unsupported)}, which this version "
                    "of inngest-lambda does not support yet",
                ),
            )
            return
        if self.run.cancel:
            # Its steps tell the end what to clean up (open pauses, long-timer schedules).
            self.state.load()
            await self.finish("Cancelled", error=cancellation.cancelled_error(self.run.cancel))
            return
        needs_cancels = self.fn.config.get("cancel") and not self.run.cancels_opened
        if needs_cancels and not await self._open_cancels():
            return
        self.state.load()
        await self.loop()

    def cancel_pause_keys(self) -> list[tuple[str, str]]:
        """The `cancel=` pauses of this run under the function's current config (the keys
        recorded when they were opened are used as well: the config may have changed)."""
        cancels = self.fn.config.get("cancel") if self.fn is not None else None
        if not cancels:
            return []
        return cancel_pause_keys(cancels, self.run.run_id, self.run.event)

    async def _open_cancels(self) -> bool:
        """The look-back of the `cancel=` pauses written with the run (`run_cancels`), or, for
        a run created without them, the pauses themselves; once per run (its first drive)."""
        assert self.fn is not None
        cancels = self.fn.config["cancel"]
        waits = self.ingestor.waits
        try:
            if self.run.cancel_pauses:
                from inngest_lambda.events import cancel_pauses as run_cancels

                reason = run_cancels.look_back(waits, cancels, self.run)
            else:
                reason = waits.open_cancels(
                    cancels, self.run.run_id, self.run.event, self.run.created_at
                )
        except WaitError as err:
            await self.finish("Failed", error=errors.error("InvalidExpression", str(err)))
            return False
        keys = sorted({*self.run.cancel_pauses, *self.cancel_pause_keys()})
        self.store.mark_cancels_opened(self.run, self.owner, keys)
        if reason:
            await self.finish("Cancelled", error=cancellation.cancelled_error(reason))
            return False
        return True

    async def loop(self) -> None:
        assert self.fn is not None
        while True:
            now = clock.now()
            if self.deadline - now < HANDOVER_SECONDS:
                self.park(0.0)
                queue.send({"kind": "run", "run_id": self.run.run_id})
                return
            if self.run.cancel:  # seen on a reload; otherwise the next step write refuses
                await self.finish("Cancelled", error=cancellation.cancelled_error(self.run.cancel))
                return
            self.request_started = now  # events accepted from here on can satisfy a new wait
            self._resolve_due(now)
            todo = [s for s in self.state.open.values() if _runnable(s, now)]
            if todo:
                if not await self._may_proceed():  # paused / slot / start timeout; parked if not
                    return
                if not await self._run_steps(todo):
                    return
                continue
            pending = _pending(self.state.open)
            if pending:
                self._arm(pending)
                # Arming can finish a step (an invoke of a function that does not exist).
                pending = _pending(self.state.open)
                if not pending:
                    continue
                next_at = min((s.due_at or NEVER) for s in pending)
                if self.park(next_at):
                    return
                self.reload()
                continue
            if not await self._may_proceed():
                return
            if not await self._discover():
                return

    async def _may_proceed(self) -> bool:
        """Before a round of SDK requests: not while the function is paused (`engine/paused.py`:
        the run is parked or cancelled), then the flow-control gate's leave."""
        held = self.pause_check.hold(self)
        if held.cancel:
            await self.finish("Cancelled", error=cancellation.cancelled_error(held.cancel))
            return False
        return held.proceed and flow_gate.allow(self.gate)

    async def _discover(self) -> bool:
        """A request without a target step: the SDK runs the function as far as it can."""
        res = await self._call("step", self.run.fn_attempt)
        return await self._apply(res, None)

    async def _run_steps(self, todo: list[Step]) -> bool:
        """Run planned steps concurrently, recording each as it finishes.

        A step planned by `group.parallel(..., parallel_mode=RACE)` is followed at once by a
        discovery, while its siblings still run, so a branch's next step starts without waiting
        for the slowest branch (Inngest's race mode). In the default mode the discovery comes
        after the whole group (the caller's next loop turn). A step that a discovery plans again
        while it is running is not started twice.
        """
        running: dict[asyncio.Task[SdkResponse], str] = {}

        def launch(step: Step) -> None:
            task = asyncio.ensure_future(self._call(step.step_id, step.attempt))
            running[task] = step.step_id

        for step in todo:
            launch(step)
        ok = True
        failure: tuple[SdkResponse, Step] | None = None
        while running:
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                step = self.state.steps[running.pop(task)]
                res = task.result()
                if not ok:
                    continue  # the run was parked or finished: later answers are dropped
                if res.status not in (200, 206):
                    # A failed request (an error outside any step, a timeout) retries the run:
                    # record what the siblings still running return first, so their steps are
                    # not run again.
                    failure = failure or (res, step)
                    continue
                race = step.info.get("parallel_mode") == "race"
                ok = await self._apply(res, step)
                if ok and race and failure is None and self.state.steps[step.step_id].done:
                    ok = await self._discover()
                    in_flight = set(running.values())
                    for planned in list(self.state.open.values()):
                        if ok and planned.status == PLANNED and planned.step_id not in in_flight:
                            launch(planned)
        if ok and failure is not None:
            ok = await self._apply(*failure)
        return ok

    # --- SDK calls --------------------------------------------------------------------------
    async def _call(self, step_id: str, attempt: int) -> SdkResponse:
        assert self.fn is not None
        timeout = self.request_timeout()
        call = sdk_request.call(self.sdk, self.fn, self.state.body, step_id, attempt, timeout)
        return await (call if self.tracer is None else self.tracer.request(step_id, attempt, call))

    def request_timeout(self) -> float:
        return sdk_request.request_timeout(self.deadline)

    async def _apply(self, res: SdkResponse, targeted: Step | None) -> bool:
        """Record one SDK response; False when the drive must stop (finished or parked)."""
        if self.tracer is not None:
            self.tracer.responded(res)
        if res.status == 200:
            await self.finish("Completed", output=res.body)
            return False
        if res.status == 206 and isinstance(res.body, list):
            for op in res.body:
                if not await self._apply_op(op, no_retry=res.no_retry):
                    return False
            return True
        return await self._function_error(res)

    async def _apply_op(self, op: dict[str, Any], *, no_retry: bool) -> bool:
        handler = table.for_opcode(op.get("op"))
        if handler is None:
            error = errors.error("UnknownOpcode", f"unknown SDK op {op.get('op')!r}")
            await self.finish("Failed", error=error)
            return False
        call = OpCall.of(op, self.state.steps, self.request_started, clock.now(), no_retry)
        ok = await handler.start(self, call)
        if self.tracer is not None:
            step = self.state.steps.get(call.step_id)
            self.tracer.op_applied(op, call.attempt, call.started, call.now, step)
        return ok

    async def _function_error(self, res: SdkResponse) -> bool:
        assert self.fn is not None
        error = sdk_request.as_error(res)
        attempt = self.run.fn_attempt
        permanent = res.no_retry or res.status in (400, 401, 403, 404)
        if permanent or attempt + 1 >= self.fn.max_attempts:
            await self.finish("Failed", error=error, reason=f"invalid status code: {res.status}")
            return False
        delay = res.retry_after
        delay = retries.clamp_retry_after(delay) if delay is not None else retries.backoff(attempt)
        self.run.fn_attempt = attempt + 1
        due = clock.now() + delay
        self.log.info(
            f"function error, retrying in {delay:.1f}s: {error.get('message')}",
            extra={**self.log_extra, "attempt": attempt},
        )
        timers.wake_at(self.run.run_id, due, f"fn:{attempt + 1}")
        if not self.park(due):
            self.reload()
            return True
        return False

    # --- the run between requests -------------------------------------------------------------
    def reload(self) -> None:
        """Read the run and its steps again (the run was woken while this drive parked it).
        Raises `Conflict` when the lease is no longer this drive's."""
        fresh = self.store.get_run(self.run.run_id)
        if fresh is None or fresh.lease_owner != self.owner:
            raise Conflict(f"lease on run {self.run.run_id} lost")
        fresh.fn_attempt = self.run.fn_attempt
        self.run = fresh
        self.state.forget()

    def park(self, next_at: float) -> bool:
        """Release the run until `next_at` with the deferred step puts; False when something
        woke it meanwhile (the drive goes on)."""
        flow_gate.release(self.gate)  # a parked run holds no concurrency slot
        parked = self.store.park(self.run, self.owner, next_at, self.state.take_deferred())
        if parked and 0 < next_at <= clock.now() + REWAKE_SECONDS and clock.is_system():
            # A timer this close was sent rounded down to SQS's whole seconds: it may already
            # have arrived while this drive still held the lease, and been put off until the
            # lease ran out. Wake the run at its time once more (a spare wake is a no-op).
            timers.wake_at(self.run.run_id, next_at, "parked")
        return parked

    def _resolve_due(self, now: float) -> None:
        for step in list(self.state.open.values()):
            if step.due_at is None or step.due_at > now:
                continue
            op = table.for_step(step)
            if op is not None:
                op.on_due(self, step, now)

    def _arm(self, pending: list[Step]) -> None:
        """Make sure every pending step will wake the run (again, after a crash: duplicates are
        harmless), and whatever else its op needs (a wait's pause, an invoked child)."""
        for step in pending:
            if step.step_id in self.armed:
                continue
            op = table.for_step(step)
            if op is None:
                arm_timer(self, step)
            elif not op.arm(self, step):
                continue
            self.armed.add(step.step_id)

    # --- the end ------------------------------------------------------------------------
    async def finish(
        self, status: str, output: object = None, error: Any = None, reason: str | None = None
    ) -> None:
        await finishing.finish(self, status, output, error, reason)


def _runnable(step: Step, now: float) -> bool:
    """A planned step, or a pending one its op says is to run now (a retry that is due)."""
    if step.status == PLANNED:
        return True
    op = table.for_step(step)
    return op is not None and op.runnable(step, now)


def _pending(open_steps: dict[str, Step]) -> list[Step]:
    return [s for s in open_steps.values() if s.status in (SCHEDULED, WAITING)]
