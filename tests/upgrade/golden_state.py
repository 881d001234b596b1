"""Golden items: what a deployed version leaves in AWS mid-run, dumped to JSON and loaded back.

`python -m tests.upgrade.golden_state` (`make golden-items`) drives the runs of
`golden_functions.py` with the code of the working tree to their mid-states (a sleep pending on a
schedule and on a delayed message, a wait_for_event, an invoke pending its child, a retry
scheduled, a debounce, a throttled run, a step output in S3, a run queued) on the `durable`
harness, and writes everything the runtime keeps (table items, S3 objects with tags, schedules,
queue messages) to `golden/format-<DATA_FORMAT_VERSION>.json`, and refuses to overwrite one
(`--force` does, while that format is unreleased). Generate a file ONLY when a release changes
the stored layout (and DATA_FORMAT_VERSION), and keep the old ones: each is the state that
release's users have deployed, and tests/upgrade/test_golden_items.py runs every one of them to
completion with the current code.
"""

from __future__ import annotations

import base64
import datetime
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from inngest_lambda import settings as s

HERE = Path(__file__).resolve().parent
GOLDEN_DIR = HERE / "golden"
FUNCTIONS = "tests.upgrade.golden_functions"
START = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)


def drive_to_mid_states(durable: Any) -> None:
    """Start every golden run and leave each waiting on something (nothing is in flight)."""
    durable.send("golden/sleep", {"n": 1})
    durable.send("golden/short", {"n": 2})
    durable.send("golden/order", {"order": "o-1"})
    durable.send("golden/parent", {"n": 3})
    durable.send("golden/flaky", {})
    durable.send("golden/debounce", {"n": 1})
    durable.send("golden/debounce", {"n": 2})
    durable.send_many([{"name": "golden/throttle", "data": {"n": i}} for i in (1, 2)])
    durable.send("golden/big", {})
    durable.send("golden/queued", {"n": 4}, process=False)


def dump(durable: Any) -> dict[str, Any]:
    """Everything the runtime keeps in the local stack's AWS, in a JSON-ready shape."""
    from inngest_lambda.core import aws

    st = durable.stack.settings
    ddb, s3, scheduler = aws.client("dynamodb"), aws.client("s3"), aws.client("scheduler")
    items: list[dict[str, Any]] = []
    for page in ddb.get_paginator("scan").paginate(TableName=st.table):
        items.extend(page["Items"])
    items.sort(key=lambda it: (it[s.TABLE_PK]["S"], it[s.TABLE_SK]["S"]))
    objects = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=st.bucket):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=st.bucket, Key=obj["Key"])["Body"].read()
            tags = s3.get_object_tagging(Bucket=st.bucket, Key=obj["Key"])["TagSet"]
            objects.append(
                {"key": obj["Key"], "body": base64.b64encode(body).decode(), "tags": tags}
            )
    schedules = []
    for page in scheduler.get_paginator("list_schedules").paginate(GroupName=st.schedule_group):
        for entry in page["Schedules"]:
            got = scheduler.get_schedule(GroupName=st.schedule_group, Name=entry["Name"])
            schedules.append({k: got[k] for k in _SCHEDULE_FIELDS if k in got})
    schedules.sort(key=lambda x: x["Name"])
    return {
        "data_format": s.DATA_FORMAT_VERSION,
        "generated_from": _commit(),
        "now": durable.clock.now(),
        "table": items,
        "objects": objects,
        "schedules": schedules,
        "messages": _queued_messages(st.queue_url, st.region, durable.clock.now()),
    }


_SCHEDULE_FIELDS = (
    "Name",
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "Target",
    "FlexibleTimeWindow",
    "ActionAfterCompletion",
    "State",
    "Description",
)


def _queued_messages(queue_url: str, region: str, now: float) -> list[dict[str, Any]]:
    """The work queue's messages and when each becomes receivable (seconds from `now`). SQS has
    no API that reads a queue without receiving it, so this looks inside moto."""
    from moto.sqs.models import sqs_backends

    account, name = queue_url.rstrip("/").split("/")[-2:]
    queue = sqs_backends[account][region].queues[name]
    out = []
    for m in list(queue._messages):
        due = max(m.delayed_until, m.visible_at) / 1000
        out.append({"body": m.body, "delay_seconds": max(0, round(due - now))})
    return sorted(out, key=lambda m: (m["delay_seconds"], m["body"]))


def load(durable: Any, state: dict[str, Any]) -> None:
    """Replace what the fresh stack holds with `state`, as if an old version had written it."""
    from inngest_lambda.core import aws

    st = durable.stack.settings
    ddb, s3, scheduler = aws.client("dynamodb"), aws.client("s3"), aws.client("scheduler")
    keys = (s.TABLE_PK, s.TABLE_SK)
    for page in ddb.get_paginator("scan").paginate(TableName=st.table):
        for item in page["Items"]:
            ddb.delete_item(TableName=st.table, Key={k: item[k] for k in keys})
    for item in state["table"]:
        ddb.put_item(TableName=st.table, Item=item)
    for obj in state["objects"]:
        s3.put_object(Bucket=st.bucket, Key=obj["key"], Body=base64.b64decode(obj["body"]))
        s3.put_object_tagging(Bucket=st.bucket, Key=obj["key"], Tagging={"TagSet": obj["tags"]})
    for sched in state["schedules"]:
        scheduler.create_schedule(GroupName=st.schedule_group, **sched)
    sqs = aws.client("sqs")
    for msg in state["messages"]:
        if msg["delay_seconds"] > s.MAX_SQS_DELAY_SECONDS:
            raise ValueError(f"a message due in {msg['delay_seconds']} s cannot be re-created")
        sqs.send_message(
            QueueUrl=st.queue_url, MessageBody=msg["body"], DelaySeconds=msg["delay_seconds"]
        )


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
        )
        return out.stdout.strip()
    except OSError:
        return "unknown"


def main(argv: list[str]) -> int:
    from inngest_lambda.testing import Durable

    path = GOLDEN_DIR / f"format-{s.DATA_FORMAT_VERSION}.json"
    if path.exists() and "--force" not in argv:
        print(
            f"{path.name} exists: it is what users of data format {s.DATA_FORMAT_VERSION} have"
            " deployed, keep it. Raise DATA_FORMAT_VERSION for a new layout, or pass --force"
            " to rewrite it (only while that format is unreleased).",
            file=sys.stderr,
        )
        return 1
    with Durable(FUNCTIONS, start=START) as durable:
        drive_to_mid_states(durable)
        state = dump(durable)
    GOLDEN_DIR.mkdir(exist_ok=True)
    path.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
    print(
        f"wrote {path.relative_to(Path.cwd())}: {len(state['table'])} items,"
        f" {len(state['objects'])} objects, {len(state['schedules'])} schedules,"
        f" {len(state['messages'])} messages",
        file=sys.stderr,
    )

    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
