import inngest

from .client import client


@client.create_function(fn_id="charge", trigger=inngest.TriggerEvent(event="billing/charge"))
def charge(ctx: inngest.ContextSync) -> None:
    ctx.step.run("charge", lambda: None)


def _refund(ctx: inngest.ContextSync) -> None:
    ctx.step.run("refund", lambda: None)


def _invoice(ctx: inngest.ContextSync) -> None:
    ctx.step.run("invoice", lambda: None)


trigger = inngest.TriggerEvent(event="billing/refund")
refund_charge = client.create_function(fn_id="refund-charge", trigger=trigger)(_refund)
invoice = client.create_function(fn_id="invoice", trigger=trigger)(_invoice)  # expect: DUR005
