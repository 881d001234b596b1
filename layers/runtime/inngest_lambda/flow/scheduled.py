"""Cron triggers at run time: a schedule's `{"kind": "cron"}` message starts one run.

EventBridge Scheduler (created by the CDK stack, by `schedules.ensure` for remote apps and
locally) delivers `{"kind": "cron", "function_id", "cron"}` at each fire. The handler builds the
`inngest/scheduled.timer` event Inngest sends (`data.cron` is the expression), with an id derived
from the function, the expression and the fire time (`crontime`), stores it and starts the run
through the normal path (so flow control applies). A duplicate delivery derives the same event id,
and runs are unique per (function, event id): one fire, one run.

A message may carry `scheduled_time` (ISO-8601): a schedule whose Input includes
`"scheduled_time": "<aws.scheduler.scheduled-time>"` gets the exact fire time from Scheduler,
which stays right even when a flexible window is longer than the interval between fires.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_lambda.core import clock
from inngest_lambda.flow import cron as conv
from inngest_lambda.flow import crontime
from inngest_lambda.flow.state import log

if TYPE_CHECKING:
    from inngest_lambda.flow.seams import Executor


KIND = conv.CRON_MESSAGE_KIND
SCHEDULED_EVENT = "inngest/scheduled.timer"


def timer_event(function_id: str, cron: str, fire: float) -> dict[str, Any]:
    return {
        "name": SCHEDULED_EVENT,
        "data": {"cron": cron},
        "id": crontime.event_id(function_id, cron, fire),
        "ts": int(round(fire * 1000)),
    }


def handle(executor: Executor, message: dict[str, Any]) -> float | None:
    function_id, cron = message.get("function_id"), message.get("cron")
    if not isinstance(function_id, str) or not isinstance(cron, str):
        log.error(f"dropping malformed cron message {str(message)[:200]}")
        return None
    fn = executor.registry.get(function_id)
    if fn is None or not any(t.get("cron") == cron for t in fn.config.get("triggers") or []):
        # The function or this trigger is gone (a stale schedule): nothing to start.
        log.warning(f"cron {cron!r} of {function_id} fired but no such trigger is registered")
        return None
    try:
        fire = _scheduled_time(message) or crontime.latest_fire(cron, clock.now())
    except conv.CronConversionError as err:
        log.error(f"cron {cron!r} of {function_id} cannot be evaluated: {err}")
        return None
    if fire is None:
        return None
    event = timer_event(function_id, cron, fire)
    executor.store.put_events([event])
    executor.ingestor.start_run(fn, event)
    return None


def _scheduled_time(message: dict[str, Any]) -> float | None:
    text = message.get("scheduled_time")
    if not isinstance(text, str) or text.startswith("<"):  # absent, or not substituted
        return None
    try:
        return clock.parse_iso(text)
    except ValueError:
        return None
