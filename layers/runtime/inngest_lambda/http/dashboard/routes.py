"""Dashboard routes on the API's FastAPI app: pages (GET) and actions (POST, CSRF-checked).

Imported at cold start to register the routes, so it stays light: page rendering, auth and
everything they need are imported inside the handlers, on the first dashboard request.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import fastapi
from fastapi.responses import HTMLResponse, RedirectResponse, Response

if TYPE_CHECKING:
    from inngest_lambda.admin.run_charts import Range
    from inngest_lambda.http.dashboard.auth import Gate
    from inngest_lambda.http.routing import Router

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def register(router: Router) -> None:
    svc = router.services
    route = router.plain
    gate_box: list[Gate] = []

    def gate() -> Gate:
        if not gate_box:
            from inngest_lambda.http.dashboard.auth import Gate

            gate_box.append(Gate(svc))
        return gate_box[0]

    def cookie(request: fastapi.Request) -> str | None:
        from inngest_lambda.http.dashboard.auth import COOKIE

        return request.cookies.get(COOKIE)

    def html(body: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)

    def page(title: str, body: str, active: str, request: fastapi.Request) -> HTMLResponse:
        from inngest_lambda.http.dashboard import pages

        who = (
            ""
            if gate().open
            else (
                '<form class=inline method=post action="/logout" style="margin-left:auto">'
                f"{pages.csrf_input(gate().csrf_token(cookie(request)))}"
                "<button class=quiet>Sign out</button></form>"
            )
        )
        return html(pages.layout(title, body, active=active, signed_in=who))

    def not_found(what: str, request: fastapi.Request) -> HTMLResponse:
        from inngest_lambda.http.dashboard import pages

        res = page("Not found", f"<h1>Not found</h1><p>{pages.e(what)}</p>", "", request)
        res.status_code = 404
        return res

    def chart_range(title: str, request: fastapi.Request) -> Range | HTMLResponse:
        """The charts' `range` (hour, day or week), or a 400 page naming the choices."""
        from inngest_lambda.admin.run_charts import parse_range
        from inngest_lambda.http.dashboard import pages

        try:
            return parse_range(request.query_params.get("range"))
        except ValueError as err:
            res = page(title, f'<div class="note error">{pages.e(err)}</div>', "", request)
            res.status_code = 400
            return res

    async def signed_in(request: fastapi.Request) -> Response | None:
        """None when the request may proceed; otherwise where to send it."""
        g = gate()
        if g.open:
            return None
        key = await asyncio.to_thread(g.key)
        if key is None:
            return html("<h1>Dashboard disabled</h1><p>No dashboard key is configured.</p>", 503)
        if g.session_ok(cookie(request)):
            return None
        if request.method == "GET" and "fragment" not in request.query_params:
            return RedirectResponse("/login", status_code=303, headers=SECURITY_HEADERS)
        return html("<h1>Sign in required</h1>", 401)

    async def form(request: fastapi.Request) -> dict[str, str] | Response:
        """The POSTed form, or a 403 when its CSRF token is missing or wrong."""
        raw = (await request.body()).decode("utf-8", "replace")
        fields = {k: v[-1] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
        if not gate().csrf_ok(cookie(request), fields.get("csrf")):
            return html(
                "<h1>Forbidden</h1><p>Missing or stale form token; reload the page.</p>", 403
            )
        return fields

    def token(request: fastapi.Request) -> str:
        return gate().csrf_token(cookie(request))

    # --- static, login ---------------------------------------------------------------------
    @route("GET", "/_dashboard/app.css")
    async def css(request: fastapi.Request) -> Response:
        from inngest_lambda.http.dashboard.assets import CSS

        return Response(CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    @route("GET", "/_dashboard/app.js")
    async def js(request: fastapi.Request) -> Response:
        from inngest_lambda.http.dashboard.assets import JS

        return Response(JS, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"})

    @route("GET", "/login")
    async def login_form(request: fastapi.Request) -> Response:
        from inngest_lambda.http.dashboard import pages

        if gate().open:
            return RedirectResponse("/", status_code=303)
        return html(pages.login_page())

    @route("POST", "/login")
    async def login(request: fastapi.Request) -> Response:
        from inngest_lambda.http.dashboard import pages
        from inngest_lambda.http.dashboard.auth import COOKIE, SESSION_SECONDS

        if gate().open:
            return RedirectResponse("/", status_code=303)
        raw = (await request.body()).decode("utf-8", "replace")
        offered = (urllib.parse.parse_qs(raw).get("key") or [""])[-1]
        ok = await asyncio.to_thread(gate().check_key, offered)
        if not ok:
            return html(pages.login_page("That is not the dashboard key."), 401)
        res = RedirectResponse("/", status_code=303, headers=SECURITY_HEADERS)
        res.set_cookie(
            COOKIE,
            gate().new_session(),
            max_age=SESSION_SECONDS,
            httponly=True,
            secure=True,
            samesite="strict",
            path="/",
        )
        return res

    @route("POST", "/logout")
    async def logout(request: fastapi.Request) -> Response:
        from inngest_lambda.http.dashboard.auth import COOKIE

        fields = await form(request)
        if isinstance(fields, Response):
            return fields
        res = RedirectResponse("/login" if not gate().open else "/", status_code=303)
        res.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")
        return res

    # --- pages -------------------------------------------------------------------------------
    @route("GET", "/", "/runs")
    async def runs(request: fastapi.Request) -> Response:
        from inngest_lambda.http.dashboard import pages

        if stop := await signed_in(request):
            return stop
        query = {k: v for k, v in request.query_params.items() if v and k != "fragment"}
        try:
            if "fragment" in request.query_params:
                return html(await asyncio.to_thread(pages.runs_rows, svc, query))
            body = await asyncio.to_thread(pages.runs_page, svc, query)
        except ValueError as err:  # a query.QueryError, or a cursor that is not one
            return page("Runs", f'<div class="note error">{pages.e(err)}</div>', "runs", request)
        return page("Runs", body, "runs", request)

    @route("GET", "/runs/{run_id}")
    async def run(request: fastapi.Request) -> Response:
        run_id = request.path_params["run_id"]
        from inngest_lambda.http.dashboard import pages

        if stop := await signed_in(request):
            return stop
        if "fragment" in request.query_params:
            body = await asyncio.to_thread(pages.run_detail, svc, run_id, token(request))
        else:
            body = await asyncio.to_thread(pages.run_page, svc, run_id, token(request))
        if body is None:
            return not_found(f"run {run_id} not found", request)
        if "fragment" in request.query_params:
            return html(body)
        return page(f"Run {run_id}", body, "runs", request)

    @route("GET", "/functions")
    async def functions(request: fastapi.Request) -> Response:
        from inngest_lambda.http.dashboard import function_pages

        if stop := await signed_in(request):
            return stop
        charts = chart_range("Functions", request)
        if isinstance(charts, Response):
            return charts
        body = await asyncio.to_thread(function_pages.functions_page, svc, charts)
        return page("Functions", body, "functions", request)

    @route("GET", "/functions/{function_id}")
    async def function(request: fastapi.Request) -> Response:
        function_id = request.path_params["function_id"]
        from inngest_lambda.http.dashboard import function_pages

        if stop := await signed_in(request):
            return stop
        charts = chart_range(function_id, request)
        if isinstance(charts, Response):
            return charts
        body = await asyncio.to_thread(
            function_pages.function_page, svc, function_id, token(request), charts
        )
        if body is None:
            return not_found(f"function {function_id} not found", request)
        return page(function_id, body, "functions", request)

    @route("GET", "/events")
    async def events(request: fastapi.Request) -> Response:
        from inngest_lambda.http.dashboard import pages

        if stop := await signed_in(request):
            return stop
        query = {k: v for k, v in request.query_params.items() if v}
        try:
            body = await asyncio.to_thread(pages.events_page, svc, query)
        except ValueError as err:  # a cursor that is not one
            return page(
                "Events", f'<div class="note error">{pages.e(err)}</div>', "events", request
            )
        return page("Events", body, "events", request)

    @route("GET", "/events/{event_id}")
    async def event(request: fastapi.Request) -> Response:
        event_id = request.path_params["event_id"]
        from inngest_lambda.http.dashboard import pages

        if stop := await signed_in(request):
            return stop
        body = await asyncio.to_thread(pages.event_page, svc, event_id)
        if body is None:
            return not_found(f"event {event_id} not found", request)
        return page(f"Event {event_id}", body, "events", request)

    @route("GET", "/send")
    async def send_form(request: fastapi.Request) -> Response:
        from inngest_lambda.http.dashboard import pages

        if stop := await signed_in(request):
            return stop
        return page("Send event", pages.send_page(token(request)), "send", request)

    # --- actions -----------------------------------------------------------------------------
    Action = Callable[[fastapi.Request, dict[str, str]], Awaitable[Response]]

    def action(path: str) -> Callable[[Action], Action]:
        """Register a POST action: it runs only for a signed-in session with a good CSRF token,
        and gets the posted form."""

        def add(handler: Action) -> Action:
            @route("POST", path)
            async def checked(request: fastapi.Request) -> Response:
                if stop := await signed_in(request):
                    return stop
                fields = await form(request)
                if isinstance(fields, Response):
                    return fields
                return await handler(request, fields)

            return handler

        return add

    @action("/runs/{run_id}/cancel")
    async def cancel(request: fastapi.Request, fields: dict[str, str]) -> Response:
        run_id = request.path_params["run_id"]
        from inngest_lambda.events import cancellation

        await asyncio.to_thread(
            cancellation.cancel_run, svc.store, run_id, "cancelled from the dashboard"
        )
        return RedirectResponse(f"/runs/{run_id}", status_code=303)

    @action("/runs/{run_id}/replay")
    async def replay(request: fastapi.Request, fields: dict[str, str]) -> Response:
        run_id = request.path_params["run_id"]
        from inngest_lambda.admin import operations

        try:
            new = await asyncio.to_thread(operations.replay, svc, run_id)
        except operations.NotFound as err:
            return not_found(str(err), request)
        return RedirectResponse(f"/runs/{new.run_id}", status_code=303)

    @action("/runs/{run_id}/rerun")
    async def rerun(request: fastapi.Request, fields: dict[str, str]) -> Response:
        """Rerun from the step posted (its id), the steps started before it reused."""
        run_id = request.path_params["run_id"]
        from inngest_lambda.admin import operations
        from inngest_lambda.admin import rerun as reruns
        from inngest_lambda.http.dashboard import pages

        step = fields.get("step") or None
        try:
            new = await asyncio.to_thread(reruns.rerun, svc, run_id, step)
        except operations.NotFound as err:
            return not_found(str(err), request)
        except reruns.BadRequest as err:
            res = page("Rerun", f'<div class="note error">{pages.e(err)}</div>', "", request)
            res.status_code = 400
            return res
        return RedirectResponse(f"/runs/{new.run_id}", status_code=303)

    @action("/functions/{function_id}/replay")
    async def bulk_replay(request: fastapi.Request, fields: dict[str, str]) -> Response:
        function_id = request.path_params["function_id"]
        from inngest_lambda.admin import operations
        from inngest_lambda.http.dashboard import function_pages, pages
        from inngest_lambda.http.query import QueryError, parse_status, parse_time_bound

        try:
            pairs = await asyncio.to_thread(
                lambda: operations.bulk_replay(
                    svc,
                    function_id,
                    status=parse_status(fields.get("status")) or "Failed",
                    since=parse_time_bound("since", fields.get("since")),
                    until=parse_time_bound("until", fields.get("until")),
                )
            )
        except QueryError as err:
            return page("Bulk replay", f'<div class="note error">{pages.e(err)}</div>', "", request)
        except operations.NotFound as err:
            return not_found(str(err), request)
        replayed = function_pages.replayed_page(function_id, pairs)
        return page("Bulk replay", replayed, "functions", request)

    @action("/functions/{function_id}/pause")
    async def pause(request: fastapi.Request, fields: dict[str, str]) -> Response:
        function_id = request.path_params["function_id"]
        from inngest_lambda.admin import operations, pausing

        cancel = fields.get("running") == "cancel"
        try:
            await asyncio.to_thread(
                lambda: pausing.pause(
                    svc, function_id, cancel_running=cancel, paused_by="dashboard"
                )
            )
        except operations.NotFound as err:
            return not_found(str(err), request)
        return RedirectResponse(f"/functions/{function_id}", status_code=303)

    @action("/functions/{function_id}/resume")
    async def resume(request: fastapi.Request, fields: dict[str, str]) -> Response:
        function_id = request.path_params["function_id"]
        from inngest_lambda.admin import operations, pausing
        from inngest_lambda.admin.pausing import SKIP_REASON
        from inngest_lambda.http.dashboard import function_pages

        try:
            await asyncio.to_thread(pausing.resume, svc, function_id)
            if not fields.get("replay_skipped"):
                return RedirectResponse(f"/functions/{function_id}", status_code=303)
            pairs = await asyncio.to_thread(
                lambda: operations.bulk_replay(
                    svc, function_id, status="Skipped", reason=SKIP_REASON
                )
            )
        except operations.NotFound as err:
            return not_found(str(err), request)
        replayed = function_pages.replayed_page(function_id, pairs)
        return page("Bulk replay", replayed, "functions", request)

    @action("/functions/{function_id}/invoke")
    async def invoke(request: fastapi.Request, fields: dict[str, str]) -> Response:
        function_id = request.path_params["function_id"]
        from inngest_lambda.admin import operations
        from inngest_lambda.http.dashboard import pages

        data, error = _json_object(fields.get("data", "{}"))
        if error:
            return page("Invoke", f'<div class="note error">{pages.e(error)}</div>', "", request)
        try:
            event_id, run_id = await asyncio.to_thread(operations.invoke, svc, function_id, data)
        except operations.NotFound as err:
            return not_found(str(err), request)
        target = f"/runs/{run_id}" if run_id else f"/events/{event_id}"
        return RedirectResponse(target, status_code=303)

    @action("/send")
    async def send(request: fastapi.Request, fields: dict[str, str]) -> Response:
        from inngest_lambda.events import ingest as events
        from inngest_lambda.http import event_input
        from inngest_lambda.http.dashboard import pages

        name = fields.get("name", "").strip()
        raw = fields.get("data", "{}")
        data, error = _json_object(raw)
        if not error and not name:
            error = "the event needs a name"
        if not error:
            checked = event_input.check_events({"name": name, "data": data})
            if checked.refused:
                error = checked.error()
        if error:
            body = pages.send_page(token(request), error, name, raw)
            res = page("Send event", body, "send", request)
            res.status_code = 400
            return res
        result = await asyncio.to_thread(svc.ingestor.ingest, events.normalise(checked.valid))
        return RedirectResponse(f"/events/{result.ids[0]}", status_code=303)

    # --- pages in their own modules, mounted with the checks above ---------------------------
    from inngest_lambda.http.dashboard import bulk_cancel

    bulk_cancel.register(bulk_cancel.Kit(svc, route, action, signed_in, token, page, not_found))


def _json_object(raw: str) -> tuple[dict[str, Any], str]:
    try:
        value = json.loads(raw or "{}")
    except ValueError as err:
        return {}, f"data is not valid JSON: {err}"
    if not isinstance(value, dict):
        return {}, "data must be a JSON object"
    return value, ""
