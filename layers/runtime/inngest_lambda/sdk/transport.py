"""The HTTP transport for remote SDK calls: responses framed as Inngest's Go server frames them.

HTTP/1.0 has no Transfer-Encoding, so Go's net/http ignores that header on an HTTP/1.0 message
and reads the body until the connection closes (net/http transfer.go, "Issue 12785"). Some
proxies in front of an app (Python's `http.server`, used by the SDK's own test suite) forward
an app's `Transfer-Encoding: chunked` header on an HTTP/1.0 answer with the body already
de-chunked; Inngest accepts that answer, while h11 (under httpx) tries to de-chunk it again
and fails the call. This transport drops that header from an HTTP/1.0 response head before
h11 reads it, so the same answer is accepted here too. HTTP/1.1 responses pass untouched.

httpx reads HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY only for a client it builds the
transports of; a client given a transport ignores them. `environment_proxy_mounts` builds the
same routes httpx would from those variables, each proxy through this transport, so an app
reachable only through a proxy (a Lambda in a VPC whose way out is a proxy) is still called, and
its answers are framed as above whether they come through a proxy or not. httpx has no public
API for its reading of those variables, so `httpx._utils.get_environment_proxies` is used, and
the module is gated on the httpx versions it was checked with (`sdk/versions.py`).
"""

from __future__ import annotations

import re
import ssl
from typing import Any

import httpcore
import httpx

from inngest_lambda.sdk import versions

versions.require(__name__, "httpx", "httpx._utils.get_environment_proxies")

# A response head larger than this is left alone (h11 refuses heads over 16 KiB anyway).
_MAX_HEAD_BYTES = 64 * 1024
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_TRANSFER_ENCODING_LINE = re.compile(rb"(?im)^transfer-encoding[ \t]*:[^\n]*\n")


def without_http10_transfer_encoding(head: bytes) -> bytes:
    """`head` (a status line and header lines) without Transfer-Encoding if it is HTTP/1.0."""
    if not head.startswith(b"HTTP/1.0 "):
        return head
    status_end = head.find(b"\n") + 1
    return head[:status_end] + _TRANSFER_ENCODING_LINE.sub(b"", head[status_end:])


class _FirstHeadStream(httpcore.AsyncNetworkStream):
    """A connection whose first response head is rewritten; every other byte passes as read.

    Only the first head matters: h11 never reuses a connection after an HTTP/1.0 response, and
    an HTTP/1.1 server does not answer later requests on the same connection in HTTP/1.0.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._pending = b""
        self._head_done = False

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if not self._head_done:
            await self._read_head(max_bytes, timeout)
        if self._pending:
            data, self._pending = self._pending[:max_bytes], self._pending[max_bytes:]
            return data
        return await self._inner.read(max_bytes, timeout)

    async def _read_head(self, max_bytes: int, timeout: float | None) -> None:
        buffered = b""
        while True:
            match = _HEAD_END.search(buffered)
            if match or len(buffered) > _MAX_HEAD_BYTES:
                break
            chunk = await self._inner.read(max_bytes, timeout)
            if not chunk:
                break
            buffered += chunk
        self._head_done = True
        if match:
            head, rest = buffered[: match.end()], buffered[match.end() :]
            buffered = without_http10_transfer_encoding(head) + rest
        self._pending = buffered

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _FirstHeadStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _FirstHeadStream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_unix_socket(path, timeout, socket_options)
        return _FirstHeadStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _proxy_pool(proxy: httpx.Proxy, ssl_context: ssl.SSLContext) -> httpcore.AsyncConnectionPool:
    """The pool httpx's own transport makes for `proxy`, over `_Backend`; an HTTPS proxy's TLS
    uses the process's context too unless the proxy brings its own."""
    url = httpcore.URL(
        scheme=proxy.url.raw_scheme,
        host=proxy.url.raw_host,
        port=proxy.url.port,
        target=proxy.url.raw_path,
    )
    if proxy.url.scheme in ("http", "https"):
        return httpcore.AsyncHTTPProxy(
            proxy_url=url,
            proxy_auth=proxy.raw_auth,
            proxy_headers=proxy.headers.raw,
            ssl_context=ssl_context,
            proxy_ssl_context=(proxy.ssl_context or ssl_context)
            if proxy.url.scheme == "https"
            else None,
            network_backend=_Backend(),
        )
    return httpcore.AsyncSOCKSProxy(  # socks5(h): httpx.Proxy accepts no other scheme
        proxy_url=url,  # needs the socksio package, as it does for httpx
        proxy_auth=proxy.raw_auth,
        ssl_context=ssl_context,
        network_backend=_Backend(),
    )


class SdkTransport(httpx.AsyncBaseTransport):
    """httpx over httpcore (as httpx's own transport), with `_Backend` under the connections;
    through `proxy` when given."""

    def __init__(self, ssl_context: ssl.SSLContext, proxy: httpx.Proxy | None = None) -> None:
        self._pool = (
            httpcore.AsyncConnectionPool(ssl_context=ssl_context, network_backend=_Backend())
            if proxy is None
            else _proxy_pool(proxy, ssl_context)
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        response = await self._pool.handle_async_request(core_request)
        try:  # SDK answers are used whole, so the body is read here, before the stream closes
            body = await response.aread()
        finally:
            await response.aclose()
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            content=body,
            extensions={k: v for k, v in response.extensions.items() if k != "network_stream"},
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


def environment_proxy_mounts(ssl_context: ssl.SSLContext) -> dict[str, SdkTransport | None]:
    """`mounts=` for an httpx client: the routes httpx itself derives from HTTP_PROXY,
    HTTPS_PROXY, ALL_PROXY and NO_PROXY (either case; read now), each proxy an `SdkTransport`
    and each NO_PROXY exclusion `None` (the client's own transport, a direct connection)."""
    from httpx._utils import get_environment_proxies  # no public API (sdk/versions.py gates it)

    return {
        pattern: None if url is None else SdkTransport(ssl_context, httpx.Proxy(url))
        for pattern, url in get_environment_proxies().items()
    }
