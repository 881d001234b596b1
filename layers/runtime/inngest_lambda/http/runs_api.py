"""Reading runs: Inngest's REST shapes (`GET /v1/runs/{id}`, `/v1/events/{id}/runs`), our own
listing and paged outputs, and the SDK's `use_api` run state (`/v0/runs/{id}/actions|batch`).

    GET /v1/runs?function_id=&status=&since=&until=&cursor=&limit=     newest first
    GET /v1/runs/{run_id}                                  the run and its steps
    GET /v1/runs/{run_id}/output?offset=                   a large output in pages
    GET /v1/runs/{run_id}/steps/{step_id}/output?offset=
    GET /v1/events/{event_id}/runs                         the runs an event started
    GET /v0/runs/{run_id}/actions, /batch                  memos, events (gzipped when large)

Every answer fits one Lambda response: a value too large to come with its run is replaced by
the URL that serves it in pages (`response_budget`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fastapi
from fastapi.responses import JSONResponse

from inngest_lambda.core import clock
from inngest_lambda.http import query, response_budget
from inngest_lambda.http.routing import Router, in_thread, problem
from inngest_lambda.http.run_views import run_view, step_view
from inngest_lambda.storage import listing
from inngest_lambda.storage.store import Store


def register(router: Router) -> None:
    app, svc = router.app, router.services

    @app.get("/v1/runs/{run_id}")
    async def get_run(run_id: str, request: fastapi.Request) -> JSONResponse:
        if denied := router.denied(request):
            return denied
        run = await in_thread(svc.store.get_run, run_id)
        if run is None:
            return problem(404, f"run {run_id} not found")
        steps = await in_thread(svc.store.load_steps, run_id)
        view = run_view(run, list(steps.values()))
        response_budget.fit({"data": view}, output_slots(view))
        return JSONResponse({"data": view})

    @app.get("/v1/runs/{run_id}/output")
    async def run_output(run_id: str, request: fastapi.Request, offset: int = 0) -> JSONResponse:
        """A run's output in pages, for one too large to come with the run."""
        if denied := router.denied(request):
            return denied
        run = await in_thread(svc.store.get_run, run_id)
        if run is None:
            return problem(404, f"run {run_id} not found")
        value = run_view(run)["output"]
        return JSONResponse(response_budget.chunk(value, offset))

    @app.get("/v1/runs/{run_id}/steps/{step_id}/output")
    async def step_output(
        run_id: str, step_id: str, request: fastapi.Request, offset: int = 0
    ) -> JSONResponse:
        if denied := router.denied(request):
            return denied
        step = (await in_thread(svc.store.load_steps, run_id)).get(step_id)
        if step is None:
            return problem(404, f"step {step_id} of run {run_id} not found")
        return JSONResponse(response_budget.chunk(step_view(step).get("output"), offset))

    @app.get("/v1/events/{event_id}/runs")
    async def event_runs(event_id: str, request: fastapi.Request) -> JSONResponse:
        if denied := router.denied(request):
            return denied
        run_ids = await in_thread(svc.store.run_ids_for_event, event_id)
        runs = await in_thread(svc.store.get_runs, run_ids)
        views = [run_view(r) for r in runs]
        response_budget.fit({"data": views}, [s for v in views for s in output_slots(v)])
        return JSONResponse({"data": views})

    async def run_state(
        run_id: str, request: fastapi.Request, read: Callable[[Store, str], object]
    ) -> fastapi.Response:
        """The SDK's `use_api` reads (a run's memos or its events), compressed when asked."""
        from inngest_lambda.http import run_state_api

        if denied := router.denied(request):
            return denied
        value = await in_thread(read, svc.store, run_id)
        if value is None:
            return problem(404, f"run {run_id} not found")
        accept = request.headers.get("accept-encoding", "")
        status, body, headers = run_state_api.encode(value, accept)
        return fastapi.Response(body, status_code=status, headers=headers)

    @app.get("/v0/runs/{run_id}/actions")
    async def run_actions(run_id: str, request: fastapi.Request) -> fastapi.Response:
        from inngest_lambda.http import run_state_api

        return await run_state(run_id, request, run_state_api.actions)

    @app.get("/v0/runs/{run_id}/batch")
    async def run_batch(run_id: str, request: fastapi.Request) -> fastapi.Response:
        from inngest_lambda.http import run_state_api

        return await run_state(run_id, request, run_state_api.batch)

    @router.plain("GET", "/v1/runs")
    async def list_runs(request: fastapi.Request) -> JSONResponse:
        if denied := router.denied(request):
            return denied
        q = request.query_params
        try:
            fn = q.get("function_id") or None
            if fn is not None and svc.registry.get(fn) is None:
                return problem(404, f"function {fn} not found")
            page = await in_thread(
                lambda: listing.list_runs(
                    svc.store,
                    [fn] if fn else [f.id for f in svc.registry.all()],
                    status=query.parse_status(q.get("status")),
                    since=query.parse_time_bound("since", q.get("since")),
                    until=query.parse_time_bound("until", q.get("until")),
                    before=q.get("cursor") or None,
                    limit=query.parse_runs_limit(q.get("limit")),
                )
            )
        except query.QueryError as err:
            return problem(400, str(err))
        return JSONResponse(
            {
                "data": [summary_view(r) for r in page.items],
                "metadata": {"next_cursor": page.next_cursor},
            }
        )


def summary_view(r: listing.RunSummary) -> dict[str, Any]:
    """A run as `GET /v1/runs` lists it (no output: a listing reads only the index)."""
    return {
        "run_id": r.run_id,
        "function_id": r.function_id,
        "status": r.status,
        "event_id": r.event_id,
        "created_at": clock.iso(r.created_at),
        "run_started_at": clock.iso(r.started_at),
        "ended_at": clock.iso(r.ended_at),
    }


def output_slots(view: dict[str, Any]) -> list[response_budget.Slot]:
    """Where a run view's large values sit, with the URL that serves each in pages."""
    base = f"/v1/runs/{view['run_id']}"
    slots = [response_budget.Slot(view, "output", lambda: {"url": f"{base}/output"})]
    for step in view.get("steps", []):
        url = f"{base}/steps/{step['id']}/output"
        if "output" in step:
            slots.append(response_budget.Slot(step, "output", lambda url=url: {"url": url}))
    return slots
