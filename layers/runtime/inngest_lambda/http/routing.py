"""What every surface's routes share: the app they go on, the services they call, the signing-key
check, the error body, and plain (unanalysed) routes.

Each surface module (`events_api`, `runs_api`, `ops_api`, `sdk_api`, `gql.route`,
`dashboard.routes`, `realtime.routes`) has a `register(router)` that adds its routes to the one
app. They go straight onto the app rather than onto a FastAPI `APIRouter` that is then included:
including a router analyses every FastAPI route a second time, a cost each cold start that
builds the API app would pay.

Registration order is part of the HTTP API: for a path that several routes share with
different methods, the first one registered answers a wrong method (405 and its `Allow`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import fastapi
from fastapi.responses import JSONResponse

from inngest_lambda.http import auth
from inngest_lambda.http.services import Services

Endpoint = Callable[[fastapi.Request], Awaitable[Any]]
T = TypeVar("T")

SIGNING_KEY_REQUIRED = "a valid signing key is required"


def problem(status: int, message: str) -> JSONResponse:
    """The error body of every JSON route: `{"error": ..., "status": ...}`."""
    return JSONResponse({"error": message, "status": status}, status_code=status)


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """boto3 is blocking; keep the event loop free for concurrent requests (local server)."""
    return await asyncio.to_thread(fn, *args)


class Router:
    """Where a surface adds its routes: the app being built and the services behind it."""

    def __init__(self, app: fastapi.FastAPI, services: Services) -> None:
        self.app = app
        self.services = services

    def authorised(self, request: fastapi.Request) -> bool:
        """`/v0`, `/v1` and `/fn/register` take the signing key (or its SHA-256, as the SDK
        sends it)."""
        svc = self.services
        if svc.dev_mode:
            return True
        header = request.headers.get("authorization", "")
        return auth.bearer_ok(header, [svc.signing_key, svc.signing_key_fallback])

    def denied(
        self, request: fastapi.Request, message: str = SIGNING_KEY_REQUIRED
    ) -> JSONResponse | None:
        """None when the request carries the signing key, else the 401 to answer."""
        return None if self.authorised(request) else problem(401, message)

    def plain(self, method: str, *paths: str) -> Callable[[Endpoint], Endpoint]:
        """A decorator registering Starlette routes: `endpoint(request) -> Response`.

        FastAPI's own decorators analyse each endpoint's signature into pydantic models when the
        route is added, about 2-5 ms of CPU per route at every cold start; these routes read the
        request themselves and cost a compiled path regex each.
        """

        def add(endpoint: Endpoint) -> Endpoint:
            for path in paths:
                self.app.router.add_route(path, endpoint, methods=[method])
            return endpoint

        return add
