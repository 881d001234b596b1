"""How much one incoming event costs when 100,000 runs wait on its name.

The pauses are written straight into the table (BatchWriteItem) in the shape the executor writes
them, each `async.data.orderId == "<n>"` for a different order; then one matching event goes
through the event API and the DynamoDB calls it makes are counted.
"""

from __future__ import annotations

import time

import httpx

from bench.counters import AwsCalls
from inngest_lambda.core import aws, clock
from inngest_lambda.events.pauses import Pause, PauseIndex, pause_item
from inngest_lambda.runtime import get_runtime


def run(stack_url: str, waiting: int = 100_000) -> None:
    rt = get_runtime()
    index = PauseIndex(rt.store)
    expires = clock.now() + 3600
    started = time.perf_counter()
    first = Pause(
        "wait",
        "bench/paid",
        "run-0",
        "s",
        'async.data.orderId == "0"',
        "data.orderId",
        "0",
        expires,
    )
    index.put(first)  # records the keyed path once, as the executor's first pause would
    ddb = aws.client("dynamodb")
    batch = []
    for i in range(1, waiting):
        pause = Pause(
            "wait",
            "bench/paid",
            f"run-{i}",
            "s",
            f'async.data.orderId == "{i}"',
            "data.orderId",
            str(i),
            expires,
        )
        batch.append({"PutRequest": {"Item": pause_item(pause)}})
        if len(batch) == 25 or i == waiting - 1:
            ddb.batch_write_item(RequestItems={rt.settings.table: batch})
            batch = []
    setup = time.perf_counter() - started
    counter = AwsCalls()
    http = httpx.Client(base_url=stack_url, timeout=30)
    t0 = time.perf_counter()
    res = http.post("/e/key", json={"name": "bench/paid", "data": {"orderId": "77777"}})
    wall = time.perf_counter() - t0
    assert res.status_code == 200, res.text
    s = counter.summary()
    print(
        f"\none event vs {waiting:,} waiting runs (pauses written in {setup:.0f}s): "
        f"{s['ddb_reads']} DynamoDB reads, {s['ddb_writes']} writes, "
        f"{s['sqs_messages']} SQS messages, {wall * 1000:.0f} ms for the event API call"
    )
    print(
        "  (on moto that time grows with the table because moto's Query walks every item; "
        "DynamoDB serves a Query by key in milliseconds, so the read count is the figure)"
    )
