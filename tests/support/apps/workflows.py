"""Functions written with the official SDK, as a user would, for the end-to-end tests.

Side-effect counters live in `CALLS` so tests can check how often a step body really ran.
"""

from __future__ import annotations

import collections
import datetime
import threading

import inngest

client = inngest.Inngest(app_id="e2e")
CALLS: collections.Counter[str] = collections.Counter()


def _count(key: str) -> int:
    CALLS[key] += 1
    return CALLS[key]


@client.create_function(fn_id="three-steps", trigger=inngest.TriggerEvent(event="e2e/three"))
def three_steps(ctx: inngest.ContextSync) -> dict:
    n = ctx.event.data["n"]
    a = ctx.step.run("add-one", lambda: _count(f"three:{ctx.run_id}:a") and n + 1)
    b = ctx.step.run("double", lambda: _count(f"three:{ctx.run_id}:b") and a * 2)
    c = ctx.step.run("describe", lambda: _count(f"three:{ctx.run_id}:c") and f"{n}->{a}->{b}")
    return {"a": a, "b": b, "c": c}


@client.create_function(fn_id="many-steps", trigger=inngest.TriggerEvent(event="e2e/many"))
def many_steps(ctx: inngest.ContextSync) -> int:
    total = 0
    for i in range(ctx.event.data.get("steps", 10)):
        total = ctx.step.run(f"step-{i}", lambda t=total, i=i: t + i)
    return total


@client.create_function(fn_id="sleeper", trigger=inngest.TriggerEvent(event="e2e/sleep"))
async def sleeper(ctx: inngest.Context) -> dict:
    before = await ctx.step.run("before", lambda: "before")
    await ctx.step.sleep("nap", datetime.timedelta(seconds=ctx.event.data.get("seconds", 2)))
    after = await ctx.step.run("after", lambda: "after")
    return {"before": before, "after": after}


@client.create_function(fn_id="many-sleeps", trigger=inngest.TriggerEvent(event="e2e/sleeps"))
def many_sleeps(ctx: inngest.ContextSync) -> int:
    for i in range(ctx.event.data.get("sleeps", 3)):
        ctx.step.sleep(f"nap-{i}", datetime.timedelta(seconds=1))
    return ctx.event.data.get("sleeps", 3)


def _flaky(key: str, failures: int) -> str:
    if _count(key) <= failures:
        raise RuntimeError(f"transient failure {CALLS[key]}")
    return f"ok after {CALLS[key]} attempts"


@client.create_function(fn_id="flaky", trigger=inngest.TriggerEvent(event="e2e/flaky"))
def flaky(ctx: inngest.ContextSync) -> str:
    return ctx.step.run("flaky-step", lambda: _flaky(f"flaky:{ctx.run_id}", 2))


def _refuse() -> None:
    raise inngest.NonRetriableError("card declined")


@client.create_function(fn_id="non-retriable", trigger=inngest.TriggerEvent(event="e2e/nonretry"))
def non_retriable(ctx: inngest.ContextSync) -> None:
    _count(f"nonretry:{ctx.run_id}")
    ctx.step.run("charge", _refuse)


def _retry_after(key: str) -> str:
    if _count(key) == 1:
        raise inngest.RetryAfterError("rate limited", datetime.timedelta(seconds=3))
    return "done"


@client.create_function(fn_id="retry-after", trigger=inngest.TriggerEvent(event="e2e/retryafter"))
def retry_after(ctx: inngest.ContextSync) -> str:
    return ctx.step.run("call-api", lambda: _retry_after(f"retryafter:{ctx.run_id}"))


def _handle_failure(ctx: inngest.ContextSync) -> dict:
    return {
        "failed_function": ctx.event.data["function_id"],
        "error": ctx.event.data["error"]["message"],
        "original": ctx.event.data["event"]["data"],
    }


def _boom() -> None:
    raise ValueError("boom in step")


