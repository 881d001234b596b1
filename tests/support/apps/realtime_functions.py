"""Functions that publish with the SDK's own realtime helpers (`inngest.experimental.realtime`),
served by the realtime end-to-end tests' local stack."""

from __future__ import annotations

import datetime

import inngest
from inngest.experimental import realtime

client = inngest.Inngest(app_id="realtime-e2e", is_production=False)
# How often each publishing step body ran (a memoized step must not run, nor publish, again).
CALLS: dict[str, int] = {}


def _publish(channel: str, topic: str, data: dict[str, object], counted: str) -> int:
    CALLS[counted] = CALLS.get(counted, 0) + 1
    realtime.publish_sync(client, channel, topic, data)
    return int(str(data.get("step", 0)))


@client.create_function(
    fn_id="realtime-three", trigger=inngest.TriggerEvent(event="realtime/three")
)
def three(ctx: inngest.ContextSync) -> str:
    """Three steps, one message each, in order."""
    channel = str(ctx.event.data["channel"])
    for n in (1, 2, 3):
        ctx.step.run(
            f"step-{n}",
            lambda n=n: _publish(channel, "progress", {"step": n, "of": 3}, f"{channel}:{n}"),
        )
    return "done"


@client.create_function(
    fn_id="realtime-replayed", trigger=inngest.TriggerEvent(event="realtime/replayed")
)
def replayed(ctx: inngest.ContextSync) -> str:
    """A publish in a step, a sleep (the function runs again from the top after it), and a
    publish outside any step: the first reaches subscribers once, the second once per run of
    the function body."""
    channel = str(ctx.event.data["channel"])
    ctx.step.run("in-step", lambda: _publish(channel, "t", {"where": "step"}, f"{channel}:step"))
    realtime.publish_sync(client, channel, "t", {"where": "outside"})
    ctx.step.sleep("pause", datetime.timedelta(seconds=1))
    return "done"


functions = [three, replayed]
