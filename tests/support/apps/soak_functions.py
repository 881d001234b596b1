"""The soak's workflows, written with the official SDK as a user would.

Every side effect is a step body that counts itself in `EFFECTS` (key: what the workload
predicts, e.g. `steps:<tag>:a`), so the soak can check that each happened exactly as often as
it should, whatever failed around it. `STARTS` records the virtual time at which each throttled
run's first step ran, per key, to check the throttle held. `EFFECT_RUNS` names the run of each
effect: a step whose result could not be recorded (an AWS call of its run failed) runs again
by design (docs/failure-handling.md), and the soak tells those re-runs apart.
"""

from __future__ import annotations

import collections
import datetime

import inngest

from inngest_lambda.core import clock

client = inngest.Inngest(app_id="soak")
EFFECTS: collections.Counter[str] = collections.Counter()
EFFECT_RUNS: dict[str, str] = {}  # effect key -> the run whose step body it is
# throttle key -> run id -> when its first step first ran (a re-run keeps the first time)
STARTS: collections.defaultdict[str, dict[str, float]] = collections.defaultdict(dict)

THROTTLE_PERIOD = datetime.timedelta(minutes=1)
DEBOUNCE_PERIOD = datetime.timedelta(minutes=1)
BATCH_SIZE = 4
BATCH_TIMEOUT = datetime.timedelta(seconds=10)
WAIT_TIMEOUT = datetime.timedelta(hours=1)
CANCELLABLE_SLEEP = datetime.timedelta(days=2)


def effect(ctx: inngest.ContextSync, key: str, value: object = None) -> object:
    EFFECTS[key] += 1
    EFFECT_RUNS[key] = ctx.run_id
    return value


@client.create_function(fn_id="steps", trigger=inngest.TriggerEvent(event="soak/steps"))
def steps(ctx: inngest.ContextSync) -> int:
    tag, n = ctx.event.data["tag"], ctx.event.data["n"]
    a = ctx.step.run("a", lambda: effect(ctx, f"steps:{tag}:a", n + 1))
    b = ctx.step.run("b", lambda: effect(ctx, f"steps:{tag}:b", a * 2))
    return int(ctx.step.run("c", lambda: effect(ctx, f"steps:{tag}:c", b + 3)))


@client.create_function(fn_id="sleeper", trigger=inngest.TriggerEvent(event="soak/sleep"))
def sleeper(ctx: inngest.ContextSync) -> str:
    tag, seconds = ctx.event.data["tag"], ctx.event.data["seconds"]
    ctx.step.run("before", lambda: effect(ctx, f"sleep:{tag}:before"))
    ctx.step.sleep("nap", datetime.timedelta(seconds=seconds))
    woke = ctx.step.run("after", lambda: effect(ctx, f"sleep:{tag}:after", clock.now()))
    due = ctx.event.ts / 1000 + seconds  # the event's time is the virtual time it was sent
    return f"slept {seconds}" if woke >= due else f"woke {due - woke:.0f} s early"


@client.create_function(fn_id="waiter", trigger=inngest.TriggerEvent(event="soak/wait"))
def waiter(ctx: inngest.ContextSync) -> dict:
    tag = ctx.event.data["tag"]
    ctx.step.run("before", lambda: effect(ctx, f"wait:{tag}:before"))
    got = ctx.step.wait_for_event(
        "paid",
        event="soak/paid",
        if_exp="event.data.tag == async.data.tag",
        timeout=WAIT_TIMEOUT,
    )
    paid = None if got is None else got.data["amount"]
    ctx.step.run("after", lambda: effect(ctx, f"wait:{tag}:after"))
    return {"paid": paid}


@client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="soak/child"))
def child(ctx: inngest.ContextSync) -> int:
    tag, value = ctx.event.data["tag"], ctx.event.data["value"]
    return int(ctx.step.run("double", lambda: effect(ctx, f"invoke:{tag}:child", value * 2)))


