"""A local stand-in for API Gateway: HTTP on 127.0.0.1 -> the Lambda handler -> HTTP.

`http.server` is enough: requests are few (the SDK, curl, a browser) and it keeps the local stack
free of another web server. One thread per connection, HTTP/1.1 keep-alive, any method. What
API Gateway would refuse or turn into an error is refused here the same way: bodies over 10 MB
(413), events over Lambda's 6 MB invoke limit (413), a handler that raises or returns something
unusable (502, with a JSON body saying what), a response over 6 MB (502), a call slower than the
30 s integration timeout (503, decided after the fact: a thread cannot be cut short).
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from inngest_lambda import settings as s
from inngest_lambda.local import apigw
from inngest_lambda.local.invoke import Handler, invoke

log = logging.getLogger("inngest_lambda.local.http")

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway HTTP API payload limit
MAX_INVOKE_BYTES = 6_291_556  # Lambda synchronous invocation payload limit, request and response
API_TIMEOUT_SECONDS = 30.0  # API Gateway HTTP API integration timeout
IDLE_KEEPALIVE_SECONDS = 60  # an idle keep-alive connection is closed after this


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


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
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._in_flight = 0
        self.requests_served = 0

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> LocalServer:
        """Bind (port 0 picks a free one) and serve in a background thread."""
        httpd = _HTTPServer((self._host, self._port), _RequestHandler)
        httpd.app = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="inngest-lambda-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, let requests in progress finish (up to `timeout`), close the socket."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections(timeout)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server is not running")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def in_flight(self) -> int:
        """Requests currently inside the handler (LocalStack.wait_idle waits for zero)."""
        with self._lock:
            return self._in_flight

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
        httpd = self._httpd
        port = int(httpd.server_address[1]) if httpd is not None else None
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


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its connections, so stop() can end idle keep-alives."""

    daemon_threads = True
    allow_reuse_address = True
    app: LocalServer

    def __init__(
        self, address: tuple[str, int], handler_class: type[BaseHTTPRequestHandler]
    ) -> None:
        super().__init__(address, handler_class)
        self._conn_lock = threading.Lock()
        self._conns: dict[_RequestHandler, threading.Thread] = {}
        self.stopping = False

    def register(self, conn: _RequestHandler) -> None:
        with self._conn_lock:
            self._conns[conn] = threading.current_thread()

    def unregister(self, conn: _RequestHandler) -> None:
        with self._conn_lock:
            self._conns.pop(conn, None)

    def close_connections(self, timeout: float) -> None:
        """Wake idle connections (a read returning EOF ends them); wait for busy ones."""
        self.stopping = True
        with self._conn_lock:
            conns = dict(self._conns)
        for conn, _ in conns.items():
            if not conn.busy:
                with contextlib.suppress(OSError):
                    conn.connection.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread in conns.values():
            thread.join(max(0.0, deadline - time.monotonic()))

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    timeout = IDLE_KEEPALIVE_SECONDS
    server: _HTTPServer
    server_version = "inngest-lambda-local"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.busy = False
        self.server.register(self)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.unregister(self)

    def handle_one_request(self) -> None:
        super().handle_one_request()
        self.busy = False
        if self.server.stopping:
            self.close_connection = True

    def _handle(self) -> None:
        self.busy = True
        started = time.monotonic()
        try:
            body = self._read_body()
        except _BadRequest as exc:
            self.close_connection = True  # the rest of the body is still on the wire
            response = apigw.error_response(exc.status, str(exc))
        else:
            response = self.server.app.respond(
                self.command,
                self.path,
                list(self.headers.items()),
                body,
                self.client_address[0],
                self.request_version,
            )
        self._write(response)
        log.info(
            "%s %s %d %dB %.1fms",
            self.command,
            self.path,
            response.status,
            len(response.body),
            (time.monotonic() - started) * 1000,
        )

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _handle

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
        except ValueError:
            raise _BadRequest(400, "Bad Request: invalid Content-Length") from None
        if length < 0:
            raise _BadRequest(400, "Bad Request: invalid Content-Length")
        if length > MAX_REQUEST_BYTES:
            raise _BadRequest(413, "Request Entity Too Large")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest(400, "Bad Request: invalid chunk size") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > MAX_REQUEST_BYTES:
                raise _BadRequest(413, "Request Entity Too Large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)  # CRLF after the chunk

    def _write(self, response: apigw.HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        has_body = response.status >= 200 and response.status not in (204, 304)
        if has_body:
            self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection or self.server.stopping:
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        if has_body and self.command != "HEAD":
            self.wfile.write(response.body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # _handle logs one line per request itself

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        log.debug("http: " + format, *args)
