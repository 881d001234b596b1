"""Realtime costs a cold start nothing: its engine, PyJWT and the management API client are
imported on the first realtime request, not by the handler or the full API app."""

from __future__ import annotations

import json
import os
import subprocess
import sys

_PROBE = """
import json, sys
from inngest_lambda import handler as entry
from inngest_lambda.local.apigw import build_event
from inngest_lambda.local.invoke import LambdaContext

def http(method, path, body=b""):
    event = build_event(method, path, "", [("host", "x")], body, "127.0.0.1")
    return entry.handler(event, LambdaContext())["statusCode"]

loaded = lambda: sorted(m for m in ("jwt", "inngest_lambda.realtime.service") if m in sys.modules)
statuses = [http("GET", "/api/inngest"), http("GET", "/no-such-route")]
before = loaded()
statuses.append(http("POST", "/v1/realtime/token", b'[{"channel": "c", "name": "t"}]'))
print(json.dumps({"statuses": statuses, "before": before, "after": loaded()}))
"""


def test_the_realtime_engine_is_imported_by_the_first_realtime_request_only():
    env = {
        **os.environ,
        "INNGEST_LAMBDA_FUNCTIONS": "bench.workflows",
        "INNGEST_DEV": "http://127.0.0.1:9",
    }
    for name in ("INNGEST_SIGNING_KEY", "INNGEST_LAMBDA_SIGNING_KEY_SECRET_ARN"):
        env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {
        "statuses": [200, 404, 201],
        "before": [],
        "after": ["inngest_lambda.realtime.service", "jwt"],
    }
