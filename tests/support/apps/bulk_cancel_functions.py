"""A function for bulk cancellation (`tests/e2e/test_bulk_cancel.py`): one step, an hour's sleep,
then a second step that `CALLS` counts (it must never run for a cancelled run)."""

from __future__ import annotations

import collections
import datetime

import inngest

client = inngest.Inngest(app_id="bulk-app")
CALLS: collections.Counter[str] = collections.Counter()


@client.create_function(fn_id="sleeper", trigger=inngest.TriggerEvent(event="bulk/go"))
def sleeper(ctx: inngest.ContextSync) -> str:
    ctx.step.run("first", lambda: "one")
    ctx.step.sleep("nap", datetime.timedelta(hours=1))

    def after() -> str:
        CALLS["after"] += 1
        return "woke"

    return ctx.step.run("after", after)


functions = [sleeper]
