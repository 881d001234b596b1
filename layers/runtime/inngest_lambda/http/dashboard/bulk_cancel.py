"""The dashboard's bulk cancel: a function's form, the estimate, the confirm, the history.

    GET  /functions/{fn}/cancel                the form, and the function's cancellation history
    POST /functions/{fn}/cancel/estimate       check the form, count the runs it matches (the
                                               dry run `runs cancel --dry-run` prints), show a
                                               confirm button; nothing is stored
    POST /functions/{fn}/cancel                check again, create the job, 303 back to the page
    POST /functions/{fn}/cancel/{job}/stop     as `DELETE /v1/cancellations/{job}`: stops the job

The rules and the work are `admin/cancellations` (the same `validate`, `estimate` and `create` as
`POST /v1/cancellations`); this module only renders them. No JavaScript: each step is a form
post, CSRF-checked and signed in like every dashboard action (`routes.register` passes its
checks in as a `Kit`). Bad input (an unreadable time, a range the wrong way round, a CEL error)
answers the form again with the message and status 400 (404 for an unknown function), and stores
nothing. The confirm form carries the times the estimate resolved (a duration like `1h` becomes
an instant), so the job matches exactly the range that was counted.

Costs: the estimate reads what a job would (`admin/cancellations.estimate`: one index Query per
16 runs of the range, up to 10,000 runs examined); creating is 1 PutItem + 1 SendMessage; the
history is one Query of the newest HISTORY_SCAN jobs (of every function: jobs are made by people,
a few a day), of which the page shows this function's.

Imported at cold start by `routes.register`: the rendering imports what it needs when called.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import fastapi
from fastapi.responses import HTMLResponse, RedirectResponse, Response

if TYPE_CHECKING:
    from inngest_lambda.admin.cancellations import Estimate, Request
    from inngest_lambda.http.routing import Endpoint
    from inngest_lambda.http.services import Services
    from inngest_lambda.storage.cancellations import Cancellation

HISTORY_SCAN = 200  # newest jobs (of all functions) the history reads: one Query, under 1 MB
# A job's status as the badge colour the dashboard already has for a run in that state.
_BADGE = {"Pending": "Queued", "Running": "Running", "Done": "Completed", "Deleted": "Cancelled"}

Action = Callable[[fastapi.Request, dict[str, str]], Awaitable[Response]]


@dataclasses.dataclass(frozen=True)
class Kit:
    """What the dashboard's routes module gives a page module: its checks and its layout."""

    svc: Services
    route: Callable[[str, str], Callable[[Endpoint], Endpoint]]  # `Router.plain`
    action: Callable[[str], Callable[[Action], Action]]  # POST, signed in, CSRF-checked
    signed_in: Callable[[fastapi.Request], Awaitable[Response | None]]
    token: Callable[[fastapi.Request], str]
    page: Callable[[str, str, str, fastapi.Request], HTMLResponse]
    not_found: Callable[[str, fastapi.Request], HTMLResponse]


@dataclasses.dataclass(frozen=True)
class Form:
    """The form as typed (shown again with an error) or as resolved for the confirm."""

    started_after: str = ""
    started_before: str = ""
    expression: str = ""

    @classmethod
    def posted(cls, fields: dict[str, str]) -> Form:
        return cls(
            fields.get("started_after", "").strip(),
            fields.get("started_before", "").strip(),
            fields.get("if", "").strip(),
        )


class Refused(Exception):
    """The form cannot be used: `status` (400 or 404) and a message naming the problem."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def check(svc: Services, function_id: str, form: Form) -> Request:
    """The validated request (no AWS call); `Refused` naming the problem otherwise. An empty
    "started before" means now."""
    from inngest_lambda.admin import cancellations
    from inngest_lambda.core import clock
    from inngest_lambda.http.query import QueryError, parse_time_bound

    try:
        before = parse_time_bound("started_before", form.started_before)
        return cancellations.validate(
            svc,
            function_id,
            app_id=None,
            started_after=parse_time_bound("started_after", form.started_after),
            started_before=clock.now() if before is None else before,
            expression=form.expression or None,
        )
    except (QueryError, cancellations.BadRequest) as err:
        raise Refused(400, str(err)) from err
    except cancellations.NotFound as err:
        raise Refused(404, str(err)) from err


def resolved(request: Request) -> Form:
    """The form the confirm button posts: the instants the estimate counted."""
    from inngest_lambda.core import clock

    after = request.started_after
    return Form(
        clock.iso(after) if after is not None else "",
        clock.iso(request.started_before) or "",
        request.expression or "",
    )


def history(svc: Services, function_id: str) -> list[Cancellation]:
    """This function's jobs among the newest HISTORY_SCAN, newest first (one Query)."""
    from inngest_lambda.storage import cancellations as jobs

    return [j for j in jobs.list_jobs(svc.store, HISTORY_SCAN) if j.function_id == function_id]


