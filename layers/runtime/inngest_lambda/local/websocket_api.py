"""A local stand-in for API Gateway's WebSocket API (realtime), as an ASGI app for the local
server: the same events to the same handler, the same management endpoint for the runtime.

- `GET /v1/realtime/connect` upgraded to a WebSocket: the handler gets the `$connect` event
  API Gateway sends (query string, headers, a generated connection id). Its answer decides the
  handshake: 200 completes it; anything else is sent back as that HTTP response instead of the
  101, as API Gateway does (so a bad token is a 401 before the upgrade). As on API Gateway, a
  frame posted to the connection before the handshake completed (while `$connect` runs) is
  refused with 410; from the handshake on, frames are delivered.
- A frame from the client is a `$default` event; the close (either side) a `$disconnect`.
- `POST /@connections/{id}` (the management API the runtime's `apigatewaymanagementapi`
  client is pointed at locally) queues the body as one text frame: 200, or 410 GoneException
  for a connection that is not (or no longer) open, 413 over API Gateway's 128 KB message.
- API Gateway's limits: a connection idle for 10 minutes (no frame either way) or open for
  2 hours is closed (code 1001, "Going away"); both are parameters, for tests.

Frames for one connection are written in the order they were posted.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from inngest_lambda.local.invoke import ACCOUNT_ID, Handler, invoke

log = logging.getLogger("inngest_lambda.local.websocket")

CONNECT_PATH = "/v1/realtime/connect"
CONNECTIONS_PREFIX = "/@connections/"
API_ID = "localws"
STAGE = "realtime"
MAX_MESSAGE_BYTES = 128 * 1024  # API Gateway WebSocket message limit
IDLE_TIMEOUT_SECONDS = 600.0
MAX_CONNECTION_SECONDS = 7200.0
GOING_AWAY = 1001

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _Connection:
    def __init__(self, connection_id: str) -> None:
        self.id = connection_id
        self.frames: asyncio.Queue[str | None] = asyncio.Queue()
        self.open = False  # True from the handshake until the close
        self.loop = asyncio.get_running_loop()


class LocalWebSocketApi:
    """ASGI app for the local server's mounts CONNECT_PATH and CONNECTIONS_PREFIX: the realtime
    WebSocket and `@connections` (everything else is API Gateway's HTTP side)."""

    def __init__(
        self,
        handler: Handler,
        *,
        region: str,
        lambda_timeout_seconds: float,
        idle_timeout_seconds: float = IDLE_TIMEOUT_SECONDS,
        max_connection_seconds: float = MAX_CONNECTION_SECONDS,
    ) -> None:
        self.handler = handler
        self.region = region
        self.lambda_timeout_seconds = lambda_timeout_seconds
        self.idle_timeout_seconds = idle_timeout_seconds
        self.max_connection_seconds = max_connection_seconds
        self._connections: dict[str, _Connection] = {}
        self.posts = 0  # frames accepted by @connections (tests count them)
        _quiet_refusals()

    @property
    def open_connections(self) -> int:
        return sum(1 for c in self._connections.values() if c.open)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        elif scope["type"] == "http" and scope["path"].startswith(CONNECTIONS_PREFIX):
            await self._manage(scope, receive, send)
        elif scope["type"] == "http":  # a plain GET of the WebSocket's path
            await _respond(send, 426, {"message": "Upgrade Required: this is a WebSocket"})

    # --- the management API --------------------------------------------------------------------
    async def _manage(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection_id = scope["path"][len(CONNECTIONS_PREFIX) :]
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["method"] != "POST":
            await _respond(send, 405, {"message": "only POST (PostToConnection) is emulated"})
            return
        connection = self._connections.get(connection_id)
        if connection is None or not connection.open:
            await _respond(send, 410, {"message": "Gone"}, error_type="GoneException")
            return
        if len(body) > MAX_MESSAGE_BYTES:
            await _respond(
                send,
                413,
                {"message": f"Message too long: over {MAX_MESSAGE_BYTES} bytes"},
                error_type="PayloadTooLargeException",
            )
            return
        text = body.decode("utf-8", errors="replace")
        # The socket belongs to the server's loop; this request may run on another.
        connection.loop.call_soon_threadsafe(connection.frames.put_nowait, text)
        self.posts += 1
        await _respond(send, 200, None)

    # --- one WebSocket connection --------------------------------------------------------------
    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        first = await receive()
        if first["type"] != "websocket.connect":
            return
        if scope.get("path") != CONNECT_PATH:
            await _refuse(scope, send, 403, {"message": "Forbidden"})
            return
        connection = _Connection(_connection_id())
        self._connections[connection.id] = connection  # posts 410 until it is open
        result = await self._event(scope, connection.id, "CONNECT", "$connect")
        status = _status(result)
        if status != 200:
            self._connections.pop(connection.id, None)
            body = (result or {}).get("body") if isinstance(result, dict) else None
            await _refuse(scope, send, status, body or {"message": "Forbidden"})
            return
        await send({"type": "websocket.accept"})
        connection.open = True
        log.info("realtime connection %s open", connection.id)
        reason = "client closed"
        try:
            reason = await self._pump(scope, connection, receive, send)
        finally:
            connection.open = False
            self._connections.pop(connection.id, None)
            await self._event(scope, connection.id, "DISCONNECT", "$disconnect")
            log.info("realtime connection %s closed (%s)", connection.id, reason)

    async def _pump(
        self, scope: Scope, connection: _Connection, receive: Receive, send: Send
    ) -> str:
        """Frames out and in until either side closes or a limit is reached; why it ended."""
        started = last = time.monotonic()
        incoming: asyncio.Task[Message] = asyncio.ensure_future(receive())
        outgoing: asyncio.Task[str | None] = asyncio.ensure_future(connection.frames.get())
        try:
            while True:
                now = time.monotonic()
                wait = min(
                    last + self.idle_timeout_seconds - now,
                    started + self.max_connection_seconds - now,
                )
                if wait <= 0:
                    await send({"type": "websocket.close", "code": GOING_AWAY})
                    return "idle timeout" if now - last >= self.idle_timeout_seconds else "limit"
                done, _ = await asyncio.wait(
                    {incoming, outgoing}, timeout=wait, return_when=asyncio.FIRST_COMPLETED
                )
                if outgoing in done:
                    text = outgoing.result()
                    if text is not None:
                        await send({"type": "websocket.send", "text": text})
                        last = time.monotonic()
                    outgoing = asyncio.ensure_future(connection.frames.get())
                if incoming in done:
                    message = incoming.result()
                    if message["type"] == "websocket.disconnect":
                        return "client closed"
                    last = time.monotonic()
                    await self._event(scope, connection.id, "MESSAGE", "$default", message)
                    incoming = asyncio.ensure_future(receive())
        finally:
            for task in (incoming, outgoing):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _event(
        self,
        scope: Scope,
        connection_id: str,
        kind: str,
        route: str,
        message: Message | None = None,
    ) -> Any:
        event = build_event(scope, connection_id, kind, route, message)
        result = await asyncio.to_thread(
            invoke,
            self.handler,
            event,
            timeout_seconds=self.lambda_timeout_seconds,
            region=self.region,
        )
        if not result.ok:
            log.error("realtime %s failed: %s", route, result.error_message)
            return {"statusCode": 502}
        return result.result


def build_event(
    scope: Scope,
    connection_id: str,
    kind: str,
    route: str,
    message: Message | None = None,
) -> dict[str, Any]:
    """The event API Gateway's WebSocket API sends the integration for this route."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    host = headers.get("host", f"{API_ID}.execute-api.localhost")
    client = scope.get("client") or ("127.0.0.1", 0)
    now_ms = int(time.time() * 1000)
    context: dict[str, Any] = {
        "routeKey": route,
        "eventType": kind,
        "extendedRequestId": uuid.uuid4().hex[:16],
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
        "messageDirection": "IN",
        "stage": STAGE,
        "connectedAt": now_ms,
        "requestTimeEpoch": now_ms,
        "identity": {"sourceIp": client[0], "userAgent": headers.get("user-agent", "")},
        "requestId": uuid.uuid4().hex[:16],
        "domainName": host.rsplit(":", 1)[0],
        "connectionId": connection_id,
        "apiId": API_ID,
        "accountId": ACCOUNT_ID,
    }
    event: dict[str, Any] = {"requestContext": context, "isBase64Encoded": False}
    if kind == "CONNECT":
        event["headers"] = headers
        query = scope.get("query_string", b"").decode("latin-1")
        if query:
            params: dict[str, str] = {}
            for key, value in parse_qsl(query, keep_blank_values=True):
                params[key] = f"{params[key]},{value}" if key in params else value
            event["queryStringParameters"] = params
    elif kind == "DISCONNECT":
        event["headers"] = {"host": host}
        context["disconnectStatusCode"] = 1005
    elif message is not None:
        context["messageId"] = uuid.uuid4().hex[:16]
        if message.get("text") is not None:
            event["body"] = message["text"]
        else:
            event["body"] = base64.b64encode(message.get("bytes") or b"").decode()
            event["isBase64Encoded"] = True
    return event


class _SpuriousHandshakeError(logging.Filter):
    """uvicorn 0.54's WebSocket protocol (websockets-sansio) logs "ASGI callable returned without
    completing handshake" after an app answered the upgrade with `websocket.http.response.*`,
    although the response went out whole (the client gets our 401): drop that one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing handshake."


_FILTER = _SpuriousHandshakeError()


def _quiet_refusals() -> None:
    logger = logging.getLogger("uvicorn.error")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


def _connection_id() -> str:
    """API Gateway's connection ids look like `L0SM9cOFvHcCIhw=`."""
    return base64.b64encode(secrets.token_bytes(10)).decode()


def _status(result: Any) -> int:
    if isinstance(result, dict) and "statusCode" in result:
        with contextlib.suppress(TypeError, ValueError):
            return int(result["statusCode"])
        return 502
    return 200  # no statusCode: API Gateway takes the call as a success


async def _refuse(scope: Scope, send: Send, status: int, body: object) -> None:
    """Answer the upgrade request with an HTTP response (ASGI's websocket.http.response)."""
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close", "code": 1008})  # the server answers 403
        return
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": data})


async def _respond(send: Send, status: int, body: object, *, error_type: str | None = None) -> None:
    data = b"" if body is None else json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    if error_type:
        headers.append((b"x-amzn-errortype", error_type.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
