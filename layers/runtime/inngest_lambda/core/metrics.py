"""CloudWatch metrics through the embedded metric format (EMF): one JSON line on stdout.

Lambda ships stdout to CloudWatch Logs, which extracts the metric; no API call, no client, no
permission beyond the log group. Used for what the Lambda's own metrics cannot see, such as a
drive that failed inside an invocation that itself succeeded (failures are caught per message
and reported as partial batch failures, so Lambda's Errors metric stays at zero).

Run and step figures (`Batch`) are collected per drive of a run and per SQS batch and written
as one line each (arrays of values), never one line per step:

    RunsStarted, RunsCompleted, RunsFailed, RunsCancelled   Count         FunctionName, FunctionId
    StepDuration     each step attempt that ended           Milliseconds  FunctionName, FunctionId
    SleepLateness    wake-up time minus the sleep's due time Milliseconds FunctionName, FunctionId
    QueueAge         handling time minus when a message was due  Milliseconds  FunctionName

`Batch` writes through the log module's stream, in Lambda (AWS_LAMBDA_FUNCTION_NAME is set) or
when INNGEST_LAMBDA_METRICS=1; elsewhere (the local stack) it stays quiet.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import defaultdict

from inngest_lambda.settings import ENV_METRICS

NAMESPACE = "InngestLambda"
DRIVE_FAILURES = "DriveFailures"
# Realtime frames that could not be posted to a live connection (realtime/fanout.py).
REALTIME_POST_FAILURES = "RealtimePostFailures"
# Shards of the sweep index a sweep could not read (engine/sweeper.py; swept the next minute).
SWEEP_SHARD_FAILURES = "SweepShardFailures"
# Set by Lambda; the dimension tells two deployments in one account apart.
_FUNCTION_NAME_ENV = "AWS_LAMBDA_FUNCTION_NAME"


def count(name: str, value: float = 1, *, stream: object = None) -> None:
    """Add `value` to the metric `name` (unit Count), dimension FunctionName."""
    function_name = os.environ.get(_FUNCTION_NAME_ENV, "local")
    line = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [["FunctionName"]],
                    "Metrics": [{"Name": name, "Unit": "Count"}],
                }
            ],
        },
        "FunctionName": function_name,
        name: value,
    }
    out = stream if stream is not None else sys.stdout
    print(json.dumps(line, separators=(",", ":")), file=out, flush=True)  # type: ignore[call-overload]


# --- run and step figures -------------------------------------------------------------------
UNITS = {
    "RunsStarted": "Count",
    "RunsCompleted": "Count",
    "RunsFailed": "Count",
    "RunsCancelled": "Count",
    "StepDuration": "Milliseconds",
    "SleepLateness": "Milliseconds",
    "QueueAge": "Milliseconds",
}
MAX_VALUES = 100  # EMF's limit of values in one metric's array


def enabled() -> bool:
    flag = os.environ.get(ENV_METRICS)
    if flag is not None:
        return flag == "1"
    return bool(os.environ.get(_FUNCTION_NAME_ENV))


class Batch:
    """Values of one drive (per function) or one SQS batch, written as one line by `flush`."""

    def __init__(self, function_id: str | None = None) -> None:
        self.function_id = function_id
        self.values: dict[str, list[float]] = defaultdict(list)

    def add(self, name: str, value: float) -> None:
        if name not in UNITS:
            raise ValueError(f"unknown metric {name!r}")
        self.values[name].append(round(value, 3))

    def count(self, name: str) -> None:
        self.add(name, 1)

    def flush(self) -> None:
        values, self.values = self.values, defaultdict(list)
        if not values or not enabled():
            return
        from inngest_lambda.core.log import write_line

        for line in render(values, self.function_id):
            write_line(line)


def render(values: dict[str, list[float]], function_id: str | None) -> list[str]:
    """EMF documents for these values (more than one only past MAX_VALUES values of a metric)."""
    chunks = {
        name: [vs[i : i + MAX_VALUES] for i in range(0, len(vs), MAX_VALUES)]
        for name, vs in values.items()
    }
    dimensions = ["FunctionName", "FunctionId"] if function_id else ["FunctionName"]
    lines = []
    for part in range(max(len(c) for c in chunks.values())):
        names = [n for n, c in chunks.items() if part < len(c)]
        doc: dict[str, object] = {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [dimensions],
                        "Metrics": [{"Name": n, "Unit": UNITS[n]} for n in names],
                    }
                ],
            },
            "FunctionName": os.environ.get(_FUNCTION_NAME_ENV, "local"),
        }
        if function_id:
            doc["FunctionId"] = function_id
        for n in names:
            vs = chunks[n][part]
            doc[n] = vs[0] if len(vs) == 1 else vs
        lines.append(json.dumps(doc, separators=(",", ":")))
    return lines
