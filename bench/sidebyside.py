"""`make bench` (first part): the same workflows on our local stack and on the AWS durable
execution SDK's local test runner, side by side, with the ratios the project aims for.

Workflows: N no-op `step.run` steps (N = 100 and 1000) and 10 one-second sleeps. Ours: the
local stack as `make dev` runs it (HTTP event API, background SQS pump, moto), timed from the
event API call to the run's end. AWS: `DurableFunctionTestRunner` (in-process, in memory; real
time for the sleeps). Each figure is the min and median of repeated runs (BENCH_REPEATS,
default 3; the 1000-step run BENCH_REPEATS_LONG, default 2), all in this one process, so
the ratios compare like with like on a noisy machine.

Also printed: the `durable` pytest fixture's time for the 100-step run (and how much of it is
spent inside the SDK's request handler and inside moto), the share of our time spent inside SDK
requests (the SDK's own replay of memoized steps), and bytes sent to the SDK.
"""

from __future__ import annotations

import contextlib
import datetime
import inspect
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inngest_lambda.sdk import client as sdk  # noqa: E402

GOALS = {"100": 3.0, "1000": 8.0, "growth": 2.0, "fixture": 2.0}


def _repeat(n: int, fn: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def _fmt(times: list[float]) -> str:
    return f"{min(times):8.3f} {statistics.median(times):8.3f}"


# --- AWS durable execution SDK ----------------------------------------------------------------
def aws_runner() -> dict[str, Callable[[], object]]:
    from aws_durable_execution_sdk_python import DurableContext, durable_execution
    from aws_durable_execution_sdk_python.config import Duration
    from aws_durable_execution_sdk_python.execution import InvocationStatus
    from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner

    @durable_execution
    def steps(event: dict, context: DurableContext) -> int:
        total = 0
        for i in range(event["steps"]):
            total = context.step(lambda _c, t=total, i=i: t + i, name=f"step-{i}")
        return total

    @durable_execution
    def sleeps(event: dict, context: DurableContext) -> int:
        for i in range(event["sleeps"]):
            context.wait(Duration.from_seconds(1), name=f"nap-{i}")
        return event["sleeps"]

    def run(handler: Callable, payload: dict, skip_time: bool) -> None:
        with DurableFunctionTestRunner(handler=handler, skip_time=skip_time) as runner:
            result = runner.run(input=json.dumps(payload), execution_timeout=900)
        if result.status != InvocationStatus.SUCCEEDED:
            raise SystemExit(f"AWS durable runner: {result.status}")

    return {
        "100": lambda: run(steps, {"steps": 100}, True),
        "1000": lambda: run(steps, {"steps": 1000}, True),
        "sleeps": lambda: run(sleeps, {"sleeps": 10}, False),
    }


# --- ours ------------------------------------------------------------------------------------
def local_stack_runs(stack: object) -> dict[str, Callable[[], object]]:
    http = httpx.Client(base_url=stack.url, timeout=30)  # type: ignore[attr-defined]
    table = stack.settings.table  # type: ignore[attr-defined]

    ddb = boto3.client("dynamodb")

    def run(name: str, data: dict) -> None:
        stack.pump.wait_idle(10)  # type: ignore[attr-defined]
        event_id = http.post("/e/key", json={"name": name, "data": data}).json()["ids"][0]
        # Poll gently: every moto call takes the one moto lock the executor needs too.
        key = {"pk": {"S": f"E#{event_id}"}}
        while True:
            links = ddb.query(
                TableName=table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :r)",
                ExpressionAttributeValues={":pk": key["pk"], ":r": {"S": "R#"}},
            )["Items"]
            if links:
                break
            time.sleep(0.05)
        run_key = {"pk": {"S": f"R#{links[0]['sk']['S'][2:]}"}, "sk": {"S": "R"}}
        while True:
            item = ddb.get_item(
                TableName=table,
                Key=run_key,
                ProjectionExpression="#s",
                ExpressionAttributeNames={"#s": "status"},
            )["Item"]
            if item["status"]["S"] in ("Completed", "Failed", "Cancelled"):
                break
            time.sleep(0.05)
        if item["status"]["S"] != "Completed":
            raise SystemExit(f"local stack: run ended {item['status']['S']}")

    return {
        "100": lambda: run("bench/steps", {"steps": 100}),
        "1000": lambda: run("bench/steps", {"steps": 1000}),
        "sleeps": lambda: run("bench/sleeps", {"sleeps": 10}),
    }


def fixture_100(repeats: int) -> tuple[list[float], dict[str, float]]:
    """The `durable` pytest fixture (virtual clock, in-process delivery), 100 steps; also the
    seconds of the fastest repeat spent inside the SDK's request handler and inside moto (what
    no change to our code removes from the fixture)."""
    from inngest._internal.comm_lib.handler import CommHandler
    from moto.core.botocore_stubber import BotocoreStubber

    from inngest_lambda.testing import Durable

    inside: dict[str, float] = {}
    best: tuple[float, dict[str, float]] = (float("inf"), {})
    with (
        _timed(CommHandler, "post", inside, "sdk"),
        _timed(BotocoreStubber, "process_request", inside, "moto"),
        Durable("bench.workflows") as durable,
    ):
        durable.send("bench/steps", {"steps": 3})  # warm
        times = []
        for _ in range(repeats):
            inside.clear()
            started = time.perf_counter()
            durable.send("bench/steps", {"steps": 100})
            times.append(time.perf_counter() - started)
            if times[-1] < best[0]:
                best = (times[-1], dict(inside))
    return times, best[1]