@client.create_function(
    fn_id="doomed",
    trigger=inngest.TriggerEvent(event="e2e/doomed"),
    retries=0,
    on_failure=_handle_failure,
)
def doomed(ctx: inngest.ContextSync) -> None:
    ctx.step.run("explode", _boom)


@client.create_function(fn_id="fan-out", trigger=inngest.TriggerEvent(event="e2e/parallel"))
def fan_out(ctx: inngest.ContextSync) -> dict:
    results = ctx.group.parallel(
        tuple(
            (
                lambda i=i: ctx.step.run(
                    f"branch-{i}", lambda: _count(f"par:{ctx.run_id}:{i}") and i * 10
                )
            )
            for i in range(3)
        )
    )
    total = ctx.step.run("sum", lambda: sum(results))
    return {"results": list(results), "total": total}


@client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="e2e/child"))
def child(ctx: inngest.ContextSync) -> dict:
    doubled = ctx.step.run("double", lambda: ctx.event.data["value"] * 2)
    if ctx.event.data.get("fail"):
        raise inngest.NonRetriableError("child refused")
    return {"doubled": doubled}


@client.create_function(fn_id="parent", trigger=inngest.TriggerEvent(event="e2e/parent"))
def parent(ctx: inngest.ContextSync) -> dict:
    try:
        result = ctx.step.invoke(
            "call-child",
            function=child,
            data={"value": ctx.event.data["value"], "fail": ctx.event.data.get("fail", False)},
        )
    except inngest.StepError as err:
        return {"child_error": err.message}
    return {"from_child": result}


@client.create_function(fn_id="announcer", trigger=inngest.TriggerEvent(event="e2e/announce"))
def announcer(ctx: inngest.ContextSync) -> list[str]:
    return ctx.step.send_event(
        "announce",
        inngest.Event(name="e2e/announced", data={"tag": ctx.event.data["tag"]}),
    )


@client.create_function(fn_id="listener", trigger=inngest.TriggerEvent(event="e2e/announced"))
def listener(ctx: inngest.ContextSync) -> str:
    return f"heard {ctx.event.data['tag']}"


@client.create_function(fn_id="crashes", trigger=inngest.TriggerEvent(event="e2e/crash"), retries=1)
def crashes(ctx: inngest.ContextSync) -> None:
    _count(f"crash:{ctx.run_id}")
    raise KeyError("no such thing")


@client.create_function(fn_id="big-output", trigger=inngest.TriggerEvent(event="e2e/big"))
def big_output(ctx: inngest.ContextSync) -> dict:
    blob = ctx.step.run("make-blob", lambda: "x" * ctx.event.data["size"])
    checked = ctx.step.run("measure", lambda: {"length": len(blob), "tail": blob[-5:]})
    return checked


@client.create_function(fn_id="big-steps", trigger=inngest.TriggerEvent(event="e2e/big-steps"))
def big_steps(ctx: inngest.ContextSync) -> str:
    """Step outputs that add up past Lambda's 6 MB response limit."""
    for i in range(ctx.event.data["steps"]):
        ctx.step.run(f"blob-{i}", lambda i=i: str(i) * ctx.event.data["size"])
    return "r" * ctx.event.data.get("return_size", 1)


@client.create_function(fn_id="waits", trigger=inngest.TriggerEvent(event="e2e/wait"))
def waits(ctx: inngest.ContextSync) -> object:
    paid = ctx.step.wait_for_event(
        "wait-payment",
        event="e2e/paid",
        if_exp="event.data.order == async.data.order",
        timeout=datetime.timedelta(seconds=ctx.event.data.get("timeout", 60)),
    )
    return {"paid": None if paid is None else paid.data}


@client.create_function(fn_id="sleep-then-wait", trigger=inngest.TriggerEvent(event="e2e/sw"))
async def sleep_then_wait(ctx: inngest.Context) -> object:
    await ctx.step.sleep("first", datetime.timedelta(seconds=1))
    got = await ctx.step.wait_for_event(
        "then-wait",
        event="e2e/approved",
        if_exp="async.data.ticket == event.data.ticket && async.data.ok == true",
        timeout=datetime.timedelta(seconds=30),
    )
    return got.data if got else None


