"""Which defs are checked as Inngest functions, and how `ctx`/`step` are recognised."""


def test_any_client_name_and_inline_client(check):
    check(
        """
        import time
        my_app = inngest.Inngest(app_id="a")

        @my_app.create_function(fn_id="a", trigger=inngest.TriggerEvent(event="e"))
        def a(ctx):
            time.sleep(1)  # expect: DUR001

        @inngest.Inngest(app_id="b").create_function(fn_id="b", trigger=None)
        async def b(ctx):
            time.sleep(1)  # expect: DUR001

        def not_a_function(ctx):
            time.sleep(1)

        @staticmethod
        def decorated_otherwise(ctx):
            time.sleep(1)
        """
    )


def test_on_failure_handler_in_the_same_file_is_checked(check):
    check(
        """
        import time

        def cleanup(ctx):
            time.sleep(1)  # expect: DUR001
            ctx.step.run("x", print)
            ctx.step.run("x", print)  # expect: DUR003

        @client.create_function(
            fn_id="a", trigger=inngest.TriggerEvent(event="e"), on_failure=cleanup
        )
        def a(ctx):
            pass
        """
    )


def test_assignment_form_checks_the_handler(check):
    check(
        """
        import time

        def handler(ctx):
            time.sleep(1)  # expect: DUR001

        fn = client.create_function(fn_id="a", trigger=inngest.TriggerEvent(event="e"))(handler)
        """
    )


def test_context_names_and_step_aliases(check):
    check(
        """
        import uuid

        @client.create_function(fn_id="a", trigger=inngest.TriggerEvent(event="e"))
        def a(context: inngest.ContextSync):
            s = context.step
            s2 = s
            s2.run(str(uuid.uuid4()), print)  # expect: DUR002 DUR003
            context.step.run("fine", lambda: uuid.uuid4())
            s.run("also-fine", lambda: uuid.uuid4())

        @client.create_function(fn_id="b", trigger=inngest.TriggerEvent(event="e"))
        def b(ctx, step):
            step.run("legacy", lambda: uuid.uuid4())
            step.run(ctx.run_id, print)  # expect: DUR003
        """
    )


def test_steps_passed_to_helpers_are_recognised(check):
    check(
        """
        import random

        def charge(s, amount):
            return s.run("charge", lambda: random.random() * amount)

        def with_ctx(c):
            return c.step.run("via-ctx", lambda: random.random())

        def typed(x: inngest.StepSync):
            return x.run("typed", lambda: random.random())

        @client.create_function(fn_id="a", trigger=inngest.TriggerEvent(event="e"))
        def a(ctx):
            charge(ctx.step, 3)
            with_ctx(ctx)
            typed(ctx.step)
        """
    )


def test_nested_functions_and_methods_not_decorated_are_ignored(check):
    check(
        """
        import time

        class Worker:
            def run(self):
                time.sleep(1)

        def factory():
            @client.create_function(fn_id="inner", trigger=inngest.TriggerEvent(event="e"))
            def inner(ctx):
                time.sleep(1)  # expect: DUR001
            return inner
        """
    )
