"""Functions served in production mode: the SDK verifies every request's signature."""

from __future__ import annotations

import inngest

client = inngest.Inngest(app_id="prod", is_production=True)


@client.create_function(fn_id="greet", trigger=inngest.TriggerEvent(event="prod/greet"))
def greet(ctx: inngest.ContextSync) -> str:
    name = ctx.step.run("name", lambda: ctx.event.data["name"].title())
    ctx.step.send_event("tell", inngest.Event(name="prod/greeted", data={"name": name}))
    return f"hello {name}"


@client.create_function(fn_id="heard", trigger=inngest.TriggerEvent(event="prod/greeted"))
def heard(ctx: inngest.ContextSync) -> str:
    return f"heard {ctx.event.data['name']}"


functions = [greet, heard]
