"""The functions the tracing tests drive: one run with steps, a retry, a sleep and an invoke."""

from __future__ import annotations

import collections
import datetime

import inngest

client = inngest.Inngest(app_id="tracing")
CALLS: collections.Counter[str] = collections.Counter()


@client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="tracing/child"))
def child(ctx: inngest.ContextSync) -> int:
    return ctx.step.run("double", lambda: 2 * int(ctx.event.data.get("n", 0)))


@client.create_function(
    fn_id="parent", trigger=inngest.TriggerEvent(event="tracing/parent"), retries=2
)
def parent(ctx: inngest.ContextSync) -> int:
    def flaky() -> str:
        CALLS[ctx.run_id] += 1
        if CALLS[ctx.run_id] == 1:
            raise RuntimeError("first attempt fails")
        return "ok"

    n = ctx.step.run("fetch", lambda: 21)
    ctx.step.run("flaky", flaky)
    ctx.step.sleep("nap", datetime.timedelta(minutes=30))
    doubled = ctx.step.invoke("call-child", function=child, data={"n": n})
    return int(doubled)


LOUD_ERROR = "x" * 300_000  # over X-Ray's 200 KB for one span


@client.create_function(
    fn_id="loud", trigger=inngest.TriggerEvent(event="tracing/loud"), retries=0
)
def loud(ctx: inngest.ContextSync) -> None:
    def fail() -> None:
        raise RuntimeError(LOUD_ERROR)

    ctx.step.run("fail", fail)


functions = [child, parent, loud]
