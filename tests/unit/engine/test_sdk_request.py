"""What an SDK answer means: a streamed one unwrapped, a failed one made the run's error."""

from __future__ import annotations

import json

from inngest_lambda.engine import sdk_request
from inngest_lambda.sdk.client import SdkResponse


def test_a_streamed_answer_is_unwrapped_with_its_inner_status_headers_and_body():
    inner = {"status": 206, "headers": {"X-Inngest-SDK": "py"}, "body": json.dumps([{"op": "x"}])}
    res = sdk_request.unwrap_streamed(SdkResponse(201, inner, {"content-type": "text/plain"}))
    assert (res.status, res.body) == (206, [{"op": "x"}])
    assert res.headers == {"content-type": "text/plain", "x-inngest-sdk": "py"}


def test_an_answer_that_is_not_streamed_is_kept():
    res = SdkResponse(201, {"no": "status"}, {})
    assert sdk_request.unwrap_streamed(res) is res


def test_the_sdk_error_is_the_run_error_as_the_sdk_sent_it():
    body = {"name": "ValueError", "message": "bad", "stack": "..."}
    res = SdkResponse(500, body, {"x-inngest-sdk": "py:v0.5.19"})
    assert sdk_request.as_error(res) == body


def test_an_answer_no_sdk_produced_is_reported_as_inngest_does():
    error = sdk_request.as_error(SdkResponse(502, "<html>bad gateway</html>", {}))
    assert "502" in error["message"]


def test_a_request_that_got_no_answer_keeps_its_own_error():
    body = {"name": sdk_request.UNREACHABLE, "message": "ConnectError: refused"}
    assert sdk_request.as_error(SdkResponse(502, body, {})) == body
