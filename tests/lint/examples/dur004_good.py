"""DUR004 good: step callables return their data; locals may be mutated freely."""

import inngest

client = inngest.Inngest(app_id="examples")


def build() -> list[int]:
    items: list[int] = []
    items.append(1)
    lookup: dict[str, int] = {}
    lookup["a"] = 1
    return items


@client.create_function(fn_id="mutation-ok", trigger=inngest.TriggerEvent(event="app/mutation"))
async def mutation_ok(ctx: inngest.Context) -> int:
    results: list[int] = []
    results.extend(await ctx.step.run("build", build))  # body code owns `results`

    def tally() -> int:
        count = 0
        count += len(ctx.event.data)
        return count

    total = await ctx.step.run("tally", tally)
    doubled = await ctx.step.run("double", lambda: [x * 2 for x in results])
    return total + len(doubled)
