"""The local API Gateway over real sockets: requests in, v2 events to the handler, responses out."""

import base64
import http.client
import json
import socket
import threading
from urllib.parse import urlsplit

import pytest
from local_fakes import NO_FUNCTIONS, FakeHandler, request

from inngest_lambda.local import LocalStack

handler = FakeHandler()


@pytest.fixture(scope="module")
def stack():
    with LocalStack(
        handler=handler, env=NO_FUNCTIONS, poll_interval=0.05, schedule_interval=0.1
    ) as s:
        yield s


@pytest.fixture(autouse=True)
def fresh_handler():
    handler.reset()
    yield


def test_request_becomes_a_v2_event(stack):
    status, _, _ = request(
        stack.url,
        "POST",
        "/api/inngest?fnId=f1&stepId=a%20b&stepId=c",
        body=b'{"event": {"name": "test"}}',
        headers=[
            ("Content-Type", "application/json"),
            ("X-Inngest-Signature", "sig"),
            ("X-Dup", "1"),
            ("X-Dup", "2"),
            ("Cookie", "session=abc; theme=dark"),
        ],
    )
    assert status == 200
    (event,) = handler.http_events
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/api/inngest"
    assert event["rawQueryString"] == "fnId=f1&stepId=a%20b&stepId=c"
    assert event["queryStringParameters"] == {"fnId": "f1", "stepId": "a b,c"}
    assert event["headers"]["x-inngest-signature"] == "sig"
    assert event["headers"]["x-dup"] == "1,2"
    assert event["headers"]["content-type"] == "application/json"
    assert event["headers"]["host"] == f"127.0.0.1:{stack.port}"
    assert event["headers"]["x-forwarded-port"] == str(stack.port)
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert json.loads(event["body"]) == {"event": {"name": "test"}}
    assert event["isBase64Encoded"] is False
    http_ctx = event["requestContext"]["http"]
    assert http_ctx["method"] == "POST"
    assert http_ctx["path"] == "/api/inngest"
    assert http_ctx["sourceIp"] == "127.0.0.1"
    assert event["requestContext"]["stage"] == "$default"


def test_context_object(stack):
    request(stack.url)
    _, context = handler.calls[0]
    assert context.aws_request_id
    assert context.function_name
    assert context.function_version == "$LATEST"
    assert context.invoked_function_arn.startswith("arn:aws:lambda:us-east-1:")
    assert context.memory_limit_in_mb == "1024"
    assert context.log_group_name.startswith("/aws/lambda/")
    assert context.log_stream_name
    assert 890_000 < context.get_remaining_time_in_millis() <= 900_000


def test_binary_request_body_arrives_base64(stack):
    raw = bytes(range(256)) * 4
    request(
        stack.url, "PUT", "/upload", body=raw, headers={"Content-Type": "application/octet-stream"}
    )
    (event,) = handler.http_events
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw
    assert event["requestContext"]["http"]["method"] == "PUT"


def test_response_status_headers_cookies_and_base64_body(stack):
    raw = b"\x89PNG\r\n\x1a\n\x00binary"
    handler.on_http = lambda event: {
        "statusCode": 206,
        "headers": {"content-type": "image/png", "x-custom": "yes"},
        "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
        "body": base64.b64encode(raw).decode(),
        "isBase64Encoded": True,
    }
    status, headers, body = request(stack.url, "GET", "/img")
    assert status == 206
    assert body == raw
    assert ("content-type", "image/png") in [(k.lower(), v) for k, v in headers]
    assert ("x-custom", "yes") in [(k.lower(), v) for k, v in headers]
    assert [v for k, v in headers if k.lower() == "set-cookie"] == ["a=1; Path=/", "b=2; HttpOnly"]
    assert dict((k.lower(), v) for k, v in headers)["content-length"] == str(len(raw))


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
def test_every_method_reaches_the_handler(stack, method):
    handler.on_http = lambda event: {"statusCode": 200, "body": "payload"}
    status, headers, body = request(
        stack.url, method, "/m", body=b"x" if method in ("POST", "PUT", "PATCH") else None
    )
    assert status == 200
    assert handler.http_events[0]["requestContext"]["http"]["method"] == method
    assert body == (b"" if method == "HEAD" else b"payload")
    assert dict((k.lower(), v) for k, v in headers)["content-length"] == "7"


def test_handler_exception_is_a_502_json_and_the_server_survives(stack):
    def boom(event):
        raise ValueError("functions module exploded")

    handler.on_http = boom
    status, headers, body = request(stack.url, "POST", "/api/inngest", body=b"{}")
    assert status == 502
    payload = json.loads(body)
    assert payload["message"] == "Internal Server Error"
    assert payload["errorType"] == "ValueError"
    assert "exploded" in payload["errorMessage"]
    assert ("content-type", "application/json") in [(k.lower(), v) for k, v in headers]

    handler.on_http = lambda event: {"statusCode": 200, "body": "fine"}
    assert request(stack.url)[2] == b"fine"


