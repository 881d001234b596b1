"""Handles the work queue's messages: drives runs, and hands flow-control messages on.

One SQS message (`{"kind": "run"}`) makes an invocation take the run's lease and drive it
(`driver.Driver`: SDK requests in-process until the run sleeps, waits, ends or must be handed
over); a heartbeat keeps the lease while it does (`heartbeat.py`).

Crash safety: the message being handled is deleted only after the invocation returns, and every
write is conditional. A process that dies anywhere leaves either a lease that expires or a
message that comes back; the next drive starts again from DynamoDB.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import Any

from inngest_lambda.apps.registry import Registry
from inngest_lambda.core import clock, ids, retries
from inngest_lambda.engine.driver import Driver
from inngest_lambda.engine.heartbeat import LEASE_GRACE_SECONDS, LEASE_SECONDS, Heartbeat
from inngest_lambda.events import cancellation
from inngest_lambda.events import ingest as events
from inngest_lambda.flow import gate as flow_gate
from inngest_lambda.flow import messages as flow_messages
from inngest_lambda.scheduling import queue, timers
from inngest_lambda.sdk.client import SdkClient
from inngest_lambda.storage import run_stats
from inngest_lambda.storage.store import TERMINAL_STATES, CancelRequested, Conflict, Run, Store

__all__ = ["LEASE_SECONDS", "Executor", "JobHandler", "Outcome"]

# Handles one queue message of a job kind (every delivery may be a repeat).
JobHandler = Callable[[Store, dict[str, Any]], None]


@dataclasses.dataclass
class Outcome:
    """What to do with the message: done (delete it), or retry after `retry_in` seconds; `failed`
    says the handling failed (a failed drive sets `retry_in` to the error backoff of the
    message's receive count: the delay its release gave the sweeper too)."""

    retry_in: float | None = None
    failed: bool = False
    # What the drive counted for the dashboard's charts: (function id, counts), written once per
    # SQS batch by `record_counts`.
    counted: tuple[str, run_stats.Tally] | None = None


class Executor:
    def __init__(
        self,
        store: Store,
        registry: Registry,
        ingestor: events.Ingestor,
        sdk_factory: Callable[[], SdkClient],
        logger: logging.Logger,
        jobs: Mapping[str, JobHandler] | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.ingestor = ingestor
        self.sdk_factory = sdk_factory
        self.log = logger
        # Queue messages of other kinds than runs, handled by the layers above the engine (a
        # bulk cancellation's pages: `admin/cancellations.py`), given by whoever builds the
        # executor so that the engine imports none of them.
        self.jobs: Mapping[str, JobHandler] = jobs or {}

    async def handle(self, message: dict[str, Any], deadline: float, receives: int = 1) -> Outcome:
        """Handle one queue message; `receives` is its SQS receive count (1: the first)."""
        kind = message.get("kind")
        if kind in flow_messages.KINDS:  # flow control: debounce, batch, timeout, cron
            return Outcome(retry_in=flow_messages.handle(self, message))
        if isinstance(kind, str) and (job := self.jobs.get(kind)) is not None:
            job(self.store, message)
            return Outcome()
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
        return await self.drive(message["run_id"], deadline, receives)

    async def drive(self, run_id: str, deadline: float, receives: int = 1) -> Outcome:
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
        driver = Driver(
            self.store, self.registry, self.ingestor, self.log, run, fn, owner, sdk, deadline
        )
        started = run.started_at is not None and run.started_at >= leased_at
        if started:
            driver.metrics.count("RunsStarted")  # this lease set started_at: the first drive
        heartbeat = Heartbeat(self.store, run_id, owner, lease_end, self.log)
        outcome = Outcome()
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
            # give the run back and let the message come again after the error backoff of its
            # receive count (2 s doubling to 5 minutes, with jitter). The release puts the run
            # in the sweep index at that same delay, so if bringing the message back fails too
            # (a throttling storm), the sweeper re-drives the run then, not 5 minutes later.
            self.log.exception("drive failed", extra={"run_id": run_id})
            heartbeat.stop()
            delay = retries.error_backoff(receives)
            self.store.release(run_id, owner, retry_in=delay)
            outcome = Outcome(retry_in=delay, failed=True)
        finally:
            heartbeat.stop()
            flow_gate.release(driver.gate, quiet=True)  # slots are held only while a drive runs
            await sdk.aclose()
            outcome.counted = (run.function_id, self._counts(driver, started))
            driver.metrics.flush()
            if driver.tracer is not None:
                driver.tracer.close()
        return outcome

    def _counts(self, driver: Driver, started: bool) -> run_stats.Tally:
        """The drive's counts for the dashboard's charts (`storage/run_stats.py`): its run's
        creation and start (first drive), its end and step durations, taken from its metrics,
        each recorded after the conditional write it reports succeeded (a duplicate delivery
        is refused the lease, so it counts nothing)."""
        values, run, now = driver.metrics.values, driver.run, clock.now()
        tally = run_stats.Tally()
        if started and run.started_at is not None:
            tally.add("created", run.created_at)
            tally.add("started", run.started_at)
        for status in ("Completed", "Failed", "Cancelled"):
            if values.get(f"Runs{status}"):
                tally.add(status, now)
                tally.add("ended", now)
                if status != "Cancelled" and run.started_at is not None:
                    tally.run_duration((now - run.started_at) * 1000, now)
        for ms in values.get("StepDuration", []):
            tally.step_duration(ms, now)
        return tally

    def record_counts(self, outcomes: list[Outcome]) -> None:
        """Write what the drives of an SQS batch counted for the charts: one UpdateItem per
        function and hour (best effort, `storage/run_stats.py`)."""
        by_function: dict[str, run_stats.Tally] = {}
        for outcome in outcomes:
            if outcome.counted is not None:
                function_id, tally = outcome.counted
                by_function.setdefault(function_id, run_stats.Tally()).update(tally)
        now = clock.now()
        for function_id, tally in sorted(by_function.items()):
            if tally:
                self.store.record_run_stats(function_id, tally, now)

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
