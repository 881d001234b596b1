"""The operator's JSON API (the CLI's backend): list runs and functions, replay, invoke.

Our own endpoints beside Inngest's `/v1` shapes, behind the same signing key:

    GET  /v1/runs?function_id=&status=&since=&until=&cursor=&limit=
    POST /v1/runs/{run_id}/replay                      -> 201, the new run
    POST /v1/runs/replay  {function_id, status, since, until, limit}   bulk replay
    GET  /v1/functions                                 triggers, flow control, 24 h counts
    POST /v1/functions/{function_id}/invoke  {data}    -> 201, event id and run id

`since`/`until` take an ISO-8601 time or a duration back from now (`90s`, `1h`, `7d`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import fastapi
from fastapi.responses import JSONResponse

from inngest_lambda.core import clock
from inngest_lambda.storage import listing

if TYPE_CHECKING:
    from inngest_lambda.runtime import Runtime


Endpoint = Callable[[fastapi.Request], Awaitable[Any]]


class BadQuery(ValueError):
    """A query parameter or body field that cannot be used; its message names it."""


def parse_time(name: str, value: str | None) -> float | None:
    """An ISO-8601 instant, epoch seconds, or a duration back from now."""
    if value is None or value == "":
        return None
    try:
        return clock.now() - clock.duration_seconds(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return clock.parse_iso(value)
    except ValueError as err:
        raise BadQuery(
            f"'{name}' must be an ISO-8601 time or a duration like 1h, got {value!r}"
        ) from err


def parse_limit(value: object, default: int = 50) -> int:
    if value is None or value == "":
        return default
    try:
        limit = int(str(value))
    except ValueError as err:
        raise BadQuery(f"'limit' must be an integer, got {value!r}") from err
    if not 1 <= limit <= listing.MAX_LIMIT:
        raise BadQuery(f"'limit' must be between 1 and {listing.MAX_LIMIT}, got {limit}")
    return limit


def parse_status(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    match = {s.lower(): s for s in listing.ALL_STATES}.get(value.lower())
    if match is None:
        raise BadQuery(f"unknown status {value!r} (one of {', '.join(listing.ALL_STATES)})")
    return match


def summary_view(r: listing.RunSummary) -> dict[str, Any]:
    return {
        "run_id": r.run_id,
        "function_id": r.function_id,
        "status": r.status,
        "event_id": r.event_id,
        "created_at": clock.iso(r.created_at),
        "run_started_at": clock.iso(r.started_at),
        "ended_at": clock.iso(r.ended_at),
    }


def plain_routes(app: fastapi.FastAPI) -> Callable[..., Callable[[Endpoint], Endpoint]]:
    """A decorator factory registering Starlette routes: `endpoint(request) -> Response`.

    FastAPI's own decorators analyse each endpoint's signature into pydantic models when the
    route is added, about 2-5 ms of CPU per route at every cold start; these routes read the
    request themselves and cost a compiled path regex each.
    """

    def route(method: str, *paths: str) -> Callable[[Endpoint], Endpoint]:
        def add(endpoint: Endpoint) -> Endpoint:
            for path in paths:
                app.router.add_route(path, endpoint, methods=[method])
            return endpoint

        return add

    return route


def register(
    app: fastapi.FastAPI,
    rt: Runtime,
    authorised: Callable[[fastapi.Request], bool],
    problem: Callable[[int, str], JSONResponse],
) -> None:

    route = plain_routes(app)

    def guard(request: fastapi.Request) -> JSONResponse | None:
        return None if authorised(request) else problem(401, "a valid signing key is required")

    @route("GET", "/v1/runs")
    async def list_runs(request: fastapi.Request) -> JSONResponse:
        if denied := guard(request):
            return denied
        q = request.query_params
        try:
            fn = q.get("function_id") or None
            if fn is not None and rt.registry.get(fn) is None:
                return problem(404, f"function {fn} not found")
            page = await asyncio.to_thread(
                lambda: listing.list_runs(
                    rt.store,
                    [fn] if fn else [f.id for f in rt.registry.all()],
                    status=parse_status(q.get("status")),
                    since=parse_time("since", q.get("since")),
                    until=parse_time("until", q.get("until")),
                    before=q.get("cursor") or None,
                    limit=parse_limit(q.get("limit")),
                )
            )
        except BadQuery as err:
            return problem(400, str(err))
        return JSONResponse(
            {
                "data": [summary_view(r) for r in page.items],
                "metadata": {"next_cursor": page.next_cursor},
            }
        )

    @route("POST", "/v1/runs/replay")
    async def bulk_replay(request: fastapi.Request) -> JSONResponse:
        from inngest_lambda.admin import operations

        if denied := guard(request):
            return denied
        try:
            body = _object_body(await request.body())
            fn = body.get("function_id")
            if not isinstance(fn, str) or not fn:
                raise BadQuery("'function_id' is required")
            replayed = await asyncio.to_thread(
                lambda: operations.bulk_replay(
                    rt,
                    fn,
                    status=parse_status(body.get("status") or "Failed") or "Failed",
                    since=parse_time("since", body.get("since")),
                    until=parse_time("until", body.get("until")),
                    limit=parse_limit(body.get("limit"), operations.MAX_BULK_REPLAY),
                )
            )
        except BadQuery as err:
            return problem(400, str(err))
        except operations.NotFound as err:
            return problem(404, str(err))
        return JSONResponse({"data": [dataclasses.asdict(r) for r in replayed]})

    @route("POST", "/v1/runs/{run_id}/replay")
    async def replay(request: fastapi.Request) -> JSONResponse:
        run_id = request.path_params["run_id"]
        from inngest_lambda.admin import operations
        from inngest_lambda.http.run_views import run_view

        if denied := guard(request):
            return denied
        try:
            new = await asyncio.to_thread(operations.replay, rt, run_id)
        except operations.NotFound as err:
            return problem(404, str(err))
        return JSONResponse({"data": {**run_view(new), "replay_of": run_id}}, status_code=201)

    @route("GET", "/v1/functions")
    async def functions(request: fastapi.Request) -> JSONResponse:
        from inngest_lambda.admin import overview

        if denied := guard(request):
            return denied
        found = await asyncio.to_thread(
            lambda: [overview.describe(f, rt.store) for f in rt.registry.all()]
        )
        data = []
        for f in found:
            view = dataclasses.asdict(f)
            for t in view["triggers"]:
                t["next_fire"] = clock.iso(t["next_fire"])
            data.append(view)
        return JSONResponse({"data": data})

    @route("POST", "/v1/functions/{function_id}/invoke")
    async def invoke(request: fastapi.Request) -> JSONResponse:
        function_id = request.path_params["function_id"]
        from inngest_lambda.admin import operations

        if denied := guard(request):
            return denied
        try:
            body = _object_body(await request.body())
            data = body.get("data", {})
            if not isinstance(data, dict):
                raise BadQuery("'data' must be a JSON object")
            event_id, run_id = await asyncio.to_thread(operations.invoke, rt, function_id, data)
        except BadQuery as err:
            return problem(400, str(err))
        except operations.NotFound as err:
            return problem(404, str(err))
        return JSONResponse({"data": {"event_id": event_id, "run_id": run_id}}, status_code=201)


def _object_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise BadQuery(f"request body is not valid JSON: {err}") from err
    if not isinstance(body, dict):
        raise BadQuery("request body must be a JSON object")
    return body
