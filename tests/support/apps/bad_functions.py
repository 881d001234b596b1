"""A functions module whose options Inngest would refuse (for the startup validation test)."""

import datetime

import inngest

client = inngest.Inngest(app_id="bad", is_production=False)


@client.create_function(
    fn_id="batch-and-debounce",
    trigger=inngest.TriggerEvent(event="bad/a"),
    batch_events=inngest.Batch(max_size=5, timeout=datetime.timedelta(seconds=5)),
    debounce=inngest.Debounce(period=datetime.timedelta(seconds=5)),
)
def batch_and_debounce(ctx: inngest.ContextSync) -> None:
    return None


@client.create_function(
    fn_id="bad-key",
    trigger=inngest.TriggerEvent(event="bad/b"),
    concurrency=[inngest.Concurrency(limit=1, key="event.data.x ==")],
)
def bad_key(ctx: inngest.ContextSync) -> None:
    return None


functions = [batch_and_debounce, bad_key]
