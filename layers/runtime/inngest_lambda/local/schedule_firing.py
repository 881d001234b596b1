"""EventBridge Scheduler for the local stack's schedule group, emulated on top of moto.

moto stores schedules but never fires them, so this module does: on each `tick()` it reads the
schedule group and, for each schedule due by `now()`, sends `Target.Input` to the target queue,
as the SQS templated target does; one-time `at()` schedules fire once (then are deleted if
`ActionAfterCompletion` is DELETE), `rate()` and `cron()` ones at each due time. A recurring
schedule that missed more than MAX_CATCH_UP_FIRES fires only fires the latest; a target that
cannot be reached is tried again on the next ticks, and given up after MAX_DELIVERY_ATTEMPTS, as
Scheduler does when its retries run out.

`now` is the clock schedules are evaluated against: the wall clock under `make dev`, a virtual
one in `inngest_lambda.testing`, which also asks `next_fire()` where to stop its clock next.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from inngest_lambda import settings as s
from inngest_lambda.local import schedule_expr
from inngest_lambda.local.aws_clients import client
from inngest_lambda.local.pump_progress import PumpProgress

__all__ = [
    "MAX_CATCH_UP_FIRES",
    "MAX_DELIVERY_ATTEMPTS",
    "MAX_LOOKBACK_SECONDS",
    "Due",
    "ScheduleFiring",
]

log = logging.getLogger("inngest_lambda.local.pump")  # the pump's logger, as before the split

MAX_CATCH_UP_FIRES = 100  # a recurring schedule that missed more fires only fires the latest
MAX_LOOKBACK_SECONDS = 7 * 24 * 3600  # how far back a cron schedule is scanned for missed fires
MAX_DELIVERY_ATTEMPTS = 3  # a schedule whose target cannot be reached is given up after this

# A schedule's identity for the emulation's state: ARN, creation time, expression and time zone,
# so a schedule re-created or updated under the same name starts afresh.
ScheduleKey = tuple[str, float, str, str]


@dataclasses.dataclass(frozen=True)
class Due:
    """What one schedule should fire at a tick."""

    key: ScheduleKey
    fires: list[float]
    finished: bool  # nothing more will fire: an at() once fired, a recurring past its EndDate
    until: float


class ScheduleFiring:
    """Fires the group's due schedules into their SQS targets, remembering what already fired."""

    def __init__(
        self, settings: s.Settings, progress: PumpProgress, now: Callable[[], float]
    ) -> None:
        self.settings = settings
        self.now = now
        self._progress = progress
        self._lock = threading.Lock()
        # Fired at() schedules, recurring cursors, failed delivery attempts, unparsable ones.
        self._fired: set[ScheduleKey] = set()
        self._cursors: dict[ScheduleKey, float] = {}
        self._attempts: dict[ScheduleKey, int] = {}
        self._bad_expressions: set[ScheduleKey] = set()
        self._queue_urls: dict[str, str] = {}
        self._scheduler: Any = None
        self._sqs: Any = None

    def connect(self, scheduler: Any, sqs: Any) -> None:
        """Use these Scheduler and SQS clients (boto3's, on moto) from now on."""
        self._scheduler, self._sqs = scheduler, sqs

    def schedules(self) -> list[dict[str, Any]]:
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

    def due_names(self) -> list[str]:
        """Names of the schedules with something to fire by `now()`."""
        now = self.now()
        names = []
        for schedule in self.schedules():
            due = self.due(schedule, now)
            if due is not None and due.fires:
                names.append(schedule["Name"])
        return names

    def tick(self) -> None:
        """Fire what every schedule due by `now()` should send, and delete completed ones."""
        now = self.now()
        schedules = self.schedules()
        live = {x["Arn"] for x in schedules}
        with self._lock:  # forget what belongs to schedules that are gone
            for state in (self._fired, self._bad_expressions):
                state.intersection_update({k for k in state if k[0] in live})
            for mapping in (self._cursors, self._attempts):
                for key in [k for k in mapping if k[0] not in live]:
                    del mapping[key]
        for schedule in schedules:
            due = self.due(schedule, now)
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

    def due(self, schedule: dict[str, Any], now: float) -> Due | None:
        """What `schedule` should fire by `now`, given what already fired (None: not applicable)."""
        if schedule.get("State", "ENABLED") != "ENABLED":
            return None
        created = _epoch(schedule.get("CreationDate")) or now
        key = _key(schedule, created)
        try:
            parsed = _parse(schedule)
        except ValueError as exc:
            with self._lock:
                first = key not in self._bad_expressions
                self._bad_expressions.add(key)
            if first:
                log.error("schedule %s ignored: %s", schedule.get("Name"), exc)
                self._progress.count(schedule_errors=1)
            return None
        with self._lock:
            fired = key in self._fired
            cursor = self._cursors.get(key)
        if isinstance(parsed, schedule_expr.At):
            if fired:
                return Due(key, [], True, now)
            return Due(key, [parsed.when] if parsed.when <= now else [], parsed.when <= now, now)

        after, start, end = _window(schedule, created, cursor)
        until = now if end is None else min(now, end)
        after = max(after, until - MAX_LOOKBACK_SECONDS)
        fires = list(parsed.occurrences(after, until, start if start is not None else created))
        if len(fires) > MAX_CATCH_UP_FIRES:
            log.warning(
                "schedule %s missed %d fires; firing the latest only", schedule["Name"], len(fires)
            )
            fires = fires[-1:]
        return Due(key, fires, end is not None and now >= end, max(after, until))

    def next_fire(self, until: float) -> float | None:
        """The earliest time in (now(), until] at which a schedule of the group fires, if any."""
        now = self.now()
        times = [self._next_fire_of(x, now, until) for x in self.schedules()]
        return min((t for t in times if t is not None), default=None)

    def _next_fire_of(self, schedule: dict[str, Any], now: float, until: float) -> float | None:
        """When `schedule` fires next in (now, until], by the same rules as `due`."""
        if schedule.get("State", "ENABLED") != "ENABLED":
            return None
        try:
            parsed = _parse(schedule)
        except ValueError:
            return None
        if isinstance(parsed, schedule_expr.At):
            return parsed.when if now < parsed.when <= until else None
        created = _epoch(schedule.get("CreationDate")) or now
        key = _key(schedule, created)
        with self._lock:
            cursor = self._cursors.get(key)
        after, start, end = _window(schedule, created, cursor)
        limit = until if end is None else min(until, end)
        anchor = start if start is not None else created
        return next(iter(parsed.occurrences(max(after, now), limit, anchor)), None)

    def _deliver(self, schedule: dict[str, Any], key: ScheduleKey, fire_time: float) -> bool:
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
            self._progress.new_work()
            self._sqs.send_message(**kwargs)
        except Exception as exc:
            with self._lock:
                attempts = self._attempts[key] = self._attempts.get(key, 0) + 1
            self._progress.count(schedule_errors=1)
            log.error(
                "schedule %s: delivery failed (attempt %d of %d): %s",
                schedule.get("Name"),
                attempts,
                MAX_DELIVERY_ATTEMPTS,
                exc,
            )
            return False
        self._progress.count(schedules_fired=1)
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


def _key(schedule: dict[str, Any], created: float) -> ScheduleKey:
    return (
        schedule["Arn"],
        created,
        schedule.get("ScheduleExpression", ""),
        schedule.get("ScheduleExpressionTimezone") or "UTC",
    )


def _window(
    schedule: dict[str, Any], created: float, cursor: float | None
) -> tuple[float, float | None, float | None]:
    """Where a recurring schedule's fires are looked for from (its last fire, else its creation
    or last update, never before its StartDate), and its StartDate and EndDate."""
    modified = _epoch(schedule.get("LastModificationDate")) or created
    start, end = _epoch(schedule.get("StartDate")), _epoch(schedule.get("EndDate"))
    after = cursor if cursor is not None else max(created, modified)
    if start is not None:
        after = max(after, start - 0.001)
    return after, start, end


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
