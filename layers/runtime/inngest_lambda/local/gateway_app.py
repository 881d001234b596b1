"""The local API Gateway as an ASGI app: an HTTP request in, the Lambda's answer out.

It reads the request (refusing a body over the gateway's limit with 413, without reading the
rest, and closing that connection as the rest is still on the wire), hands method, target,
headers, body and client address to `invoke` (the local server's `respond`, run off the event
loop) and sends the `apigw.HttpResponse` back in one `http.response.start` and one
`http.response.body`, so the server can send them as one write. Paths under a mounted prefix go
to their own ASGI app instead (HTTP or WebSocket), on the same port.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from inngest_lambda.local import apigw

log = logging.getLogger("inngest_lambda.local.http")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Invoke = Callable[[str, str, list[tuple[str, str]], bytes, str, str], Awaitable[apigw.HttpResponse]]


class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


class GatewayApp:
    """ASGI: API Gateway's side of a request, the handler's answer from `invoke`."""

    def __init__(
        self,
        invoke: Invoke,
        max_request_bytes: int,
        *,
        mounts: Sequence[tuple[str, ASGIApp]] = (),
    ) -> None:
        self._invoke = invoke
        self._max = max_request_bytes
        self._mounts = mounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        for prefix, app in self._mounts:
            if path.startswith(prefix):
                await app(scope, receive, send)
                return
        if scope["type"] != "http":  # a WebSocket to no mounted route: refuse the handshake
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        started = time.monotonic()
        method = scope["method"]
        raw_path = scope.get("raw_path") or path.encode()
        query = scope.get("query_string", b"")
        target = raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        close = False
        try:
            body = await self._read_body(headers, receive)
        except _Disconnected:
            return
        except _TooLarge:
            close = True  # the rest of the body is still on the wire
            response = apigw.error_response(413, "Request Entity Too Large")
        except ValueError:
            close = True
            response = apigw.error_response(400, "Bad Request: invalid Content-Length")
        else:
            client = scope.get("client") or ("127.0.0.1", 0)
            protocol = f"HTTP/{scope.get('http_version', '1.1')}"
            response = await self._invoke(method, target, headers, body, client[0], protocol)
        await _send(send, response, method, close)
        log.info(
            "%s %s %d %dB %.1fms",
            method,
            target,
            response.status,
            len(response.body),
            (time.monotonic() - started) * 1000,
        )

    async def _read_body(self, headers: list[tuple[str, str]], receive: Receive) -> bytes:
        for name, value in headers:
            if name.lower() == "content-length" and int(value) > self._max:
                raise _TooLarge  # refused before reading any of it
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self._max:  # chunked: counted as it comes
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


async def _send(send: Send, response: apigw.HttpResponse, method: str, close: bool) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    has_body = response.status >= 200 and response.status not in (204, 304)
    if has_body:
        headers.append((b"content-length", str(len(response.body)).encode()))
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    body = response.body if has_body and method != "HEAD" else b""
    await send({"type": "http.response.body", "body": body})
