"""The soak's workload: a random plan of triggers, what each must end as, and the checks.

`plan(runs, rng)` draws triggers of every kind until they start `runs` runs, each at a whole
10-second instant of a half-hour window, grouped so that many start at the same instant (one
key's concurrency line, throttle, debounce burst and batch fill up at once). `Soak.drive` sends
each instant's events as separate event-API requests, then lets the pump deliver (batches of ten
messages, so runs of one key contend in one invocation), then moves virtual time on; after the
last instant it advances until every sleep, wait and cancellation is over.

Each trigger knows what it must leave: `expect` maps a run's identity (its function and the
tag its event carries) to its status and output, `effects` counts the step bodies that must
run. `check` compares those with the runs in the table and `soak_functions.EFFECTS`.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import random
from typing import Any

from tests.support.apps import soak_functions as fns

WINDOW = 1800  # seconds over which triggers are spread
TICK = 10  # triggers fall on whole multiples of this (so that many coincide)
SLEEPS = (120, 900, 1200, 3 * 3600, 86400 + 600, 2 * 86400)  # minutes to days
RESUME_AFTER = 600  # a resumed wait's event comes 10 min after the trigger (timeout 1 h)
CANCEL_AFTER = 3600  # a cancel comes 1 h after the trigger (the run sleeps 2 days)
GROUP = 5  # runs per concurrency key / throttle key
BURST = 3  # events per debounce burst
BURST_GAP = 10  # seconds between a burst's events (debounce period 60 s)
BATCH_EVENTS = 6  # events per batch key: one full batch of 4, one of 2 closed by its timeout
FANOUT = 3  # events each fan-out sends
DEBOUNCE = int(fns.DEBOUNCE_PERIOD.total_seconds())
CANCELLABLE_SLEEP = int(fns.CANCELLABLE_SLEEP.total_seconds())
APP = "soak-"


@dataclasses.dataclass(frozen=True)
class Send:
    at: int  # virtual seconds after the start
    name: str
    data: dict[str, Any]
    event_id: str


@dataclasses.dataclass
class Expected:
    status: str
    output: Any
    runs: int = 1  # how many runs share this identity (a batch key's runs)
    due: int | None = None  # when (virtual s after the start) it ends without faults, if known


@dataclasses.dataclass
class Plan:
    sends: list[Send] = dataclasses.field(default_factory=list)
    # (function id, identity) -> what its run(s) must end as
    expect: dict[tuple[str, str], Expected] = dataclasses.field(default_factory=dict)
    effects: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    triggers: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    throttle_keys: dict[str, int] = dataclasses.field(default_factory=dict)  # key -> first at
    batches: dict[str, list[int]] = dataclasses.field(default_factory=dict)  # key -> its ns

    @property
    def runs(self) -> int:
        return sum(e.runs for e in self.expect.values())

    @property
    def end(self) -> int:
        return max(s.at for s in self.sends)

    def add(
        self, fn: str, ident: str, status: str, output: Any, runs: int = 1, due: int | None = None
    ) -> None:
        assert (APP + fn, ident) not in self.expect, (fn, ident)
        self.expect[(APP + fn, ident)] = Expected(status, output, runs, due)

    def send(self, at: int, name: str, data: dict[str, Any], event_id: str) -> None:
        self.sends.append(Send(at, name, data, event_id))


# --- the trigger kinds -----------------------------------------------------------------------
def _steps(p: Plan, t: int, tag: str, rng: random.Random) -> None:
    n = rng.randrange(1000)
    p.send(t, "soak/steps", {"tag": tag, "n": n}, tag)
    p.add("steps", tag, "Completed", (n + 1) * 2 + 3, due=t)
    p.effects.update({f"steps:{tag}:{s}": 1 for s in "abc"})


def _sleep(p: Plan, t: int, tag: str, rng: random.Random) -> None:
    seconds = rng.choice(SLEEPS)
    p.send(t, "soak/sleep", {"tag": tag, "seconds": seconds}, tag)
    p.add("sleeper", tag, "Completed", f"slept {seconds}", due=t + seconds)
    p.effects.update({f"sleep:{tag}:before": 1, f"sleep:{tag}:after": 1})


def _wait_resumed(p: Plan, t: int, tag: str, rng: random.Random) -> None:
    amount = rng.randrange(1, 100)
    p.send(t, "soak/wait", {"tag": tag}, tag)
    p.send(t + RESUME_AFTER, "soak/paid", {"tag": tag, "amount": amount}, f"{tag}-paid")
    p.add("waiter", tag, "Completed", {"paid": amount}, due=t + RESUME_AFTER)
    p.effects.update({f"wait:{tag}:before": 1, f"wait:{tag}:after": 1})


def _wait_timeout(p: Plan, t: int, tag: str, rng: random.Random) -> None:
    p.send(t, "soak/wait", {"tag": tag}, tag)
    p.add("waiter", tag, "Completed", {"paid": None}, due=t + int(fns.WAIT_TIMEOUT.total_seconds()))
    p.effects.update({f"wait:{tag}:before": 1, f"wait:{tag}:after": 1})


def _invoke(p: Plan, t: int, tag: str, rng: random.Random) -> None:
    value = rng.randrange(1000)
    p.send(t, "soak/invoke", {"tag": tag, "value": value}, tag)
    p.add("parent", tag, "Completed", {"doubled": value * 2}, due=t)
    p.add("child", tag, "Completed", value * 2, due=t)
    p.effects.update({f"invoke:{tag}:child": 1, f"invoke:{tag}:parent": 1})


def _fanout(p: Plan, t: int, tag: str, rng: random.Random) -> None:
    p.send(t, "soak/fanout", {"tag": tag, "n": FANOUT}, tag)
    p.add("fanout", tag, "Completed", FANOUT, due=t)
    for i in range(FANOUT):
        p.add("listener", f"{tag}:{i}", "Completed", f"{tag}:{i}", due=t)
        p.effects[f"fanout:{tag}:{i}"] = 1


def _limited(p: Plan, t: int, tag: str, rng: random.Random) -> None:
    pause = rng.choice((0, 30, 300))
    for i in range(GROUP):
        run_tag = f"{tag}.{i}"
        p.send(t, "soak/limited", {"tag": run_tag, "key": tag, "pause": pause}, run_tag)
        p.add("limited", run_tag, "Completed", run_tag)
        p.effects.update({f"limited:{run_tag}:one": 1, f"limited:{run_tag}:two": 1})


def _throttled(p: Plan, t: int, tag: str, rng: random.Random) -> None:
    p.throttle_keys[tag] = t
    for i in range(GROUP):
        run_tag = f"{tag}.{i}"
        p.send(t, "soak/throttled", {"tag": run_tag, "key": tag}, run_tag)
        p.add("throttled", run_tag, "Completed", run_tag)
        p.effects[f"throttled:{run_tag}:start"] = 1


def _debounce(p: Plan, t: int, tag: str, rng: random.Random) -> None:
    for n in range(BURST):
        p.send(t + n * BURST_GAP, "soak/debounce", {"key": tag, "n": n}, f"{tag}.{n}")
    last = t + (BURST - 1) * BURST_GAP  # the burst's last event
    p.add("debounced", tag, "Completed", BURST - 1, due=last + DEBOUNCE)
    p.effects[f"debounce:{tag}:{BURST - 1}"] = 1


def _batch(p: Plan, t: int, tag: str, rng: random.Random) -> None:
    for n in range(BATCH_EVENTS):
        p.send(t, "soak/batch", {"key": tag, "n": n}, f"{tag}.{n}")
    p.batches[tag] = list(range(BATCH_EVENTS))
    p.add("batched", tag, "Completed", None, runs=math.ceil(BATCH_EVENTS / fns.BATCH_SIZE))
    p.effects.update({f"batch:{tag}:{n}": 1 for n in range(BATCH_EVENTS)})


def _cancelled(p: Plan, t: int, tag: str, rng: random.Random) -> None:
    p.send(t, "soak/cancellable", {"tag": tag}, tag)
    p.send(t + CANCEL_AFTER, "soak/cancel", {"tag": tag}, f"{tag}-cancel")
    p.add("cancellable", tag, "Cancelled", None, due=t + CANCEL_AFTER)
    p.effects[f"cancel:{tag}:before"] = 1


def _not_cancelled(p: Plan, t: int, tag: str, rng: random.Random) -> None:
    p.send(t, "soak/cancellable", {"tag": tag}, tag)
    p.send(t + CANCEL_AFTER, "soak/cancel", {"tag": f"{tag}-other"}, f"{tag}-cancel")
    p.add("cancellable", tag, "Completed", tag, due=t + CANCELLABLE_SLEEP)
    p.effects.update({f"cancel:{tag}:before": 1, f"cancel:{tag}:after": 1})


# kind -> (make, weight): weights in triggers, so each kind's share of runs is similar
KINDS = {
    "steps": (_steps, 10),
    "sleep": (_sleep, 10),
    "wait-resumed": (_wait_resumed, 5),
    "wait-timeout": (_wait_timeout, 5),
    "invoke": (_invoke, 5),
    "fanout": (_fanout, 3),
    "limited": (_limited, 2),
    "throttled": (_throttled, 2),
    "debounce": (_debounce, 6),
    "batch": (_batch, 4),
    "cancelled": (_cancelled, 5),
    "not-cancelled": (_not_cancelled, 5),
}


def plan(runs: int, rng: random.Random) -> Plan:
    """Triggers of every kind, at random instants of the window, until they start `runs` runs."""
    p = Plan()
    names = list(KINDS)
    weights = [KINDS[k][1] for k in names]
    i = 0
    while p.runs < runs:
        kind = rng.choices(names, weights)[0]
        t = rng.randrange(0, WINDOW // TICK) * TICK
        KINDS[kind][0](p, t, f"{kind}-{i}", rng)
        p.triggers[kind] += 1
        i += 1
    p.sends.sort(key=lambda s: s.at)
    return p
