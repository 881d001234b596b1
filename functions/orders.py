"""An example workflow: charge, wait a little, ship, then tell the customer."""

import datetime

import inngest

from functions.app import client


@client.create_function(
    fn_id="fulfil-order",
    trigger=inngest.TriggerEvent(event="shop/order.placed"),
    retries=3,
)
def fulfil_order(ctx: inngest.ContextSync) -> dict:
    order = ctx.event.data
    charge = ctx.step.run("charge-card", lambda: {"charged": order.get("amount", 0)})
    ctx.step.sleep("cool-off", datetime.timedelta(seconds=2))
    shipment = ctx.step.run("ship", lambda: {"tracking": f"TRACK-{order.get('order_id')}"})
    ctx.step.send_event(
        "tell-customer",
        inngest.Event(name="shop/order.shipped", data={"order_id": order.get("order_id")}),
    )
    return {"charge": charge, "shipment": shipment}


@client.create_function(
    fn_id="notify-customer",
    trigger=inngest.TriggerEvent(event="shop/order.shipped"),
)
async def notify_customer(ctx: inngest.Context) -> str:
    return await ctx.step.run("email", lambda: f"emailed about {ctx.event.data['order_id']}")
