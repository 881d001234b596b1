"""Bulk cancellation over HTTP: Inngest's `/v1/cancellations` shapes, plus status and progress.

    POST   /v1/cancellations  {app_id, function_id, started_after?, started_before, if?, dry_run?}
                               -> 200 {"data": the job}; 400/404 naming the problem, none stored
           with dry_run: {"data": {"dry_run", "matched", "complete"}}, nothing stored
    GET    /v1/cancellations            -> {"data": [jobs, newest first]} (`?limit=`, up to 500)
    GET    /v1/cancellations/{id}       -> {"data": the job}   (Inngest has no such route)
    DELETE /v1/cancellations/{id}       -> {"data": {"ok": true, ...the job}}: stops at next page

Signed in production like every `/v1` operation (`Router.denied`). The work itself runs on the
queue (`admin/cancellations`): the answer comes before any run is cancelled.
"""

from __future__ import annotations

import json
from typing import Any

import fastapi
from fastapi.responses import JSONResponse

from inngest_lambda.core import clock
from inngest_lambda.http import query
from inngest_lambda.http.query import QueryError
from inngest_lambda.http.routing import Router, in_thread, problem
from inngest_lambda.storage.cancellations import Cancellation


def view(job: Cancellation) -> dict[str, Any]:
    """Inngest's fields (`pkg/cqrs/cancellations.go`) and ours: status and progress."""
    return {
        "id": job.id,
        "created_at": clock.iso(job.created_at),
        "name": None,
        "app_id": job.app_id,
        "function_id": job.function_id,
        "started_after": clock.iso(job.started_after) if job.started_after is not None else None,
        "started_before": clock.iso(job.started_before),
        "if": job.expression,
        "kind": "bulk_run",
        "cause": "API",
        "status": job.status,
        "progress": {"examined": job.examined, "cancelled": job.cancelled, "pages": job.pages},
        "finished_at": clock.iso(job.finished_at) if job.finished_at is not None else None,
    }


def register(router: Router) -> None:
    svc = router.services
    route = router.plain

    @route("POST", "/v1/cancellations")
    async def create(request: fastapi.Request) -> JSONResponse:
        from inngest_lambda.admin import cancellations

        if denied := router.denied(request):
            return denied
        try:
            body = json.loads(await request.body() or b"null")
        except (ValueError, UnicodeDecodeError) as err:
            return problem(400, f"request body is not valid JSON: {err}")
        if not isinstance(body, dict):
            return problem(400, "request body must be a JSON object")
        try:
            fn = body.get("function_id")
            if not isinstance(fn, str) or not fn:
                raise QueryError("'function_id' is required")
            app_id = body.get("app_id")
            if app_id is not None and not isinstance(app_id, str):
                raise QueryError("'app_id' must be a string")
            expression = body.get("if")
            if expression is not None and (not isinstance(expression, str) or not expression):
                raise QueryError("'if' must be a non-empty string")
            dry_run = body.get("dry_run", False)
            if not isinstance(dry_run, bool):
                raise QueryError("'dry_run' must be true or false")
            checked = cancellations.validate(
                svc,
                fn,
                app_id=app_id,
                started_after=_time(body, "started_after"),
                started_before=_time(body, "started_before"),
                expression=expression,
            )
        except (QueryError, cancellations.BadRequest) as err:
            return problem(400, str(err))
        except cancellations.NotFound as err:
            return problem(404, str(err))
        if dry_run:
            found = await in_thread(cancellations.estimate, svc, checked)
            return JSONResponse(
                {"data": {"dry_run": True, "matched": found.matched, "complete": found.complete}}
            )
        job = await in_thread(cancellations.create, svc, checked)
        return JSONResponse({"data": view(job)})

    @route("GET", "/v1/cancellations")
    async def list_all(request: fastapi.Request) -> JSONResponse:
        from inngest_lambda.storage import cancellations as jobs

        if denied := router.denied(request):
            return denied
        try:
            limit = query.parse_runs_limit(request.query_params.get("limit"), 50)
        except QueryError as err:
            return problem(400, str(err))
        found = await in_thread(jobs.list_jobs, svc.store, limit)
        return JSONResponse({"data": [view(j) for j in found]})

    @route("GET", "/v1/cancellations/{cancellation_id}")
    async def get_one(request: fastapi.Request) -> JSONResponse:
        from inngest_lambda.storage import cancellations as jobs

        if denied := router.denied(request):
            return denied
        job_id = request.path_params["cancellation_id"]
        job = await in_thread(jobs.get, svc.store, job_id)
        if job is None:
            return problem(404, f"cancellation {job_id} not found")
        return JSONResponse({"data": view(job)})

    @route("DELETE", "/v1/cancellations/{cancellation_id}")
    async def delete(request: fastapi.Request) -> JSONResponse:
        from inngest_lambda.admin import cancellations

        if denied := router.denied(request):
            return denied
        job_id = request.path_params["cancellation_id"]
        try:
            job = await in_thread(cancellations.delete, svc, job_id)
        except cancellations.NotFound as err:
            return problem(404, str(err))
        return JSONResponse({"data": {"ok": True, **view(job)}})


def _time(body: dict[str, Any], field: str) -> float | None:
    value = body.get(field)
    if value is not None and not isinstance(value, (str, int, float)):
        raise QueryError(f"'{field}' must be an RFC 3339 time")
    return query.parse_time_bound(field, None if value is None else str(value))
