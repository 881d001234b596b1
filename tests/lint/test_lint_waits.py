"""DUR001: blocking waits outside steps."""


def test_sleeps_in_body_are_flagged(check):
    check(
        """
        import asyncio, time
        from time import sleep as nap

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))
        async def f(ctx):
            time.sleep(1)  # expect: DUR001
            nap(1)  # expect: DUR001
            await asyncio.sleep(1)  # expect: DUR001
        """
    )


def test_timers_are_flagged(check):
    check(
        """
        import asyncio, sched, signal, threading, time

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))
        def f(ctx):
            threading.Timer(1, print)  # expect: DUR001
            sched.scheduler(time.monotonic, time.sleep)  # expect: DUR001
            signal.alarm(3)  # expect: DUR001
            asyncio.get_event_loop().call_later(1, print)  # expect: DUR001
        """
    )


def test_sleeps_inside_steps_are_allowed(check):
    check(
        """
        import time

        def poll():
            time.sleep(1)
            return 1

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))
        def f(ctx):
            def inner():
                time.sleep(2)
            ctx.step.run("a", lambda: time.sleep(1))
            ctx.step.run("b", poll)
            ctx.step.run("c", inner)
            ctx.step.sleep("d", 1000)
        """
    )


def test_sleep_in_a_helper_is_reported_at_the_call_site(messages):
    out = messages(
        """
        import time

        def wait():
            time.sleep(1)

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))
        def f(ctx):
            wait()
        """
    )
    assert out == [
        "ex.py:11:5: DUR001 `time.sleep()` blocks outside a step (in helper `wait`, line 7); "
        "use step.sleep(id, duration)"
    ]


def test_sleep_outside_inngest_functions_is_ignored(check):
    check(
        """
        import time

        def plain():
            time.sleep(1)
        """
    )