@client.create_function(fn_id="bad-wait", trigger=inngest.TriggerEvent(event="e2e/badwait"))
def bad_wait(ctx: inngest.ContextSync) -> object:
    return ctx.step.wait_for_event(
        "broken", event="e2e/x", if_exp="async.data.x ===", timeout=datetime.timedelta(seconds=5)
    )


@client.create_function(
    fn_id="cancellable",
    trigger=inngest.TriggerEvent(event="e2e/cancellable"),
    cancel=[inngest.Cancel(event="e2e/cancel", if_exp="event.data.id == async.data.id")],
)
def cancellable(ctx: inngest.ContextSync) -> str:
    rid = ctx.run_id
    ctx.step.run("slow-step", lambda: _slow(f"cancel:{rid}:slow", ctx.event.data.get("slow", 0)))
    ctx.step.sleep("nap", datetime.timedelta(seconds=ctx.event.data.get("nap", 0) or 1))
    if ctx.event.data.get("wait"):
        ctx.step.wait_for_event("wait", event="e2e/never", timeout=datetime.timedelta(minutes=5))
    ctx.step.run("after", lambda: _count(f"cancel:{rid}:after"))
    return "finished"


@client.create_function(fn_id="slow-stepless", trigger=inngest.TriggerEvent(event="e2e/stepless"))
def slow_stepless(ctx: inngest.ContextSync) -> str:
    _slow(f"stepless:{ctx.run_id}", ctx.event.data.get("slow", 0))  # no steps at all
    return "finished"


def _slow(key: str, seconds: float) -> int:
    import time

    time.sleep(seconds)  # inside a step: allowed, and never interrupted by a cancel
    return _count(key)


@client.create_function(
    fn_id="big-spender",
    trigger=inngest.TriggerEvent(event="e2e/purchase", expression="event.data.amount > 100"),
)
def big_spender(ctx: inngest.ContextSync) -> str:
    return f"vip {ctx.event.data['amount']}"


@client.create_function(fn_id="wildcard", trigger=inngest.TriggerEvent(event="e2e/wild/*"))
def wildcard(ctx: inngest.ContextSync) -> str:
    return ctx.event.name


@client.create_function(
    fn_id="divides",
    trigger=inngest.TriggerEvent(event="e2e/divide", expression="10 / event.data.by > 1"),
)
def divides(ctx: inngest.ContextSync) -> str:
    return "divided"


functions = [
    three_steps,
    many_steps,
    sleeper,
    many_sleeps,
    flaky,
    non_retriable,
    retry_after,
    doomed,
    fan_out,
    child,
    parent,
    announcer,
    listener,
    crashes,
    big_output,
    big_steps,
    waits,
    sleep_then_wait,
    bad_wait,
    cancellable,
    slow_stepless,
    big_spender,
    wildcard,
    divides,
]


# --- flow control (tests/e2e/test_flow_*.py) ---------------------------------------------------
# Step bodies record (label, start, end) per test tag here, so tests can check what overlapped.
FLOW_LOG: collections.defaultdict[str, list[tuple[str, float, float]]] = collections.defaultdict(
    list
)


# A step given `gate` holds until the test sets GATES[gate] (at most a minute): a test that needs a
# slot held until it has queued more work waits on that condition, not on a guessed duration.
GATES: dict[str, threading.Event] = {}


def _hold(tag: str, label: str, seconds: float, gate: str | None = None) -> str:
    import time

    start = time.time()
    if gate is not None:
        GATES.setdefault(gate, threading.Event()).wait(60)
    else:
        time.sleep(seconds)
    FLOW_LOG[tag].append((label, start, time.time()))
    return label


