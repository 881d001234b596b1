"""Functions that send events from inside a run, sync and async, for the in-process send tests."""

from __future__ import annotations

import inngest

client = inngest.Inngest(app_id="sends")


@client.create_function(fn_id="tell-sync", trigger=inngest.TriggerEvent(event="s/tell-sync"))
def tell_sync(ctx: inngest.ContextSync) -> list[str]:
    return ctx.step.send_event("tell", inngest.Event(name="s/heard", data={"via": "sync"}))


@client.create_function(fn_id="tell-async", trigger=inngest.TriggerEvent(event="s/tell-async"))
async def tell_async(ctx: inngest.Context) -> list[str]:
    return await ctx.step.send_event("tell", inngest.Event(name="s/heard", data={"via": "async"}))


@client.create_function(fn_id="hear", trigger=inngest.TriggerEvent(event="s/heard"))
def hear(ctx: inngest.ContextSync) -> str:
    return str(ctx.event.data["via"])


functions = [tell_sync, tell_async, hear]
