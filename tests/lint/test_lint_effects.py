"""DUR002: side effects and non-determinism outside steps."""

import pytest


@pytest.mark.parametrize(
    "call",
    [
        "random.random()",
        "random.randint(1, 2)",
        "uuid.uuid4()",
        "uuid.uuid1()",
        "datetime.datetime.now()",
        "datetime.datetime.utcnow()",
        "datetime.date.today()",
        "time.time()",
        "time.monotonic()",
        "secrets.token_hex()",
        "os.urandom(8)",
        "requests.get('u')",
        "requests.Session()",
        "httpx.post('u')",
        "httpx.Client()",
        "urllib.request.urlopen('u')",
        "socket.socket()",
        "boto3.client('s3')",
        "boto3.resource('dynamodb')",
        "subprocess.run(['x'])",
        "os.remove('p')",
        "os.makedirs('p')",
        "shutil.copy('a', 'b')",
        "tempfile.mkstemp()",
        "open('p', 'w')",
        "open('p', mode='a')",
        "open('p', 'x')",
        "open('p', 'r+')",
        "io.open('p', 'wb')",
        "pathlib.Path('p').write_text('x')",
        "pathlib.Path('p').write_bytes(b'x')",
        "pathlib.Path('p').unlink()",
        "pathlib.Path('p').open('w')",
    ],
)
def test_flagged_in_body(findings, call):
    source = f"""
    import datetime, io, os, pathlib, random, secrets, shutil, socket, subprocess, tempfile
    import time, urllib.request, uuid
    import boto3, httpx, requests

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))
    def f(ctx):
        value = {call}
        return value
    """
    assert findings(source) == [(10, "DUR002")]


@pytest.mark.parametrize(
    "call",
    [
        "random.Random(42)",
        "uuid.uuid5(uuid.NAMESPACE_DNS, 'x')",
        "datetime.timedelta(days=1)",
        "datetime.datetime.fromisoformat('2024-01-01')",
        "open('p')",
        "open('p', 'rb')",
        "httpx.Timeout(5)",
        "shutil.which('git')",
        "json.dumps({})",
        "ctx.logger.info('x')",
        "'a,b'.split(',')",
        "os.environ.get('X')",
    ],
)
def test_pure_calls_are_fine(findings, call):
    source = f"""
    import datetime, json, os, random, shutil, uuid
    import httpx

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))
    def f(ctx):
        return {call}
    """
    assert findings(source) == []


def test_effects_inside_step_callables_are_fine(check):
    check(
        """
        import uuid, requests

        def fetch(url):
            return requests.get(url).json()

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))
        async def f(ctx):
            async def save():
                requests.post("u")
            await ctx.step.run("id", lambda: str(uuid.uuid4()))
            await ctx.step.run("fetch", fetch, "u")
            await ctx.step.run("save", save)
            await ctx.step.run("kw", handler=lambda: requests.get("u"))
        """
    )


def test_step_handler_args_are_evaluated_in_the_body(check):
    check(
        """
        import uuid

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))
        def f(ctx):
            ctx.step.run("save", print, uuid.uuid4())  # expect: DUR002
        """
    )


def test_module_level_clients_used_in_body(check):
    check(
        """
        import boto3, httpx

        s3 = boto3.client("s3")
        table = boto3.resource("dynamodb").Table("t")

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))
        def f(ctx):
            s3.get_object(Bucket="b", Key="k")  # expect: DUR002
            table.put_item(Item={})  # expect: DUR002
            with httpx.Client() as http:  # expect: DUR002
                http.get("u")  # expect: DUR002
            ctx.step.run("ok", lambda: s3.get_object(Bucket="b", Key="k"))
        """
    )


def test_sending_events_with_the_client_outside_a_step(check):
    check(
        """
        other = inngest.Inngest(app_id="other")

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))
        async def f(ctx):
            await client.send(inngest.Event(name="x"))  # expect: DUR002
            other.send_sync(inngest.Event(name="x"))  # expect: DUR002
            await ctx.step.send_event("send", inngest.Event(name="x"))
            await ctx.step.run("in-step", lambda: other.send_sync(inngest.Event(name="x")))
        """
    )


def test_helpers_are_followed_one_level(check):
    check(
        """
        import random, requests

        def deeper():
            return random.random()

        def helper():
            requests.post("u")
            return deeper()

        def safe(step):
            return step.run("inside", lambda: requests.get("u"))

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))
        def f(ctx):
            helper()  # expect: DUR002
            safe(ctx.step)
            ctx.step.run("helper", helper)
        """
    )


def test_nested_defs_that_are_not_steps_are_body_code(check):
    check(
        """
        import uuid

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))
        async def f(ctx):
            async def branch():
                marker = uuid.uuid4()  # expect: DUR002
                return await ctx.step.run(f"b-{marker}", lambda: 1)  # expect: DUR003
            await ctx.group.parallel((branch,))
        """
    )


def test_message_names_the_call_and_the_fix(messages):
    out = messages(
        """
        import uuid

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))
        def f(ctx):
            return uuid.uuid4()
        """
    )
    assert out == [
        "ex.py:8:12: DUR002 `uuid.uuid4()` outside a step returns a different value on every "
        "replay; wrap it in step.run"
    ]
