"""Events the served functions send to this deployment's own event API, ingested in-process
(and their realtime publishes to its own API, delivered in-process: PUBLISH_PATH).

`step.send_event` and `client.send()` make the SDK POST to `<event API origin>/e/<key>`, and the
stack points that origin at the deployment's own API. Over the network every send would leave
the Lambda, pass API Gateway (its throttle answers 429, which the SDK does not retry, so a large
fan-out fails its step), invoke the API function and come back; in a VPC without a NAT gateway
it could not leave at all. The runtime therefore wraps the transports of the served client's
two httpx clients: a POST to `/e/...` whose origin is this deployment's own API origin (the
client's event API origin, where the stack set it) is handed to this process's API app as one
ASGI request (same route, event-key check, validation, size limits, answers and ingestion as
over HTTP). Anything else goes to the wrapped transport unchanged.

If the app raises, the SDK gets the 500 an HTTP server would have answered, so it retries with
the same request (same ids and seed) and the event API deduplicates; no exception of another
type reaches the user's step.

The SDK's sync path (`send_sync`, used by sync functions) blocks its thread, which may be the
very thread whose event loop is waiting for it (a sync function the SDK runs on the loop), so
that path runs the ASGI call on a loop this module owns, in a thread of its own.

The transports are private attributes of the SDK client (inngest's `_http_client`) and of
httpx's clients (`_transport`, `_mounts`); neither library has a public API to route a built
client's requests. So the module is gated on the inngest and httpx versions it was checked with
(`sdk/versions.py`: importing it with another version fails, naming them); where the gate is
overridden (INNGEST_LAMBDA_UNTESTED_VERSIONS=1), an unchecked inngest version, or a client
without those attributes, sends over the network as before (logged once).
`INNGEST_LAMBDA_INPROCESS_SEND=0` turns it off.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
import urllib.parse
from collections.abc import Coroutine
from typing import Any

import httpx

from inngest_lambda.sdk import asgi_call, versions

# The inngest-py versions of `versions.TESTED` were read: their `Inngest.send`/`send_sync` POST
# the request built from `_event_api_origin` with `_http_client._http_client` (an
# httpx.AsyncClient, or the sync client from a worker thread) or `_http_client._http_client_sync`
# (an httpx.Client), retrying on httpx.RequestError and on a 5xx answer with the same request.
versions.require(__name__, "inngest", "Inngest._http_client and its two httpx clients")
versions.require(__name__, "httpx", "Client._transport and Client._mounts")
EVENT_PATH_PREFIX = "/e/"
# Realtime publishes (`inngest.experimental.realtime.publish`, built from the client's API origin,
# which the stack also points at its own API) take the same way: a publish from a step then costs
# no API Gateway request or API invocation (docs/realtime.md).
PUBLISH_PATH = "/v1/realtime/publish"
_DEFAULT_PORTS = {"http": 80, "https": 443}
# What an ASGI server (Mangum, the local server) answers when the app raises.
_SERVER_ERROR = b"Internal Server Error"

Origin = tuple[str, str, int]
_warned: set[str] = set()


def origin(url: object) -> Origin | None:
    """(scheme, host, port) of an absolute URL, defaults filled in; None for anything else."""
    try:
        parts = urllib.parse.urlsplit(str(url))
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not parts.hostname or scheme not in _DEFAULT_PORTS:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def install(client: Any, app: Any, own_url: str, *, enabled: bool, log: Any) -> bool:
    """Route `client`'s sends to `own_url` into `app`; True when active. Each runtime build calls
    it: a warm re-build (tests, the local stack) replaces the previous build's routing, and a
    build with `enabled` false removes it."""
    clients = _http_clients(client)
    for http in clients:
        _unwrap(http)
    if not enabled:
        return False
    own = origin(own_url)
    if own is None:
        return False  # no own API URL known (a bare runtime): nothing is ours to route
    if not versions.tested("inngest") or len(clients) != 2:
        _warn_once(
            log,
            f"events sent by functions go over the network: in-process sending is not checked"
            f" with inngest {versions.installed('inngest')} (or its client lacks the attributes"
            " it needs)",
        )
        return False
    route = _Route(app, own, log)
    async_client, sync_client = clients
    _wrap(async_client, lambda inner: _AsyncRoute(route, inner))
    _wrap(sync_client, lambda inner: _SyncRoute(route, inner))
    return True


class _Route:
    """Which requests are ours, and how one is answered in-process."""

    def __init__(self, app: Any, own: Origin, log: Any) -> None:
        self.app = app
        self.own = own
        self.log = log

    def wants(self, request: httpx.Request) -> bool:
        path = request.url.path
        if request.method != "POST" or not (
            path.startswith(EVENT_PATH_PREFIX) or path == PUBLISH_PATH
        ):
            return False
        # The SDK builds the URL from the client's event API origin, read at every send (the
        # testing toolkit re-points the client while a test runs): the URL's origin is that one.
        return origin(request.url) == self.own

    async def answer(self, request: httpx.Request, body: bytes) -> httpx.Response:
        headers = {
            name: value
            for name, value in request.headers.items()
            if name not in ("host", "content-length")  # asgi_call sets both from url and body
        }
        try:
            got = await asgi_call.post(self.app, str(request.url), body, headers)
        except Exception:
            self.log.exception("in-process event ingestion failed; answering 500 (the SDK retries)")
            return httpx.Response(
                500,
                headers={"content-type": "text/plain; charset=utf-8"},
                content=_SERVER_ERROR,
                request=request,
            )
        return httpx.Response(got.status, headers=got.headers, content=got.content, request=request)


class _AsyncRoute(httpx.AsyncBaseTransport):
    def __init__(self, route: _Route, inner: httpx.AsyncBaseTransport) -> None:
        self.route = route
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.route.wants(request):
            return await self.inner.handle_async_request(request)
        return await self.route.answer(request, await request.aread())

    async def aclose(self) -> None:
        await self.inner.aclose()


class _SyncRoute(httpx.BaseTransport):
    def __init__(self, route: _Route, inner: httpx.BaseTransport) -> None:
        self.route = route
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.route.wants(request):
            return self.inner.handle_request(request)
        response: httpx.Response = _OwnLoop.run(self.route.answer(request, request.read()))
        return response

    def close(self) -> None:
        self.inner.close()


class _OwnLoop:
    """An event loop in a daemon thread of its own, started on the first sync send.

    A sync caller may be the thread of the loop that is waiting for it, so the call cannot run
    there; a loop per call would also build a thread pool per call (the app runs boto3 in
    `asyncio.to_thread`). The caller's context variables go with the call (log fields)."""

    _loop: asyncio.AbstractEventLoop | None = None
    _lock = threading.Lock()

    @classmethod
    def run(cls, coro: Coroutine[Any, Any, Any]) -> Any:
        loop = cls._get()
        context = contextvars.copy_context()
        done: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def start() -> None:
            task = loop.create_task(coro, context=context)
            task.add_done_callback(lambda t: _settle(t, done))

        loop.call_soon_threadsafe(start)
        return done.result()

    @classmethod
    def _get(cls) -> asyncio.AbstractEventLoop:
        with cls._lock:
            if cls._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=loop.run_forever, name="inngest-lambda-inprocess-send", daemon=True
                ).start()
                cls._loop = loop
            return cls._loop


