"""The event API: `POST /e/{key}` (Inngest's event ingestion, what `client.send()` calls) and
reading events back, `GET /v1/events` (newest first) and `GET /v1/events/{id}`, in the shape of
Inngest's REST API (`data`, `metadata`, `cursor`).

A page holds at most `limit` events and never more than fits in one Lambda response: events
can be 3 MB each, so a page ends early, with a cursor, when the next event would not fit.
"""

from __future__ import annotations

import logging
from typing import Any

import fastapi
from fastapi.responses import JSONResponse

from inngest_lambda.core import clock
from inngest_lambda.events import ingest as events
from inngest_lambda.http import auth, event_input, query, response_budget
from inngest_lambda.http.routing import Router, in_thread, problem
from inngest_lambda.storage import listing
from inngest_lambda.storage.data_format import DataFormatTooNew
from inngest_lambda.storage.index_query import IndexUnavailable
from inngest_lambda.storage.store import Store

log = logging.getLogger(__name__)


def register(router: Router) -> None:
    app, svc = router.app, router.services

    @app.post("/e/{event_key}")
    async def send_events(event_key: str, request: fastapi.Request) -> JSONResponse:
        if not auth.event_key_ok(event_key, svc.event_key):
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
                result = await in_thread(svc.ingestor.ingest, events.normalise(checked.valid, seed))
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

    @app.get("/v1/events")
    async def list_events(
        request: fastapi.Request,
        name: str | None = None,
        received_after: str | None = None,
        received_before: str | None = None,
        cursor: str | None = None,
        limit: str | None = None,
    ) -> JSONResponse:
        if denied := router.denied(request):
            return denied
        try:
            after = query.parse_iso_time("received_after", received_after)
            before = query.parse_iso_time("received_before", received_before)
            size = query.parse_events_limit(limit)
            start = query.parse_events_cursor(cursor)
        except query.QueryError as err:
            return problem(400, str(err))
        page = await in_thread(
            lambda: list_page(
                svc.store,
                name=name,
                received_after=after,
                received_before=before,
                cursor=start,
                limit=size,
            )
        )
        return JSONResponse(page)

    @app.get("/v1/events/{event_id}")
    async def get_event(event_id: str, request: fastapi.Request) -> JSONResponse:
        if denied := router.denied(request):
            return denied
        found = await in_thread(get_one, svc.store, event_id)
        if found is None:
            return problem(404, f"event {event_id} not found")
        return JSONResponse(found)


def event_view(event: dict[str, Any], received_at: float | None) -> dict[str, Any]:
    return {
        "internal_id": event.get("id"),
        "id": event.get("id"),
        "name": event.get("name"),
        "data": event.get("data") or {},
        "user": event.get("user"),
        "ts": event.get("ts"),
        "v": event.get("v"),
        "receivedAt": clock.iso(received_at) if received_at is not None else None,
    }


def list_page(
    store: Store,
    *,
    name: str | None,
    received_after: float | None,
    received_before: float | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    page = listing.list_events(
        store,
        name=name or None,
        since=received_after,
        until=received_before,
        before=cursor,
        limit=limit,
    )
    data: list[dict[str, Any]] = []
    next_cursor = page.next_cursor
    budget = response_budget.BODY_BUDGET_BYTES - 1024
    used = 0
    data_cursor = None
    for summary in page.items:
        event = store.get_event(summary.event_id)
        if event is None:  # expired between the index read and this one
            continue
        view = event_view(event, summary.received_at)
        size = response_budget.encoded_size(view)
        if data and used + size > budget:
            next_cursor = data_cursor  # the page ends early: continue after the last one sent
            break
        data.append(view)
        used += size
        data_cursor = summary.cursor
    return {
        "data": data,
        "metadata": {"fetched_at": clock.iso(clock.now()), "cached_until": None},
        "cursor": next_cursor,
    }


def get_one(store: Store, event_id: str) -> dict[str, Any] | None:
    found = store.get_event_received(event_id)
    if found is None:
        return None
    return {
        "data": event_view(*found),
        "metadata": {"fetched_at": clock.iso(clock.now()), "cached_until": None},
    }
