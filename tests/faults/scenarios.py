"""The workflow kinds of the fault sweep: how to start each, how long it takes, what it returns.

Each scenario takes a fresh `tag` so that many cases can run one after another in one stack;
`send` posts one event with a fixed id and, like the SDK, retries once with the same id when the
event API answered 500 (a fault during ingestion).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

SendFn = Callable[[str, dict[str, Any], str], None]


@dataclasses.dataclass(frozen=True)
class Failed:
    """An expected output meaning: the run ends Failed with `message` in its error."""

    message: str


@dataclasses.dataclass(frozen=True)
class Scenario:
    kind: str
    duration: float  # virtual seconds the clean run takes (its sleeps, debounce period, ...)
    start: Callable[[Any, SendFn, str], list[tuple[str, Any]]]
    """Sends the events; returns (event id, expected output or `Failed`) of every run to check."""
    regrouped: tuple[Any, ...] = ()
    """For a debounce or a batch: the sorted outputs of its runs it may end with instead when an
    event reached the event API later than planned (a refused send retried after a while, as in
    a throttling storm), which changes how the events group."""


def _steps(durable, send, tag):
    send("f/steps", {"n": 3}, f"{tag}-e")
    return [(f"{tag}-e", {"a": 4, "b": 8})]


def _short_sleep(durable, send, tag):
    send("f/short-sleep", {}, f"{tag}-e")
    return [(f"{tag}-e", "woke")]


def _long_sleep(durable, send, tag):
    send("f/long-sleep", {"days": 1}, f"{tag}-e")
    return [(f"{tag}-e", "after 1d")]


def _parallel(durable, send, tag):
    send("f/parallel", {}, f"{tag}-e")
    return [(f"{tag}-e", [0, 10, 20])]


def _wait(durable, send, tag):
    send("f/wait", {"order": tag}, f"{tag}-e")
    durable.run_until_idle()
    send("f/paid", {"order": tag, "amount": 5}, f"{tag}-paid")
    return [(f"{tag}-e", {"paid": 5})]


def _invoke(durable, send, tag):
    send("f/invoke", {"value": 21}, f"{tag}-e")
    return [(f"{tag}-e", {"doubled": 42})]


def _send_event(durable, send, tag):
    send("f/announce", {"tag": tag}, f"{tag}-e")
    return [(f"{tag}-e", 1), (("listener", tag), tag)]


def _fan_out(durable, send, tag):
    send("f/fan-out", {"tag": tag}, f"{tag}-e")
    listeners = [(("listener", f"{tag}-{i}"), f"{tag}-{i}") for i in range(4)]
    return [(f"{tag}-e", 4), *listeners]


def _retry(durable, send, tag):
    send("f/flaky", {}, f"{tag}-e")
    return [(f"{tag}-e", "recovered")]


def _fails(durable, send, tag):
    send("f/flaky", {"give_up": True}, f"{tag}-e")
    return [(f"{tag}-e", Failed("gave up"))]


def _concurrency(durable, send, tag):
    send("f/limited", {"n": 1}, f"{tag}-e1")
    send("f/limited", {"n": 2}, f"{tag}-e2")
    return [(f"{tag}-e1", 1), (f"{tag}-e2", 2)]


def _debounce(durable, send, tag):
    send("f/debounce", {"n": 1}, f"{tag}-e1")
    durable.advance(1)
    send("f/debounce", {"n": 2}, f"{tag}-e2")
    return [(f"{tag}-e2", 2)]


def _batch(durable, send, tag):
    send("f/batch", {"n": 1}, f"{tag}-e1")
    send("f/batch", {"n": 2}, f"{tag}-e2")
    return [(f"{tag}-e1", [1, 2])]


def _batch_timeout(durable, send, tag):
    send("f/batch", {"n": 3}, f"{tag}-e")  # alone: the batch closes at its 5 s timeout
    return [(f"{tag}-e", [3])]


SCENARIOS = {
    s.kind: s
    for s in (
        Scenario("steps", 0, _steps),
        Scenario("short-sleep", 30, _short_sleep),
        Scenario("long-sleep", 86400, _long_sleep),
        Scenario("parallel", 0, _parallel),
        Scenario("wait", 0, _wait),
        Scenario("invoke", 0, _invoke),
        Scenario("send-event", 0, _send_event),
        Scenario("concurrency-1", 0, _concurrency),
        Scenario("debounce", 6, _debounce, regrouped=([1, 2],)),  # e2 after e1's run started
        Scenario("batch", 0, _batch, regrouped=([[1], [2]],)),  # e2 after e1's batch closed
        Scenario("batch-timeout", 5, _batch_timeout),
    )
}

# Kinds only the throttling storm runs (test_storm.py): the position sweep covers their parts
# (send_event, a step's retry, a failed run) in other kinds already.
STORM_SCENARIOS = {
    **SCENARIOS,
    **{
        s.kind: s
        for s in (
            Scenario("fan-out", 0, _fan_out),
            Scenario("retry", 45, _retry),  # the first retry comes 15-45 s after the failure
            Scenario("fails", 45, _fails),
        )
    },
}
