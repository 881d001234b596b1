"""The two AWS services that call the Lambda on their own, emulated on top of moto.

moto stores queues and schedules but nothing ever *consumes* them, so this module plays:

* Lambda's SQS event source mapping: receive up to `batch_size` messages, hand them to the
  handler as the `{"Records": [...]}` event Lambda builds, delete those not listed in the
  `batchItemFailures` of the answer (partial batch responses), delete nothing when the handler
  raises or times out. A failed message simply stays in flight until its visibility timeout runs
  out (or whatever the handler set with ChangeMessageVisibility), then moto hands it out again;
  after `maxReceiveCount` receives moto moves it to the DLQ. DelaySeconds is moto's business too.
* EventBridge Scheduler: every `schedule_interval` it reads the schedule group and, for each
  schedule due, sends `Target.Input` to the target queue, as the SQS templated target does;
  one-time `at()` schedules fire once (then are deleted if `ActionAfterCompletion` is DELETE),
  `rate()` and `cron()` ones at each due time.

The pump never long-polls: the local stack serialises moto calls (see `moto_guard`), so a
blocking ReceiveMessage would stall every other AWS call. It polls every `poll_interval` and is
woken at once by `notify()` when a message is sent.

Virtual time (`inngest_lambda.testing`): `now` replaces the wall clock for schedule evaluation,
and instead of `start()` (background threads) a caller may `connect()` and drive delivery itself
with `deliver_once()`, `fire_due_schedules()` and `next_fire()`, deterministically, in its own
thread. The real-time defaults are unchanged.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime
import functools
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from inngest_lambda import settings as s
from inngest_lambda.local import schedule_expr
from inngest_lambda.local.aws_clients import client
from inngest_lambda.local.invoke import Handler, invoke

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
MAX_CATCH_UP_FIRES = 100  # a recurring schedule that missed more fires only fires the latest
MAX_LOOKBACK_SECONDS = 7 * 24 * 3600  # how far back a cron schedule is scanned for missed fires
MAX_DELIVERY_ATTEMPTS = 3  # a schedule whose target cannot be reached is given up after this


@dataclasses.dataclass
class PumpCounters:
    """What the pump has done so far; `Pump.counters` returns a snapshot."""

    receives: int = 0  # ReceiveMessage calls that returned messages
    messages_received: int = 0  # messages taken off the queue
    messages_delivered: int = 0  # records handed to the handler (duplicates count twice)
    handler_calls: int = 0
    handler_errors: int = 0  # calls that raised, timed out or answered nonsense
    messages_deleted: int = 0
    messages_failed: int = 0  # messages left on the queue for a retry
    schedules_fired: int = 0
    schedule_errors: int = 0


@dataclasses.dataclass(frozen=True)
class _Due:
    key: tuple[str, float, str, str]
    fires: list[float]
    finished: bool  # nothing more will fire: an at() once fired, a recurring past its EndDate
    until: float


class Pump:
    """Feeds the handler from the work queue and the schedule group, in background threads."""

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
        self.handler = handler
        self.settings = settings
        self.batch_size = batch_size
        self.duplicate_deliveries = duplicate_deliveries
        self.lambda_timeout_seconds = lambda_timeout_seconds
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.schedule_interval = schedule_interval
        self.now = now

        self._lock = threading.Lock()
        self._counters = PumpCounters()
        self._active = 0  # receives and batches in progress
        self._generation = 0  # bumped by every batch received and every schedule fired
        self._slots = threading.BoundedSemaphore(concurrency)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._batch_threads: set[threading.Thread] = set()
        # Scheduler state: fired at() schedules, recurring cursors, failed delivery attempts.
        self._fired: set[tuple[str, float, str, str]] = set()
        self._cursors: dict[tuple[str, float, str, str], float] = {}
        self._attempts: dict[tuple[str, float, str, str], int] = {}
        self._bad_expressions: set[tuple[str, float, str, str]] = set()
        self._queue_urls: dict[str, str] = {}
        self._sqs: Any = None
        self._scheduler: Any = None

    # --- lifecycle -----------------------------------------------------------------------------
    def connect(self) -> Pump:
        """Make the AWS clients; enough for a caller that drives delivery itself (no threads)."""
        self._sqs = client("sqs", self.settings.region)
        self._scheduler = client("scheduler", self.settings.region)
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
        with self._lock:
            return dataclasses.replace(self._counters)

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
            with self._lock:
                active, generation = self._active, self._generation
            state = {"in_progress": active}
            if active == 0:
                state["queue"] = self._queue_counts(include_delayed)
                if not any(state["queue"].values()):
                    state["due_schedules"] = self._due_schedule_names()
                    if not state["due_schedules"]:
                        with self._lock:
                            if self._active == 0 and self._generation == generation:
                                return True
            if time.monotonic() >= deadline:
                log.info("wait_idle: not idle after %gs: %s", timeout, state)
                return False
            time.sleep(0.05)

    def _queue_counts(self, include_delayed: bool = True) -> dict[str, int]:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        if include_delayed:
            names.append("ApproximateNumberOfMessagesDelayed")
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.settings.queue_url, AttributeNames=names
        )["Attributes"]
        return {k.removeprefix("ApproximateNumberOf"): int(v) for k, v in attributes.items()}

    def _count(self, **increments: int) -> None:
        with self._lock:
            for name, value in increments.items():
                setattr(self._counters, name, getattr(self._counters, name) + value)

    # --- delivery driven by the caller (virtual time) -------------------------------------------
    def deliver_once(self) -> int:
        """Receive one batch and hand it to the handler in the calling thread; returns how many
        messages were received. Failed ones stay on the queue exactly as with `start()`."""
        messages = self._receive()
        if messages:
            with self._lock:
                self._generation += 1
            self._process(messages)
        return len(messages)

    def fire_due_schedules(self) -> int:
        """Send what every schedule due by `now()` should send; returns the number of fires."""
        before = self.counters.schedules_fired
        self._tick()
        return self.counters.schedules_fired - before

    def next_fire(self, until: float) -> float | None:
        """The earliest time in (now(), until] at which a schedule of the group fires, if any:
        where a caller stepping a virtual clock must stop next."""
        now = self.now()
        times = [self._next_fire_of(x, now, until) for x in self._schedules()]
        return min((t for t in times if t is not None), default=None)

    # --- SQS event source mapping --------------------------------------------------------------
    def _sqs_loop(self) -> None:
        while not self._stop.is_set():
            if not self._slots.acquire(timeout=0.1):
                continue
            with self._lock:
                self._active += 1
            self._wake.clear()
            try:
                messages = self._receive()
            except Exception:
                log.exception("ReceiveMessage failed")
                messages = []
            if not messages:
                self._batch_done()
                self._wake.wait(self.poll_interval)
                continue
            with self._lock:
                self._generation += 1
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
        with self._lock:
            self._active -= 1
            self._batch_threads.discard(threading.current_thread())
        self._slots.release()

    def _receive(self) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=self.settings.queue_url,
            MaxNumberOfMessages=self.batch_size,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        if messages:
            self._count(receives=1, messages_received=len(messages))
        return messages

    def _run_batch(self, messages: list[dict[str, Any]]) -> None:
        try:
            self._process(messages)
        except Exception:
            log.exception("pump failed on a batch of %d messages", len(messages))
        finally:
            self._batch_done()

    def _process(self, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [self.record(m) for m in messages]}
        ids = [m["MessageId"] for m in messages]
        succeeded: set[str] = set()
        for _ in range(2 if self.duplicate_deliveries else 1):
            succeeded |= set(ids) - self._call(event, ids)
        done = [m for m in messages if m["MessageId"] in succeeded]
        if done:
            result = self._sqs.delete_message_batch(
                QueueUrl=self.settings.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
            for failure in result.get("Failed", []):
                log.warning("DeleteMessageBatch failed for an entry: %s", failure)
        self._count(messages_deleted=len(done), messages_failed=len(messages) - len(done))
        log.debug(
            "batch of %d: %d deleted, %d left for retry", len(ids), len(done), len(ids) - len(done)
        )

    def _call(self, event: dict[str, Any], ids: list[str]) -> set[str]:
        """One handler call; returns the message ids to keep on the queue."""
        self._count(handler_calls=1, messages_delivered=len(ids))
        result = invoke(
            self.handler,
            event,
            timeout_seconds=self.lambda_timeout_seconds,
            region=self.settings.region,
        )
        if not result.ok:
            self._count(handler_errors=1)
            return set(ids)
        failed = batch_failures(result.result, ids)
        if failed is None:
            log.error("unusable batchItemFailures response, whole batch fails: %r", result.result)
            self._count(handler_errors=1)
            return set(ids)
        return failed

    def record(self, message: dict[str, Any]) -> dict[str, Any]:
        """The SQS record Lambda puts in the event for one received message."""
        rec: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {k: str(v) for k, v in message.get("Attributes", {}).items()},
            "messageAttributes": {
                name: _lambda_attribute(value)
                for name, value in message.get("MessageAttributes", {}).items()
            },
        }
        if "MD5OfMessageAttributes" in message:
            rec["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        rec.update(
            {
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": self.settings.queue_arn,
                "awsRegion": self.settings.region,
            }
        )
        return rec

    # --- EventBridge Scheduler -----------------------------------------------------------------
    def _schedule_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception:
                log.exception("schedule poll failed")
            self._stop.wait(self.schedule_interval)

    def _schedules(self) -> list[dict[str, Any]]:
        """Full descriptions of the group's schedules (list_schedules only gives summaries)."""
        group = self.settings.schedule_group
        out: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"GroupName": group}
            if token:
                kwargs["NextToken"] = token
            page = self._scheduler.list_schedules(**kwargs)
            for summary in page.get("Schedules", []):
                if summary.get("GroupName", group) != group:
                    continue
                gone = self._scheduler.exceptions.ResourceNotFoundException
                with contextlib.suppress(gone):  # deleted since the listing
                    out.append(self._scheduler.get_schedule(Name=summary["Name"], GroupName=group))
            token = page.get("NextToken")
            if not token:
                return out

    def _due_schedule_names(self) -> list[str]:
        now = self.now()
        names = []
        for schedule in self._schedules():
            due = self._due(schedule, now)
            if due is not None and due.fires:
                names.append(schedule["Name"])
        return names

    def _tick(self) -> None:
        now = self.now()
        schedules = self._schedules()
        live = {x["Arn"] for x in schedules}
        with self._lock:  # forget what belongs to schedules that are gone
            for state in (self._fired, self._bad_expressions):
                state.intersection_update({k for k in state if k[0] in live})
            for mapping in (self._cursors, self._attempts):
                for key in [k for k in mapping if k[0] not in live]:
                    del mapping[key]
        for schedule in schedules:
            due = self._due(schedule, now)
            if due is None:
                continue
            one_time = isinstance(_parse(schedule), schedule_expr.At)
            delivered = True
            for fire_time in due.fires:  # a failed delivery leaves the rest for the next tick
                if not self._deliver(schedule, due.key, fire_time):
                    delivered = False
                    break
                if not one_time:
                    with self._lock:
                        self._cursors[due.key] = fire_time
            with self._lock:
                gave_up = self._attempts.get(due.key, 0) >= MAX_DELIVERY_ATTEMPTS
                if not delivered and not gave_up:
                    continue
                self._attempts.pop(due.key, None)
                if not one_time:
                    self._cursors[due.key] = due.until
                elif due.fires:
                    self._fired.add(due.key)
            completed = due.finished and (due.fires or not one_time)
            if completed and schedule.get("ActionAfterCompletion") == "DELETE":
                with contextlib.suppress(self._scheduler.exceptions.ResourceNotFoundException):
                    self._scheduler.delete_schedule(
                        Name=schedule["Name"], GroupName=schedule["GroupName"]
                    )

    def _due(self, schedule: dict[str, Any], now: float) -> _Due | None:
        """What `schedule` should fire by `now`, given what already fired (None: not applicable)."""
        if schedule.get("State", "ENABLED") != "ENABLED":
            return None
        created = _epoch(schedule.get("CreationDate")) or now
        expression = schedule.get("ScheduleExpression", "")
        tz = schedule.get("ScheduleExpressionTimezone") or "UTC"
        key = (schedule["Arn"], created, expression, tz)
        try:
            parsed = _parse(schedule)
        except ValueError as exc:
            with self._lock:
                first = key not in self._bad_expressions
                self._bad_expressions.add(key)
            if first:
                log.error("schedule %s ignored: %s", schedule.get("Name"), exc)
                self._count(schedule_errors=1)
            return None
        with self._lock:
            fired = key in self._fired
            cursor = self._cursors.get(key)
        if isinstance(parsed, schedule_expr.At):
            if fired:
                return _Due(key, [], True, now)
            return _Due(key, [parsed.when] if parsed.when <= now else [], parsed.when <= now, now)

        modified = _epoch(schedule.get("LastModificationDate")) or created
        start, end = _epoch(schedule.get("StartDate")), _epoch(schedule.get("EndDate"))
        after = cursor if cursor is not None else max(created, modified)
        if start is not None:
            after = max(after, start - 0.001)
        until = now if end is None else min(now, end)
        after = max(after, until - MAX_LOOKBACK_SECONDS)
        fires = list(parsed.occurrences(after, until, start if start is not None else created))
        if len(fires) > MAX_CATCH_UP_FIRES:
            log.warning(
                "schedule %s missed %d fires; firing the latest only", schedule["Name"], len(fires)
            )
            fires = fires[-1:]
        return _Due(key, fires, end is not None and now >= end, max(after, until))

    def _next_fire_of(self, schedule: dict[str, Any], now: float, until: float) -> float | None:
        """When `schedule` fires next in (now, until], by the same rules as `_due`."""
        if schedule.get("State", "ENABLED") != "ENABLED":
            return None
        try:
            parsed = _parse(schedule)
        except ValueError:
            return None
        if isinstance(parsed, schedule_expr.At):
            return parsed.when if now < parsed.when <= until else None
        created = _epoch(schedule.get("CreationDate")) or now
        key = (
            schedule["Arn"],
            created,
            schedule.get("ScheduleExpression", ""),
            schedule.get("ScheduleExpressionTimezone") or "UTC",
        )
        with self._lock:
            cursor = self._cursors.get(key)
        modified = _epoch(schedule.get("LastModificationDate")) or created
        start, end = _epoch(schedule.get("StartDate")), _epoch(schedule.get("EndDate"))
        after = cursor if cursor is not None else max(created, modified)
        if start is not None:
            after = max(after, start - 0.001)
        limit = until if end is None else min(until, end)
        anchor = start if start is not None else created
        return next(iter(parsed.occurrences(max(after, now), limit, anchor)), None)

    def _deliver(
        self, schedule: dict[str, Any], key: tuple[str, float, str, str], fire_time: float
    ) -> bool:
        """Send the schedule's input to its target; False when that failed (retried next tick,
        up to MAX_DELIVERY_ATTEMPTS, then given up as Scheduler does when retries run out)."""
        target = schedule.get("Target", {})
        try:
            arn = target["Arn"]
            if not arn.startswith("arn:aws:sqs:"):
                raise ValueError(f"only SQS targets are emulated locally, not {arn}")
            body = target.get("Input")
            if not body:  # Scheduler sends "a default notification"; its exact shape is not ours
                body = json.dumps(
                    {"scheduleArn": schedule["Arn"], "scheduledTime": _iso(fire_time)}
                )
            kwargs: dict[str, Any] = {"QueueUrl": self._queue_url(arn), "MessageBody": body}
            group_id = (target.get("SqsParameters") or {}).get("MessageGroupId")
            if group_id:
                kwargs["MessageGroupId"] = group_id
            with self._lock:
                self._generation += 1
            self._sqs.send_message(**kwargs)
        except Exception as exc:
            with self._lock:
                attempts = self._attempts[key] = self._attempts.get(key, 0) + 1
            self._count(schedule_errors=1)
            log.error(
                "schedule %s: delivery failed (attempt %d of %d): %s",
                schedule.get("Name"),
                attempts,
                MAX_DELIVERY_ATTEMPTS,
                exc,
            )
            return False
        self._count(schedules_fired=1)
        log.info("schedule %s fired (due %s)", schedule.get("Name"), _iso(fire_time))
        return True

    def _queue_url(self, arn: str) -> str:
        if arn not in self._queue_urls:
            _, _, _, region, account, name = arn.split(":", 5)
            sqs = self._sqs if region == self.settings.region else client("sqs", region)
            self._queue_urls[arn] = sqs.get_queue_url(
                QueueName=name, QueueOwnerAWSAccountId=account
            )["QueueUrl"]
        return self._queue_urls[arn]