@client.create_function(fn_id="parent", trigger=inngest.TriggerEvent(event="soak/invoke"))
def parent(ctx: inngest.ContextSync) -> dict:
    tag, value = ctx.event.data["tag"], ctx.event.data["value"]
    got = ctx.step.invoke("call", function=child, data={"tag": tag, "value": value})
    ctx.step.run("after", lambda: effect(ctx, f"invoke:{tag}:parent"))
    return {"doubled": got}


@client.create_function(fn_id="fanout", trigger=inngest.TriggerEvent(event="soak/fanout"))
def fanout(ctx: inngest.ContextSync) -> int:
    tag, n = ctx.event.data["tag"], ctx.event.data["n"]
    events = [inngest.Event(name="soak/fanned", data={"tag": tag, "i": i}) for i in range(n)]
    return len(ctx.step.send_event("fan", events))


@client.create_function(fn_id="listener", trigger=inngest.TriggerEvent(event="soak/fanned"))
def listener(ctx: inngest.ContextSync) -> str:
    tag, i = ctx.event.data["tag"], ctx.event.data["i"]
    return str(ctx.step.run("hear", lambda: effect(ctx, f"fanout:{tag}:{i}", f"{tag}:{i}")))


@client.create_function(
    fn_id="limited",
    trigger=inngest.TriggerEvent(event="soak/limited"),
    concurrency=[inngest.Concurrency(limit=1, key="event.data.key")],
)
def limited(ctx: inngest.ContextSync) -> str:
    tag = ctx.event.data["tag"]
    ctx.step.run("one", lambda: effect(ctx, f"limited:{tag}:one"))
    ctx.step.sleep("pause", datetime.timedelta(seconds=ctx.event.data["pause"]))
    return str(ctx.step.run("two", lambda: effect(ctx, f"limited:{tag}:two", tag)))


@client.create_function(
    fn_id="throttled",
    trigger=inngest.TriggerEvent(event="soak/throttled"),
    throttle=inngest.Throttle(limit=1, period=THROTTLE_PERIOD, key="event.data.key"),
)
def throttled(ctx: inngest.ContextSync) -> str:
    tag, key = ctx.event.data["tag"], ctx.event.data["key"]

    def start() -> str:
        STARTS[key].setdefault(ctx.run_id, clock.now())
        return str(effect(ctx, f"throttled:{tag}:start", tag))

    return str(ctx.step.run("start", start))


@client.create_function(
    fn_id="debounced",
    trigger=inngest.TriggerEvent(event="soak/debounce"),
    debounce=inngest.Debounce(period=DEBOUNCE_PERIOD, key="event.data.key"),
)
def debounced(ctx: inngest.ContextSync) -> int:
    key, n = ctx.event.data["key"], ctx.event.data["n"]
    return int(ctx.step.run("handle", lambda: effect(ctx, f"debounce:{key}:{n}", n)))


@client.create_function(
    fn_id="batched",
    trigger=inngest.TriggerEvent(event="soak/batch"),
    batch_events=inngest.Batch(max_size=BATCH_SIZE, timeout=BATCH_TIMEOUT, key="event.data.key"),
)
def batched(ctx: inngest.ContextSync) -> list:
    ns = sorted(e.data["n"] for e in ctx.events)
    key = ctx.events[0].data["key"]
    for n in ns:
        ctx.step.run(f"handle-{n}", lambda n=n: effect(ctx, f"batch:{key}:{n}"))
    return ns


@client.create_function(
    fn_id="cancellable",
    trigger=inngest.TriggerEvent(event="soak/cancellable"),
    cancel=[inngest.Cancel(event="soak/cancel", if_exp="event.data.tag == async.data.tag")],
)
def cancellable(ctx: inngest.ContextSync) -> str:
    tag = ctx.event.data["tag"]
    ctx.step.run("before", lambda: effect(ctx, f"cancel:{tag}:before"))
    ctx.step.sleep("nap", CANCELLABLE_SLEEP)
    return str(ctx.step.run("after", lambda: effect(ctx, f"cancel:{tag}:after", tag)))


functions = [
    steps,
    sleeper,
    waiter,
    child,
    parent,
    fanout,
    listener,
    limited,
    throttled,
    debounced,
    batched,
    cancellable,
]
