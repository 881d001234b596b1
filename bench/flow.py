"""What each flow-control option adds per run start: DynamoDB reads and writes, SQS messages.

Each option's function (a single `step.run`, see `flow_functions.py`) handles a few events
through the local stack, from the event API to the end of the run; the runtime's AWS calls are
counted with botocore hooks (`counters.AwsCalls`) and divided by the number of runs, then the
same figures for a function without options are subtracted. Keys differ per event, so the
figures are for the uncontended case, except the rows that say otherwise. Figures count calls,
not items: state written inside the run-creation transaction adds an item, not a call.
Run: `python bench/flow.py` (part of `make bench`).
"""

from __future__ import annotations

import concurrent.futures
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.counters import AwsCalls  # noqa: E402
from bench.stack import bench_stack  # noqa: E402

RUNS = 5
BATCH = 10
# (label, function, events per run, keys: "distinct" per event; "shared" by all events;
# "contended": shared, sent at once, each step holding the slot for 0.2 s)
SCENARIOS = [
    ("baseline (no options)", "baseline", 1, "distinct"),
    ("concurrency, 1 limit", "concurrency", 1, "distinct"),
    ("concurrency, 2 limits", "concurrency-2", 1, "distinct"),
    ("concurrency, contended (limit 1)", "concurrency-contended", 1, "contended"),
    ("priority (contended, limit 1)", "priority", 1, "contended"),
    ("throttle", "throttle", 1, "distinct"),
    ("rate_limit", "rate-limit", 1, "distinct"),
    ("debounce (1 event per run)", "debounce", 1, "distinct"),
    (f"batch_events ({BATCH} events per run)", "batch", BATCH, "shared"),
    ("idempotency", "idempotency", 1, "distinct"),
    ("singleton", "singleton", 1, "distinct"),
    ("timeouts (start + finish)", "timeouts", 1, "distinct"),
]


def _runs_ended(table: str, event_ids: list[str], expected: int, timeout: float) -> None:
    """Poll with a client of our own, so the polling is not in the figures."""
    ddb = boto3.client("dynamodb")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ended = 0
        for event_id in event_ids:
            links = ddb.query(
                TableName=table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :r)",
                ExpressionAttributeValues={":pk": {"S": f"E#{event_id}"}, ":r": {"S": "R#"}},
            )["Items"]
            for link in links:
                key = {"pk": {"S": f"R#{link['sk']['S'][2:]}"}, "sk": {"S": "R"}}
                status = ddb.get_item(TableName=table, Key=key)["Item"]["status"]["S"]
                ended += status in ("Completed", "Failed", "Cancelled", "Skipped")
        if ended >= expected:
            return
        time.sleep(0.05)
    raise SystemExit(f"runs did not end in {timeout}s")


def _events(fn: str, count: int, keys: str) -> list[dict[str, Any]]:
    return [
        {
            "name": f"bf/{fn}",
            "data": {
                "k": f"{fn}-{i if keys == 'distinct' else 0}",
                "p": i,
                "hold": 0.2 if keys == "contended" else 0,
            },
        }
        for i in range(count)
    ]


def main() -> None:
    with bench_stack("bench.flow_functions", concurrency=4) as stack:
        http = httpx.Client(base_url=stack.url, timeout=30)

        def send(event: dict[str, Any]) -> str:
            return http.post("/e/key", json=event).json()["ids"][0]

        send({"name": "bf/nothing"})  # cold start outside the figures
        counter = AwsCalls()
        # What accepting one event costs when it starts nothing (a batch run's extra events).
        counter.reset()
        for _ in range(RUNS):
            send({"name": "bf/nothing"})
        s = counter.summary()
        ingest = (s["ddb_reads"] / RUNS, s["ddb_writes"] / RUNS)
        rows = []
        for label, fn, per_run, keys in SCENARIOS:
            stack.pump.wait_idle(10)
            counter.reset()
            events = _events(fn, RUNS * per_run, keys)
            if keys == "contended":
                with concurrent.futures.ThreadPoolExecutor(len(events)) as pool:
                    ids = list(pool.map(send, events))
            else:
                ids = [send(ev) for ev in events]
            _runs_ended(stack.settings.table, ids, RUNS, 60)
            stack.pump.wait_idle(15)
            s = counter.summary()
            reads, writes = s["ddb_reads"] / RUNS, s["ddb_writes"] / RUNS
            # The extra events of a batch run cost their ingestion anyway: leave it out.
            extra = per_run - 1
            net = (reads - ingest[0] * extra, writes - ingest[1] * extra)
            rows.append((label, reads, writes, s["sqs_messages"] / RUNS, net))
        _print(rows, ingest)


def _print(rows: list[tuple[Any, ...]], ingest: tuple[float, float]) -> None:
    _, base_r, base_w, base_q, _ = rows[0]
    header = (
        f"{'option (per run start)':34} {'ddb_r':>6} {'ddb_w':>6} {'sqs':>5}"
        f" | {'+ddb_r':>6} {'+ddb_w':>6} {'+sqs':>5}"
    )
    print(header)
    print("-" * len(header))
    for label, reads, writes, sqs, (net_r, net_w) in rows:
        print(
            f"{label:34} {reads:>6.1f} {writes:>6.1f} {sqs:>5.1f}"
            f" | {net_r - base_r:>+6.1f} {net_w - base_w:>+6.1f} {sqs - base_q:>+5.1f}"
        )
    print(
        f"{RUNS} runs per row; calls, not items (state written in the run-creation transaction"
        f" adds no call).\nbatch_events: + columns leave out the ingestion of the {BATCH - 1}"
        f" extra events ({ingest[0]:.1f} reads, {ingest[1]:.1f} writes each, paid anyway)."
    )


if __name__ == "__main__":
    main()