# --- rendering ------------------------------------------------------------------------------
def cancel_page(
    svc: Services, function_id: str, token: str, form: Form, error: str = "", created: str = ""
) -> str:
    from inngest_lambda.http.dashboard.pages import e

    note = f'<div class="note error">{e(error)}</div>' if error else ""
    if created:
        note += (
            f'<div class="note">Cancellation <code>{e(created)}</code> created: it cancels page '
            "by page on the queue. Reload to see its progress.</div>"
        )
    return (
        f'<h1>Bulk cancel <a href="/functions/{e(function_id)}">{e(function_id)}</a></h1>'
        f"{note}<p>Cancels this function's Queued and Running runs (sleeping and waiting ones "
        "included) created in the range, optionally only those whose trigger event matches "
        "<code>if</code>. You see how many match before anything is cancelled.</p>"
        f"{_form(function_id, token, form)}<h2>Cancellation history</h2>"
        f"{_history_table(function_id, history(svc, function_id), token)}"
    )


def confirm_page(function_id: str, token: str, request: Request, found: Estimate) -> str:
    from inngest_lambda.http.dashboard.pages import csrf_input, e

    form = resolved(request)
    count = f"{found.matched}" if found.complete else f"at least {found.matched}"
    more = "" if found.complete else " (counting stopped after 10,000 runs examined)"
    hidden = "".join(
        f'<input type=hidden name={name} value="{e(value)}">'
        for name, value in (
            ("started_after", form.started_after),
            ("started_before", form.started_before),
            ("if", form.expression),
        )
    )
    runs = "run" if found.matched == 1 and found.complete else "runs"
    return (
        f"<h1>Bulk cancel {e(function_id)}: confirm</h1>"
        f'<p class=estimate><b data-matched="{found.matched}">{e(count)}</b> {runs} match now'
        f"{e(more)}.</p><dl><dt>Started after</dt><dd>{e(form.started_after or '-')}</dd>"
        f"<dt>Started before</dt><dd>{e(form.started_before)}</dd>"
        f"<dt>If</dt><dd>{_code(form.expression)}</dd></dl>"
        f'<form class=bar method=post action="/functions/{e(function_id)}/cancel">'
        f"{csrf_input(token)}{hidden}<button class=danger>Cancel the matching runs</button>"
        f'<a href="/functions/{e(function_id)}/cancel">Back</a></form>'
    )


def _form(function_id: str, token: str, form: Form) -> str:
    from inngest_lambda.http.dashboard.pages import csrf_input, e

    return (
        f'<form class=bar method=post action="/functions/{e(function_id)}/cancel/estimate">'
        f"{csrf_input(token)}<label>Started after<input name=started_after size=26 "
        f'value="{e(form.started_after)}" placeholder="ISO time, or 1h, 7d back"></label>'
        "<label>Started before<input name=started_before size=26 "
        f'value="{e(form.started_before)}" placeholder="now"></label>'
        f"<label>If (a CEL expression over event, optional)<input name=if size=44 "
        f'value="{e(form.expression)}" placeholder="event.data.plan == \'free\'"></label>'
        "<button>Estimate</button></form>"
    )


