"""Functions for tests/e2e/test_parity.py: the places where Inngest's executor has exact semantics
(request counts, op order, errors that must not be retried), written as a user would.

`REQUESTS` counts how often each run's function body was entered, i.e. SDK requests per run.
"""

from __future__ import annotations

import asyncio
import collections
import datetime

import inngest

client = inngest.Inngest(app_id="parity")
REQUESTS: collections.Counter[str] = collections.Counter()
CALLS: collections.Counter[str] = collections.Counter()
ORDER: collections.defaultdict[str, list[str]] = collections.defaultdict(list)
FAILURES: dict[str, dict] = {}  # run id -> the error of its inngest/function.failed event
_SIGNALS: dict[str, asyncio.Event] = {}


def _signal(key: str) -> asyncio.Event:
    return _SIGNALS.setdefault(key, asyncio.Event())


@client.create_function(fn_id="quick-child", trigger=inngest.TriggerEvent(event="parity/never"))
def quick_child(ctx: inngest.ContextSync) -> str:
    return "done"


@client.create_function(
    fn_id="parallel-then-step", trigger=inngest.TriggerEvent(event="parity/parallel"), retries=0
)
def parallel_then_step(ctx: inngest.ContextSync) -> dict:
    REQUESTS[ctx.run_id] += 1
    out = ctx.group.parallel(
        (
            lambda: ctx.step.invoke("invoke", function=quick_child),
            lambda: ctx.step.run("1a", lambda: 1),
            lambda: ctx.step.run("1b", lambda: 2),
            lambda: ctx.step.send_event("send", events=inngest.Event(name="parity/noop")),
        )
    )
    after = ctx.step.run("after", lambda: CALLS.update([f"after:{ctx.run_id}"]) or "after")
    return {"group": [out[0], out[1], out[2], len(out[3])], "after": after}


@client.create_function(fn_id="race", trigger=inngest.TriggerEvent(event="parity/race"), retries=0)
async def race(ctx: inngest.Context) -> list[str]:
    REQUESTS[ctx.run_id] += 1
    order = ORDER[ctx.run_id]

    async def record(name: str) -> str:
        order.append(name)
        if name == "a.2":
            _signal(ctx.run_id).set()
        return name

    async def slow_first() -> str:
        # Race mode lets the fast branch finish both its steps while this one runs; without
        # it, a.2 would only be planned after this step ends, and the wait would time out.
        try:
            await asyncio.wait_for(_signal(ctx.run_id).wait(), timeout=10)
        except TimeoutError:
            order.append("b.1 gave up waiting for a.2")
        return await record("b.1")

    async def fast() -> None:
        await ctx.step.run("a.1", lambda: record("a.1"))
        await ctx.step.run("a.2", lambda: record("a.2"))

    async def slow() -> None:
        await ctx.step.run("b.1", slow_first)
        await ctx.step.run("b.2", lambda: record("b.2"))

    await ctx.group.parallel((fast, slow), parallel_mode=inngest.ParallelMode.RACE)
    return list(order)


@client.create_function(
    fn_id="nested-steps", trigger=inngest.TriggerEvent(event="parity/nested"), retries=5
)
def nested_steps(ctx: inngest.ContextSync) -> None:
    def outer() -> None:
        CALLS[f"outer:{ctx.run_id}"] += 1
        try:
            ctx.step.run("inner", lambda: CALLS.update([f"inner:{ctx.run_id}"]))
        except Exception:
            CALLS[f"caught:{ctx.run_id}"] += 1

    ctx.step.run("outer", outer)
    CALLS[f"after:{ctx.run_id}"] += 1


def _refuse(key: str) -> None:
    CALLS[key] += 1
    raise inngest.NonRetriableError("card declined")


@client.create_function(
    fn_id="non-retriable-in-function",
    trigger=inngest.TriggerEvent(event="parity/nonretry-fn"),
    retries=5,
)
def non_retriable_in_function(ctx: inngest.ContextSync) -> None:
    _refuse(f"nonretry-fn:{ctx.run_id}")


@client.create_function(fn_id="slow-child", trigger=inngest.TriggerEvent(event="parity/never"))
async def slow_child(ctx: inngest.Context) -> str:
    await ctx.step.sleep("nap", datetime.timedelta(seconds=30))
    return "late"


@client.create_function(
    fn_id="invoke-timeout", trigger=inngest.TriggerEvent(event="parity/invoke-timeout")
)
async def invoke_timeout(ctx: inngest.Context) -> dict:
    try:
        await ctx.step.invoke("call", function=slow_child, timeout=datetime.timedelta(seconds=1))
    except inngest.StepError as err:
        return {"name": err.name, "message": err.message, "stack": err.stack}
    return {}


class PaymentError(Exception):
    pass


def _record_failure(ctx: inngest.ContextSync) -> None:
    FAILURES[ctx.event.data["run_id"]] = ctx.event.data["error"]


