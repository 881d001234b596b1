"""One function per workflow kind the fault sweep covers, written with the official SDK.

`EXECUTIONS` counts how often each step body really ran (key: run id + step), so a test can
check that a step recorded as completed ran once, whatever failed around it.
"""

from __future__ import annotations

import collections
import datetime
from collections.abc import Callable

import inngest

client = inngest.Inngest(app_id="faults")
EXECUTIONS: collections.Counter[str] = collections.Counter()
# tag -> what the `backlog` function's step does while it holds the function's one slot.
DURING_WORK: dict[str, Callable[[], None]] = {}


def _once(run_id: str, step: str, value: object) -> object:
    EXECUTIONS[f"{run_id}:{step}"] += 1
    return value


@client.create_function(fn_id="steps", trigger=inngest.TriggerEvent(event="f/steps"))
def steps(ctx: inngest.ContextSync) -> dict:
    a = ctx.step.run("a", lambda: _once(ctx.run_id, "a", ctx.event.data["n"] + 1))
    b = ctx.step.run("b", lambda: _once(ctx.run_id, "b", a * 2))
    return {"a": a, "b": b}


@client.create_function(fn_id="short-sleep", trigger=inngest.TriggerEvent(event="f/short-sleep"))
def short_sleep(ctx: inngest.ContextSync) -> str:
    ctx.step.run("before", lambda: _once(ctx.run_id, "before", 1))
    ctx.step.sleep("nap", datetime.timedelta(seconds=30))
    return str(ctx.step.run("after", lambda: _once(ctx.run_id, "after", "woke")))


@client.create_function(fn_id="long-sleep", trigger=inngest.TriggerEvent(event="f/long-sleep"))
def long_sleep(ctx: inngest.ContextSync) -> str:
    days = ctx.event.data.get("days", 1)
    ctx.step.sleep("nap", datetime.timedelta(days=days))
    return str(ctx.step.run("after", lambda: _once(ctx.run_id, "after", f"after {days}d")))


@client.create_function(
    fn_id="long-sleep-cancellable",
    trigger=inngest.TriggerEvent(event="f/long-sleep-cancellable"),
    cancel=[inngest.Cancel(event="f/stop", if_exp="event.data.order == async.data.order")],
)
def long_sleep_cancellable(ctx: inngest.ContextSync) -> str:
    ctx.step.sleep("nap", datetime.timedelta(days=ctx.event.data["days"]))
    return "woke"


@client.create_function(
    fn_id="throttled-cancellable",
    trigger=inngest.TriggerEvent(event="f/throttled-cancellable"),
    # Per tag, one start per 2 h: a tag's second run is first driven 2 h after its creation.
    throttle=inngest.Throttle(limit=1, period=datetime.timedelta(hours=2), key="event.data.tag"),
    cancel=[inngest.Cancel(event="f/stop", if_exp="event.data.order == async.data.order")],
)
def throttled_cancellable(ctx: inngest.ContextSync) -> str:
    order = ctx.event.data["order"]
    return str(ctx.step.run("work", lambda: _once(ctx.run_id, "work", order)))


@client.create_function(fn_id="parallel", trigger=inngest.TriggerEvent(event="f/parallel"))
def parallel(ctx: inngest.ContextSync) -> list:
    results = ctx.group.parallel(
        tuple(
            (lambda i=i: ctx.step.run(f"p{i}", lambda: _once(ctx.run_id, f"p{i}", i * 10)))
            for i in range(3)
        )
    )
    return list(results)


@client.create_function(fn_id="wait", trigger=inngest.TriggerEvent(event="f/wait"))
def wait(ctx: inngest.ContextSync) -> object:
    got = ctx.step.wait_for_event(
        "wait-paid",
        event="f/paid",
        if_exp="event.data.order == async.data.order",
        timeout=datetime.timedelta(hours=1),
    )
    return {"paid": None if got is None else got.data["amount"]}


@client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="f/child"))
def child(ctx: inngest.ContextSync) -> dict:
    return {"doubled": ctx.step.run("double", lambda: ctx.event.data["value"] * 2)}


@client.create_function(fn_id="invoke", trigger=inngest.TriggerEvent(event="f/invoke"))
def invoke(ctx: inngest.ContextSync) -> object:
    return ctx.step.invoke("call", function=child, data={"value": ctx.event.data["value"]})


