"""DUR003 good: literal ids, module constants, and ids built from loop variables."""

import inngest

client = inngest.Inngest(app_id="examples")
CHARGE = "charge"


def work(item: object) -> object:
    return item


@client.create_function(fn_id="ids-ok", trigger=inngest.TriggerEvent(event="app/ids"))
async def ids_ok(ctx: inngest.Context) -> None:
    await ctx.step.run(CHARGE, lambda: 1)
    for index, item in enumerate(ctx.event.data["items"]):
        await ctx.step.run(f"item-{index}", work, item)
        await ctx.step.run(f"item-{item['sku']}-save", work, item)
        step_id = f"notify-{index}"
        await ctx.step.run(step_id, work, item)
        await ctx.step.run("repeat", work, item)  # same id in a loop: counted per iteration
    await ctx.group.parallel(
        tuple(lambda i=i: ctx.step.run(f"part-{i}", work, i) for i in range(3))
    )
    if ctx.event.data.get("vip"):
        await ctx.step.sleep("cool-off", 1000)
    else:
        await ctx.step.sleep("cool-off", 5000)
