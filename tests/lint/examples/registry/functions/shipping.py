import inngest

from .client import client


@client.create_function(fn_id="ship", trigger=inngest.TriggerEvent(event="order/paid"))
async def ship_order(ctx: inngest.Context) -> None:
    await ctx.step.run("ship", lambda: None)
