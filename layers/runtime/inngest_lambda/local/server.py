"""A local stand-in for API Gateway: HTTP on 127.0.0.1 -> the Lambda handler -> HTTP.

Served by uvicorn (a pinned dev dependency, made for the job) running a small ASGI app
(`local/gateway_app.py`) on its own event loop in a background thread; each request's Lambda
invocation runs in a thread pool, as concurrent invocations run in their own sandboxes. What
API Gateway would refuse or turn into an error is refused here the same way: bodies over 10 MB
(413), events over Lambda's 6 MB invoke limit (413), a handler that raises or returns something
unusable (502, with a JSON body saying what), a response over 6 MB (502), a call slower than the
30 s integration timeout (503, decided after the fact: a thread cannot be cut short). Every such
answer carries Inngest's `error` field, so the SDK's `send` raises on it (`apigw.error_response`).

Each response leaves in one write on a TCP_NODELAY socket (`_OneWriteH11`): Python's
`http.server`, used before, wrote headers and body in two sends without TCP_NODELAY, so on a
kept-alive connection Nagle's algorithm held the body until the client's delayed ACK, about
40 ms, longer than a fast run. Its accept backlog of 5 also reset or delayed (SYN retries, 1 s,
3 s, ...) most of 100+ simultaneous connections; uvicorn listens with a backlog of 2048.

`mount(prefix, app)` routes a path prefix (HTTP or WebSocket) to another ASGI app, on the same
port; everything else is API Gateway.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from inngest_lambda import settings as s
from inngest_lambda.local import apigw
from inngest_lambda.local.gateway_app import ASGIApp, GatewayApp
from inngest_lambda.local.invoke import Handler, invoke

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger("inngest_lambda.local.http")

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway HTTP API payload limit
MAX_INVOKE_BYTES = 6_291_556  # Lambda synchronous invocation payload limit, request and response
API_TIMEOUT_SECONDS = 30.0  # API Gateway HTTP API integration timeout
IDLE_KEEPALIVE_SECONDS = 60  # an idle keep-alive connection is closed after this
MAX_CONCURRENT_INVOCATIONS = 64  # handler calls at once (threads); more requests wait their turn
LISTEN_BACKLOG = 2048  # connections the kernel queues before the server accepts them


class LocalServer:
    """Serves the handler over HTTP in background threads; `start()`, then `url`, then `stop()`."""

    def __init__(
        self,
        handler: Handler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        lambda_timeout_seconds: float = s.LAMBDA_TIMEOUT_SECONDS,
        api_timeout_seconds: float | None = API_TIMEOUT_SECONDS,
        region: str = s.DEFAULT_REGION,
    ) -> None:
        self.handler = handler
        self.lambda_timeout_seconds = lambda_timeout_seconds
        self.api_timeout_seconds = api_timeout_seconds
        self.region = region
        self._host = host
        self._port = port
        self._mounts: list[tuple[str, ASGIApp]] = []
        self._sock: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._in_flight = 0
        self.requests_served = 0

    # --- lifecycle -----------------------------------------------------------------------------
    def mount(self, prefix: str, app: ASGIApp) -> None:
        """Send requests (HTTP or WebSocket) whose path starts with `prefix` to `app`, an ASGI
        application, instead of the handler. Before `start()`."""
        if self._server is not None:
            raise RuntimeError("mount() before start()")
        self._mounts.append((prefix, app))

    def start(self) -> LocalServer:
        """Bind (port 0 picks a free one) and serve in a background thread."""
        import uvicorn  # dev dependency, like moto: only when a local server starts

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._host, self._port))
            sock.listen(LISTEN_BACKLOG)
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        self._sock = sock
        self._pool = concurrent.futures.ThreadPoolExecutor(
            MAX_CONCURRENT_INVOCATIONS, thread_name_prefix="inngest-lambda-invoke"
        )
        app = GatewayApp(self._invoke_in_pool, MAX_REQUEST_BYTES, mounts=self._mounts)
        uvicorn_log = logging.getLogger("uvicorn.error")
        if uvicorn_log.level == logging.NOTSET:  # its start/stop chatter, not our request lines
            uvicorn_log.setLevel(logging.WARNING)
        config = uvicorn.Config(
            app,
            http=_one_write_h11(),
            lifespan="off",
            log_config=None,
            access_log=False,
            server_header=False,
            headers=[("server", "inngest-lambda-local")],
            timeout_keep_alive=IDLE_KEEPALIVE_SECONDS,
            backlog=LISTEN_BACKLOG,
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="inngest-lambda-http", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 30
        while not server.started:  # the socket already accepts; this catches a failed start
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop(0)
                raise RuntimeError("the local HTTP server did not start")
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, let requests in progress finish (up to `timeout`), close the socket."""
        server, self._server = self._server, None
        if server is None:
            return
        server.config.timeout_graceful_shutdown = max(timeout, 0.01)
        server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout + 1.0)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self._sock is not None:
            self._sock.close()
        self._sock = None

    @property
    def port(self) -> int:
        if self._sock is None:
            raise RuntimeError("server is not running")
        return int(self._sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def in_flight(self) -> int:
        """Requests currently inside the handler (LocalStack.wait_idle waits for zero)."""
        with self._lock:
            return self._in_flight

    async def _invoke_in_pool(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        protocol: str,
    ) -> apigw.HttpResponse:
        """`respond` on a pool thread: the handler blocks (boto3, the SDK), the loop must not."""
        pool = self._pool
        if pool is None:
            return apigw.error_response(503, "Service Unavailable")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            pool, self.respond, method, target, headers, body, source_ip, protocol
        )

    # --- one request ---------------------------------------------------------------------------
    def respond(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        protocol: str = "HTTP/1.1",
    ) -> apigw.HttpResponse:
        """Everything between the parsed request and the bytes to write; never raises."""
        with self._lock:
            self._in_flight += 1
        try:
            return self._respond(method, target, headers, body, source_ip, protocol)
        except Exception as exc:  # a bug here must cost one request, not the server
            log.exception("local server failed on %s %s", method, target)
            return apigw.error_response(
                502, "Internal Server Error", errorType=type(exc).__name__, errorMessage=str(exc)
            )
        finally:
            with self._lock:
                self._in_flight -= 1
                self.requests_served += 1

    def _respond(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        protocol: str,
    ) -> apigw.HttpResponse:
        path, query = apigw.split_target(target)
        sock = self._sock
        port = int(sock.getsockname()[1]) if sock is not None else None
        event = apigw.build_event(
            method, path, query, headers, body, source_ip, protocol=protocol, port=port
        )
        request_id = event["requestContext"]["requestId"]
        if len(json.dumps(event)) > MAX_INVOKE_BYTES:
            return apigw.error_response(
                413,
                "Request Entity Too Large",
                errorMessage=f"the Lambda event would exceed {MAX_INVOKE_BYTES} bytes",
                requestId=request_id,
            )
        result = invoke(
            self.handler, event, timeout_seconds=self.lambda_timeout_seconds, region=self.region
        )
        if not result.ok:
            return apigw.error_response(
                502,
                "Internal Server Error",
                errorType=result.error_type,
                errorMessage=result.error_message,
                requestId=request_id,
            )
        if (
            self.api_timeout_seconds is not None
            and result.duration_seconds > self.api_timeout_seconds
        ):
            log.warning(
                "handler took %.1f s, over API Gateway's %g s timeout: answering 503",
                result.duration_seconds,
                self.api_timeout_seconds,
            )
            return apigw.error_response(503, "Service Unavailable", requestId=request_id)
        if result.response_bytes > MAX_INVOKE_BYTES:
            return apigw.error_response(
                502,
                "Internal Server Error",
                errorType="Function.ResponseSizeTooLarge",
                errorMessage=f"response is {result.response_bytes} bytes, over {MAX_INVOKE_BYTES}",
                requestId=request_id,
            )
        try:
            return apigw.parse_response(result.result)
        except apigw.MalformedResponse as exc:
            log.error("malformed Lambda response: %s", exc)
            return apigw.error_response(
                502,
                "Internal Server Error",
                errorType="MalformedLambdaResponse",
                errorMessage=str(exc),
                requestId=request_id,
            )


def _one_write_h11() -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol with each response's writes joined into one, on TCP_NODELAY.

    uvicorn writes the status line and headers, then the body, as two `transport.write` calls:
    two segments. Writes are gathered and sent once the event loop turns (`call_soon`), after
    the app's back-to-back `http.response.start` and `http.response.body`; TCP_NODELAY (which
    asyncio also sets) makes that one write leave at once.
    """
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class OneWriteH11(H11Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().connection_made(_GatheredWrites(transport))  # type: ignore[arg-type]

    return OneWriteH11


class _GatheredWrites:
    """A transport whose writes within one turn of the event loop go out as one write."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self._pending: list[bytes] = []
        self.writes = 0  # writes handed to the real transport (one per response)

    def write(self, data: bytes) -> None:
        if not data:
            return
        if not self._pending:
            asyncio.get_running_loop().call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        if self._pending and not self._transport.is_closing():
            data = b"".join(self._pending)
            self._pending.clear()
            self.writes += 1
            self._transport.write(data)
        self._pending.clear()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
