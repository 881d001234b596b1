"""The functions the op tests drive (`pytest.mark.durable(functions=...)`): one or two per op."""

from __future__ import annotations

import collections
import datetime

import inngest

client = inngest.Inngest(app_id="engine-ops")
CALLS: collections.Counter[str] = collections.Counter()
MODEL_URL: dict[str, str] = {}  # set by the AI test to its loopback model server
HOUR = datetime.timedelta(hours=1)


# --- step.run -------------------------------------------------------------------------------
@client.create_function(fn_id="add-one", trigger=inngest.TriggerEvent(event="ops/add"))
def add_one(ctx: inngest.ContextSync) -> int:
    return ctx.step.run("add", lambda: int(ctx.event.data["a"]) + 1)


@client.create_function(
    fn_id="fails-for-good", trigger=inngest.TriggerEvent(event="ops/fail"), retries=0
)
def fails_for_good(ctx: inngest.ContextSync) -> None:
    def boom() -> None:
        raise ValueError("card declined")

    ctx.step.run("boom", boom)


@client.create_function(fn_id="fan-out", trigger=inngest.TriggerEvent(event="ops/fan"))
def fan_out(ctx: inngest.ContextSync) -> tuple[object, ...]:
    return ctx.group.parallel(
        (lambda: ctx.step.run("left", lambda: "L"), lambda: ctx.step.run("right", lambda: "R"))
    )


# --- retries ----------------------------------------------------------------------------------
@client.create_function(fn_id="flaky", trigger=inngest.TriggerEvent(event="ops/flaky"), retries=3)
def flaky(ctx: inngest.ContextSync) -> str:
    def attempt() -> str:
        CALLS[f"flaky:{ctx.run_id}"] += 1
        if CALLS[f"flaky:{ctx.run_id}"] <= 2:
            raise RuntimeError(f"transient failure {CALLS[f'flaky:{ctx.run_id}']}")
        return "ok"

    return ctx.step.run("flaky-step", attempt)


# --- sleeps -------------------------------------------------------------------------------------
@client.create_function(fn_id="two-naps", trigger=inngest.TriggerEvent(event="ops/naps"))
def two_naps(ctx: inngest.ContextSync) -> str:
    ctx.step.run("before", lambda: "awake")
    ctx.step.sleep("nap-1", HOUR)
    ctx.step.sleep("nap-2", HOUR)
    return "rested"


# --- waits --------------------------------------------------------------------------------------
@client.create_function(fn_id="waiter", trigger=inngest.TriggerEvent(event="ops/wait"))
def waiter(ctx: inngest.ContextSync) -> object:
    paid = ctx.step.wait_for_event(
        "payment", event="ops/paid", if_exp="event.data.k == async.data.k", timeout=HOUR
    )
    return None if paid is None else paid.data["amount"]


@client.create_function(fn_id="waits-twice", trigger=inngest.TriggerEvent(event="ops/wait2"))
def waits_twice(ctx: inngest.ContextSync) -> list[object]:
    first = ctx.step.wait_for_event("first", event="ops/ping", timeout=HOUR)
    second = ctx.step.wait_for_event("second", event="ops/ping", timeout=HOUR)
    return [None if e is None else e.data["n"] for e in (first, second)]


@client.create_function(fn_id="bad-wait", trigger=inngest.TriggerEvent(event="ops/bad-wait"))
def bad_wait(ctx: inngest.ContextSync) -> None:
    ctx.step.wait_for_event("broken", event="ops/paid", if_exp="event.data.k ==", timeout=HOUR)


# --- invokes ------------------------------------------------------------------------------------
@client.create_function(fn_id="double", trigger=inngest.TriggerEvent(event="ops/never-sent"))
def double(ctx: inngest.ContextSync) -> dict[str, int]:
    return {"doubled": int(ctx.event.data["n"]) * 2}


@client.create_function(fn_id="slow-child", trigger=inngest.TriggerEvent(event="ops/never-sent-2"))
def slow_child(ctx: inngest.ContextSync) -> str:
    ctx.step.sleep("dawdle", HOUR)
    return "late"


@client.create_function(fn_id="caller", trigger=inngest.TriggerEvent(event="ops/call"))
def caller(ctx: inngest.ContextSync) -> object:
    return ctx.step.invoke("call-double", function=double, data={"n": ctx.event.data["n"]})


@client.create_function(fn_id="impatient", trigger=inngest.TriggerEvent(event="ops/impatient"))
def impatient(ctx: inngest.ContextSync) -> object:
    try:
        return ctx.step.invoke(
            "call-slow", function=slow_child, timeout=datetime.timedelta(minutes=1)
        )
    except inngest.StepError as err:
        return {"error": err.name, "message": err.message}


@client.create_function(fn_id="calls-nobody", trigger=inngest.TriggerEvent(event="ops/nobody"))
def calls_nobody(ctx: inngest.ContextSync) -> object:
    try:
        return ctx.step.invoke_by_id("call-none", function_id="not-registered")
    except inngest.StepError as err:
        return {"error": err.name, "message": err.message}


# --- step.ai.infer ------------------------------------------------------------------------------
@client.create_function(fn_id="ask-model", trigger=inngest.TriggerEvent(event="ops/ask"), retries=1)
def ask_model(ctx: inngest.ContextSync) -> object:
    from inngest.experimental.ai import openai

    adapter = openai.Adapter(
        auth_key="sk-test", base_url=MODEL_URL["url"], headers={"x-trace-id": "t1"}, model="m"
    )
    try:
        return ctx.step.ai.infer("ask", adapter=adapter, body={"model": "m", "messages": []})
    except inngest.StepError as err:
        return {"error": err.name, "message": err.message}


functions = [
    add_one,
    fails_for_good,
    fan_out,
    flaky,
    two_naps,
    waiter,
    waits_twice,
    bad_wait,
    double,
    slow_child,
    caller,
    impatient,
    calls_nobody,
    ask_model,
]
