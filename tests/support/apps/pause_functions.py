"""Functions for pausing and resuming (`tests/e2e/test_function_pause.py`): an event-triggered
function with a sleep between two steps, and a daily cron. `CALLS` counts each step's bodies."""

from __future__ import annotations

import collections
import datetime

import inngest

client = inngest.Inngest(app_id="pause-app")
CALLS: collections.Counter[str] = collections.Counter()


@client.create_function(fn_id="pause-steps", trigger=inngest.TriggerEvent(event="pause/go"))
def pause_steps(ctx: inngest.ContextSync) -> dict:
    def first() -> str:
        CALLS["first"] += 1
        return "one"

    def second() -> str:
        CALLS["second"] += 1
        return "two"

    a = ctx.step.run("first", first)
    ctx.step.sleep("nap", datetime.timedelta(hours=1))
    b = ctx.step.run("second", second)
    return {"a": a, "b": b, "n": ctx.event.data.get("n")}


@client.create_function(fn_id="pause-cron", trigger=inngest.TriggerCron(cron="0 9 * * *"))
def pause_cron(ctx: inngest.ContextSync) -> str:
    CALLS["cron"] += 1
    return "ticked"


functions = [pause_steps, pause_cron]