def _history_table(function_id: str, found: list[Cancellation], token: str) -> str:
    from inngest_lambda.http.dashboard.pages import action, e, when

    if not found:
        return "<p class=muted>No bulk cancellation of this function yet.</p>"
    rows = []
    for job in found:
        stop = (
            action(f"/functions/{function_id}/cancel/{job.id}/stop", "Stop", token, "quiet")
            if job.status in ("Pending", "Running")
            else ""
        )
        rows.append(
            f'<tr data-job="{e(job.id)}"><td><code>{e(job.id)}</code>'
            f"<div class=muted>{when(job.created_at)}</div></td>"
            f'<td><span class="badge {_BADGE.get(job.status, "")}">{e(job.status)}</span></td>'
            f'<td class=progress><b data-cancelled="{job.cancelled}">{job.cancelled}</b> '
            f"cancelled of {job.examined} runs examined ({job.pages} page"
            f"{'' if job.pages == 1 else 's'})</td>"
            f"<td>{when(job.started_after)} &ndash; {when(job.started_before)}</td>"
            f"<td>{_code(job.expression or '')}</td><td>{when(job.finished_at)}</td>"
            f"<td>{stop}</td></tr>"
        )
    return (
        "<table><thead><tr><th>Cancellation</th><th>Status</th><th>Progress</th>"
        "<th>Runs started</th><th>If</th><th>Finished</th><th></th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _code(value: str) -> str:
    from inngest_lambda.http.dashboard.pages import e

    return f"<code>{e(value)}</code>" if value else '<span class="muted">-</span>'


# --- routes ---------------------------------------------------------------------------------
def register(kit: Kit) -> None:
    """Mount the routes above with the dashboard's session and CSRF checks."""
    svc = kit.svc

    def refused(function_id: str, form: Form, err: Refused, request: fastapi.Request) -> Response:
        if err.status == 404:
            return kit.not_found(str(err), request)
        body = cancel_page(svc, function_id, kit.token(request), form, error=str(err))
        res = kit.page("Bulk cancel", body, "functions", request)
        res.status_code = err.status
        return res

    @kit.route("GET", "/functions/{function_id}/cancel")
    async def show(request: fastapi.Request) -> Response:
        function_id = request.path_params["function_id"]
        if stop := await kit.signed_in(request):
            return stop
        if svc.registry.get(function_id) is None:
            return kit.not_found(f"function {function_id} not found", request)
        body = await asyncio.to_thread(
            cancel_page,
            svc,
            function_id,
            kit.token(request),
            Form(),
            created=request.query_params.get("created", ""),
        )
        return kit.page("Bulk cancel", body, "functions", request)

    async def checked(request: fastapi.Request, fields: dict[str, str]) -> Request | Response:
        """The posted form as a validated request, or the form again with the refusal."""
        function_id, form = request.path_params["function_id"], Form.posted(fields)
        try:
            return check(svc, function_id, form)
        except Refused as err:
            return await asyncio.to_thread(refused, function_id, form, err, request)

    @kit.action("/functions/{function_id}/cancel/estimate")
    async def estimate(request: fastapi.Request, fields: dict[str, str]) -> Response:
        from inngest_lambda.admin import cancellations

        ask = await checked(request, fields)
        if isinstance(ask, Response):
            return ask
        found = await asyncio.to_thread(cancellations.estimate, svc, ask)
        body = confirm_page(request.path_params["function_id"], kit.token(request), ask, found)
        return kit.page("Bulk cancel", body, "functions", request)

    @kit.action("/functions/{function_id}/cancel")
    async def create(request: fastapi.Request, fields: dict[str, str]) -> Response:
        from inngest_lambda.admin import cancellations

        ask = await checked(request, fields)
        if isinstance(ask, Response):
            return ask
        job = await asyncio.to_thread(cancellations.create, svc, ask)
        target = f"/functions/{request.path_params['function_id']}/cancel?created={job.id}"
        return RedirectResponse(target, 303)

    @kit.action("/functions/{function_id}/cancel/{job_id}/stop")
    async def stop(request: fastapi.Request, fields: dict[str, str]) -> Response:
        from inngest_lambda.admin import cancellations

        function_id, job_id = request.path_params["function_id"], request.path_params["job_id"]
        try:
            await asyncio.to_thread(cancellations.delete, svc, job_id)
        except cancellations.NotFound as err:
            return kit.not_found(str(err), request)
        return RedirectResponse(f"/functions/{function_id}/cancel", 303)
