"""DUR003 bad: step ids that change between replays, and a literal id used twice."""

import time
import uuid

import inngest

client = inngest.Inngest(app_id="examples")


def now_id() -> str:
    return "x"


@client.create_function(fn_id="ids", trigger=inngest.TriggerEvent(event="app/ids"))
def ids(ctx: inngest.ContextSync) -> None:
    step = ctx.step
    step.run(str(uuid.uuid4()), lambda: 1)  # expect: DUR002 DUR003
    step.run(f"order-{ctx.event.data['id']}", lambda: 1)  # expect: DUR003
    step.run("fetch-" + now_id(), lambda: 1)  # expect: DUR003
    step.sleep(f"wait-{time.time()}", 1000)  # expect: DUR002 DUR003
    key = ctx.event.data["key"]
    step.run(key, lambda: 1)  # expect: DUR003
    step.run("charge", lambda: 1)
    step.run("charge", lambda: 2)  # expect: DUR003
    step.wait_for_event("charge", event="app/paid", timeout=60_000)  # expect: DUR003
