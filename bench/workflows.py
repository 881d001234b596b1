"""Functions the benchmark runs (and whose AWS calls tests/e2e/test_costs.py counts): many plain
steps, many sleeps, one long sleep."""

from __future__ import annotations

import datetime

import inngest

client = inngest.Inngest(app_id="bench")


@client.create_function(fn_id="hundred-steps", trigger=inngest.TriggerEvent(event="bench/steps"))
def hundred_steps(ctx: inngest.ContextSync) -> int:
    total = 0
    for i in range(ctx.event.data["steps"]):
        total = ctx.step.run(f"step-{i}", lambda t=total, i=i: t + i)
    return total


@client.create_function(fn_id="ten-sleeps", trigger=inngest.TriggerEvent(event="bench/sleeps"))
def ten_sleeps(ctx: inngest.ContextSync) -> int:
    for i in range(ctx.event.data["sleeps"]):
        ctx.step.sleep(f"nap-{i}", datetime.timedelta(seconds=1))
    return ctx.event.data["sleeps"]


@client.create_function(fn_id="long-sleep", trigger=inngest.TriggerEvent(event="bench/long"))
def long_sleep(ctx: inngest.ContextSync) -> str:
    ctx.step.sleep("a-month", datetime.timedelta(days=30))
    return "woke"


functions = [hundred_steps, ten_sleeps, long_sleep]
