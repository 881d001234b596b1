"""The HTTP surface: the SDK's serve endpoint, Inngest's event API, run reads, and app sync.

Shapes follow Inngest's own APIs, so `client.send()`, curl examples from Inngest's docs and
tools that read `/v1/runs` work unchanged. This module composes the app; each surface's routes
live in their own module (see `routing`), and call the deployment through `services.Services`.

Imported at cold start (the runtime builds the SDK's app with it), so it stays light: the surface
modules are imported when the full API app is built, on the first request that needs it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import fastapi

from inngest_lambda.http import sdk_api
from inngest_lambda.http.services import Services
from inngest_lambda.settings import SERVE_PATH


class Entry:
    """What the Lambda's HTTP requests reach: the serve path goes to the SDK's app, anything
    else to the full API app, built on the first request that needs it.

    The SDK's app takes about 1 ms to build, the full one about 0.1 s (FastAPI analyses every
    route's parameters), so a cold start that only drives runs or answers the SDK skips it.
    """

    def __init__(self, sdk_app: fastapi.FastAPI, build: Callable[[], fastapi.FastAPI]) -> None:
        self.sdk_app = sdk_app
        self._build = build
        self._app: fastapi.FastAPI | None = None
        self._lock = threading.Lock()

    @property
    def api_app(self) -> fastapi.FastAPI:
        if self._app is None:
            with self._lock:  # the local server answers requests on several threads
                if self._app is None:
                    self._app = self._build()
        return self._app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        app = self.sdk_app if scope.get("path") == SERVE_PATH else self.api_app
        await app(scope, receive, send)


def create_sdk_app(services: Services) -> fastapi.FastAPI:
    """The SDK's serve route alone: what the executor calls in-process on every step."""
    app = fastapi.FastAPI(title="inngest-lambda", docs_url=None, redoc_url=None)
    sdk_api.serve(app, services)
    return app


def create_app(services: Services) -> fastapi.FastAPI:
    """The whole HTTP surface (the serve route too, so `/api/inngest/` redirects as before).

    The surfaces are added in a fixed order (see `routing`: the first route of a shared path
    answers a wrong method); realtime's routes stay in `realtime/`, beside the WebSocket side
    of the same feature.
    """
    from inngest_lambda.http import cancellations_api, events_api, ops_api, rerun_api, runs_api
    from inngest_lambda.http.dashboard import routes as dashboard
    from inngest_lambda.http.gql import route as gql
    from inngest_lambda.http.routing import Router, problem
    from inngest_lambda.realtime import routes as realtime
    from inngest_lambda.storage.data_format import DataFormatTooNew
    from inngest_lambda.storage.index_query import IndexUnavailable

    app = fastapi.FastAPI(title="inngest-lambda", docs_url=None, redoc_url=None)
    sdk_api.serve(app, services)

    async def unavailable(request: fastapi.Request, exc: Exception) -> fastapi.Response:
        return problem(503, str(exc))  # a newer data format, an index not built yet

    app.add_exception_handler(DataFormatTooNew, unavailable)
    app.add_exception_handler(IndexUnavailable, unavailable)

    router = Router(app, services)
    events_api.register(router)  # /e/{key}, /v1/events
    runs_api.register(router)  # /v1/runs reads and listing, /v0/runs use_api state
    ops_api.register(router)  # cancel, redrive, replay, invoke, functions (CLI, dashboard)
    rerun_api.register(router)  # /v2/runs/{id}/rerun: rerun from a step
    cancellations_api.register(router)  # /v1/cancellations (bulk cancel)
    gql.register(router)  # /v0/gql
    sdk_api.register(router)  # /fn/register
    realtime.register(app, services, router.authorised, problem)  # /v1/realtime
    dashboard.register(router)  # the browser dashboard at /
    return app
