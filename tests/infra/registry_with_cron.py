"""A function registry with cron triggers, for the stack tests (functions/ may have none).

Selected with INNGEST_LAMBDA_FUNCTIONS=tests.infra.registry_with_cron.
"""

import inngest

client = inngest.Inngest(app_id="cron-test", is_production=False)


@client.create_function(
    fn_id="weekly-report",
    trigger=inngest.TriggerCron(cron="TZ=Europe/Paris 0 9 * * 1", jitter="30s"),
)
def weekly_report(ctx: inngest.ContextSync) -> None:
    return None


@client.create_function(
    fn_id="sweep",
    trigger=[
        inngest.TriggerCron(cron="*/15 * * * *"),
        inngest.TriggerEvent(event="app/sweep.requested"),
    ],
)
async def sweep(ctx: inngest.Context) -> None:
    return None


@client.create_function(fn_id="on-event", trigger=inngest.TriggerEvent(event="app/hello"))
async def on_event(ctx: inngest.Context) -> None:
    return None


functions = [weekly_report, sweep, on_event]