@client.create_function(
    fn_id="flow-concurrency",
    trigger=inngest.TriggerEvent(event="flow/conc"),
    concurrency=[inngest.Concurrency(limit=1, key="event.data.tenant")],
)
def flow_concurrency(ctx: inngest.ContextSync) -> str:
    data = ctx.event.data
    return ctx.step.run("work", lambda: _hold(data["tag"], data["name"], data.get("hold", 0.3)))


@client.create_function(
    fn_id="flow-concurrency-sleeps",
    trigger=inngest.TriggerEvent(event="flow/conc-sleep"),
    concurrency=[inngest.Concurrency(limit=1)],
)
def flow_concurrency_sleeps(ctx: inngest.ContextSync) -> str:
    data = ctx.event.data
    ctx.step.run("before", lambda: _hold(data["tag"], f"{data['name']}:before", 0.2))
    ctx.step.sleep("nap", datetime.timedelta(seconds=data.get("nap", 2)))
    return ctx.step.run("after", lambda: _hold(data["tag"], f"{data['name']}:after", 0.2))


@client.create_function(
    fn_id="flow-priority",
    trigger=inngest.TriggerEvent(event="flow/priority"),
    concurrency=[inngest.Concurrency(limit=1)],
    priority=inngest.Priority(run="event.data.plan == 'enterprise' ? 100 : 0"),
)
def flow_priority(ctx: inngest.ContextSync) -> str:
    data = ctx.event.data
    return ctx.step.run(
        "work", lambda: _hold(data["tag"], data["name"], data.get("hold", 0.2), data.get("gate"))
    )


@client.create_function(
    fn_id="flow-throttle",
    trigger=inngest.TriggerEvent(event="flow/throttle"),
    throttle=inngest.Throttle(limit=1, period=datetime.timedelta(seconds=2), key="event.data.k"),
)
def flow_throttle(ctx: inngest.ContextSync) -> str:
    data = ctx.event.data
    return ctx.step.run("work", lambda: _hold(data["tag"], data["name"], 0))


@client.create_function(
    fn_id="flow-rate-limit",
    trigger=inngest.TriggerEvent(event="flow/rate"),
    rate_limit=inngest.RateLimit(limit=1, period=datetime.timedelta(seconds=3), key="event.data.k"),
)
def flow_rate_limit(ctx: inngest.ContextSync) -> str:
    return f"ran {ctx.event.data['name']}"


@client.create_function(
    fn_id="flow-debounce",
    trigger=inngest.TriggerEvent(event="flow/debounce"),
    debounce=inngest.Debounce(
        period=datetime.timedelta(seconds=2),
        key="event.data.k",
        timeout=datetime.timedelta(seconds=4),
    ),
)
def flow_debounce(ctx: inngest.ContextSync) -> dict:
    return {"n": ctx.event.data["n"], "events": len(ctx.events)}


@client.create_function(
    fn_id="flow-batch",
    trigger=inngest.TriggerEvent(event="flow/batch"),
    batch_events=inngest.Batch(
        max_size=3, timeout=datetime.timedelta(seconds=2), key="event.data.k"
    ),
)
def flow_batch(ctx: inngest.ContextSync) -> list:
    return ctx.step.run("collect", lambda: [e.data["n"] for e in ctx.events])


@client.create_function(
    fn_id="flow-idempotency",
    trigger=inngest.TriggerEvent(event="flow/order"),
    idempotency="event.data.orderId",
)
def flow_idempotency(ctx: inngest.ContextSync) -> str:
    return f"charged {ctx.event.data['orderId']} ({ctx.event.data.get('n')})"


@client.create_function(
    fn_id="flow-singleton-skip",
    trigger=inngest.TriggerEvent(event="flow/single-skip"),
    singleton=inngest.Singleton(mode="skip", key="event.data.k"),
)
def flow_singleton_skip(ctx: inngest.ContextSync) -> str:
    data = ctx.event.data
    return ctx.step.run("sync", lambda: _hold(data["tag"], data["name"], data.get("hold", 1)))


