"""Functions of the scheduled-start tests (`tests/e2e/test_scheduled_start.py`): each records
when its one step ran on the runtime's clock (virtual under `durable`)."""

from __future__ import annotations

import datetime

import inngest

from inngest_lambda.core import clock

client = inngest.Inngest(app_id="scheduled-e2e")
RAN_AT: dict[str, list[float]] = {}  # order(s) -> the clock times its `work` step ran


def work(ctx: inngest.ContextSync) -> str:
    """The body every function here shares: one step, recording when it ran."""
    orders = ",".join(str(e.data["order"]) for e in ctx.events)

    def record() -> str:
        RAN_AT.setdefault(orders, []).append(clock.now())
        return orders

    return str(ctx.step.run("work", record))


later = client.create_function(
    fn_id="later",
    trigger=inngest.TriggerEvent(event="s/go"),
    cancel=[inngest.Cancel(event="s/stop", if_exp="event.data.order == async.data.order")],
)(work)
limited = client.create_function(
    fn_id="limited",
    trigger=inngest.TriggerEvent(event="s/limited"),
    concurrency=[inngest.Concurrency(limit=1)],
)(work)
start_timeout = client.create_function(
    fn_id="start-timeout",
    trigger=inngest.TriggerEvent(event="s/short"),
    timeouts=inngest.Timeouts(start=datetime.timedelta(minutes=5)),
)(work)
batched = client.create_function(
    fn_id="batched",
    trigger=inngest.TriggerEvent(event="s/batch"),
    batch_events=inngest.Batch(max_size=2, timeout=datetime.timedelta(seconds=5)),
)(work)

functions = [later, limited, start_timeout, batched]
