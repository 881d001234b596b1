"""Servers the tests start on free loopback ports, each stopped when its `with` block ends.

`serve_http` runs a `http.server` handler (a model API, a web page, a proxy that answers 502);
`QuietHandler` is the base such handlers share. `serve_asgi` runs an ASGI app (an SDK app served
with `inngest.fast_api.serve`, an impostor) with uvicorn in a thread, as a remote app runs next to
the local stack. `http10_proxy` is a forward or reverse proxy like the one inngest-py's own suite
uses: it answers in HTTP/1.0 and passes the app's headers on as they came, so a streamed answer
arrives with `Transfer-Encoding: chunked` over a body already de-chunked.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import uvicorn

from inngest_lambda.local.ports import free_port
from tests.support.waiting import wait_for


@contextlib.contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn on a free port until the block ends; yields its base URL once
    the server accepts connections."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, timeout=10, interval=0.02, what="uvicorn start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A `http.server` handler that logs nothing and answers in one call."""

    def reply(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib name)
        pass


@contextlib.contextmanager
def serve_http(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` (one thread per request) on a free port until the block ends; yields its
    base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextlib.contextmanager
def http10_proxy(target: str = "") -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """A proxy on a free port; yields its URL and the (method, path) of each request it forwarded.

    With no `target` it is a forward proxy (requests carry the absolute URL, as when a client's
    `HTTP_PROXY` names it); with one, a reverse proxy sending every path to `target`. Its own
    upstream calls never go through a proxy."""
    forwarded: list[tuple[str, str]] = []
    upstream = httpx.Client(trust_env=False, timeout=30)

    class Proxy(QuietHandler):
        def _forward(self) -> None:
            forwarded.append((self.command, self.path))
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() != "content-length"}
            res = upstream.request(self.command, target + self.path, content=body, headers=headers)
            self.send_response(res.status_code)
            for key, value in res.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(res.content)

        do_GET = do_POST = do_PUT = _forward

    try:
        with serve_http(Proxy) as url:
            yield url, forwarded
    finally:
        upstream.close()
