"""DUR003: step ids must be stable (literals and loop variables) and unique."""

import pytest

DECORATOR = '@client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))'


@pytest.mark.parametrize(
    "step_id",
    [
        '"charge"',
        'f"item-{i}"',
        '"item-" + i',
        '"item-%s" % i',
        '"item-{}".format(i)',
        '"-".join(["item", i])',
        "f\"item-{item['sku']}\"",
        'f"item-{item.sku}-{i:03d}"',
        "CONSTANT",
        "i",
        "local_id",
    ],
)
def test_stable_ids(findings, step_id):
    source = f"""
    CONSTANT = "fixed"

    {DECORATOR}
    def f(ctx):
        for i, item in enumerate(ctx.event.data["items"]):
            local_id = f"x-{{i}}"
            ctx.step.run({step_id}, print, item)
    """
    assert findings(source, {"DUR003"}) == []


@pytest.mark.parametrize(
    "step_id",
    [
        "str(uuid.uuid4())",
        'ctx.event.data["x"]',
        "f\"order-{ctx.event.data['id']}\"",
        'f"at-{time.time()}"',
        '"fetch-" + name()',
        "ctx.run_id",
        "event_key",
        "param",
        'f"item-{item[key]}"',
        "str(i)",
        "mutable",
    ],
)
def test_unstable_ids(findings, step_id):
    source = f"""
    import time, uuid

    def name():
        return "n"

    {DECORATOR}
    def f(ctx, param="p"):
        event_key = ctx.event.data["k"]
        key = "sku"
        mutable = "a"
        mutable = "b"
        for i, item in enumerate(ctx.event.data["items"]):
            ctx.step.run({step_id}, print, item)
    """
    assert findings(source, {"DUR003"}) == [(16, "DUR003")]


def test_every_step_method_id_is_checked(check):
    check(
        f"""
        import uuid

        {DECORATOR}
        async def f(ctx):
            step = ctx.step
            key = str(uuid.uuid4())  # expect: DUR002
            await step.run(key, print)  # expect: DUR003
            await step.sleep(key, 1000)  # expect: DUR003
            await step.sleep_until(key, None)  # expect: DUR003
            await step.wait_for_event(key, event="x", timeout=1)  # expect: DUR003
            await step.invoke(key, function=f)  # expect: DUR003
            await step.invoke_by_id(key, function_id="g")  # expect: DUR003
            await step.send_event(key, [])  # expect: DUR003
            await step.ai.infer(key, adapter=None, body={{}})  # expect: DUR003
            await step.run(step_id=key, handler=print)  # expect: DUR003
        """
    )


def test_duplicate_literal_ids(check):
    check(
        f"""
        {DECORATOR}
        def f(ctx):
            ctx.step.run("fetch", print)
            ctx.step.sleep("fetch", 1000)  # expect: DUR003
            ctx.step.run("fetch", print)  # expect: DUR003
            ctx.step.run("other", print)
        """
    )


def test_duplicates_in_loops_or_exclusive_branches_are_fine(check):
    check(
        f"""
        {DECORATOR}
        def f(ctx):
            for item in ctx.event.data["items"]:
                ctx.step.run("each", print, item)
            while ctx.step.run("poll", print):
                ctx.step.sleep("poll-wait", 1000)
            if ctx.event.data["a"]:
                ctx.step.run("pay", print)
            elif ctx.event.data["b"]:
                ctx.step.run("pay", print)
            else:
                ctx.step.run("pay", print)
            match ctx.event.name:
                case "x":
                    ctx.step.run("route", print)
                case _:
                    ctx.step.run("route", print)
            ctx.step.run("done", print)
        """
    )


def test_duplicate_after_an_if_is_still_a_duplicate(check):
    check(
        f"""
        {DECORATOR}
        def f(ctx):
            if ctx.event.data["a"]:
                ctx.step.run("pay", print)
            ctx.step.run("pay", print)  # expect: DUR003
        """
    )


def test_ids_are_per_function(check):
    check(
        f"""
        {DECORATOR}
        def f(ctx):
            ctx.step.run("same", print)

        {DECORATOR}
        def g(ctx):
            ctx.step.run("same", print)
        """
    )


def test_parallel_lambdas_capturing_loop_variables(check):
    check(
        f"""
        {DECORATOR}
        async def f(ctx):
            await ctx.group.parallel(
                tuple(lambda i=i: ctx.step.run(f"part-{{i}}", print) for i in range(3))
            )
            await ctx.group.parallel(
                (
                    lambda: ctx.step.run("a", print),
                    lambda: ctx.step.run("a", print),  # expect: DUR003
                )
            )
        """
    )


def test_messages(messages):
    out = messages(
        f"""
        {DECORATOR}
        def f(ctx):
            ctx.step.run(ctx.event.data["id"], print)
            ctx.step.run("x", print)
            ctx.step.run("x", print)
        """
    )
    assert out == [
        "ex.py:6:18: DUR003 step id uses `ctx.event.data['id']`, which can change between "
        "replays; build ids from literals and loop variables",
        "ex.py:8:18: DUR003 step id 'x' is already used at line 7; give each step its own id",
    ]
