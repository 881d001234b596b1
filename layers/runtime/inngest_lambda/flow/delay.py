"""Deliver a flow-control message (`debounce`, `batch`, `timeout`) at a given time.

Same mechanism as `timers.wake_at`, for messages that are not run wake-ups: up to 15 minutes
ahead an SQS delay, beyond that a one-time Scheduler schedule fired a few minutes early whose
message carries `due_at`; `timers.defer_if_early` (called for every message kind) hands the rest
back to SQS. Every handler treats its message as a hint and decides from DynamoDB, so a
duplicate or late delivery is harmless.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
from typing import Any

from inngest_lambda import aws, clock, queue, timers
from inngest_lambda.settings import MAX_SQS_DELAY_SECONDS, get_settings


def send_at(message: dict[str, Any], due_at: float, name: str) -> None:
    """Deliver `message` (with `due_at` added) at `due_at`; `name` identifies it for Scheduler."""
    message = {**message, "due_at": due_at}
    delay = due_at - clock.now()
    if delay <= MAX_SQS_DELAY_SECONDS:
        queue.send(message, max(0.0, delay))
        return
    settings = get_settings()
    digest = hashlib.sha1(f"{name}:{due_at}".encode()).hexdigest()[:16]
    schedule = f"flow-{digest}-{hashlib.sha1(name.encode()).hexdigest()[:16]}"
    fire = datetime.datetime.fromtimestamp(due_at - timers.SCHEDULER_LEAD_SECONDS, tz=datetime.UTC)
    client = aws.client("scheduler")
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
            },
        )
