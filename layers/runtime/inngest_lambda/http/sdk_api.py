"""The SDK-facing routes: the user's app served in-process at SERVE_PATH, and `POST /fn/register`,
where an app served elsewhere syncs its functions (as with Inngest's server).

Imported at cold start (the executor calls the serve route in-process on every step), so it
stays light: registration parsing and flow-control checks are imported on the first sync.
"""

from __future__ import annotations

import fastapi
import inngest.fast_api
from fastapi.responses import JSONResponse

from inngest_lambda.http.routing import Router, in_thread, problem
from inngest_lambda.http.services import Services
from inngest_lambda.settings import SERVE_PATH


def serve(app: fastapi.FastAPI, services: Services) -> None:
    """The SDK's serve route (GET introspection, POST calls, PUT sync) for the user's functions."""
    # The app is served in-process and needs no sync: in production an unsigned PUT to the
    # serve path must not make the SDK re-sync to a URL taken from a forged Host header.
    inngest.fast_api.serve(
        app,
        services.client,
        services.functions,
        serve_path=SERVE_PATH,
        enable_unauthed_sync=services.dev_mode,
    )


def register(router: Router) -> None:
    app, svc = router.app, router.services

    @app.post("/fn/register")
    async def register(request: fastapi.Request) -> JSONResponse:
        if denied := router.denied(request, "a valid signing key is required to register an app"):
            return denied
        from inngest_lambda.apps import registration
        from inngest_lambda.flow import schedules, validation
        from inngest_lambda.http import event_input

        try:
            body = event_input.parse_body(await request.body())  # strict, bounded JSON
            parsed = registration.parse(body)
        except event_input.InputError as err:
            return problem(err.status, str(err))
        except registration.RegistrationError as err:
            return problem(err.status, str(err))
        if parsed.appname == svc.client.app_id:
            # This deployment serves that app in-process, from its own code: a sync of it
            # (the SDK's PUT, whose URL comes from the request's Host header) changes nothing.
            return JSONResponse({"ok": True, "modified": False})
        taken = sorted({f.id for f in parsed.functions} & svc.registry.local_ids())
        if taken:
            return problem(409, f"function ids served by this deployment itself: {taken}")
        error = validation.sync_problem(body["functions"])  # flow-control options, cron
        if error:
            return problem(400, error)
        apps = await in_thread(svc.store.list_apps)
        before = next((a["functions"] for a in apps if a["app_id"] == parsed.appname), None)
        await in_thread(svc.store.put_app, parsed.appname, parsed.url, body["functions"])
        # Schedules of cron triggers the app no longer has go; a stored copy that no longer
        # parses (`functions` None) has nothing we could match.
        previous = [f for f in before or [] if isinstance(f, dict) and "id" in f]
        await in_thread(schedules.replace_quietly, previous, body["functions"])
        svc.registry.refresh()
        return JSONResponse({"ok": True, "modified": True})
