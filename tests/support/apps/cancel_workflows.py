"""Functions of the cancel-from-creation tests: `cancel=` on runs whose first drive comes late."""

from __future__ import annotations

import collections
import datetime

import inngest

client = inngest.Inngest(app_id="cancel-e2e")
CALLS: collections.Counter[str] = collections.Counter()

STOP = inngest.Cancel(event="c/stop", if_exp="event.data.order == async.data.order")


def _count(key: str) -> str:
    CALLS[key] += 1
    return key


@client.create_function(
    fn_id="throttled-cancellable",
    trigger=inngest.TriggerEvent(event="c/throttled"),
    # One start per 2 h: a second order's first drive comes 2 h after its run was created.
    throttle=inngest.Throttle(limit=1, period=datetime.timedelta(hours=2)),
    cancel=[STOP],
)
def throttled_cancellable(ctx: inngest.ContextSync) -> str:
    order = ctx.event.data["order"]
    ctx.step.run("work", lambda: _count(f"{order}:work"))
    return order


functions = [throttled_cancellable]


# Twins with and without `cancel=`, for the cost counts.
@client.create_function(fn_id="plain", trigger=inngest.TriggerEvent(event="c/plain"))
def plain(ctx: inngest.ContextSync) -> str:
    return str(ctx.step.run("work", lambda: ctx.event.data["order"]))


@client.create_function(
    fn_id="cancellable", trigger=inngest.TriggerEvent(event="c/cancellable"), cancel=[STOP]
)
def cancellable(ctx: inngest.ContextSync) -> str:
    return str(ctx.step.run("work", lambda: ctx.event.data["order"]))


@client.create_function(
    fn_id="throttled-plain",
    trigger=inngest.TriggerEvent(event="c/throttled-plain"),
    throttle=inngest.Throttle(limit=1, period=datetime.timedelta(hours=2)),
)
def throttled_plain(ctx: inngest.ContextSync) -> str:
    return str(ctx.step.run("work", lambda: ctx.event.data["order"]))


functions += [plain, cancellable, throttled_plain]
