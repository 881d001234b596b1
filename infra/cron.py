"""Turn Inngest cron triggers into EventBridge Scheduler schedules.

The converter lives in the runtime package (`inngest_lambda.flow.cron`), because the runtime
creates schedules too (the local stack, and `/fn/register` for remote apps) and derives each
fire's event id from the same parse. It is pure (no boto3, no aws_cdk); this module re-exports
it so the stack keeps importing `infra.cron`.
"""

from __future__ import annotations

from inngest_lambda.flow.cron import (
    CRON_MESSAGE_KIND,
    MAX_SCHEDULE_NAME,
    MAX_WINDOW_MINUTES,
    SCHEDULE_NAME_PREFIX,
    CronConversionError,
    CronSchedule,
    SchedulerCron,
    cron_message,
    jitter_minutes,
    schedule_name,
    split_timezone,
    to_scheduler_cron,
    unique_by_name,
)

__all__ = [
    "CRON_MESSAGE_KIND",
    "MAX_SCHEDULE_NAME",
    "MAX_WINDOW_MINUTES",
    "SCHEDULE_NAME_PREFIX",
    "CronConversionError",
    "CronSchedule",
    "SchedulerCron",
    "cron_message",
    "jitter_minutes",
    "schedule_name",
    "split_timezone",
    "to_scheduler_cron",
    "unique_by_name",
]
