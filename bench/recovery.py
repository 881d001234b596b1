"""`make bench`: how long a run takes to recover from each kind of fault, on the virtual clock.

Each scenario runs through the testing toolkit's `Durable` harness (the real handler, executor
and store on moto, the sweeper's schedule emulated) with a fault injected at the AWS SDK
boundary (tests/faults/injector.py), repeated with fresh runs; the figure is the virtual time
from the fault to the run's end minus the time a clean run takes. Before issue 12 a dead driver
held its run until SQS redelivered the message (906-990 s).
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inngest_lambda.testing import Durable  # noqa: E402
from tests.faults.injector import Injector, step_write  # noqa: E402

REPEATS = int(__import__("os").environ.get("BENCH_REPEATS", "5"))


def _ended(durable: Durable, event_id: str) -> bool:
    runs = durable.runs(event_id)
    return bool(runs) and runs[0].status == "Completed"


def _measure(
    durable: Durable,
    faults: Injector,
    arm: Callable[[], Any],
    event: str,
    data: dict[str, Any],
    clean_seconds: float,
    tag: str,
) -> float:
    faults.clear()
    arm()
    started = durable.clock.now()
    body = {"name": event, "data": data, "id": tag}
    status, _ = durable.request("POST", "/e/bench", body)
    durable.run_until_idle()
    faults.clear()
    durable.advance(clean_seconds)
    while not _ended(durable, tag):
        durable.advance(1)
        if durable.clock.now() - started - clean_seconds > 3 * 3600:
            raise RuntimeError(f"{tag}: not recovered after 3 h ({status})\n{durable.describe()}")
    return durable.clock.now() - started - clean_seconds


SCENARIOS: list[tuple[str, str, dict[str, Any], float, Callable[[Injector], Callable[[], Any]]]] = [
    (
        "driver dies after writing a step (crash)",
        "f/steps",
        {"n": 1},
        0,
        lambda f: lambda: f.fail(None, step_write, crash=True),
    ),
    (
        "error taking the lease",
        "f/steps",
        {"n": 1},
        0,
        lambda f: (
            lambda: f.fail(
                "dynamodb.UpdateItem",
                lambda p: (
                    "lease_owner" in str(p.get("UpdateExpression", ""))
                    and "SET lease_owner" in p["UpdateExpression"]
                ),
            )
        ),
    ),
    (
        "error handing a long sleep over to Scheduler",
        "f/long-sleep",
        {"days": 1},
        86400,
        lambda f: lambda: f.fail("scheduler.CreateSchedule"),
    ),
    (
        "start message lost (POST /e answered 500, no client retry)",
        "f/steps",
        {"n": 1},
        0,
        lambda f: lambda: f.fail("sqs.SendMessageBatch"),
    ),
]


def main() -> None:
    print(
        "Recovery after one fault (virtual seconds beyond a clean run; "
        f"min / median / max of {REPEATS})"
    )
    with Durable(
        "tests.support.apps.fault_functions", env={"INNGEST_LAMBDA_LOG_LEVEL": "CRITICAL"}
    ) as durable:
        faults = Injector()
        faults.install(durable.stack)
        only = __import__("os").environ.get("BENCH_ONLY")
        for i, (label, event, data, clean, arm) in enumerate(SCENARIOS):
            if only is not None and str(i) != only:
                continue
            with contextlib.redirect_stdout(io.StringIO()):  # the runtime's EMF metric lines
                figures = [
                    _measure(durable, faults, arm(faults), event, data, clean, f"bench-{i}-{n}")
                    for n in range(REPEATS)
                ]
            print(
                f"  {label:<62} {min(figures):6.0f} {statistics.median(figures):6.0f} "
                f"{max(figures):6.0f} s"
            )


if __name__ == "__main__":
    main()
