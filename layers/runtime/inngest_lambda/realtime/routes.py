"""The realtime routes of the API app. `/v1` routes take the signing key like the rest of `/v1`
(in dev mode, without a signing key, anyone may call them, as on Inngest's dev server)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

import fastapi
from fastapi.responses import JSONResponse

if TYPE_CHECKING:
    from inngest_lambda.realtime.service import Host

CONNECT_PATH = "/v1/realtime/connect"


def register(
    app: fastapi.FastAPI,
    rt: Host,
    authorised: Callable[[fastapi.Request], bool],
    problem: Callable[[int, str], JSONResponse],
) -> None:
    @app.post("/v1/realtime/token")
    async def token(request: fastapi.Request) -> JSONResponse:
        from inngest_lambda.realtime import protocol, service

        if not authorised(request):
            return problem(401, "a valid signing key is required")
        body = await request.body()
        try:
            jwt = service.for_runtime(rt).token(body)
        except protocol.ProtocolError as err:
            return problem(err.status, str(err))
        return JSONResponse({"jwt": jwt}, status_code=201)

    @app.post("/v1/realtime/publish")
    async def publish(request: fastapi.Request) -> JSONResponse:
        from inngest_lambda.realtime import protocol, service

        if not authorised(request):
            return problem(401, "a valid signing key is required")
        body = await request.body()
        engine = service.for_runtime(rt)
        try:
            delivery = await asyncio.to_thread(
                engine.publish,
                dict(request.query_params),
                body,
                request.headers.get("content-type", ""),
            )
        except protocol.ProtocolError as err:
            return problem(err.status, str(err))
        except service.NotConfigured as err:
            return problem(503, str(err))
        return JSONResponse(
            {
                "delivered": delivery.delivered,
                "gone": delivery.gone,
                "connecting": delivery.connecting,
                "failed": delivery.failed,
            }
        )

    @app.get(CONNECT_PATH)
    async def connect_over_http() -> JSONResponse:
        # Reached only by a plain HTTP request: WebSocket upgrades go to the WebSocket API.
        return problem(
            426,
            "this is a WebSocket endpoint: connect with a WebSocket client to the realtime URL"
            " (see docs/realtime.md)",
        )
