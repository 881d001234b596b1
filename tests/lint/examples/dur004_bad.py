"""DUR004 bad: step callables that hand data out by mutation instead of returning it."""

import inngest

client = inngest.Inngest(app_id="examples")
CACHE: dict[str, object] = {}


def remember() -> None:
    global CACHE  # expect: DUR004
    CACHE = {"ready": True}


@client.create_function(fn_id="mutation", trigger=inngest.TriggerEvent(event="app/mutation"))
async def mutation(ctx: inngest.Context) -> int:
    results: list[int] = []
    totals: dict[str, int] = {}
    count = 0

    def tally() -> None:
        nonlocal count  # expect: DUR004
        count += 1
        totals["orders"] = count  # expect: DUR004

    await ctx.step.run("collect", lambda: results.append(1))  # expect: DUR004
    await ctx.step.run("extend", lambda: results.extend([2, 3]))  # expect: DUR004
    await ctx.step.run("update", lambda: totals.update(a=1))  # expect: DUR004
    await ctx.step.run("tally", tally)
    await ctx.step.run("remember", remember)
    await ctx.step.run("cache", lambda: CACHE.setdefault("k", 1))  # expect: DUR004
    return len(results) + count
