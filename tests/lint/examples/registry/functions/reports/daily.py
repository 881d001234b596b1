import inngest

from ..client import client


@client.create_function(fn_id="daily", trigger=inngest.TriggerCron(cron="0 6 * * *"))
async def daily_report(ctx: inngest.Context) -> None:
    await ctx.step.run("report", lambda: None)


@client.create_function(fn_id="weekly", trigger=inngest.TriggerCron(cron="0 6 * * 1"))
async def weekly_report(ctx: inngest.Context) -> None:  # expect: DUR005
    await ctx.step.run("report", lambda: None)
