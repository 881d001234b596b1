"""Functions for `bench/flow.py`: one per flow-control option, each a single step."""

from __future__ import annotations

import datetime
import time

import inngest

client = inngest.Inngest(app_id="benchflow")
SECOND = datetime.timedelta(seconds=1)
KEY = "event.data.k"


def _work(hold: float, size: int) -> int:
    time.sleep(hold)  # contended scenarios keep the slot busy while others arrive
    return size


def _fn(fn_id: str, **options: object) -> inngest.Function:
    @client.create_function(
        fn_id=fn_id, trigger=inngest.TriggerEvent(event=f"bf/{fn_id}"), **options
    )
    def handler(ctx: inngest.ContextSync) -> int:
        return ctx.step.run("work", lambda: _work(ctx.event.data.get("hold", 0), len(ctx.events)))

    return handler


functions = [
    _fn("baseline"),
    _fn("concurrency", concurrency=[inngest.Concurrency(limit=5, key=KEY)]),
    _fn(
        "concurrency-2",
        concurrency=[inngest.Concurrency(limit=5, key=KEY), inngest.Concurrency(limit=50)],
    ),
    _fn("concurrency-contended", concurrency=[inngest.Concurrency(limit=1)]),
    _fn(
        "priority",
        concurrency=[inngest.Concurrency(limit=1)],
        priority=inngest.Priority(run="event.data.p"),
    ),
    _fn("throttle", throttle=inngest.Throttle(limit=1000, period=SECOND, key=KEY)),
    _fn("rate-limit", rate_limit=inngest.RateLimit(limit=1000, period=SECOND, key=KEY)),
    _fn("debounce", debounce=inngest.Debounce(period=SECOND, key=KEY)),
    _fn("batch", batch_events=inngest.Batch(max_size=10, timeout=datetime.timedelta(seconds=5))),
    _fn("idempotency", idempotency=KEY),
    _fn("singleton", singleton=inngest.Singleton(mode="skip", key=KEY)),
    _fn("timeouts", timeouts=inngest.Timeouts(start=60 * SECOND, finish=60 * SECOND)),
]
