"""Functions whose AWS calls tests/e2e/test_costs.py counts: N plain steps, N short sleeps."""

from __future__ import annotations

import datetime

import inngest

client = inngest.Inngest(app_id="costs")


@client.create_function(fn_id="steps", trigger=inngest.TriggerEvent(event="cost/steps"))
def steps(ctx: inngest.ContextSync) -> int:
    total = 0
    for i in range(ctx.event.data["n"]):
        total = ctx.step.run(f"step-{i}", lambda t=total, i=i: t + i)
    return total


@client.create_function(fn_id="sleeps", trigger=inngest.TriggerEvent(event="cost/sleeps"))
def sleeps(ctx: inngest.ContextSync) -> int:
    for i in range(ctx.event.data["n"]):
        ctx.step.sleep(f"nap-{i}", datetime.timedelta(seconds=1))
    return ctx.event.data["n"]


functions = [steps, sleeps]
