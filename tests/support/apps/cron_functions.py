"""A functions module with a cron trigger (its own module: a daily schedule fires on every
advance past 09:00, which the other toolkit tests do not want)."""

from __future__ import annotations

import inngest

client = inngest.Inngest(app_id="toolkit-cron")


@client.create_function(fn_id="morning-report", trigger=inngest.TriggerCron(cron="0 9 * * *"))
def morning_report(ctx: inngest.ContextSync) -> dict:
    return {"name": ctx.event.name, "cron": ctx.event.data.get("cron")}


functions = [morning_report]
