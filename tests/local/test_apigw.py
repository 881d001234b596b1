"""API Gateway v2 event building and response parsing, without sockets."""

import base64
import json

import pytest

from inngest_lambda.local import apigw


def _event(**overrides):
    args = {
        "method": "post",
        "path": "/api/inngest",
        "query_string": "fnId=a%20b&stepId=step&stepId=two&empty=",
        "headers": [
            ("Host", "127.0.0.1:8288"),
            ("Content-Type", "application/json"),
            ("X-Multi", "one"),
            ("x-multi", "two"),
            ("Cookie", "a=1; b=2"),
            ("Cookie", "c=3"),
            ("User-Agent", "inngest-py/0.5"),
        ],
        "body": b'{"hello": "world"}',
        "source_ip": "127.0.0.1",
    }
    args.update(overrides)
    return apigw.build_event(
        args.pop("method"),
        args.pop("path"),
        args.pop("query_string"),
        args.pop("headers"),
        args.pop("body"),
        args.pop("source_ip"),
        port=8288,
        **args,
    )


def test_event_has_the_v2_shape():
    event = _event()
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/api/inngest"
    assert event["rawQueryString"] == "fnId=a%20b&stepId=step&stepId=two&empty="
    assert event["queryStringParameters"] == {"fnId": "a b", "stepId": "step,two", "empty": ""}
    assert event["body"] == '{"hello": "world"}'
    assert event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["http"] == {
        "method": "POST",
        "path": "/api/inngest",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "inngest-py/0.5",
    }
    assert ctx["stage"] == "$default"
    assert ctx["routeKey"] == "$default"
    assert ctx["domainName"] == "127.0.0.1"
    assert isinstance(ctx["timeEpoch"], int) and ctx["requestId"]
    assert ctx["time"].endswith("+0000")


def test_headers_lowercased_joined_and_cookies_split():
    event = _event()
    headers = event["headers"]
    assert all(k == k.lower() for k in headers)
    assert headers["x-multi"] == "one,two"
    assert headers["host"] == "127.0.0.1:8288"
    assert "cookie" not in headers
    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-port"] == "8288"


def test_binary_and_non_text_bodies_are_base64():
    raw = bytes(range(256))
    event = _event(headers=[("Content-Type", "application/octet-stream")], body=raw)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw
    # Text content type but not UTF-8: still base64.
    event = _event(headers=[("Content-Type", "text/plain")], body=b"\xff\xfe")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\xfe"


def test_no_body_and_no_query():
    event = _event(method="GET", query_string="", body=b"")
    assert "body" not in event
    assert event["isBase64Encoded"] is False
    assert "queryStringParameters" not in event
    assert "cookies" in event  # from the headers
    assert "cookies" not in _event(headers=[])


def test_split_target():
    assert apigw.split_target("/a/b%20c?x=1&y") == ("/a/b%20c", "x=1&y")
    assert apigw.split_target("/") == ("/", "")
    assert apigw.split_target("http://h:1/p?q=1") == ("/p", "q=1")


def test_response_headers_cookies_and_text_body():
    res = apigw.parse_response(
        {
            "statusCode": 201,
            "headers": {"content-type": "application/json", "x-n": 5, "Content-Length": "999"},
            "cookies": ["a=1; Path=/", "b=2"],
            "body": '{"ok": true}',
            "isBase64Encoded": False,
        }
    )
    assert res.status == 201
    assert ("content-type", "application/json") in res.headers
    assert ("x-n", "5") in res.headers
    assert [v for k, v in res.headers if k == "set-cookie"] == ["a=1; Path=/", "b=2"]
    assert not any(k.lower() == "content-length" for k, _ in res.headers)
    assert res.body == b'{"ok": true}'


def test_response_base64_body_and_multi_value_headers():
    raw = b"\x00\x01binary\xff"
    res = apigw.parse_response(
        {
            "statusCode": 200,
            "multiValueHeaders": {"x-m": ["1", "2"]},
            "body": base64.b64encode(raw).decode(),
            "isBase64Encoded": True,
        }
    )
    assert res.body == raw
    assert [v for k, v in res.headers if k == "x-m"] == ["1", "2"]


def test_result_without_status_code_is_a_json_200():
    res = apigw.parse_response({"hello": "world"})
    assert res.status == 200
    assert res.headers == [("content-type", "application/json")]
    assert json.loads(res.body) == {"hello": "world"}
    assert json.loads(apigw.parse_response(None).body) is None


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "abc"},
        {"statusCode": 700},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "body": "***", "isBase64Encoded": True},
    ],
)
def test_malformed_responses(result):
    with pytest.raises(apigw.MalformedResponse):
        apigw.parse_response(result)