def _settle(task: asyncio.Task[Any], done: concurrent.futures.Future[Any]) -> None:
    if task.cancelled():
        done.cancel()
    elif task.exception() is not None:
        done.set_exception(task.exception())  # type: ignore[arg-type]
    else:
        done.set_result(task.result())


def _http_clients(client: Any) -> list[Any]:
    """The served client's (AsyncClient, Client), or [] when this SDK does not have them."""
    http = getattr(client, "_http_client", None)
    pair = [getattr(http, "_http_client", None), getattr(http, "_http_client_sync", None)]
    if not isinstance(pair[0], httpx.AsyncClient) or not isinstance(pair[1], httpx.Client):
        return []
    if not all(isinstance(getattr(h, "_mounts", None), dict) for h in pair):
        return []  # an httpx whose transports live elsewhere
    if not all(hasattr(h, "_transport") for h in pair):
        return []
    return pair


def _wrap(http: Any, make: Any) -> None:
    """Wrap the client's default transport and every proxy mount (the proxy variables of a VPC
    deployment mount proxies for all URLs, and a mount wins over the default transport)."""
    http._transport = make(http._transport)
    http._mounts = {
        pattern: None if transport is None else make(transport)
        for pattern, transport in http._mounts.items()
    }


def _unwrap(http: Any) -> None:
    def inner(transport: Any) -> Any:
        return transport.inner if isinstance(transport, (_AsyncRoute, _SyncRoute)) else transport

    http._transport = inner(http._transport)
    http._mounts = {pattern: inner(t) for pattern, t in http._mounts.items()}


def _warn_once(log: Any, message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        log.warning(message)