def test_unusable_responses_are_502(stack):
    handler.on_http = lambda event: {"statusCode": 200, "body": object()}  # not JSON at all
    status, _, body = request(stack.url)
    assert status == 502
    assert json.loads(body)["errorType"] == "Runtime.MarshalError"
    handler.on_http = lambda event: {"statusCode": "nope"}
    status, _, body = request(stack.url)
    assert status == 502
    assert json.loads(body)["errorType"] == "MalformedLambdaResponse"


def test_result_without_status_code_is_json_200(stack):
    handler.on_http = lambda event: {"hello": "world"}
    status, headers, body = request(stack.url)
    assert status == 200
    assert json.loads(body) == {"hello": "world"}


def test_keep_alive_reuses_the_connection(stack):
    parts = urlsplit(stack.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request("POST", "/one", body=b"first", headers={"Content-Type": "text/plain"})
        first = conn.getresponse()
        assert first.read() == b"ok"
        sock = conn.sock
        conn.request("POST", "/two", body=b"second", headers={"Content-Type": "text/plain"})
        second = conn.getresponse()
        assert second.read() == b"ok"
        assert conn.sock is sock  # same TCP connection
    finally:
        conn.close()
    assert [e["body"] for e in handler.http_events] == ["first", "second"]


def _raw_exchange(url: str, raw_request: bytes) -> bytes:
    """Send raw bytes, read until the server closes the connection."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(raw_request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_chunked_request_body(stack):
    data = _raw_exchange(
        stack.url,
        b"POST /chunked HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    )
    assert data.startswith(b"HTTP/1.1 200")
    assert handler.http_events[0]["body"] == "hello world"


def test_concurrent_requests(stack):
    barrier = threading.Barrier(4, timeout=5)

    def slow(event):
        barrier.wait()  # all four are inside the handler at once
        return {"statusCode": 200, "body": event["rawPath"]}

    handler.on_http = slow
    results: list[bytes] = []
    threads = [
        threading.Thread(target=lambda i=i: results.append(request(stack.url, "GET", f"/{i}")[2]))
        for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(results) == [b"/0", b"/1", b"/2", b"/3"]


def test_each_response_is_one_write_on_a_nodelay_socket(stack, monkeypatch):
    """Headers and body leave in one write on a TCP_NODELAY socket: two writes without it let
    Nagle's algorithm hold the body for the client's delayed ACK (~40 ms) on a kept-alive
    connection. Counted at the server's transports (the test's client uses blocking sockets)."""
    from asyncio import selector_events

    writes: list[tuple[int, bytes]] = []
    original = selector_events._SelectorSocketTransport.write

    def counting(self, data):
        if data:
            sock = self.get_extra_info("socket")
            writes.append((sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), bytes(data)))
        return original(self, data)

    monkeypatch.setattr(selector_events._SelectorSocketTransport, "write", counting)
    handler.on_http = lambda event: {"statusCode": 200, "body": "payload-" + event["rawPath"]}
    parts = urlsplit(stack.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        for i in range(3):
            conn.request("POST", f"/{i}", body=b"x", headers={"Content-Type": "text/plain"})
            assert conn.getresponse().read() == f"payload-/{i}".encode()
    finally:
        conn.close()
    assert len(writes) == 3  # one per response
    for i, (nodelay, data) in enumerate(writes):
        assert nodelay == 1
        assert data.startswith(b"HTTP/1.1 200 ")
        assert data.endswith(f"\r\n\r\npayload-/{i}".encode())  # headers and body together


def test_a_body_over_the_gateway_limit_is_413_without_reading_it(stack):
    data = _raw_exchange(  # the server closes the connection after answering
        stack.url,
        b"POST /e/key HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 10485761\r\n\r\n{}",
    )
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in head.lower()
    assert json.loads(body)["error"] == "413 Request Entity Too Large"
    assert handler.http_events == []  # the handler never saw it


def test_a_mounted_asgi_app_answers_its_prefix_on_the_same_port():
    """The seam for routes that are not API Gateway (a WebSocket endpoint, say)."""
    from inngest_lambda.local.server import LocalServer

    async def extra(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": scope["path"].encode()})

    server = LocalServer(FakeHandler())
    server.mount("/v1/realtime", extra)
    server.start()
    try:
        assert request(server.url, "GET", "/v1/realtime/connect")[2] == b"/v1/realtime/connect"
        assert request(server.url, "GET", "/other")[0] == 200  # the handler's
    finally:
        server.stop()
    with pytest.raises(RuntimeError):
        server.start().mount("/late", extra)
    server.stop()
