"""The HTTP surface: the SDK's serve endpoint, Inngest's event API, run reads, and app sync.

Shapes follow Inngest's own APIs, so `client.send()`, curl examples from Inngest's docs and
tools that read `/v1/runs` work unchanged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import fastapi
import inngest.fast_api
from fastapi.responses import JSONResponse

from inngest_lambda.events import cancellation
from inngest_lambda.events import ingest as events
from inngest_lambda.http import auth, event_input, response_budget
from inngest_lambda.http.run_views import run_view, step_view
from inngest_lambda.settings import SERVE_PATH
from inngest_lambda.storage.store import TERMINAL_STATES

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from inngest_lambda.runtime import Runtime
    from inngest_lambda.storage.store import Store


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


def create_sdk_app(rt: Runtime) -> fastapi.FastAPI:
    """The SDK's serve route alone: what the executor calls in-process on every step."""
    app = fastapi.FastAPI(title="inngest-lambda", docs_url=None, redoc_url=None)
    _serve(app, rt)
    return app


def _serve(app: fastapi.FastAPI, rt: Runtime) -> None:
    # The app is served in-process and needs no sync: in production an unsigned PUT to the
    # serve path must not make the SDK re-sync to a URL taken from a forged Host header.
    inngest.fast_api.serve(
        app, rt.client, rt.functions, serve_path=SERVE_PATH, enable_unauthed_sync=rt.dev_mode
    )


