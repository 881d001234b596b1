"""`make bench-memory`: does the handler process grow with the runs it serves?

Runs BENCH_MEMORY_RUNS (default 1000) runs of 100 steps, one after another, through the real
handler in one process (the `durable` harness: moto, the SDK and the handler in-process), and
prints the process's peak RSS after 10 runs and after all of them. Goal: within 10%.

moto keeps every item in this same process, which a Lambda process never does (DynamoDB is
elsewhere); so after each run the bench empties the table (through the API, outside the
figures) to measure the handler, not moto's storage.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size in MB."""
    current = 0.0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return current, peak


def _empty_table(durable: object) -> None:
    from inngest_lambda.core import aws

    ddb = aws.client("dynamodb")
    table = durable.stack.settings.table  # type: ignore[attr-defined]
    kwargs: dict = {"TableName": table, "ProjectionExpression": "pk, sk"}
    while True:
        page = ddb.scan(**kwargs)
        keys = [{"DeleteRequest": {"Key": item}} for item in page.get("Items", [])]
        for i in range(0, len(keys), 25):
            ddb.batch_write_item(RequestItems={table: keys[i : i + 25]})
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def main() -> None:
    from inngest_lambda.testing import Durable

    runs = int(os.environ.get("BENCH_MEMORY_RUNS", "1000"))
    os.environ.setdefault("INNGEST_LAMBDA_LOG_LEVEL", "WARNING")
    marks: dict[int, tuple[float, float]] = {}
    started = time.perf_counter()
    with Durable("bench.workflows") as durable:
        for i in range(1, runs + 1):
            event_id = durable.send("bench/steps", {"steps": 100})
            if durable.run(event_id).status != "Completed":
                raise SystemExit(f"run {i} did not complete")
            _empty_table(durable)
            if i in (10, runs) or i % 100 == 0:
                marks[i] = _rss_mb()
                print(
                    f"  after {i:5} runs: RSS {marks[i][0]:7.1f} MB, peak {marks[i][1]:7.1f} MB",
                    flush=True,
                )
    first, last = marks[10][1], marks[runs][1]
    growth = (last - first) / first
    print(
        f"memory: peak RSS {first:.1f} MB after 10 runs of 100 steps, {last:.1f} MB after "
        f"{runs} ({growth:+.1%}; goal within 10%: {'met' if abs(growth) <= 0.10 else 'NOT met'})"
        f"; {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