def batch_failures(result: Any, ids: list[str]) -> set[str] | None:
    """Message ids a partial batch response marks failed; None where Lambda fails the whole batch.

    Lambda reads None, `{}` and an empty or null `batchItemFailures` as full success, and any
    malformed entry (missing, empty or unknown itemIdentifier) as failure of the whole batch.
    """
    if result is None:
        return set()
    if not isinstance(result, dict):
        return None
    items = result.get("batchItemFailures")
    if items is None:
        return set()
    if not isinstance(items, list):
        return None
    known = set(ids)
    failed: set[str] = set()
    for item in items:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or identifier not in known:
            return None
        failed.add(identifier)
    return failed


def _lambda_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """SQS's MessageAttributeValue as Lambda spells it in the event (camelCase, base64 binary)."""
    out: dict[str, Any] = {}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    out["stringListValues"] = list(value.get("StringListValues", []))
    out["binaryListValues"] = [
        base64.b64encode(v).decode("ascii") for v in value.get("BinaryListValues", [])
    ]
    out["dataType"] = value.get("DataType", "String")
    return out


@functools.lru_cache(maxsize=1024)
def _parse_cached(expression: str, tz: str) -> schedule_expr.Expression:
    return schedule_expr.parse(expression, tz)


def _parse(schedule: dict[str, Any]) -> schedule_expr.Expression:
    return _parse_cached(
        schedule.get("ScheduleExpression", ""), schedule.get("ScheduleExpressionTimezone") or "UTC"
    )


def _epoch(value: Any) -> float | None:
    """Scheduler dates arrive as datetimes from boto3, but tolerate numbers and ISO strings."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    text = str(value).replace("Z", "+00:00")
    try:
        return float(text)
    except ValueError:
        parsed = datetime.datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=datetime.UTC)
        return parsed.timestamp()


def _iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