@contextlib.contextmanager
def _timed(owner: type, name: str, into: dict[str, float], label: str) -> Iterator[None]:
    """Add the wall time of every call of `owner.name` (sync or async) to `into[label]`."""
    original = getattr(owner, name)

    def add(started: float) -> None:
        into[label] = into.get(label, 0.0) + time.perf_counter() - started

    if inspect.iscoroutinefunction(original):

        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                add(started)
    else:

        def wrapper(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                add(started)

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, original)


def main() -> None:
    repeats = int(os.environ.get("BENCH_REPEATS", "3"))
    repeats_long = int(os.environ.get("BENCH_REPEATS_LONG", "2"))
    plan = [("100", repeats), ("1000", repeats_long), ("sleeps", repeats_long)]
    print(f"side by side, {datetime.date.today()}, min/median of repeats, seconds")
    aws = aws_runner()
    aws["100"]()  # warm imports
    aws_times = {key: _repeat(n, aws[key]) for key, n in plan}

    from bench.stack import bench_stack

    ours: dict[str, list[float]] = {}
    sdk_share: dict[str, float] = {}
    with bench_stack("bench.workflows") as stack:
        runs = local_stack_runs(stack)
        runs["100"]()  # warm: cold start outside the figures
        for key, n in plan:
            sdk.STATS.clear()
            ours[key] = _repeat(n, runs[key])
            total = sum(ours[key])
            sdk_share[key] = sdk.STATS["request_ns"] / 1e9 / total if total else 0.0
            sdk_share[key + "_bytes"] = sdk.STATS["request_bytes"] / n
    fixture, fixture_inside = fixture_100(repeats)

    header = (
        f"{'workflow':24} {'ours min':>8} {'median':>8} {'AWS min':>8} {'median':>8} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    labels = {"100": "100 steps", "1000": "1000 steps", "sleeps": "10 sleeps of 1 s"}
    ratio = {}
    for key, _ in plan:
        ratio[key] = min(ours[key]) / min(aws_times[key])
        print(f"{labels[key]:24} {_fmt(ours[key])} {_fmt(aws_times[key])} {ratio[key]:6.2f}")
    fixture_ratio = min(fixture) / min(aws_times["100"])
    label = "durable fixture, 100"
    print(f"{label:24} {_fmt(fixture)} {_fmt(aws_times['100'])} {fixture_ratio:6.2f}")
    aws_100 = min(aws_times["100"])
    sdk_s, moto_s = fixture_inside.get("sdk", 0.0), fixture_inside.get("moto", 0.0)
    print(
        f"  of its fastest run: {sdk_s:.3f} s in the SDK's request handler ({sdk_s / aws_100:.2f}x"
        f" the AWS run), {moto_s:.3f} s in moto ({moto_s / aws_100:.2f}x), the rest"
        f" {min(fixture) - sdk_s - moto_s:.3f} s"
    )
    per_step_100 = min(ours["100"]) / 100
    per_step_1000 = min(ours["1000"]) / 1000
    growth = per_step_1000 / per_step_100
    print()
    print(
        f"per step: {per_step_100 * 1000:.2f} ms at 100 steps, {per_step_1000 * 1000:.2f} ms at "
        f"1000 (x{growth:.2f}); AWS {min(aws_times['100']) * 10:.2f} ms and "
        f"{min(aws_times['1000']):.2f} ms"
    )
    for key in ("100", "1000"):
        share = sdk_share[key]
        own = min(ours[key]) * (1 - share)
        print(
            f"{labels[key]}: {share:.0%} of our time is inside SDK requests (the SDK's replay);"
            f" the rest is {own / int(key) * 1000:.2f} ms per step; "
            f"{sdk_share[key + '_bytes'] / 1e6:.1f} MB sent to the SDK per run"
        )
        # What no change of ours can remove: the SDK's own handling of its requests.
        floor = min(ours[key]) * share / min(aws_times[key])
        print(f"  the SDK's requests alone: {floor:.2f}x the AWS runner's whole run")
    print()
    checks = [
        ("100 steps <= 3x AWS", ratio["100"], GOALS["100"]),
        ("1000 steps <= 8x AWS", ratio["1000"], GOALS["1000"]),
        ("per-step time at 1000 <= 2x at 100", growth, GOALS["growth"]),
        ("durable fixture 100 steps <= 2x AWS", fixture_ratio, GOALS["fixture"]),
    ]
    for label, value, goal in checks:
        print(f"  goal {label:40} {value:6.2f}  {'met' if value <= goal else 'NOT met'}")


if __name__ == "__main__":
    main()
