"""Operator actions (the CLI's backend, beside Inngest's `/v1` shapes, behind the same signing
key): cancel, redrive, replay, invoke, and the functions overview.

    DELETE /v1/runs/{run_id}                           -> 202, cancelled (409 once ended)
    POST   /v1/runs/{run_id}/redrive                   -> 202, a drive message sent
    POST   /v1/runs/{run_id}/replay                    -> 201, the new run
    POST   /v1/runs/replay  {function_id, status, since, until, limit, reason}   bulk replay
    GET    /v1/functions                               triggers, flow control, 24 h counts, isPaused
    POST   /v1/functions/{function_id}/invoke  {data}  -> 201, event id and run id
    POST   /v1/functions/{function_id}/pause   {cancelRunning, by}  -> 200, the pause
    POST   /v1/functions/{function_id}/unpause                      -> 200, runs re-driven

`since`/`until` take an ISO-8601 time, epoch seconds or a duration back from now (`90s`, `1h`,
`7d`): `query.parse_time_bound`. The rules themselves are `admin.operations`', shared with the
dashboard.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import fastapi
from fastapi.responses import JSONResponse

from inngest_lambda.core import clock
from inngest_lambda.http import query
from inngest_lambda.http.query import QueryError
from inngest_lambda.http.routing import Router, in_thread, problem
from inngest_lambda.http.run_views import run_view
from inngest_lambda.storage.store import TERMINAL_STATES

if TYPE_CHECKING:
    from inngest_lambda.admin.pausing import Paused


def register(router: Router) -> None:
    app, svc = router.app, router.services
    route = router.plain

    @app.delete("/v1/runs/{run_id}")
    async def cancel_run(run_id: str, request: fastapi.Request) -> JSONResponse:
        from inngest_lambda.events import cancellation

        if denied := router.denied(request):
            return denied
        accepted = await in_thread(
            cancellation.cancel_run, svc.store, run_id, "cancelled through the API"
        )
        run = await in_thread(svc.store.get_run, run_id)
        if run is None:
            return problem(404, f"run {run_id} not found")
        if not accepted:
            return problem(409, f"run {run_id} has already ended ({run.status})")
        # Cancelled from now on; a request in flight finishes and its response is discarded.
        return JSONResponse({"data": run_view(run)}, status_code=202)

    @app.post("/v1/runs/{run_id}/redrive")
    async def redrive_run(run_id: str, request: fastapi.Request) -> JSONResponse:
        """Send the run a drive message (what a DLQ redrive or the sweeper does for one run);
        always safe: a run being driven or parked until later ignores it."""
        from inngest_lambda.engine import sweeper

        if denied := router.denied(request):
            return denied
        run = await in_thread(sweeper.redrive, svc.store, run_id)
        if run is None:
            return problem(404, f"run {run_id} not found")
        if run.status in TERMINAL_STATES:
            return problem(409, f"run {run_id} has already ended ({run.status})")
        return JSONResponse({"data": run_view(run)}, status_code=202)

    @route("POST", "/v1/runs/replay")
    async def bulk_replay(request: fastapi.Request) -> JSONResponse:
        from inngest_lambda.admin import operations

        if denied := router.denied(request):
            return denied
        try:
            body = _object_body(await request.body())
            fn = body.get("function_id")
            if not isinstance(fn, str) or not fn:
                raise QueryError("'function_id' is required")
            replayed = await in_thread(
                lambda: operations.bulk_replay(
                    svc,
                    fn,
                    status=query.parse_status(body.get("status") or "Failed") or "Failed",
                    since=query.parse_time_bound("since", body.get("since")),
                    until=query.parse_time_bound("until", body.get("until")),
                    limit=query.parse_runs_limit(body.get("limit"), operations.MAX_BULK_REPLAY),
                    reason=_optional_str(body, "reason"),
                )
            )
        except QueryError as err:
            return problem(400, str(err))
        except operations.NotFound as err:
            return problem(404, str(err))
        return JSONResponse({"data": [dataclasses.asdict(r) for r in replayed]})

    @route("POST", "/v1/runs/{run_id}/replay")
    async def replay(request: fastapi.Request) -> JSONResponse:
        run_id = request.path_params["run_id"]
        from inngest_lambda.admin import operations

        if denied := router.denied(request):
            return denied
        try:
            new = await in_thread(operations.replay, svc, run_id)
        except operations.NotFound as err:
            return problem(404, str(err))
        return JSONResponse({"data": {**run_view(new), "replay_of": run_id}}, status_code=201)

    @route("GET", "/v1/functions")
    async def functions(request: fastapi.Request) -> JSONResponse:
        from inngest_lambda.admin import overview

        if denied := router.denied(request):
            return denied
        found = await in_thread(
            lambda: [overview.describe(f, svc.store) for f in svc.registry.all()]
        )
        data = []
        for f in found:
            view = dataclasses.asdict(f)
            view["isPaused"] = view.pop("is_paused")
            for t in view["triggers"]:
                t["next_fire"] = clock.iso(t["next_fire"])
            data.append(view)
        return JSONResponse({"data": data})

    async def function_op(
        request: fastapi.Request, work: Callable[[str, dict[str, Any]], Any], status: int = 200
    ) -> JSONResponse:
        """The shape of an operation on one function: signed; the body a JSON object (or
        empty); a bad field a 400 and an unknown function a 404, each naming it."""
        from inngest_lambda.admin import operations

        if denied := router.denied(request):
            return denied
        function_id = request.path_params["function_id"]
        try:
            body = _object_body(await request.body())
            data = await in_thread(work, function_id, body)
        except QueryError as err:
            return problem(400, str(err))
        except operations.NotFound as err:
            return problem(404, str(err))
        return JSONResponse({"data": data}, status_code=status)

    @route("POST", "/v1/functions/{function_id}/invoke")
    async def invoke(request: fastapi.Request) -> JSONResponse:
        def work(function_id: str, body: dict[str, Any]) -> dict[str, Any]:
            from inngest_lambda.admin import operations

            data = body.get("data", {})
            if not isinstance(data, dict):
                raise QueryError("'data' must be a JSON object")
            event_id, run_id = operations.invoke(svc, function_id, data)
            return {"event_id": event_id, "run_id": run_id}

        return await function_op(request, work, status=201)

    @route("POST", "/v1/functions/{function_id}/pause")
    async def pause(request: fastapi.Request) -> JSONResponse:
        def work(function_id: str, body: dict[str, Any]) -> dict[str, Any]:
            from inngest_lambda.admin import pausing

            cancel_running = body.get("cancelRunning", False)
            if not isinstance(cancel_running, bool):
                raise QueryError("'cancelRunning' must be true or false")
            by = _optional_str(body, "by")
            done = pausing.pause(svc, function_id, cancel_running=cancel_running, paused_by=by)
            return pause_view(done)

        return await function_op(request, work)

    @route("POST", "/v1/functions/{function_id}/unpause")
    async def unpause(request: fastapi.Request) -> JSONResponse:
        def work(function_id: str, _: dict[str, Any]) -> dict[str, Any]:
            from inngest_lambda.admin import pausing

            done = pausing.resume(svc, function_id)
            return {
                "function_id": function_id,
                "isPaused": False,
                "wasPaused": done.was_paused,
                "redriven": done.redriven,
            }

        return await function_op(request, work)


def pause_view(done: Paused) -> dict[str, Any]:
    """The REST answer to a pause (also what the CLI prints)."""
    return {
        "function_id": done.pause.function_id,
        "isPaused": True,
        "pausedAt": clock.iso(done.pause.paused_at),
        "pausedBy": done.pause.paused_by,
        "cancelRunning": done.pause.cancel_running,
        "changed": done.changed,
        "cancelled": done.cancelled,
    }


def _optional_str(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    if value is not None and (not isinstance(value, str) or not value):
        raise QueryError(f"'{field}' must be a non-empty string")
    return value


def _object_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise QueryError(f"request body is not valid JSON: {err}") from err
    if not isinstance(body, dict):
        raise QueryError("request body must be a JSON object")
    return body
