"""DUR001 good: durable sleeps, and a sleep inside a step's callable (polling backoff)."""

import datetime
import time

import inngest

client = inngest.Inngest(app_id="examples")


def poll() -> str:
    time.sleep(2)  # inside the step: delays this step only
    return "done"


@client.create_function(fn_id="sleeps", trigger=inngest.TriggerEvent(event="app/sleeps"))
async def sleeps(ctx: inngest.Context) -> None:
    await ctx.step.sleep("pause", datetime.timedelta(minutes=1))
    await ctx.step.run("poll", poll)
    await ctx.step.run("inline", lambda: time.sleep(1))
    await ctx.step.sleep_until("until", datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC))
