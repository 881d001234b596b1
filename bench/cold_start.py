"""Cold start of the Lambda: a fresh process imports the handler, builds the runtime and answers
its first API Gateway request (GET of an unknown run, a 404), against moto.

    .venv/bin/python bench/cold_start.py [repeats] [path]

Prints min and median wall and CPU time over fresh processes (CPU time is the steadier figure
on a busy machine). moto is started before the clock starts; its import
is not part of the figure (Lambda has real AWS instead).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, sys, time
from moto import mock_aws
mock = mock_aws(); mock.start()
from inngest_lambda import settings
from inngest_lambda.local.resources import create_resources
from inngest_lambda.local.apigw import build_event
from inngest_lambda.local.invoke import LambdaContext
create_resources(settings.get_settings())
event = build_event("GET", sys.argv[1], "", [("host", "x")], b"", "127.0.0.1")
context = LambdaContext()
t0, c0 = time.perf_counter(), time.process_time()
from inngest_lambda.handler import handler
res = handler(event, context)
t1, c1 = time.perf_counter(), time.process_time()
print(json.dumps({"seconds": t1 - t0, "cpu": c1 - c0, "status": res["statusCode"]}))
"""


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    path = sys.argv[2] if len(sys.argv) > 2 else "/v1/runs/01UNKNOWN"
    env = {
        **os.environ,
        "INNGEST_DEV": "1",
        "INNGEST_LAMBDA_FUNCTIONS": os.environ.get("INNGEST_LAMBDA_FUNCTIONS", "functions"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    times = []
    cpu = []
    status = None
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, path], env=env, capture_output=True, text=True, check=True
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        times.append(result["seconds"])
        cpu.append(result["cpu"])
        status = result["status"]
    print(
        f"cold start (import handler, build runtime, first request {path} -> {status}): "
        f"wall min {min(times) * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms; "
        f"CPU min {min(cpu) * 1000:.0f} ms, median {statistics.median(cpu) * 1000:.0f} ms; "
        f"{repeats} fresh processes"
    )


if __name__ == "__main__":
    main()
