"""`make bench` (cold start): what a fresh Lambda process pays before it can answer, measured in
fresh Python processes, repeated (min/median).

- bare: importing fastapi, mangum, boto3 and inngest, nothing else (the floor any
  FastAPI+Mangum+boto3 Inngest app pays);
- runtime: importing the handler, `get_runtime()` (settings, the user's functions module, the
  registry, the FastAPI app, the executor), then the first API Gateway request (the SDK's
  introspection route) and the first SQS invocation (a message the executor drops), as Lambda
  would call them. No AWS call is made on this path, so no network and no moto are involved.
  The DynamoDB client is made on first use, so this path imports no boto3; the last mark adds
  the client a cold start that drives a run makes (without its one call on first use, the
  data-format marker read of `storage/data_format.py`: a GetItem round trip in the region).

Goal: runtime <= 1.1x bare. The breakdown names the biggest parts of the runtime's own time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE = """
import time
t0 = time.perf_counter()
import fastapi, mangum, boto3, inngest
print(time.perf_counter() - t0)
"""

RUNTIME = """
import json, time
t0 = time.perf_counter()
from inngest_lambda.handler import handler
marks = {"import handler": time.perf_counter() - t0}

class Context:
    def get_remaining_time_in_millis(self):
        return 900_000

from inngest_lambda.runtime import get_runtime
get_runtime()
marks["get_runtime"] = time.perf_counter() - t0
http = {
    "version": "2.0", "routeKey": "$default", "rawPath": "/api/inngest", "rawQueryString": "",
    "headers": {"host": "lambda.local"}, "isBase64Encoded": False,
    "requestContext": {"http": {"method": "GET", "path": "/api/inngest", "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1", "userAgent": "bench"}, "stage": "$default",
        "requestId": "r", "routeKey": "$default", "accountId": "1", "apiId": "a",
        "domainName": "lambda.local", "domainPrefix": "lambda", "time": "", "timeEpoch": 0},
}
res = handler(http, Context())
assert res["statusCode"] == 200, res
marks["first HTTP"] = time.perf_counter() - t0
sqs = {"Records": [{"messageId": "m1", "receiptHandle": "h", "body": json.dumps({"kind": "bench"}),
    "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs"}]}
assert handler(sqs, Context()) == {"batchItemFailures": []}
marks["first SQS"] = time.perf_counter() - t0
# What the first real drive adds: the DynamoDB client (made as `Store.ddb` makes it). Its first
# use also reads the data-format marker once per process (one GetItem: a network round trip,
# not measured here, where no AWS is reachable).
from inngest_lambda.core import aws
aws.client("dynamodb")
marks["+ DynamoDB client"] = time.perf_counter() - t0
print(json.dumps(marks))
"""


def _env() -> dict[str, str]:
    # Bytecode is written and used (a machine may set PYTHONDONTWRITEBYTECODE): the layers ship
    # it, so compiling sources on every start would measure something Lambda does not do.
    # Nor is a CA bundle named by the machine (SSL_CERT_FILE/_DIR; this one names Debian's
    # 290-certificate bundle): Lambda sets none, so httpx loads certifi's, as measured here.
    dropped = {"PYTHONDONTWRITEBYTECODE", "SSL_CERT_FILE", "SSL_CERT_DIR"}
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("INNGEST", "AWS_")) and k not in dropped
    }
    env.update(
        {
            # This tree's package first: a worktree measures its own code, not the installed one.
            "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "runtime"), str(ROOT)]),
            "INNGEST_LAMBDA_FUNCTIONS": "bench.workflows",
            "INNGEST_LAMBDA_TABLE": "bench-table",
            "INNGEST_LAMBDA_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/bench",
            "INNGEST_LAMBDA_LOG_LEVEL": "ERROR",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "INNGEST_DEV": "1",
        }
    )
    return env


def _run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], env=_env(), capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"cold start probe failed:\n{out.stderr[-2000:]}")
    return out.stdout.strip().splitlines()[-1]


def measure(repeats: int) -> dict[str, list[float]]:
    bare: list[float] = []
    runtime: dict[str, list[float]] = {}
    _run(BARE), _run(RUNTIME)  # writes the bytecode caches; not counted
    for _ in range(repeats):  # interleaved, so machine noise hits both alike
        bare.append(float(_run(BARE)))
        for mark, value in json.loads(_run(RUNTIME)).items():
            runtime.setdefault(mark, []).append(value)
    return {"bare": bare, **runtime}


def main() -> None:
    repeats = int(os.environ.get("BENCH_COLD_REPEATS", "5"))
    figures = measure(repeats)
    print(f"cold start, fresh processes, min/median of {repeats}, seconds")
    for mark, values in figures.items():
        print(f"  {mark:16} {min(values):7.3f} {statistics.median(values):7.3f}")
    ratio = min(figures["first SQS"]) / min(figures["bare"])
    print(f"  runtime / bare = {ratio:.2f} (goal <= 1.1: {'met' if ratio <= 1.1 else 'NOT met'})")
    # The runtime makes its DynamoDB client (and imports boto3) on first use, so the path
    # above skips what bare pays for boto3; a cold start that drives a run pays it here.
    ratio = min(figures["+ DynamoDB client"]) / min(figures["bare"])
    print(f"  with the DynamoDB client a first drive makes / bare = {ratio:.2f}")


if __name__ == "__main__":
    main()