@client.create_function(
    fn_id="flow-singleton-cancel",
    trigger=inngest.TriggerEvent(event="flow/single-cancel"),
    singleton=inngest.Singleton(mode="cancel", key="event.data.k"),
)
def flow_singleton_cancel(ctx: inngest.ContextSync) -> str:
    ctx.step.run("first", lambda: ctx.event.data["name"])
    ctx.step.sleep("nap", datetime.timedelta(seconds=ctx.event.data.get("nap", 2)))
    return ctx.step.run("last", lambda: f"done {ctx.event.data['name']}")


@client.create_function(
    fn_id="flow-timeout-start",
    trigger=inngest.TriggerEvent(event="flow/timeout-start"),
    throttle=inngest.Throttle(limit=1, period=datetime.timedelta(seconds=3), key="event.data.k"),
    timeouts=inngest.Timeouts(start=datetime.timedelta(seconds=1)),
)
def flow_timeout_start(ctx: inngest.ContextSync) -> str:
    return f"started {ctx.event.data['name']}"


@client.create_function(
    fn_id="flow-timeout-finish",
    trigger=inngest.TriggerEvent(event="flow/timeout-finish"),
    timeouts=inngest.Timeouts(finish=datetime.timedelta(seconds=1)),
)
def flow_timeout_finish(ctx: inngest.ContextSync) -> str:
    ctx.step.run("first", lambda: "first")
    ctx.step.sleep("nap", datetime.timedelta(seconds=ctx.event.data.get("nap", 3)))
    return ctx.step.run("last", lambda: "never")


@client.create_function(
    fn_id="flow-cron",
    trigger=inngest.TriggerCron(cron="TZ=Europe/Paris 0 9 * * 1", jitter="5m"),
)
def flow_cron(ctx: inngest.ContextSync) -> dict:
    return {"name": ctx.event.name, "cron": ctx.event.data.get("cron")}


@client.create_function(fn_id="flow-invoker", trigger=inngest.TriggerEvent(event="flow/invoke"))
def flow_invoker(ctx: inngest.ContextSync) -> dict:
    try:
        return {"child": ctx.step.invoke("call", function=flow_singleton_skip, data=ctx.event.data)}
    except inngest.StepError as err:
        return {"child_error": err.message}


functions += [  # appended: the list above stays as it is
    flow_concurrency,
    flow_concurrency_sleeps,
    flow_priority,
    flow_throttle,
    flow_rate_limit,
    flow_debounce,
    flow_batch,
    flow_idempotency,
    flow_singleton_skip,
    flow_singleton_cancel,
    flow_timeout_start,
    flow_timeout_finish,
    flow_cron,
    flow_invoker,
]


@client.create_function(fn_id="invoke-edges", trigger=inngest.TriggerEvent(event="e2e/invoke-edge"))
def invoke_edges(ctx: inngest.ContextSync) -> dict:
    """Invoking a function that does not exist, and one that outlives the timeout."""
    out: dict = {}
    try:
        ctx.step.invoke_by_id("missing", function_id="no-such-function", data={})
    except inngest.StepError as err:
        out["missing"] = err.message
    try:
        ctx.step.invoke(
            "slow", function=sleeper, data={"seconds": 30}, timeout=datetime.timedelta(seconds=1)
        )
    except inngest.StepError as err:
        out["slow"] = err.message
    return out


functions += [invoke_edges]


@client.create_function(
    fn_id="flow-concurrency-wide",
    trigger=inngest.TriggerEvent(event="flow/conc-wide"),
    concurrency=[inngest.Concurrency(limit=40, key="event.data.tenant")],  # two shards of 20
)
def flow_concurrency_wide(ctx: inngest.ContextSync) -> str:
    data = ctx.event.data
    ctx.step.run("one", lambda: _hold(data["tag"], f"{data['name']}:one", 0.05))
    return ctx.step.run("two", lambda: _hold(data["tag"], f"{data['name']}:two", 0.05))


functions += [flow_concurrency_wide]
