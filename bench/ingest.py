"""What one large event batch costs: 1,000 and 5,000 events in one request to the event API.

Lookups for pauses (waits and cancels) are grouped per event name, so the count of DynamoDB
reads follows the number of distinct names (and keyed values), not the number of events.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.counters import AwsCalls  # noqa: E402


def run(stack_url: str, sizes: tuple[int, ...] = (1000, 5000), repeats: int = 3) -> None:
    http = httpx.Client(base_url=stack_url, timeout=600)
    counter = AwsCalls()
    header = (
        f"{'events in one request':24} {'status':>6} {'ddb_r':>6} {'ddb_w':>6} "
        f"{'wall_s min/median':>18}"
    )
    print()
    print(header)
    print("-" * len(header))
    for size in sizes:
        walls = []
        for rep in range(repeats):
            events = [
                {"name": f"bench/ingest-{i % 2}", "data": {"i": i, "rep": rep}} for i in range(size)
            ]
            if rep == repeats - 1:
                counter.reset()  # the counts printed are those of the last request
            started = time.perf_counter()
            res = http.post("/e/key", json=events)
            walls.append(time.perf_counter() - started)
            if res.status_code != 200:  # e.g. the local API Gateway's 30 s timeout on moto
                print(f"    {size} events: HTTP {res.status_code} after {walls[-1]:.1f} s")
        s = counter.summary()
        wall = f"{min(walls):.2f}/{sorted(walls)[len(walls) // 2]:.2f}"
        print(
            f"{size:>6} events, 2 names   {res.status_code:>6} {s['ddb_reads']:>6} "
            f"{s['ddb_writes']:>6} {wall:>18}"
        )
    if os.environ.get("BENCH_VERBOSE"):
        print("   ", dict(counter.calls))


if __name__ == "__main__":
    from bench.stack import bench_stack

    sizes = tuple(int(n) for n in os.environ.get("BENCH_INGEST_SIZES", "1000,5000").split(","))
    repeats = int(os.environ.get("BENCH_REPEATS", "3"))
    with bench_stack("bench.workflows") as stack:
        run(stack.url, sizes, repeats)