@client.create_function(
    fn_id="fails",
    trigger=inngest.TriggerEvent(event="parity/fails"),
    retries=0,
    on_failure=_record_failure,
)
def fails(ctx: inngest.ContextSync) -> None:
    raise PaymentError("card declined")


@client.create_function(
    fn_id="failure-watcher",
    trigger=inngest.TriggerEvent(
        event="inngest/function.failed", expression="event.data.function_id == 'proxy-down'"
    ),
)
def failure_watcher(ctx: inngest.ContextSync) -> None:
    FAILURES[ctx.event.data["run_id"]] = ctx.event.data["error"]


TIMES: collections.defaultdict[str, list[float]] = collections.defaultdict(list)


def _retry_after_once(key: str) -> str:
    import time

    TIMES[key].append(time.time())
    if len(TIMES[key]) == 1:
        raise inngest.RetryAfterError("slow down", datetime.timedelta(seconds=1))
    return "ok"


@client.create_function(
    fn_id="retry-after-1s", trigger=inngest.TriggerEvent(event="parity/retry-after"), retries=2
)
def retry_after_1s(ctx: inngest.ContextSync) -> str:
    _retry_after_once(f"fn:{ctx.run_id}")
    return ctx.step.run("step", lambda: _retry_after_once(f"step:{ctx.run_id}"))


HANGING: set[str] = set()  # runs whose step is hanging right now


@client.create_function(fn_id="hangs", trigger=inngest.TriggerEvent(event="parity/hang"), retries=1)
async def hangs(ctx: inngest.Context) -> str:
    async def stuck_once() -> str:
        CALLS[f"hang:{ctx.run_id}"] += 1
        if CALLS[f"hang:{ctx.run_id}"] == 1:
            HANGING.add(ctx.run_id)
            try:
                await asyncio.sleep(120)  # an app that never answers
            finally:
                HANGING.discard(ctx.run_id)
        return "recovered"

    return await ctx.step.run("call-app", stuck_once)


@client.create_function(fn_id="quick", trigger=inngest.TriggerEvent(event="parity/quick"))
def quick(ctx: inngest.ContextSync) -> bool:
    return bool(HANGING)  # whether a hung request was in flight while this run went through


@client.create_function(fn_id="order", trigger=inngest.TriggerEvent(event="parity/order"))
def order(ctx: inngest.ContextSync) -> object:
    approval = ctx.step.wait_for_event(
        "approval",
        event="parity/approve",
        if_exp="async.data.orderId == event.data.orderId",
        timeout=datetime.timedelta(minutes=5),
    )
    return None if approval is None else approval.data


@client.create_function(fn_id="two-approvals", trigger=inngest.TriggerEvent(event="parity/two"))
def two_approvals(ctx: inngest.ContextSync) -> list:
    ctx.step.run("prepare", lambda: "ready")
    first = ctx.step.wait_for_event(
        "first", event="parity/sign", timeout=datetime.timedelta(minutes=5)
    )
    second = ctx.step.wait_for_event(
        "second", event="parity/sign", timeout=datetime.timedelta(minutes=1)
    )
    return [None if e is None else e.data["who"] for e in (first, second)]


MODEL_URL: dict[str, str] = {}  # set by the test to its loopback model server


@client.create_function(fn_id="ask-model", trigger=inngest.TriggerEvent(event="parity/ask"))
def ask_model(ctx: inngest.ContextSync) -> object:
    from inngest.experimental.ai import anthropic

    adapter = anthropic.Adapter(
        auth_key="sk-test-key",
        base_url=MODEL_URL["url"],
        headers={"x-my-header": "mine"},
        model="m",
    )
    try:
        answer = ctx.step.ai.infer(
            "ask",
            adapter=adapter,
            body={"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]},
        )
    except inngest.StepError as err:
        return {"error": err.name, "message": err.message}
    return {"answer": answer}


@client.create_function(
    fn_id="parallel-one-fails", trigger=inngest.TriggerEvent(event="parity/parallel-fail")
)
async def parallel_one_fails(ctx: inngest.Context) -> tuple:
    async def busy() -> str:
        CALLS[f"busy:{ctx.run_id}"] += 1
        await asyncio.sleep(1)  # still running when its sibling fails the request
        return "busy"

    async def fails_once() -> str:
        CALLS[f"fails:{ctx.run_id}"] += 1
        if CALLS[f"fails:{ctx.run_id}"] == 1:
            raise inngest.RetryAfterError("later", datetime.timedelta(seconds=1))
        return "fine"

    return await ctx.group.parallel(
        (lambda: ctx.step.run("fails", fails_once), lambda: ctx.step.run("busy", busy))
    )


functions = [
    quick_child,
    parallel_then_step,
    race,
    nested_steps,
    non_retriable_in_function,
    slow_child,
    invoke_timeout,
    fails,
    failure_watcher,
    retry_after_1s,
    hangs,
    quick,
    order,
    two_approvals,
    ask_model,
    parallel_one_fails,
]
