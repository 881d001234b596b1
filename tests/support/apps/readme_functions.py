"""The `checkout` example of docs/waits.md, verbatim, for the testing section's
example tests."""

from __future__ import annotations

import datetime

import inngest

client = inngest.Inngest(app_id="shop")


@client.create_function(fn_id="checkout", trigger=inngest.TriggerEvent(event="shop/order.placed"))
def checkout(ctx: inngest.ContextSync) -> str:
    paid = ctx.step.wait_for_event(
        "wait-payment",
        event="shop/payment.success",
        if_exp="event.data.orderId == async.data.orderId",
        timeout=datetime.timedelta(hours=24),
    )
    if paid is None:
        return "timed out"  # no matching event within 24 h
    return f"paid {paid.data['amount']}"


functions = [checkout]
