"""Functions of the scheduled-start tests (`tests/e2e/test_scheduled_start.py`): each records
when its step ran on the runtime's clock (virtual under `durable`)."""

from __future__ import annotations

import datetime

import inngest

from inngest_lambda.core import clock

client = inngest.Inngest(app_id="scheduled-e2e")
RAN_AT: dict[str, list[float]] = {}  # order -> the clock times its `work` step ran


def _work(order: str) -> str:
    RAN_AT.setdefault(order, []).append(clock.now())
    return order


@client.create_function(
    fn_id="later",
    trigger=inngest.TriggerEvent(event="s/go"),
    cancel=[inngest.Cancel(event="s/stop", if_exp="event.data.order == async.data.order")],
)
def later(ctx: inngest.ContextSync) -> str:
    order = ctx.event.data["order"]
    return str(ctx.step.run("work", lambda: _work(order)))


@client.create_function(
    fn_id="limited",
    trigger=inngest.TriggerEvent(event="s/limited"),
    concurrency=[inngest.Concurrency(limit=1)],
)
def limited(ctx: inngest.ContextSync) -> str:
    order = ctx.event.data["order"]
    return str(ctx.step.run("work", lambda: _work(order)))


@client.create_function(
    fn_id="start-timeout",
    trigger=inngest.TriggerEvent(event="s/short"),
    timeouts=inngest.Timeouts(start=datetime.timedelta(minutes=5)),
)
def start_timeout(ctx: inngest.ContextSync) -> str:
    order = ctx.event.data["order"]
    return str(ctx.step.run("work", lambda: _work(order)))


@client.create_function(
    fn_id="batched",
    trigger=inngest.TriggerEvent(event="s/batch"),
    batch_events=inngest.Batch(max_size=2, timeout=datetime.timedelta(seconds=5)),
)
def batched(ctx: inngest.ContextAsync | inngest.ContextSync) -> str:
    orders = ",".join(str(e.data["order"]) for e in ctx.events)
    return str(ctx.step.run("work", lambda: _work(orders)))


functions = [later, limited, start_timeout, batched]
