"""The function `bench/realtime.py` runs: each step publishes the moment it starts."""

from __future__ import annotations

import time

import inngest
from inngest.experimental import realtime

client = inngest.Inngest(app_id="bench-realtime", is_production=False)


@client.create_function(fn_id="stamped", trigger=inngest.TriggerEvent(event="bench/stamped"))
def stamped(ctx: inngest.ContextSync) -> str:
    channel = str(ctx.event.data["channel"])
    for n in range(int(ctx.event.data["steps"])):
        ctx.step.run(
            f"publish-{n}",
            lambda n=n: realtime.publish_sync(
                client, channel, "t", {"n": n, "sent_at": time.time()}
            ),
        )
    return "done"


functions = [stamped]
