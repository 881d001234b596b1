"""The functions the golden items were written by (tests/upgrade/golden/): each stops at a
mid-state a deployed version leaves in the table, and each finishes with an output that says it
ran to the end. Change nothing here without regenerating the golden items: they hold these
functions' ids, step ids and outputs as the old version recorded them."""

from __future__ import annotations

import datetime

import inngest

client = inngest.Inngest(app_id="golden")


@client.create_function(fn_id="sleeper", trigger=inngest.TriggerEvent(event="golden/sleep"))
def sleeper(ctx: inngest.ContextSync) -> dict:
    """A long sleep (a one-off Scheduler schedule) after a step."""
    before = ctx.step.run("before", lambda: {"n": ctx.event.data["n"]})
    ctx.step.sleep("nap", datetime.timedelta(hours=2))
    after = ctx.step.run("after", lambda: before["n"] + 1)
    return {"slept": True, "after": after}


@client.create_function(fn_id="short-sleeper", trigger=inngest.TriggerEvent(event="golden/short"))
def short_sleeper(ctx: inngest.ContextSync) -> dict:
    """A short sleep (a delayed SQS message)."""
    ctx.step.sleep("blink", datetime.timedelta(minutes=5))
    return {"blinked": ctx.event.data["n"]}


@client.create_function(fn_id="waiter", trigger=inngest.TriggerEvent(event="golden/order"))
def waiter(ctx: inngest.ContextSync) -> dict:
    """A wait_for_event with a match expression, resumed by the matching event."""
    paid = ctx.step.wait_for_event(
        "wait-paid",
        event="golden/paid",
        if_exp="event.data.order == async.data.order",
        timeout=datetime.timedelta(days=1),
    )
    return {"paid": None if paid is None else paid.data["amount"]}


@client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="golden/child"))
def child(ctx: inngest.ContextSync) -> dict:
    ctx.step.sleep("child-nap", datetime.timedelta(hours=1))
    return {"child_of": ctx.event.data["parent"]}


@client.create_function(fn_id="parent", trigger=inngest.TriggerEvent(event="golden/parent"))
def parent(ctx: inngest.ContextSync) -> dict:
    """An invoke pending its child (the child sleeps)."""
    got = ctx.step.invoke("call-child", function=child, data={"parent": ctx.event.data["n"]})
    return {"child": got}


@client.create_function(
    fn_id="flaky", trigger=inngest.TriggerEvent(event="golden/flaky"), retries=3
)
def flaky(ctx: inngest.ContextSync) -> dict:
    """A step that fails its first attempt: a retry is scheduled."""

    def attempt() -> int:
        if ctx.attempt == 0:
            raise RuntimeError("first attempt fails")
        return ctx.attempt

    return {"succeeded_on_attempt": ctx.step.run("try", attempt)}


@client.create_function(
    fn_id="debounced",
    trigger=inngest.TriggerEvent(event="golden/debounce"),
    debounce=inngest.Debounce(period=datetime.timedelta(minutes=10)),
)
def debounced(ctx: inngest.ContextSync) -> dict:
    return {"last": ctx.event.data["n"]}


@client.create_function(
    fn_id="throttled",
    trigger=inngest.TriggerEvent(event="golden/throttle"),
    throttle=inngest.Throttle(limit=1, period=datetime.timedelta(hours=1)),
)
def throttled(ctx: inngest.ContextSync) -> dict:
    return {"n": ctx.event.data["n"]}


@client.create_function(fn_id="big", trigger=inngest.TriggerEvent(event="golden/big"))
def big(ctx: inngest.ContextSync) -> dict:
    """A step output too large for the item (kept in S3), then a sleep."""
    blob = ctx.step.run("blob", lambda: "x" * 400_000)
    ctx.step.sleep("rest", datetime.timedelta(minutes=30))
    return {"size": len(blob)}


@client.create_function(fn_id="queued", trigger=inngest.TriggerEvent(event="golden/queued"))
def queued(ctx: inngest.ContextSync) -> dict:
    """Sent last, not processed: its run is created and its message waits on the queue."""
    return {"ran": ctx.event.data["n"]}


functions = [
    sleeper,
    short_sleeper,
    waiter,
    child,
    parent,
    flaky,
    debounced,
    throttled,
    big,
    queued,
]
