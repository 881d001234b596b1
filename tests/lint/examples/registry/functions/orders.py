import inngest

from .client import client


@client.create_function(fn_id="process-order", trigger=inngest.TriggerEvent(event="order/new"))
async def process_order(ctx: inngest.Context) -> None:
    await ctx.step.run("save", lambda: None)


@client.create_function(fn_id="refund", trigger=inngest.TriggerEvent(event="order/refund"))
async def refund(ctx: inngest.Context) -> None:
    await ctx.step.run("refund", lambda: None)


@client.create_function(fn_id="forgotten", trigger=inngest.TriggerEvent(event="order/x"))
async def forgotten(ctx: inngest.Context) -> None:  # expect: DUR005
    await ctx.step.run("noop", lambda: None)
