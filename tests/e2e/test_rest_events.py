"""With `apiFrontDoor=rest-waf` the API function receives REST API (payload 1.0) events: the same
handler answers them (Mangum reads both), so events, run reads and the SDK endpoint work."""

from __future__ import annotations

import json
import types

from inngest_lambda import handler
from inngest_lambda.runtime import get_runtime


def _rest_event(method: str, path: str, body: object = None) -> dict:
    """What API Gateway's REST API sends a Lambda proxy integration (stage `api`)."""
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {"content-type": "application/json", "host": "x.execute-api.local"},
        "multiValueHeaders": {
            "content-type": ["application/json"],
            "host": ["x.execute-api.local"],
        },
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/api{path}",
            "stage": "api",
            "requestId": "rest-1",
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


def test_a_rest_api_event_is_ingested_and_its_runs_read(stack, api):
    context = types.SimpleNamespace(aws_request_id="rest-1", function_name="api")
    sent = handler.handler(
        _rest_event("POST", "/e/key", {"name": "e2e/three", "data": {"n": 5}}), context
    )
    assert sent["statusCode"] == 200, sent
    (event_id,) = json.loads(sent["body"])["ids"]
    assert get_runtime().store.get_event(event_id) is not None
    run = api.wait_run(event_id)
    assert run["output"]["c"] == "5->6->12"
    read = handler.handler(_rest_event("GET", f"/v1/runs/{run['run_id']}"), context)
    assert read["statusCode"] == 200
    assert json.loads(read["body"])["data"]["status"] == "Completed"
