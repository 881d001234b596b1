"""Remote SDK answers are framed as Inngest's Go server frames them (sdk_transport)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from inngest_lambda import sdk
from inngest_lambda.sdk_transport import without_http10_transfer_encoding

STREAMED = b' {"status": 200, "body": "\\"Hi\\"", "headers": {}}'


def _serve_once(answer: bytes) -> tuple[str, threading.Thread]:
    """A server that reads one request, writes `answer` verbatim and closes the connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        with conn, listener:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(
                next(
                    line
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ).split(b":")[1]
            )
            while len(body) < length:
                body += conn.recv(65536)
            conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/api/inngest", thread


@pytest.fixture()
def client() -> Iterator[sdk.SdkClient]:
    yield sdk.SdkClient(asgi_app=None, signing_key=None)


def _call(client: sdk.SdkClient, url: str) -> sdk.SdkResponse:
    async def call() -> sdk.SdkResponse:
        try:
            return await client.call(url, False, "fn", "step", b'{"event": {}}')
        finally:
            await client.aclose()

    return asyncio.run(call())


# What a Python http.server proxy sends for a streamed SDK answer (the SDK suite's proxy does):
# the app's chunked header, forwarded on an HTTP/1.0 response whose body is not chunked.
HTTP10_WITH_CHUNKED_HEADER = (
    b"HTTP/1.0 201 Created\r\nServer: proxy\r\ncontent-type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\nx-inngest-sdk: inngest-py:v0.5\r\n\r\n" + STREAMED
)


def test_plain_httpx_rejects_an_http10_answer_with_a_chunked_header():
    """The case this transport exists for: without it the call fails (as it did before)."""
    url, thread = _serve_once(HTTP10_WITH_CHUNKED_HEADER)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(url, content=b"{}", timeout=5)
    thread.join(5)


def test_http10_answer_with_a_chunked_header_is_read_until_close(client):
    """Go's net/http ignores Transfer-Encoding on HTTP/1.0 and reads until close; so do we."""
    url, thread = _serve_once(HTTP10_WITH_CHUNKED_HEADER)
    res = _call(client, url)
    thread.join(5)
    assert res.status == 201
    assert res.body == json.loads(STREAMED)
    assert res.headers["x-inngest-sdk"] == "inngest-py:v0.5"
    assert "transfer-encoding" not in res.headers


def test_http11_chunked_answer_is_still_de_chunked(client):
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(part), part) for part in (STREAMED[:10], STREAMED[10:])
    )
    answer = b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    url, thread = _serve_once(answer + chunks + b"0\r\n\r\n")
    res = _call(client, url)
    thread.join(5)
    assert res.status == 201
    assert res.body == json.loads(STREAMED)


def test_http10_answer_with_content_length_keeps_its_length(client):
    body = b'"done"'
    answer = b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    url, thread = _serve_once(answer)
    res = _call(client, url)
    thread.join(5)
    assert (res.status, res.body) == (200, "done")


@pytest.mark.parametrize(
    "head, expected",
    [
        (
            b"HTTP/1.0 201 Created\r\nTransfer-Encoding: chunked\r\nA: b\r\n\r\n",
            b"HTTP/1.0 201 Created\r\nA: b\r\n\r\n",
        ),
        (
            b"HTTP/1.0 200 OK\ntransfer-encoding:chunked\nA: b\n\n",
            b"HTTP/1.0 200 OK\nA: b\n\n",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        ),
        # A header whose value merely mentions the name is kept.
        (
            b"HTTP/1.0 200 OK\r\nX-Note: Transfer-Encoding: chunked\r\n\r\n",
            b"HTTP/1.0 200 OK\r\nX-Note: Transfer-Encoding: chunked\r\n\r\n",
        ),
    ],
)
def test_only_http10_heads_lose_transfer_encoding(head, expected):
    assert without_http10_transfer_encoding(head) == expected
