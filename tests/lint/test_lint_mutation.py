"""DUR004: data must leave a step by `return`, not by mutating outer variables."""

DECORATOR = '@client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))'


def test_lambda_mutations(check):
    check(
        f"""
        SEEN = set()

        {DECORATOR}
        def f(ctx):
            out, index = [], {{}}
            ctx.step.run("a", lambda: out.append(1))  # expect: DUR004
            ctx.step.run("b", lambda: out.extend([1]))  # expect: DUR004
            ctx.step.run("c", lambda: index.update(a=1))  # expect: DUR004
            ctx.step.run("d", lambda: index.__setitem__("k", 1))  # expect: DUR004
            ctx.step.run("e", lambda: SEEN.add(1))  # expect: DUR004
            ctx.step.run("f", lambda: ctx.event.data.pop("k"))  # expect: DUR004
            ctx.step.run("g", lambda: (total := 5))  # expect: DUR004
            ctx.step.run("h", lambda: [x for x in out])
            ctx.step.run("i", lambda acc=[]: acc.append(1))
        """
    )


def test_nested_def_mutations(check):
    check(
        f"""
        {DECORATOR}
        def f(ctx):
            total = 0
            rows = []
            index = {{}}

            def work():
                nonlocal total  # expect: DUR004
                total = 1
                rows.append(1)  # expect: DUR004
                index["k"] = 1  # expect: DUR004
                index["n"] += 1  # expect: DUR004
                del index["k"]  # expect: DUR004
                ctx.state = 1  # expect: DUR004
                mine = []
                mine.append(1)
                local = {{}}
                local["a"] = 1
                return mine

            ctx.step.run("work", work)
            return total, rows
        """
    )


def test_module_level_step_callable(check):
    check(
        f"""
        COUNTER = 0
        RESULTS = []

        def work():
            global COUNTER  # expect: DUR004
            COUNTER += 1
            RESULTS.append(COUNTER)  # expect: DUR004
            return COUNTER

        {DECORATOR}
        def f(ctx):
            return ctx.step.run("work", work)
        """
    )


def test_body_may_mutate_its_own_variables(check):
    check(
        f"""
        {DECORATOR}
        def f(ctx):
            rows = []
            rows.append(ctx.step.run("a", lambda: 1))
            rows.extend(ctx.step.run("b", lambda: [2]))
            return rows
        """
    )


def test_partial_callables_are_checked(check):
    check(
        f"""
        import functools

        BUCKET = []

        def put(value):
            BUCKET.append(value)  # expect: DUR004

        {DECORATOR}
        def f(ctx):
            ctx.step.run("put", functools.partial(put, 1))
        """
    )


def test_message(messages):
    out = messages(
        f"""
        {DECORATOR}
        def f(ctx):
            rows = []
            ctx.step.run("a", lambda: rows.append(1))
        """
    )
    assert out == [
        "ex.py:7:31: DUR004 step mutates outer `rows` with .append(); "
        "return the value from the step instead"
    ]
