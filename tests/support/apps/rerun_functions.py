"""Functions for rerun from a step (`tests/e2e/test_rerun.py`): five steps, the last of which
fails for good while `FAIL` is set; and one that runs two steps under one name. `CALLS` counts
each step's bodies, so a test sees which steps a rerun executed again."""

from __future__ import annotations

import collections

import inngest

client = inngest.Inngest(app_id="rerun-app")
CALLS: collections.Counter[str] = collections.Counter()
FAIL = {"step-5": False}


def _counted(name: str, value: int) -> int:
    CALLS[name] += 1
    if name == "step-5" and FAIL["step-5"]:
        raise inngest.NonRetriableError("step 5 is broken")
    return value


@client.create_function(fn_id="five-steps", trigger=inngest.TriggerEvent(event="rerun/go"))
def five_steps(ctx: inngest.ContextSync) -> dict:
    total = 0
    for n in range(1, 6):
        total += ctx.step.run(f"step-{n}", _counted, f"step-{n}", n)
    return {"total": total, "n": ctx.event.data.get("n")}


@client.create_function(fn_id="same-name", trigger=inngest.TriggerEvent(event="rerun/same"))
def same_name(ctx: inngest.ContextSync) -> list[int]:
    return [ctx.step.run("again", _counted, "again", n) for n in range(2)]


functions = [five_steps, same_name]
