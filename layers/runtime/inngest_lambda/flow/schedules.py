"""Create the EventBridge Scheduler schedules of cron triggers from a registry.

The CDK stack creates them for the functions it deploys (from the same `CronSchedule` values);
this module does it where there is no stack: the local stack at start, and `/fn/register` for a
remote app's cron triggers. Creating is idempotent: an existing schedule of the same name is
updated to the current expression, time zone and window.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from inngest_lambda.core import aws
from inngest_lambda.flow import cron as conv
from inngest_lambda.settings import get_settings


def cron_schedules(configs: Iterable[dict[str, Any]]) -> list[conv.CronSchedule]:
    """One CronSchedule per cron trigger of the given wire configs."""
    out = []
    for config in configs:
        for trigger in config.get("triggers") or []:
            if isinstance(trigger, dict) and trigger.get("cron"):
                out.append(
                    conv.CronSchedule.from_trigger(
                        config["id"], trigger["cron"], trigger.get("jitter")
                    )
                )
    return conv.unique_by_name(out)


def request(schedule: conv.CronSchedule) -> dict[str, Any]:
    """The CreateSchedule/UpdateSchedule arguments for one cron trigger."""
    settings = get_settings()
    window: dict[str, Any] = (
        {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": schedule.window_minutes}
        if schedule.window_minutes
        else {"Mode": "OFF"}
    )
    return {
        "Name": schedule.name,
        "GroupName": settings.schedule_group,
        "Description": f"{schedule.function_id}: {schedule.cron}"[:512],
        "ScheduleExpression": schedule.expression,
        "ScheduleExpressionTimezone": schedule.timezone or "UTC",
        "FlexibleTimeWindow": window,
        "State": "ENABLED",
        "Target": {
            "Arn": settings.queue_arn,
            "RoleArn": settings.scheduler_role_arn,
            "Input": schedule.message_json(),
        },
    }


def ensure(configs: Iterable[dict[str, Any]]) -> list[conv.CronSchedule]:
    """Create (or update) the schedules of every cron trigger in `configs`."""
    client = aws.client("scheduler")
    schedules = cron_schedules(configs)
    for schedule in schedules:
        args = request(schedule)
        try:
            client.create_schedule(**args)
        except client.exceptions.ConflictException:
            client.update_schedule(**args)
    return schedules


def remove_stale(before: Iterable[dict[str, Any]], after: Iterable[dict[str, Any]]) -> list[str]:
    """Delete the schedules of cron triggers in `before` that `after` no longer has (a trigger
    removed or changed, a function removed); returns the deleted names."""
    keep = {sched.name for sched in cron_schedules(after)}
    client = aws.client("scheduler")
    group = get_settings().schedule_group
    deleted = []
    for sched in cron_schedules(before):
        if sched.name in keep:
            continue
        try:
            client.delete_schedule(Name=sched.name, GroupName=group)
        except client.exceptions.ResourceNotFoundException:
            continue
        deleted.append(sched.name)
    return deleted


def ensure_from_module(module_name: str) -> list[conv.CronSchedule]:
    """The local stack's hook: schedules for the cron triggers of the functions module."""
    import importlib

    from inngest_lambda.apps.registry import Registry

    module = importlib.import_module(module_name)
    registry = Registry.from_sdk(module.client, list(module.functions))
    return ensure(entry.config for entry in registry.all())


def ensure_quietly(configs: Iterable[dict[str, Any]]) -> None:
    """`ensure` for `/fn/register`: a schedule that cannot be created is logged, not fatal
    (the app is registered; its event triggers work)."""
    from inngest_lambda.flow.state import log

    try:
        ensure(configs)
    except Exception as err:
        log.error(f"could not create the cron schedules of a registered app: {err}")


def replace_quietly(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
    """`/fn/register` of an app seen before: create the new schedules, delete those of cron
    triggers the app no longer has. Errors are logged, not fatal (as in `ensure_quietly`)."""
    from inngest_lambda.flow.state import log

    ensure_quietly(after)
    try:
        remove_stale(before, after)
    except Exception as err:
        log.error(f"could not delete the old cron schedules of a registered app: {err}")
