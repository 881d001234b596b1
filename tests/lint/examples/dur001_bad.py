"""DUR001 bad: blocking waits in the function body (and in a helper it calls)."""

import asyncio
import threading
import time
from time import sleep

import inngest

client = inngest.Inngest(app_id="examples")


def backoff() -> None:
    time.sleep(5)


@client.create_function(fn_id="waits", trigger=inngest.TriggerEvent(event="app/waits"))
async def waits(ctx: inngest.Context) -> None:
    time.sleep(60)  # expect: DUR001
    await asyncio.sleep(1)  # expect: DUR001
    sleep(2)  # expect: DUR001
    threading.Timer(5, print).start()  # expect: DUR001
    asyncio.get_running_loop().call_later(5, print)  # expect: DUR001
    backoff()  # expect: DUR001
    await ctx.step.run("work", lambda: 1)


@client.create_function(fn_id="waits-sync", trigger=inngest.TriggerEvent(event="app/waits"))
def waits_sync(context: inngest.ContextSync) -> None:
    step = context.step
    step.run("first", lambda: 1)
    time.sleep(3600)  # expect: DUR001
    step.run("second", lambda: 2)
