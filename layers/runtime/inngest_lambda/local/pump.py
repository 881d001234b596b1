"""The two AWS services that call the Lambda on their own, emulated on top of moto.

moto stores queues and schedules but nothing ever *consumes* them, so the pump plays:

* Lambda's SQS event source mapping (`sqs_delivery`): receive up to `batch_size` messages, hand
  them to the handler as the `{"Records": [...]}` event Lambda builds, delete those not listed in
  the `batchItemFailures` of the answer; failed messages stay for moto's visibility timeout, DLQ
  and DelaySeconds to handle.
* EventBridge Scheduler (`schedule_firing`): every `schedule_interval` it fires each schedule of
  the group that is due into its SQS target; `at()` ones once, `rate()` and `cron()` ones at each
  due time.

This module is the pump's loop: the background threads, how many batches run at once
(`concurrency`), waking up, stopping, and telling when everything is idle.

The pump never long-polls: the local stack serialises moto calls (see `moto_guard`), so a
blocking ReceiveMessage would stall every other AWS call. It polls every `poll_interval` and is
woken at once by `notify()` when a message is sent.

Virtual time (`inngest_lambda.testing`): `now` replaces the wall clock for schedule evaluation,
and instead of `start()` (background threads) a caller may `connect()` and drive delivery itself
with `deliver_once()`, `fire_due_schedules()` and `next_fire()`, deterministically, in its own
thread. The real-time defaults are unchanged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from inngest_lambda import settings as s
from inngest_lambda.local.aws_clients import client
from inngest_lambda.local.invoke import Handler
from inngest_lambda.local.pump_progress import PumpCounters, PumpProgress
from inngest_lambda.local.schedule_firing import ScheduleFiring
from inngest_lambda.local.sqs_delivery import SqsDelivery

__all__ = ["Pump", "PumpCounters"]

log = logging.getLogger("inngest_lambda.local.pump")

# SQS operations after which a message may be receivable: wake the poller for these.
_WAKE_OPERATIONS = frozenset(
    {
        "AmazonSQS.SendMessage",
        "AmazonSQS.SendMessageBatch",
        "AmazonSQS.ChangeMessageVisibility",
        "AmazonSQS.ChangeMessageVisibilityBatch",
    }
)


class Pump:
    """Feeds the handler from the work queue and the schedule group, in background threads.

    `delivery` (the SQS event source mapping) and `firing` (the Scheduler) do the work; the pump
    runs them, in its threads or, under virtual time, in the caller's.
    """

    def __init__(
        self,
        handler: Handler,
        settings: s.Settings,
        *,
        batch_size: int = 10,
        duplicate_deliveries: bool = False,
        lambda_timeout_seconds: float = s.LAMBDA_TIMEOUT_SECONDS,
        concurrency: int = 1,
        poll_interval: float = 0.1,
        schedule_interval: float = 0.5,
        now: Callable[[], float] = time.time,
    ) -> None:
        """`now` is the clock schedules are evaluated against (a virtual one in tests)."""
        if not 1 <= batch_size <= 10:
            raise ValueError("batch_size must be 1..10 (SQS ReceiveMessage's limit)")
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.settings = settings
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.schedule_interval = schedule_interval
        self.now = now

        self._progress = PumpProgress()
        self.delivery = SqsDelivery(
            handler,
            settings,
            self._progress,
            batch_size=batch_size,
            duplicate_deliveries=duplicate_deliveries,
            lambda_timeout_seconds=lambda_timeout_seconds,
        )
        self.firing = ScheduleFiring(settings, self._progress, now)
        self._lock = threading.Lock()  # guards _batch_threads
        self._slots = threading.BoundedSemaphore(concurrency)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._batch_threads: set[threading.Thread] = set()

    # The handler and the duplicate delivery option may be changed while the pump runs.
    @property
    def handler(self) -> Handler:
        return self.delivery.handler

    @handler.setter
    def handler(self, handler: Handler) -> None:
        self.delivery.handler = handler

    @property
    def duplicate_deliveries(self) -> bool:
        return self.delivery.duplicate_deliveries

    @duplicate_deliveries.setter
    def duplicate_deliveries(self, value: bool) -> None:
        self.delivery.duplicate_deliveries = value

    # --- lifecycle -----------------------------------------------------------------------------
    def connect(self) -> Pump:
        """Make the AWS clients; enough for a caller that drives delivery itself (no threads)."""
        sqs = client("sqs", self.settings.region)
        self.delivery.connect(sqs)
        self.firing.connect(client("scheduler", self.settings.region), sqs)
        return self

    def start(self) -> Pump:
        self.connect()
        self._stop.clear()
        for target, name in ((self._sqs_loop, "sqs"), (self._schedule_loop, "scheduler")):
            thread = threading.Thread(target=target, name=f"inngest-lambda-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop polling, wait (up to `timeout`) for batches in progress; undelivered stay queued."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = self._threads + list(self._batch_threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = []

    def notify(self, operation: str = "") -> None:
        """Tell the poller a message may have become receivable (moto_guard listener)."""
        if not operation or operation in _WAKE_OPERATIONS:
            self._wake.set()

    @property
    def counters(self) -> PumpCounters:
        return self._progress.counters()

    def wait_idle(self, timeout: float = 10.0, *, include_delayed: bool = True) -> bool:
        """True once nothing is queued (visible, in flight or delayed), nothing is being
        delivered and no schedule is due; False if that did not happen within `timeout`.

        Idle is checked as: no work in progress, queue counts all zero, no due schedule, and
        still no work in progress with nothing started meanwhile (a handler that ran between
        two looks could have sent a message after the queue was counted).

        A delayed message is a timer (a sleep, a wait_for_event timeout) that may be minutes
        away: `include_delayed=False` ignores them, to wait only for the work at hand.
        """
        deadline = time.monotonic() + timeout
        state: dict[str, Any] = {}
        while True:
            active, generation = self._progress.state()
            state = {"in_progress": active}
            if active == 0:
                state["queue"] = self.delivery.queue_counts(include_delayed)
                if not any(state["queue"].values()):
                    state["due_schedules"] = self.firing.due_names()
                    if not state["due_schedules"] and self._progress.state() == (0, generation):
                        return True
            if time.monotonic() >= deadline:
                log.info("wait_idle: not idle after %gs: %s", timeout, state)
                return False
            time.sleep(0.05)

    def record(self, message: dict[str, Any]) -> dict[str, Any]:
        """The SQS record Lambda puts in the event for one received message."""
        return self.delivery.record(message)

    # --- delivery driven by the caller (virtual time) -------------------------------------------
    def deliver_once(self) -> int:
        """Receive one batch and hand it to the handler in the calling thread; returns how many
        messages were received. Failed ones stay on the queue exactly as with `start()`."""
        messages = self.delivery.receive()
        if messages:
            self._progress.new_work()
            self.delivery.process(messages)
        return len(messages)

    def fire_due_schedules(self) -> int:
        """Send what every schedule due by `now()` should send; returns the number of fires."""
        before = self.counters.schedules_fired
        self.firing.tick()
        return self.counters.schedules_fired - before

    def next_fire(self, until: float) -> float | None:
        """The earliest time in (now(), until] at which a schedule of the group fires, if any:
        where a caller stepping a virtual clock must stop next."""
        return self.firing.next_fire(until)

    # --- the background threads ----------------------------------------------------------------
    def _sqs_loop(self) -> None:
        while not self._stop.is_set():
            if not self._slots.acquire(timeout=0.1):
                continue
            self._progress.started()
            self._wake.clear()
            try:
                messages = self.delivery.receive()
            except Exception:
                log.exception("ReceiveMessage failed")
                messages = []
            if not messages:
                self._batch_done()
                self._wake.wait(self.poll_interval)
                continue
            self._progress.new_work()
            if self.concurrency == 1:
                self._run_batch(messages)
            else:
                thread = threading.Thread(
                    target=self._run_batch,
                    args=(messages,),
                    name="inngest-lambda-batch",
                    daemon=True,
                )
                with self._lock:
                    self._batch_threads.add(thread)
                thread.start()

    def _batch_done(self) -> None:
        self._progress.finished()
        with self._lock:
            self._batch_threads.discard(threading.current_thread())
        self._slots.release()

    def _run_batch(self, messages: list[dict[str, Any]]) -> None:
        try:
            self.delivery.process(messages)
        except Exception:
            log.exception("pump failed on a batch of %d messages", len(messages))
        finally:
            self._batch_done()

    def _schedule_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.firing.tick()
            except Exception:
                log.exception("schedule poll failed")
            self._stop.wait(self.schedule_interval)
