"""A user's functions module, as the testing toolkit's tests run it (`client` + `functions`)."""

from __future__ import annotations

import collections
import datetime

import inngest

client = inngest.Inngest(app_id="toolkit")
CALLS: collections.Counter[str] = collections.Counter()


def _attempt(key: str, failures: int) -> str:
    CALLS[key] += 1
    if CALLS[key] <= failures:
        raise RuntimeError(f"transient failure {CALLS[key]}")
    return f"ok after {CALLS[key]} attempts"


@client.create_function(fn_id="month-long", trigger=inngest.TriggerEvent(event="t/month"))
def month_long(ctx: inngest.ContextSync) -> dict:
    """Sleeps 30 days, then a step that fails 4 times before it succeeds (5 attempts)."""
    ctx.step.sleep("wait-a-month", datetime.timedelta(days=30))
    result = ctx.step.run("flaky", lambda: _attempt(f"month:{ctx.run_id}", 4))
    return {"result": result}


@client.create_function(fn_id="month-long-async", trigger=inngest.TriggerEvent(event="t/month-a"))
async def month_long_async(ctx: inngest.Context) -> dict:
    await ctx.step.sleep("wait-a-month", datetime.timedelta(days=30))
    result = await ctx.step.run("flaky", lambda: _attempt(f"month-a:{ctx.run_id}", 4))
    return {"result": result}


@client.create_function(fn_id="flaky", trigger=inngest.TriggerEvent(event="t/flaky"))
def flaky(ctx: inngest.ContextSync) -> str:
    return ctx.step.run("flaky-step", lambda: _attempt(f"flaky:{ctx.run_id}", 2))


@client.create_function(fn_id="checkout", trigger=inngest.TriggerEvent(event="t/order"))
def checkout(ctx: inngest.ContextSync) -> dict:
    paid = ctx.step.wait_for_event(
        "wait-payment",
        event="t/paid",
        if_exp="event.data.order == async.data.order",
        timeout=datetime.timedelta(hours=24),
    )
    if paid is None:
        return {"status": "expired"}
    return {"status": "paid", "amount": paid.data["amount"]}


@client.create_function(fn_id="checkout-async", trigger=inngest.TriggerEvent(event="t/order-a"))
async def checkout_async(ctx: inngest.Context) -> dict:
    paid = await ctx.step.wait_for_event(
        "wait-payment",
        event="t/paid",
        if_exp="event.data.order == async.data.order",
        timeout=datetime.timedelta(hours=24),
    )
    return {"status": "expired" if paid is None else "paid"}


@client.create_function(fn_id="two-day-nap", trigger=inngest.TriggerEvent(event="t/nap"))
async def two_day_nap(ctx: inngest.Context) -> dict:
    before = await ctx.step.run("before", lambda: "before")
    await ctx.step.sleep("nap", datetime.timedelta(days=2))
    after = await ctx.step.run("after", lambda: "after")
    return {"before": before, "after": after}


def _explode() -> None:
    raise ValueError("card declined")


def _on_failure(ctx: inngest.ContextSync) -> dict:
    return {
        "failed": ctx.event.data["function_id"],
        "error": ctx.event.data["error"]["message"],
        "order": ctx.event.data["event"]["data"]["order"],
    }


@client.create_function(
    fn_id="charge",
    trigger=inngest.TriggerEvent(event="t/charge"),
    retries=1,
    on_failure=_on_failure,
)
def charge(ctx: inngest.ContextSync) -> None:
    ctx.step.run("charge-card", _explode)


@client.create_function(fn_id="double", trigger=inngest.TriggerEvent(event="t/double"))
def double(ctx: inngest.ContextSync) -> dict:
    ctx.step.sleep("think", datetime.timedelta(hours=3))
    return {"doubled": ctx.event.data["value"] * 2}


@client.create_function(fn_id="caller", trigger=inngest.TriggerEvent(event="t/call"))
def caller(ctx: inngest.ContextSync) -> dict:
    got = ctx.step.invoke("call-double", function=double, data={"value": ctx.event.data["value"]})
    return {"from_child": got}


@client.create_function(fn_id="announcer", trigger=inngest.TriggerEvent(event="t/announce"))
def announcer(ctx: inngest.ContextSync) -> list[str]:
    ctx.step.sleep("later", datetime.timedelta(days=1))
    return ctx.step.send_event(
        "announce", inngest.Event(name="t/announced", data={"tag": ctx.event.data["tag"]})
    )


@client.create_function(fn_id="listener", trigger=inngest.TriggerEvent(event="t/announced"))
def listener(ctx: inngest.ContextSync) -> str:
    return f"heard {ctx.event.data['tag']}"


@client.create_function(fn_id="rate-limited", trigger=inngest.TriggerEvent(event="t/retry-after"))
def rate_limited(ctx: inngest.ContextSync) -> str:
    def call() -> str:
        CALLS[f"ra:{ctx.run_id}"] += 1
        if CALLS[f"ra:{ctx.run_id}"] == 1:
            raise inngest.RetryAfterError("slow down", datetime.timedelta(hours=2))
        return "done"

    return ctx.step.run("call-api", call)


functions = [
    month_long,
    month_long_async,
    flaky,
    checkout,
    checkout_async,
    two_day_nap,
    charge,
    double,
    caller,
    announcer,
    listener,
    rate_limited,
]
