"""Durable timers: wake a run at a given time, from one second to a year ahead.

Up to 15 minutes ahead a timer is an SQS message with DelaySeconds. Further ahead it is a
one-time EventBridge Scheduler schedule, fired a few minutes early (Scheduler only promises the
minute), whose message carries the exact `due_at`; the executor hands the remainder back to an
SQS delay, so the wake-up is second-accurate. Scheduler deletes the schedule after it fires.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import math

from inngest_lambda.core import aws, clock
from inngest_lambda.scheduling import queue
from inngest_lambda.settings import (
    MAX_SQS_DELAY_SECONDS,
    SCHEDULE_MAX_EVENT_AGE_SECONDS,
    SCHEDULE_RETRY_ATTEMPTS,
    get_settings,
)

# How early a schedule fires before its timer is due, leaving the rest to SQS.
SCHEDULER_LEAD_SECONDS = 300
# A run message this early (a timer sent rounded down to SQS's whole seconds) waits in-process.
PRECISE_WAIT_SECONDS = 1.0


def wake_at(run_id: str, due_at: float, key: str) -> None:
    """Deliver `{"kind": "run"}` for `run_id` at `due_at`; `key` tells timers of a run apart."""
    send_at({"kind": "run", "run_id": run_id}, due_at, f"{run_id}:{key}")


def send_at(message: dict[str, object], due_at: float, name: str) -> None:
    """Deliver `message` (with `due_at` added) at `due_at`; `name` identifies the timer, so a
    retried call creates the same schedule, which Scheduler then refuses as a duplicate."""
    message = {**message, "due_at": due_at}
    delay = due_at - clock.now()
    if delay <= MAX_SQS_DELAY_SECONDS:
        # SQS rounds up to whole seconds; with the real clock the run message is sent rounded
        # down and the executor waits out the fraction (`early_by`), so it is on time.
        precise = clock.is_system() and message.get("kind") == "run"
        queue.send(message, math.floor(delay) if precise else delay)
        return
    settings = get_settings()
    schedule = schedule_name(name, due_at)
    fire = datetime.datetime.fromtimestamp(due_at - SCHEDULER_LEAD_SECONDS, tz=datetime.UTC)
    client = aws.client("scheduler")
    # ConflictException: the same timer exists already (a retried drive); nothing to do.
    with contextlib.suppress(client.exceptions.ConflictException):
        client.create_schedule(
            Name=schedule,
            GroupName=settings.schedule_group,
            ScheduleExpression=f"at({fire:%Y-%m-%dT%H:%M:%S})",
            ScheduleExpressionTimezone="UTC",
            FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE",
            Target={
                "Arn": settings.queue_arn,
                "RoleArn": settings.scheduler_role_arn,
                "Input": queue.encode({**message, "schedule": schedule}),
                # A delivery Scheduler cannot make is retried for a day, then dead-lettered
                # (alarmed; a redrive delivers it, late but intact) instead of dropped.
                "RetryPolicy": {
                    "MaximumRetryAttempts": SCHEDULE_RETRY_ATTEMPTS,
                    "MaximumEventAgeInSeconds": SCHEDULE_MAX_EVENT_AGE_SECONDS,
                },
                "DeadLetterConfig": {"Arn": settings.dlq_arn},
            },
        )


def forget_run_timers(run_id: str, timers: list[tuple[str, float]]) -> int:
    """Delete the Scheduler schedules of a run that ended before they fired (a cancelled 60-day
    sleep): `timers` are the (key, due_at) pairs given to `wake_at`. Best effort: a schedule
    left behind only fires into a run that has ended, which drops the message. Returns how
    many were deleted."""
    due = [(key, at) for key, at in timers if at - clock.now() > MAX_SQS_DELAY_SECONDS]
    if not due:
        return 0
    client = aws.client("scheduler")
    group = get_settings().schedule_group
    deleted = 0
    for key, at in due:
        try:
            client.delete_schedule(Name=schedule_name(f"{run_id}:{key}", at), GroupName=group)
            deleted += 1
        except client.exceptions.ResourceNotFoundException:
            pass
        except Exception as err:  # noqa: BLE001 - cleanup never fails the run's end
            import logging

            logging.getLogger("inngest_lambda").warning(
                f"could not delete timer schedule of run {run_id}: {err}"
            )
    return deleted


def schedule_name(name: str, due_at: float) -> str:
    """A valid Scheduler name (<= 64 chars of [0-9A-Za-z-_.]) for one timer."""
    return "t-" + hashlib.sha1(f"{name}:{due_at}".encode()).hexdigest()


def early_by(message: dict[str, object]) -> float:
    """Seconds until the message's `due_at` (0 when it has none or is due)."""
    due_at = message.get("due_at")
    if not isinstance(due_at, int | float):
        return 0.0
    return max(0.0, due_at - clock.now())


def defer_if_early(message: dict[str, object]) -> bool:
    """Re-queue a message that arrived before its `due_at`; True when it was deferred.

    Scheduler messages arrive minutes early by design; SQS ones may arrive a hair early.
    """
    due_at = message.get("due_at")
    if not isinstance(due_at, int | float):
        return False
    remaining = due_at - clock.now()
    if remaining <= 0.5:
        return False
    forwarded = {k: v for k, v in message.items() if k != "schedule"}
    queue.send(forwarded, remaining)
    return True
