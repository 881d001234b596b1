"""Drives runs: asks the SDK what to do next, records what it did, and hands over when it must.

One SQS message (`{"kind": "run"}`) makes an invocation take the run's lease and loop SDK
requests in-process: each request can record one new `step.run`, so a run of N plain steps
costs N SDK requests but a single queue message. The loop stops at a sleep, an invoke, a retry
delay, the end of the run, or when the invocation's remaining time runs low; it then parks the
run (releasing the lease) with the timers that will wake it.

Crash safety: the message being handled is deleted only after the invocation returns, and every
write is conditional. A process that dies anywhere leaves either a lease that expires or a
message that comes back; the next drive starts again from DynamoDB.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
from collections.abc import Callable
from typing import Any

from inngest_lambda.apps.registry import FunctionEntry, Registry
from inngest_lambda.core import clock, errors, ids, metrics, retries
from inngest_lambda.engine import invokes
from inngest_lambda.events import cancellation
from inngest_lambda.events import emitted as run_events
from inngest_lambda.events import ingest as events
from inngest_lambda.events.pauses import Pause
from inngest_lambda.events.waits import WaitError, build_pause, cancel_pause_keys
from inngest_lambda.flow import gate as flow_gate
from inngest_lambda.flow import messages as flow_messages
from inngest_lambda.scheduling import queue, timers
from inngest_lambda.sdk.body import RequestBody
from inngest_lambda.sdk.client import SdkClient, SdkResponse
from inngest_lambda.settings import ENV_SDK_TIMEOUT, get_settings
from inngest_lambda.storage.index_keys import RECENT_EVENTS_SECONDS
from inngest_lambda.storage.store import (
    COMPLETED,
    FAILED,
    NEVER,
    PLANNED,
    SCHEDULED,
    TERMINAL_STATES,
    WAITING,
    CancelRequested,
    Conflict,
    Run,
    Step,
    Store,
)

# Hand over to a fresh invocation when less than this much time is left.
HANDOVER_SECONDS = 30.0
LEASE_GRACE_SECONDS = 5.0
# A run parked until at most this far ahead gets a second wake-up message (see `_park`).
REWAKE_SECONDS = timers.PRECISE_WAIT_SECONDS + 0.5
# A lease lasts LEASE_SECONDS and a heartbeat renews it every LEASE_RENEW_SECONDS while the drive
# runs, so a driver that dies (crash, timeout, out of memory) holds its run for at most
# LEASE_SECONDS; the sweeper then re-drives it.
LEASE_SECONDS = 30.0
LEASE_RENEW_SECONDS = 10.0

UNREACHABLE = "SDKUnreachable"  # the app could not be reached at all (no HTTP answer)
TIMED_OUT = "SDKTimeout"  # the app took longer than the request timeout


@dataclasses.dataclass
class Outcome:
    """What to do with the message: done (delete it), retry after `retry_in` seconds, or (failed)
    retry with the backoff its receive count calls for."""

    retry_in: float | None = None
    failed: bool = False


class Executor:
    def __init__(
        self,
        store: Store,
        registry: Registry,
        ingestor: events.Ingestor,
        sdk_factory: Callable[[], SdkClient],
        logger: logging.Logger,
    ) -> None:
        self.store = store
        self.registry = registry
        self.ingestor = ingestor
        self.sdk_factory = sdk_factory
        self.log = logger

    async def handle(self, message: dict[str, Any], deadline: float) -> Outcome:
        kind = message.get("kind")
        if kind in flow_messages.KINDS:  # flow control: debounce, batch, timeout, cron
            return Outcome(retry_in=flow_messages.handle(self, message))
        if kind == "sweep":
            from inngest_lambda.engine import sweeper

            sweeper.sweep(self.store)
            return Outcome()
        if kind != "run" or not isinstance(message.get("run_id"), str):
            self.log.error("dropping unknown message", extra={"status": str(message)[:200]})
            return Outcome()
        early = timers.early_by(message)
        if 0 < early <= timers.PRECISE_WAIT_SECONDS and clock.is_system():
            # SQS delays are whole seconds: a short timer is sent rounded down and the rest is
            # waited here, so a retry or sleep is on time rather than up to a second late.
            await asyncio.sleep(early)
        elif timers.defer_if_early(message):
            return Outcome()
        return await self.drive(message["run_id"], deadline)

    async def drive(self, run_id: str, deadline: float) -> Outcome:
        owner = ids.new_id()
        leased_at = clock.now()
        lease_end = deadline + LEASE_GRACE_SECONDS
        run, refused = self.store.acquire_lease(
            run_id, owner, min(lease_end, leased_at + LEASE_SECONDS)
        )
        if run is None:
            return self._refused(run_id, refused)
        fn = self.registry.get(run.function_id)
        sdk = self.sdk_factory()
        driver = _Driver(self, run, fn, owner, sdk, deadline)
        if run.started_at is not None and run.started_at >= leased_at:
            driver.metrics.count("RunsStarted")  # this lease set started_at: the first drive
        heartbeat = Heartbeat(self.store, run_id, owner, lease_end, self.log)
        try:
            try:
                await driver.start()
            except CancelRequested as cancelled:
                # Cancelled while a request was in flight: its response is discarded.
                error = cancellation.cancelled_error(cancelled.reason)
                await driver.finish("Cancelled", error=error)
        except Conflict as err:
            self.log.warning(str(err), extra={"run_id": run_id, "function_id": run.function_id})
        except Exception:
            # Whatever failed (throttling, a network blip), the state in DynamoDB is consistent:
            # give the run back and let the message come again (with backoff).
            self.log.exception("drive failed", extra={"run_id": run_id})
            heartbeat.stop()
            self.store.release(run_id, owner, retry_in=retries.MAX_ERROR_BACKOFF_SECONDS)
            return Outcome(failed=True)
        finally:
            heartbeat.stop()
            flow_gate.release(driver, quiet=True)  # slots are held only while a drive runs
            await sdk.aclose()
            driver.metrics.flush()
        return Outcome()

    def _refused(self, run_id: str, run: Run | None) -> Outcome:
        now = clock.now()
        if run is None or run.status in TERMINAL_STATES:
            return Outcome()  # unknown or finished run: a late duplicate
        if run.status == "Queued" and not run.cancel and run.next_at > now:
            self._check_delayed_cancels(run)
        if run.lease_owner and run.lease_until > now:
            # Another invocation is driving it and renews its lease while it lives; if it dies,
            # the lease runs out and the sweeper re-drives the run. Nothing to keep this for.
            return Outcome()
        return Outcome()  # parked until later: this message is early or a duplicate

    def _check_delayed_cancels(self, run: Run) -> None:
        """A run waiting for its start time whose cancel look-back never happened (the process
        that created it died first): the sweeper's re-drive lands here (`run_cancels`)."""
        from inngest_lambda.events import cancel_pauses as run_cancels

        if not run_cancels.pending(run):
            return
        fn = self.registry.get(run.function_id)
        cancels = fn.config.get("cancel") if fn is not None else None
        if not cancels:
            return
        if run_cancels.check_delayed(self.ingestor.waits, cancels, run):
            queue.send({"kind": "run", "run_id": run.run_id})  # cancelled: record the end