@client.create_function(fn_id="announce", trigger=inngest.TriggerEvent(event="f/announce"))
def announce(ctx: inngest.ContextSync) -> int:
    ids = ctx.step.send_event(
        "tell", inngest.Event(name="f/announced", data={"tag": ctx.event.data["tag"]})
    )
    return len(ids)


@client.create_function(fn_id="fan-out", trigger=inngest.TriggerEvent(event="f/fan-out"))
def fan_out(ctx: inngest.ContextSync) -> int:
    """Three events from one `step.send_event`, then one more by `client.send` in a `step.run`."""
    tag = ctx.event.data["tag"]
    events = [inngest.Event(name="f/announced", data={"tag": f"{tag}-{i}"}) for i in range(3)]
    ids = ctx.step.send_event("tell-all", events)
    more = ctx.step.run(
        "tell-one-more",
        lambda: client.send_sync(inngest.Event(name="f/announced", data={"tag": f"{tag}-3"})),
    )
    return len(ids) + len(more)


@client.create_function(fn_id="flaky", trigger=inngest.TriggerEvent(event="f/flaky"), retries=2)
def flaky(ctx: inngest.ContextSync) -> str:
    """A step whose first attempt fails (retried after the backoff), then a run that fails for
    good when the event asks for it."""

    def work() -> str:
        if ctx.attempt == 0:
            raise RuntimeError("the first attempt fails")
        return "recovered"

    done = str(ctx.step.run("work", work))
    if ctx.event.data.get("give_up"):
        raise inngest.NonRetriableError("gave up")
    return done


@client.create_function(fn_id="listener", trigger=inngest.TriggerEvent(event="f/announced"))
def listener(ctx: inngest.ContextSync) -> str:
    return str(ctx.step.run("hear", lambda: _once(ctx.run_id, "hear", ctx.event.data["tag"])))


@client.create_function(
    fn_id="one-at-a-time",
    trigger=inngest.TriggerEvent(event="f/limited"),
    concurrency=[inngest.Concurrency(limit=1)],
)
def one_at_a_time(ctx: inngest.ContextSync) -> int:
    return int(ctx.step.run("work", lambda: _once(ctx.run_id, "work", ctx.event.data["n"])))


@client.create_function(
    fn_id="debounced",
    trigger=inngest.TriggerEvent(event="f/debounce"),
    debounce=inngest.Debounce(period=datetime.timedelta(seconds=5)),
)
def debounced(ctx: inngest.ContextSync) -> int:
    return int(ctx.event.data["n"])


@client.create_function(
    fn_id="batched",
    trigger=inngest.TriggerEvent(event="f/batch"),
    batch_events=inngest.Batch(max_size=2, timeout=datetime.timedelta(seconds=5)),
)
def batched(ctx: inngest.ContextSync) -> list:
    return sorted(e.data["n"] for e in ctx.events)


functions = [
    steps,
    short_sleep,
    long_sleep,
    long_sleep_cancellable,
    throttled_cancellable,
    parallel,
    wait,
    child,
    invoke,
    announce,
    fan_out,
    flaky,
    listener,
    one_at_a_time,
    debounced,
    batched,
]


@client.create_function(fn_id="big-output", trigger=inngest.TriggerEvent(event="f/big"))
def big_output(ctx: inngest.ContextSync) -> str:
    return "x" * ctx.event.data["size"]


functions.append(big_output)


@client.create_function(
    fn_id="backlog",
    trigger=inngest.TriggerEvent(event="f/backlog"),
    concurrency=[inngest.Concurrency(limit=1)],
)
def backlog(ctx: inngest.ContextSync) -> str:
    tag = ctx.event.data["tag"]
    return str(ctx.step.run("work", lambda: DURING_WORK.pop(tag, lambda: None)() or tag))


functions.append(backlog)


@client.create_function(
    fn_id="slow-debounce",
    trigger=inngest.TriggerEvent(event="f/slow-debounce"),
    debounce=inngest.Debounce(period=datetime.timedelta(days=2)),
)
def slow_debounce(ctx: inngest.ContextSync) -> int:
    return int(ctx.event.data["n"])


functions.append(slow_debounce)
