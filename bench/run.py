"""`make bench`: run workflows through the local stack and print what each run cost.

Per run: SDK requests, DynamoDB reads and writes, SQS messages sent, Scheduler calls, S3 calls,
and wall time from the event API call to the run's end (or to the run parking, for the long
sleep). AWS calls are counted with botocore event hooks on the runtime's own clients, so the
local pump's receive/delete calls are not in the figures (on AWS those are Lambda's).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import boto3
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.counters import AwsCalls  # noqa: E402
from bench.stack import bench_stack  # noqa: E402
from inngest_lambda.sdk import client as sdk  # noqa: E402


def _wait(table: str, event_id: str, until: set[str], timeout: float) -> str:
    """Poll DynamoDB with a client of our own, so the polling is not in the figures."""
    ddb = boto3.client("dynamodb")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        links = ddb.query(
            TableName=table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :r)",
            ExpressionAttributeValues={":pk": {"S": f"E#{event_id}"}, ":r": {"S": "R#"}},
        )["Items"]
        if links:
            run_id = links[0]["sk"]["S"][2:]
            item = ddb.get_item(TableName=table, Key={"pk": {"S": f"R#{run_id}"}, "sk": {"S": "R"}})
            status = item["Item"]["status"]["S"]
            parked = (
                "lease_owner" not in item["Item"]
                and float(item["Item"].get("next_at", {"N": "0"})["N"]) > time.time() + 60
            )
            if status in until or ("Parked" in until and parked):
                return "Parked" if status == "Running" else status
        time.sleep(0.01)
    raise SystemExit(f"run for {event_id} did not finish in {timeout}s")


def main() -> None:
    scenarios = [
        ("100 steps", "bench/steps", {"steps": 100}, {"Completed"}, 120),
        ("10 sleeps of 1s", "bench/sleeps", {"sleeps": 10}, {"Completed"}, 120),
        ("30-day sleep (until parked)", "bench/long", {}, {"Parked"}, 30),
    ]
    with bench_stack("bench.workflows") as stack:
        http = httpx.Client(base_url=stack.url, timeout=30)
        http.post("/e/warmup", json={"name": "bench/nothing"})  # cold start outside the figures
        counter = AwsCalls()
        header = (
            f"{'scenario':30} {'status':10} {'sdk_req':>7} {'ddb_r':>6} {'ddb_w':>6} "
            f"{'sqs_msg':>7} {'sched':>5} {'s3':>3} {'wall_s':>7}"
        )
        print(header)
        print("-" * len(header))
        for label, name, data, until, timeout in scenarios:
            stack.pump.wait_idle(10)
            counter.reset()
            sdk.STATS.clear()
            started = time.perf_counter()
            event_id = http.post("/e/key", json={"name": name, "data": data}).json()["ids"][0]
            status = _wait(stack.settings.table, event_id, until, timeout)
            wall = time.perf_counter() - started
            stack.pump.wait_idle(10)  # let stray deliveries (none expected) show in the counts
            s = counter.summary()
            calls = dict(counter.calls)
            print(
                f"{label:30} {status:10} {sdk.STATS['requests']:>7} {s['ddb_reads']:>6} "
                f"{s['ddb_writes']:>6} {s['sqs_messages']:>7} {s['scheduler_calls']:>5} "
                f"{s['s3_calls']:>3} {wall:>7.2f}"
            )
            if os.environ.get("BENCH_VERBOSE"):
                print("   ", calls)
        from bench import waits

        waits.run(stack.url, int(os.environ.get("BENCH_WAITING", "100000")))
        from bench import ingest

        ingest.run(stack.url, repeats=int(os.environ.get("BENCH_REPEATS", "3")))


if __name__ == "__main__":
    main()
