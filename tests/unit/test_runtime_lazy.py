"""A cold start pays only for what its first invocations use: the SDK's introspection and a
queue message need neither the DynamoDB client nor the full API app (about 0.1 s each)."""

from __future__ import annotations

import json

from inngest_lambda import handler as entry
from inngest_lambda.local.apigw import build_event
from inngest_lambda.local.invoke import LambdaContext
from inngest_lambda.runtime import get_runtime


def _http(method: str, path: str) -> dict:
    return entry.handler(
        build_event(method, path, "", [("host", "x")], b"", "127.0.0.1"), LambdaContext()
    )


def test_introspection_and_a_dropped_message_build_no_client_and_no_api_app(fresh_runtime):
    res = _http("GET", "/api/inngest")
    assert res["statusCode"] == 200
    assert json.loads(res["body"])["function_count"] == 3  # bench.workflows' functions
    sqs = {
        "Records": [
            {
                "messageId": "m1",
                "receiptHandle": "h",
                "body": json.dumps({"kind": "x"}),
                "attributes": {},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
            }
        ]
    }
    assert entry.handler(sqs, LambdaContext()) == {"batchItemFailures": []}
    rt = get_runtime()
    assert rt.store._ddb is None
    assert rt.app._app is None


def test_any_other_path_builds_the_full_api_app_once(fresh_runtime):
    first = _http("GET", "/no-such-route")
    assert first["statusCode"] == 404
    app = get_runtime().app.api_app
    slash = _http("GET", "/api/inngest/")  # the full app redirects it to the serve path
    assert (slash["statusCode"], slash["headers"]["location"]) == (307, "http://x/api/inngest")
    assert get_runtime().app.api_app is app
    assert get_runtime().store._ddb is None


def test_http_requests_never_build_the_executor(fresh_runtime):
    """The engine (about 30 modules) is imported for the first queue message, not before."""
    assert _http("GET", "/api/inngest")["statusCode"] == 200
    assert _http("GET", "/no-such-route")["statusCode"] == 404  # builds the full API app
    rt = get_runtime()
    assert "executor" not in vars(rt)  # functools.cached_property: set on first use
    assert rt.executor is rt.executor