def create_app(rt: Runtime) -> fastapi.FastAPI:
    """The whole HTTP surface (the serve route too, so `/api/inngest/` redirects as before)."""
    app = fastapi.FastAPI(title="inngest-lambda", docs_url=None, redoc_url=None)
    _serve(app, rt)

    def problem(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message, "status": status}, status_code=status)

    from inngest_lambda.storage.data_format import DataFormatTooNew
    from inngest_lambda.storage.index_query import IndexUnavailable

    async def unavailable(request: fastapi.Request, exc: Exception) -> JSONResponse:
        return problem(503, str(exc))  # a newer data format, an index not built yet

    app.add_exception_handler(DataFormatTooNew, unavailable)
    app.add_exception_handler(IndexUnavailable, unavailable)

    def authorised(request: fastapi.Request) -> bool:
        """`/v0`, `/v1` and `/fn/register` take the signing key (or its SHA-256, as the SDK
        sends it)."""
        if rt.dev_mode:
            return True
        header = request.headers.get("authorization", "")
        return auth.bearer_ok(header, [rt.signing_key, rt.signing_key_fallback])

    @app.post("/e/{event_key}")
    async def send_events(event_key: str, request: fastapi.Request) -> JSONResponse:
        if not auth.event_key_ok(event_key, rt.event_key):
            return problem(401, "event key not recognised")
        try:
            checked = event_input.check_events(event_input.parse_body(await request.body()))
        except event_input.InputError as err:
            return JSONResponse(
                {"ids": [], "status": err.status, "error": str(err)}, status_code=err.status
            )
        seed = request.headers.get("x-inngest-event-id-seed")
        ids: list[str] = []
        body: dict[str, Any] = {}
        if checked.valid:
            try:
                result = await _in_thread(rt.ingestor.ingest, events.normalise(checked.valid, seed))
            except (DataFormatTooNew, IndexUnavailable):
                raise  # their handler answers 503 naming the cause (it has `error` too)
            except Exception as err:  # noqa: BLE001 - answered, not lost: the sender must see it
                # With `error` the SDK raises SendEventsError (after retrying a 5xx; the seed
                # header makes its retries the same events); a bare 500 would give it no body.
                log.exception("ingesting %d events failed", len(checked.valid))
                return JSONResponse(
                    {"ids": [], "status": 500, "error": f"events not stored: {err}"},
                    status_code=500,
                )
            ids = result.ids
            if result.errors:
                body["trigger_errors"] = result.errors
        if not checked.refused:
            return JSONResponse({"ids": ids, "status": 200, **body})
        # As Inngest's event API: 400 with the ids of the events that were accepted, so the
        # SDK's SendEventsError carries them; `errors` names each refused event by index.
        too_big = not ids and all(r.status == 413 for r in checked.refused)
        status = 413 if too_big else 400
        return JSONResponse(
            {
                "ids": ids,
                "status": status,
                "error": checked.error(),
                "errors": [{"index": r.index, "error": r.message} for r in checked.refused],
                **body,
            },
            status_code=status,
        )

    @app.get("/v1/runs/{run_id}")
    async def get_run(run_id: str, request: fastapi.Request) -> JSONResponse:
        if not authorised(request):
            return problem(401, "a valid signing key is required")
        run = await _in_thread(rt.store.get_run, run_id)
        if run is None:
            return problem(404, f"run {run_id} not found")
        steps = await _in_thread(rt.store.load_steps, run_id)
        view = run_view(run, list(steps.values()))
        response_budget.fit({"data": view}, _output_slots(view))
        return JSONResponse({"data": view})

    @app.get("/v1/runs/{run_id}/output")
    async def run_output(run_id: str, request: fastapi.Request, offset: int = 0) -> JSONResponse:
        """A run's output in pages, for one too large to come with the run."""
        if not authorised(request):
            return problem(401, "a valid signing key is required")
        run = await _in_thread(rt.store.get_run, run_id)
        if run is None:
            return problem(404, f"run {run_id} not found")
        value = run_view(run)["output"]
        return JSONResponse(response_budget.chunk(value, offset))

    @app.get("/v1/runs/{run_id}/steps/{step_id}/output")
    async def step_output(
        run_id: str, step_id: str, request: fastapi.Request, offset: int = 0
    ) -> JSONResponse:
        if not authorised(request):
            return problem(401, "a valid signing key is required")
        step = (await _in_thread(rt.store.load_steps, run_id)).get(step_id)
        if step is None:
            return problem(404, f"step {step_id} of run {run_id} not found")
        return JSONResponse(response_budget.chunk(step_view(step).get("output"), offset))

    @app.get("/v1/events")
    async def list_events(
        request: fastapi.Request,
        name: str | None = None,
        received_after: str | None = None,
        received_before: str | None = None,
        cursor: str | None = None,
        limit: str | None = None,
    ) -> JSONResponse:
        from inngest_lambda.http import events_api

        if not authorised(request):
            return problem(401, "a valid signing key is required")
        try:
            kwargs = {
                "name": name,
                "received_after": events_api.parse_time("received_after", received_after),
                "received_before": events_api.parse_time("received_before", received_before),
                "cursor": cursor or None,
                "limit": events_api.parse_limit(limit),
            }
            page = await _in_thread(lambda: events_api.list_page(rt.store, **kwargs))
        except events_api.QueryError as err:
            return problem(400, str(err))
        return JSONResponse(page)

    @app.get("/v1/events/{event_id}")
    async def get_event(event_id: str, request: fastapi.Request) -> JSONResponse:
        from inngest_lambda.http import events_api

        if not authorised(request):
            return problem(401, "a valid signing key is required")
        found = await _in_thread(events_api.get_one, rt.store, event_id)
        if found is None:
            return problem(404, f"event {event_id} not found")
        return JSONResponse(found)

    @app.delete("/v1/runs/{run_id}")
    async def cancel_run(run_id: str, request: fastapi.Request) -> JSONResponse:

        if not authorised(request):
            return problem(401, "a valid signing key is required")
        accepted = await _in_thread(
            cancellation.cancel_run, rt.store, run_id, "cancelled through the API"
        )
        run = await _in_thread(rt.store.get_run, run_id)
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

        if not authorised(request):
            return problem(401, "a valid signing key is required")
        run = await _in_thread(sweeper.redrive, rt.store, run_id)
        if run is None:
            return problem(404, f"run {run_id} not found")
        if run.status in TERMINAL_STATES:
            return problem(409, f"run {run_id} has already ended ({run.status})")
        return JSONResponse({"data": run_view(run)}, status_code=202)

    @app.get("/v1/events/{event_id}/runs")
    async def event_runs(event_id: str, request: fastapi.Request) -> JSONResponse:
        if not authorised(request):
            return problem(401, "a valid signing key is required")
        run_ids = await _in_thread(rt.store.run_ids_for_event, event_id)
        runs = await _in_thread(rt.store.get_runs, run_ids)
        views = [run_view(r) for r in runs]
        response_budget.fit({"data": views}, [s for v in views for s in _output_slots(v)])
        return JSONResponse({"data": views})

    @app.post("/v0/gql")
    async def graphql(request: fastapi.Request) -> JSONResponse:
        from inngest_lambda.http.gql import route

        if not authorised(request):
            return problem(401, "a valid signing key is required")
        status, body = await _in_thread(route.execute, rt.store, await request.body())
        return JSONResponse(body, status_code=status)

    async def run_state(
        run_id: str, request: fastapi.Request, read: Callable[[Store, str], object]
    ) -> fastapi.Response:
        """The SDK's `use_api` reads (a run's memos or its events), compressed when asked."""
        from inngest_lambda.http import run_state_api

        if not authorised(request):
            return problem(401, "a valid signing key is required")
        value = await _in_thread(read, rt.store, run_id)
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

    @app.post("/fn/register")
    async def register(request: fastapi.Request) -> JSONResponse:
        if not authorised(request):
            return problem(401, "a valid signing key is required to register an app")
        from inngest_lambda.apps import registration
        from inngest_lambda.flow import schedules, validation

        try:
            body = event_input.parse_body(await request.body())  # strict, bounded JSON
            parsed = registration.parse(body)
        except event_input.InputError as err:
            return problem(err.status, str(err))
        except registration.RegistrationError as err:
            return problem(err.status, str(err))
        if parsed.appname == rt.client.app_id:
            # This deployment serves that app in-process, from its own code: a sync of it
            # (the SDK's PUT, whose URL comes from the request's Host header) changes nothing.
            return JSONResponse({"ok": True, "modified": False})
        taken = sorted({f.id for f in parsed.functions} & rt.registry.local_ids())
        if taken:
            return problem(409, f"function ids served by this deployment itself: {taken}")
        error = validation.sync_problem(body["functions"])  # flow-control options, cron
        if error:
            return problem(400, error)
        apps = await _in_thread(rt.store.list_apps)
        before = next((a["functions"] for a in apps if a["app_id"] == parsed.appname), None)
        await _in_thread(rt.store.put_app, parsed.appname, parsed.url, body["functions"])
        # Schedules of cron triggers the app no longer has go; a stored copy that no longer
        # parses (`functions` None) has nothing we could match.
        previous = [f for f in before or [] if isinstance(f, dict) and "id" in f]
        await _in_thread(schedules.replace_quietly, previous, body["functions"])
        rt.registry.refresh()
        return JSONResponse({"ok": True, "modified": True})

    from inngest_lambda.http import ops_api

    ops_api.register(app, rt, authorised, problem)  # listing, replay, invoke (CLI, dashboard)
    from inngest_lambda.realtime import routes as realtime

    realtime.register(app, rt, authorised, problem)  # /v1/realtime: tokens, publish
    from inngest_lambda.http.dashboard import routes as dashboard

    dashboard.register(app, rt)  # the browser dashboard at /
    return app


def _output_slots(view: dict[str, Any]) -> list[response_budget.Slot]:
    """Where a run view's large values sit, with the URL that serves each in pages."""
    base = f"/v1/runs/{view['run_id']}"
    slots = [response_budget.Slot(view, "output", lambda: {"url": f"{base}/output"})]
    for step in view.get("steps", []):
        url = f"{base}/steps/{step['id']}/output"
        if "output" in step:
            slots.append(response_budget.Slot(step, "output", lambda url=url: {"url": url}))
    return slots


async def _in_thread(fn: Any, *args: Any) -> Any:
    """boto3 is blocking; keep the event loop free for concurrent requests (local server)."""
    import asyncio

    return await asyncio.to_thread(fn, *args)