class Heartbeat:
    """Renews a drive's lease every LEASE_RENEW_SECONDS (wall time) until stopped.

    A thread, not a task: a step of a sync function served in-process may hold the event loop
    for as long as it runs, and the lease must outlive the step. Renewal costs one write per
    LEASE_RENEW_SECONDS of drive time, never one per step.
    """

    def __init__(
        self, store: Store, run_id: str, owner: str, lease_end: float, log: logging.Logger
    ) -> None:
        import threading

        self.store, self.run_id, self.owner, self.lease_end, self.log = (
            store,
            run_id,
            owner,
            lease_end,
            log,
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="lease-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(LEASE_RENEW_SECONDS):
            until = min(self.lease_end, clock.now() + LEASE_SECONDS)
            try:
                if not self.store.renew_lease(self.run_id, self.owner, until):
                    return  # lost (parked, finished, or taken over): nothing left to renew
            except Exception:
                self.log.exception("lease renewal failed", extra={"run_id": self.run_id})

    def stop(self) -> None:
        self._stop.set()


class _Driver:
    def __init__(
        self,
        ex: Executor,
        run: Run,
        fn: FunctionEntry | None,
        owner: str,
        sdk: SdkClient,
        deadline: float,
    ) -> None:
        self.ex = ex
        self.store = ex.store
        self.run = run
        self.fn = fn
        self.owner = owner
        self.sdk = sdk
        self.deadline = deadline
        self.steps: dict[str, Step] = {}
        # Steps not finished yet: the loop looks only at these, never at every step of the run.
        self.open: dict[str, Step] = {}
        self.next_seq = 0
        self.last_ended: float | None = None  # the latest end of a finished step
        self.consumed: dict[str, str] = {}  # wait step id -> the event that resumed it
        self.body = RequestBody(run.event, run.events, run.run_id, canonical=sdk.signed)
        # Step puts recorded with the run's next write (sleeps: the one that ended and the next
        # one ride on the park, so a wake-up costs the lease and one write). Safe to lose in a
        # crash: a drive derives an ended sleep again, and the SDK reports the next one again.
        self.deferred: dict[str, dict[str, Any]] = {}  # step id -> its put
        self.armed: set[str] = set()
        self.opened: set[str] = set()  # wait steps whose pause this drive has written
        self.request_started = clock.now()
        self.log_extra = {"run_id": run.run_id, "function_id": run.function_id}
        self.metrics = metrics.Batch(run.function_id)  # one EMF line per drive

    # --- top level --------------------------------------------------------------------------
    async def start(self) -> None:
        if self.run.finishing:
            self.steps = self.store.load_steps(self.run.run_id)  # their TTLs start at the end
            await self._complete_finishing(self.store.load_finishing(self.run) or {})
            return
        if self.fn is None:
            await self.finish(
                "Failed",
                error=_error(
                    "FunctionNotFound", f"function {self.run.function_id} is not registered"
                ),
            )
            return
        unsupported = self.fn.unsupported()
        if unsupported:
            await self.finish(
                "Failed",
                error=_error(
                    "NotSupportedYet",
                    f"function {self.fn.id} uses {', '.join(unsupported)}, which this version "
                    "of inngest-lambda does not support yet",
                ),
            )
            return
        if self.run.cancel:
            # Its steps tell the end what to clean up (open pauses, long-timer schedules).
            self._load_steps()
            await self.finish("Cancelled", error=cancellation.cancelled_error(self.run.cancel))
            return
        needs_cancels = self.fn.config.get("cancel") and not self.run.cancels_opened
        if needs_cancels and not await self._open_cancels():
            return
        self._load_steps()
        await self.loop()

    def _cancel_pause_keys(self) -> list[tuple[str, str]]:
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
        waits = self.ex.ingestor.waits
        try:
            if self.run.cancel_pauses:
                from inngest_lambda.events import cancel_pauses as run_cancels

                reason = run_cancels.look_back(waits, cancels, self.run)
            else:
                reason = waits.open_cancels(
                    cancels, self.run.run_id, self.run.event, self.run.created_at
                )
        except WaitError as err:
            await self.finish("Failed", error=_error("InvalidExpression", str(err)))
            return False
        keys = sorted({*self.run.cancel_pauses, *self._cancel_pause_keys()})
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
                self._park(0.0)
                queue.send({"kind": "run", "run_id": self.run.run_id})
                return
            if self.run.cancel:  # seen on a reload; otherwise the next step write refuses
                await self.finish("Cancelled", error=cancellation.cancelled_error(self.run.cancel))
                return
            self.request_started = now  # events accepted from here on can satisfy a new wait
            self._resolve_due(now)
            todo = [s for s in self.open.values() if _runnable(s, now)]
            if todo:
                if not flow_gate.allow(self):  # concurrency slot / start timeout; parked if not
                    return
                if not await self._run_steps(todo):
                    return
                continue
            pending = [s for s in self.open.values() if s.status in (SCHEDULED, WAITING)]
            if pending:
                self._arm(pending)
                # Arming can finish a step (an invoke of a function that does not exist).
                pending = [s for s in self.open.values() if s.status in (SCHEDULED, WAITING)]
                if not pending:
                    continue
                next_at = min((s.due_at or NEVER) for s in pending)
                if self._park(next_at):
                    return
                self._reload()
                continue
            if not flow_gate.allow(self):
                return
            if not await self._discover():
                return

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
                step = self.steps[running.pop(task)]
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
                if ok and race and failure is None and self.steps[step.step_id].done:
                    ok = await self._discover()
                    in_flight = set(running.values())
                    for planned in list(self.open.values()):
                        if ok and planned.status == PLANNED and planned.step_id not in in_flight:
                            launch(planned)
        if ok and failure is not None:
            ok = await self._apply(*failure)
        return ok

    # --- SDK calls --------------------------------------------------------------------------
    async def _call(self, step_id: str, attempt: int) -> SdkResponse:
        assert self.fn is not None
        local = self.fn.url is None
        # Inngest's executor re-enables immediate execution before every discovery (it turns
        # it off only while a parallel group is planned, and a group's steps are targeted
        # requests), so the step after a group comes back already run.
        payload = self.body.build(
            attempt=attempt, max_attempts=self.fn.max_attempts, disable_immediate=False
        )
        if not local and len(payload) > get_settings().sdk_inline_state_bytes:
            # Too big for one request: the SDK fetches batch and memos itself (use_api).
            payload = self.body.build(
                attempt=attempt,
                max_attempts=self.fn.max_attempts,
                disable_immediate=False,
                with_state=False,
            )
        url = self.fn.config["steps"]["step"]["runtime"]["url"]
        timeout = self._request_timeout()
        call = self.sdk.call(url, local, self.fn.id, step_id, payload)
        try:
            return _unwrap_streamed(await asyncio.wait_for(call, timeout))
        except TimeoutError:  # a hung or slow app: this attempt fails and is retried
            message = f"the app did not answer within {timeout:.0f} s"
            return SdkResponse(504, _error(TIMED_OUT, message), {})
        except Exception as err:  # network trouble reaching a remote app: retry like a 500
            return SdkResponse(502, _error(UNREACHABLE, f"{type(err).__name__}: {err}"), {})

    def _request_timeout(self) -> float:
        """How long one SDK request may take: what is left of this invocation (less the time to
        record the answer), and at most $INNGEST_LAMBDA_SDK_TIMEOUT_SECONDS when that is set
        (the local stack sets it, so a hung app fails its attempt instead of holding a worker)."""
        left = self.deadline - clock.now() - LEASE_GRACE_SECONDS
        limit = os.environ.get(ENV_SDK_TIMEOUT)
        if limit:
            left = min(left, float(limit))
        return max(left, 1.0)

    async def _apply(self, res: SdkResponse, targeted: Step | None) -> bool:
        """Record one SDK response; False when the drive must stop (finished or parked)."""
        if res.status == 200:
            await self.finish("Completed", output=res.body)
            return False
        if res.status == 206 and isinstance(res.body, list):
            for op in res.body:
                if op.get("op") == "StepError" and res.no_retry:
                    # The SDK says this error must not be retried (a nested step, a
                    # NonRetriableError): the step fails now, as on its last attempt.
                    op = {**op, "op": "StepFailed"}
                if not await self._apply_op(op, targeted):
                    return False
            return True
        return await self._function_error(res)

    async def _apply_op(self, op: dict[str, Any], targeted: Step | None) -> bool:
        kind = op.get("op")
        step_id = op.get("id", "")
        name = op.get("displayName") or op.get("name") or step_id
        existing = self.steps.get(step_id)
        attempt = existing.attempt if existing and not existing.done else 0
        started = existing.started_at if existing and existing.started_at else self.request_started
        now = clock.now()
        if kind in ("StepRun", "StepFailed", "StepError"):
            self.metrics.add("StepDuration", (now - started) * 1000)
        if kind == "StepRun":
            self._save(
                Step(
                    step_id,
                    name,
                    kind,
                    COMPLETED,
                    self._seq(existing),
                    attempt,
                    memo={"data": op.get("data")},
                    started_at=started,
                    ended_at=now,
                    error=existing.error if existing else None,
                )
            )
            self.run.fn_attempt = 0
        elif kind == "StepFailed":
            error = op.get("error") or {}
            self._save(
                Step(
                    step_id,
                    name,
                    kind,
                    FAILED,
                    self._seq(existing),
                    attempt,
                    memo={"error": error},
                    error=error,
                    started_at=started,
                    ended_at=now,
                )
            )
            self.run.fn_attempt = 0
        elif kind == "StepError":
            due = now + retries.backoff(attempt)
            self._save(
                Step(
                    step_id,
                    name,
                    "StepRun",
                    SCHEDULED,
                    self._seq(existing),
                    attempt + 1,
                    due_at=due,
                    error=op.get("error"),
                    started_at=started,
                    info={"kind": "retry"},
                )
            )
        elif kind == "StepPlanned":
            mode = (op.get("opts") or {}).get("parallelMode")
            info = {"parallel_mode": mode} if mode == "race" else {}
            self._save_new(
                Step(step_id, name, "StepRun", PLANNED, self._seq(existing), attempt, info=info)
            )
        elif kind == "Sleep":
            due = clock.parse_iso(op["name"])
            self._defer(
                Step(
                    step_id,
                    name,
                    kind,
                    SCHEDULED,
                    self._seq(existing),
                    0,
                    due_at=due,
                    started_at=now,
                    info={"kind": "sleep"},
                )
            )
        elif kind == "InvokeFunction":
            self._start_invoke(op, step_id, name, existing)
        elif kind == "AIGateway":
            await self._ai_infer(op, step_id, name, existing)
        elif kind == "WaitForEvent":
            return await self._start_wait(op, step_id, name, existing)
        else:
            await self.finish("Failed", error=_error("UnknownOpcode", f"unknown SDK op {kind!r}"))
            return False
        return True

    async def _ai_infer(
        self, op: dict[str, Any], step_id: str, name: str, existing: Step | None
    ) -> None:
        """Make the model call the op describes; its answer is the step's output. A failure is
        a step error: retried with Inngest's backoff (the retry asks the SDK for the op again,
        so the auth key is never stored), failed for good on the last attempt."""
        from inngest_lambda.engine import ai_gateway

        assert self.fn is not None
        attempt = existing.attempt if existing and not existing.done else 0
        started = clock.now()
        result = await ai_gateway.infer(op.get("opts") or {}, self._request_timeout())
        now = clock.now()
        seq = self._seq(existing)
        if result.error is None:
            memo = {"data": result.output}
            self._save(
                Step(
                    step_id,
                    name,
                    "AIGateway",
                    COMPLETED,
                    seq,
                    attempt,
                    memo=memo,
                    started_at=started,
                    ended_at=now,
                )
            )
        elif attempt + 1 < self.fn.max_attempts:
            self._save(
                Step(
                    step_id,
                    name,
                    "AIGateway",
                    SCHEDULED,
                    seq,
                    attempt + 1,
                    due_at=now + retries.backoff(attempt),
                    error=result.error,
                    started_at=started,
                    info={"kind": "retry"},
                )
            )
        else:
            memo = {"error": result.error}
            self._save(
                Step(
                    step_id,
                    name,
                    "AIGateway",
                    FAILED,
                    seq,
                    attempt,
                    memo=memo,
                    error=result.error,
                    started_at=started,
                    ended_at=now,
                )
            )

    async def _function_error(self, res: SdkResponse) -> bool:
        assert self.fn is not None
        error = _as_error(res)
        attempt = self.run.fn_attempt
        permanent = res.no_retry or res.status in (400, 401, 403, 404)
        if permanent or attempt + 1 >= self.fn.max_attempts:
            await self.finish("Failed", error=error, reason=f"invalid status code: {res.status}")
            return False
        delay = res.retry_after
        delay = retries.clamp_retry_after(delay) if delay is not None else retries.backoff(attempt)
        self.run.fn_attempt = attempt + 1
        due = clock.now() + delay
        self.ex.log.info(
            f"function error, retrying in {delay:.1f}s: {error.get('message')}",
            extra={**self.log_extra, "attempt": attempt},
        )
        timers.wake_at(self.run.run_id, due, f"fn:{attempt + 1}")
        if not self._park(due):
            self._reload()
            return True
        return False

    # --- state --------------------------------------------------------------------------
    def _seq(self, existing: Step | None) -> int:
        if existing is not None:
            return existing.seq
        return self.next_seq

    def _track(self, step: Step) -> None:
        """Keep `steps`, `open`, the next seq and the request body in step with one change."""
        self.steps[step.step_id] = step
        self.next_seq = max(self.next_seq, step.seq + 1)
        if step.done:
            self.open.pop(step.step_id, None)
            self.body.add(step)
            if step.ended_at is not None:
                self.last_ended = max(self.last_ended or step.ended_at, step.ended_at)
            memo = step.memo
            if step.op == "WaitForEvent" and isinstance(memo, dict) and "id" in memo:
                self.consumed[step.step_id] = str(memo["id"])
        else:
            self.open[step.step_id] = step

    def _load_steps(self) -> None:
        for step in self.store.load_steps(self.run.run_id).values():
            self._track(step)

    def _save(self, step: Step) -> None:
        self.deferred.pop(step.step_id, None)  # superseded: one operation per item
        current = self.store.put_step(
            self.run.run_id,
            step,
            only_if_absent=False,
            owner=self.owner,
            deferred=self._take_deferred(),
        )
        self._track(current or step)

    def _save_new(self, step: Step) -> None:
        self.deferred.pop(step.step_id, None)
        current = self.store.put_step(
            self.run.run_id,
            step,
            only_if_absent=True,
            owner=self.owner,
            deferred=self._take_deferred(),
        )
        self._track(current or step)

    def _defer(self, step: Step, *, only_if_absent: bool = True) -> None:
        """Record `step` with the run's next write (see `deferred`)."""
        put = self.store.step_put(self.run.run_id, step, only_if_absent=only_if_absent)
        earlier = self.deferred.get(step.step_id)
        if earlier is not None:  # a sleep that ended before it was written: one put, the
            put = {**earlier, "Item": put["Item"]}  # latest state, the first put's condition
        self.deferred[step.step_id] = put
        self._track(step)

    def _take_deferred(self) -> list[dict[str, Any]]:
        taken, self.deferred = list(self.deferred.values()), {}
        return taken

    def _flush(self) -> None:
        if self.deferred:
            self.store.write_steps(self.run.run_id, self.owner, self._take_deferred())

    def _reload(self) -> None:
        fresh = self.store.get_run(self.run.run_id)
        if fresh is None or fresh.lease_owner != self.owner:
            raise Conflict(f"lease on run {self.run.run_id} lost")
        fresh.fn_attempt = self.run.fn_attempt
        self.run = fresh
        # Start again from what the table holds: deferred puts that were refused are forgotten.
        self.deferred = {}
        self.steps, self.open = {}, {}
        self._load_steps()

    def _park(self, next_at: float) -> bool:
        flow_gate.release(self)  # a parked run holds no concurrency slot
        parked = self.store.park(self.run, self.owner, next_at, self._take_deferred())
        if parked and 0 < next_at <= clock.now() + REWAKE_SECONDS and clock.is_system():
            # A timer this close was sent rounded down to SQS's whole seconds: it may already
            # have arrived while this drive still held the lease, and been put off until the
            # lease ran out. Wake the run at its time once more (a spare wake is a no-op).
            timers.wake_at(self.run.run_id, next_at, "parked")
        return parked

    def _resolve_due(self, now: float) -> None:
        for step in list(self.open.values()):
            if step.due_at is None or step.due_at > now:
                continue
            if step.status == SCHEDULED and step.info.get("kind") == "sleep":
                self._defer(
                    dataclasses.replace(
                        step, status=COMPLETED, memo=None, memo_text=None, ended_at=now
                    ),
                    only_if_absent=False,
                )
                self.metrics.add("SleepLateness", max(0.0, now - step.due_at) * 1000)
            elif step.status == WAITING and step.info.get("kind") == "wait":
                if not self._resolve(step, COMPLETED, None, ended_at=now):
                    self._load_steps()  # the event won the race: its memo is in the table
                self.ex.ingestor.waits.close(Pause(**step.info["pause"]))
            elif step.status == WAITING:
                err = invokes.timeout_error()
                if not self._resolve(step, FAILED, {"error": err}, err, ended_at=now):
                    self._load_steps()

    def _arm(self, pending: list[Step]) -> None:
        """Make sure every pending step will wake the run (again, after a crash: duplicates are
        harmless), and that every invoked child exists."""
        for step in pending:
            if step.step_id in self.armed:
                continue
            if step.info.get("kind") == "wait" and step.step_id not in self.opened:
                self._open_pause(step)
                if self.steps[step.step_id].status != WAITING:
                    continue
            if step.due_at is not None:
                timers.wake_at(self.run.run_id, step.due_at, f"{step.step_id}:{step.attempt}")
            if step.status == WAITING and step.info.get("kind") == "invoke":
                self._ensure_child(step)
            self.armed.add(step.step_id)

    def _start_invoke(
        self, op: dict[str, Any], step_id: str, name: str, existing: Step | None
    ) -> None:
        opts = op.get("opts") or {}
        timeout = opts.get("timeout")
        due = clock.now() + clock.duration_seconds(timeout) if timeout else None
        step = Step(
            step_id,
            name,
            "InvokeFunction",
            WAITING,
            self._seq(existing),
            0,
            due_at=due,
            started_at=clock.now(),
            info={
                "kind": "invoke",
                "function_id": opts.get("function_id"),
                "payload": opts.get("payload") or {},
            },
        )
        self._save_new(step)

    async def _start_wait(
        self, op: dict[str, Any], step_id: str, name: str, existing: Step | None
    ) -> bool:
        opts = op.get("opts") or {}
        now = clock.now()
        due = now + clock.duration_seconds(opts.get("timeout") or "1s")
        try:
            pause = build_pause(
                "wait", op["name"], opts.get("if"), self.run.event, self.run.run_id, step_id, due
            )
        except WaitError as err:
            await self.finish("Failed", error=_error("InvalidExpression", str(err)))
            return False
        info = {"kind": "wait", "pause": dataclasses.asdict(pause), "since": self._wait_since()}
        step = Step(
            step_id,
            name,
            "WaitForEvent",
            WAITING,
            self._seq(existing),
            0,
            due_at=due,
            started_at=now,
            info=info,
        )
        self._save_new(step)
        current = self.steps[step_id]
        if current.status == WAITING:
            self._open_pause(current)
        return True

    def _wait_since(self) -> float:
        """From when an event can satisfy a new wait: the end of the step before it (events
        that arrive while the SDK reaches the wait count), or the run's start when the wait is
        its first step, so an event sent right after the trigger is not lost. Bounded by how
        long ingestion keeps its index of recent events."""
        since = self.last_ended if self.last_ended is not None else self.run.created_at
        return max(since, clock.now() - RECENT_EVENTS_SECONDS)

    def _consumed_events(self, step_id: str) -> set[str]:
        """Events that already resumed another wait of this run: never matched twice."""
        return {event_id for sid, event_id in self.consumed.items() if sid != step_id}

    def _open_pause(self, step: Step) -> None:
        """Write the step's pause (again: a put of the same item is harmless) and resolve the
        step if a matching event came in meanwhile. Called where the wait starts and on every
        later drive that finds it waiting, so a registration cut short by an error (the step
        stored `Waiting`, its pause or key path not) is completed by the retried drive."""
        self.opened.add(step.step_id)
        waits = self.ex.ingestor.waits
        pause = Pause(**step.info["pause"])
        since = step.info.get("since", step.started_at or self.request_started)
        matched = waits.open(pause, since=since, exclude=self._consumed_events(step.step_id))
        if matched is not None:
            if not self._resolve(step, COMPLETED, matched):
                self._load_steps()
            waits.close(pause)

    def _resolve(
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
        if not self.store.resolve_waiting(self.run.run_id, step.step_id, status, memo, error):
            return False
        self._track(
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

    def _ensure_child(self, step: Step) -> None:
        target_id = step.info.get("function_id") or ""
        target = self.ex.registry.get(target_id)
        if target is None:
            err = _error("FunctionNotFound", f"could not invoke {target_id}: function not found")
            self._resolve(step, FAILED, {"error": err}, err)
            return
        event = invokes.child_event(
            {"payload": step.info.get("payload")},
            self.run.run_id,
            self.run.function_id,
            step.step_id,
            ids.deterministic_id(self.run.run_id, step.step_id),
        )
        self.store.put_events([event])
        self.ex.ingestor.start_run(
            target, event, parent={"run_id": self.run.run_id, "step_id": step.step_id}
        )

    # --- the end ------------------------------------------------------------------------
    async def finish(
        self, status: str, output: object = None, error: Any = None, reason: str | None = None
    ) -> None:
        """`reason` is Inngest's `error` line for the lifecycle events (for a failed request,
        "invalid status code: 500"); without it, "<name>: <message>"."""
        if status != "Cancelled":
            self._flush()
        else:
            self.deferred = {}  # a cancelled run records nothing more
        finishing = {
            "status": status,
            "output": output,
            "error": error,
            "event_error": errors.standard_error(error, reason) if error is not None else None,
            "event_ids": [
                ids.deterministic_id(self.run.run_id, "finished"),
                ids.deterministic_id(self.run.run_id, "failed"),
            ],
        }
        self.store.set_finishing(self.run, self.owner, finishing)
        await self._complete_finishing(finishing)

    async def _complete_finishing(self, finishing: dict[str, Any]) -> None:
        flow_gate.finished(self)  # give back concurrency slots, leave any waiting list
        status = finishing["status"]
        output, error = finishing.get("output"), finishing.get("error")
        # The lifecycle events carry Inngest's error object (error, name, message, stack).
        event_error = finishing.get("event_error", error)
        finished_id, failed_id = finishing["event_ids"]
        finished = run_events.finished_data(
            self.run, result=output, error=event_error if error is not None else None
        )
        now = clock.now_ms()
        emitted = [
            {"name": run_events.FUNCTION_FINISHED, "data": finished, "id": finished_id, "ts": now}
        ]
        if status in ("Failed", "Cancelled"):
            name = (
                run_events.FUNCTION_FAILED if status == "Failed" else run_events.FUNCTION_CANCELLED
            )
            failed = {**run_events.run_data(self.run), "error": event_error}
            emitted.append({"name": name, "data": failed, "id": failed_id, "ts": now})
        self.ex.ingestor.ingest(emitted)
        pauses = {*self.run.cancel_pauses, *self._cancel_pause_keys()}
        self.store.end_items(self.run, self.steps, pauses)
        self.store.end_blobs(self.run)
        self.store.finish(self.run, self.owner, status, output, error)
        if status in ("Completed", "Failed", "Cancelled"):
            self.metrics.count(f"Runs{status}")
        # Long timers (Scheduler schedules) of steps that never completed: delete them.
        timers.forget_run_timers(
            self.run.run_id,
            [
                (f"{step.step_id}:{step.attempt}", step.due_at)
                for step in self.steps.values()
                if not step.done and step.due_at is not None
            ],
        )
        for step in self.steps.values():  # nobody waits any more: drop the run's open pauses
            if step.status == WAITING and step.info.get("kind") == "wait":
                self.ex.ingestor.waits.close(Pause(**step.info["pause"]))
        self.ex.log.info(f"run {status.lower()}", extra={**self.log_extra, "status": status})


def _runnable(step: Step, now: float) -> bool:
    if step.status == PLANNED:
        return True
    return (
        step.status == SCHEDULED
        and step.info.get("kind") == "retry"
        and step.due_at is not None
        and step.due_at <= now
    )


def _unwrap_streamed(res: SdkResponse) -> SdkResponse:
    """The real answer of an SDK that streamed it (`streaming=Streaming.FORCE`, to outlive idle
    timeouts of proxies): HTTP 201, keepalive spaces, then `{"status", "headers", "body"}` with
    the body as a JSON string."""
    wrapped = res.body
    if res.status != 201 or not isinstance(wrapped, dict) or "status" not in wrapped:
        return res
    body = wrapped.get("body")
    if isinstance(body, str):
        with contextlib.suppress(ValueError):  # not JSON: keep the text
            body = json.loads(body) if body else None
    inner = {str(k).lower(): str(v) for k, v in (wrapped.get("headers") or {}).items()}
    return SdkResponse(int(wrapped["status"]), body, {**res.headers, **inner})


def _error(name: str, message: str) -> dict[str, Any]:
    return errors.error(name, message)


def _as_error(res: SdkResponse) -> dict[str, Any]:
    """The run's error for a failed SDK request: the SDK's own error object as it sent it (what
    Inngest shows as the run's output), or Inngest's error for an answer no SDK produced."""
    body = res.body
    if isinstance(body, dict) and body.get("name") in (UNREACHABLE, TIMED_OUT):
        return body
    if "x-inngest-sdk" not in res.headers:
        raw = body if isinstance(body, str) else json.dumps(body)
        return errors.upstream_error(res.status, raw, res.headers.get("content-type", ""))
    if isinstance(body, dict) and "message" in body:
        return dict(body)
    return _error("SDKError", f"SDK answered HTTP {res.status}: {str(body)[:500]}")
