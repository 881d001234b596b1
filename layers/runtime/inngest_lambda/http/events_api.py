"""Reading events back: `GET /v1/events` (newest first) and `GET /v1/events/{id}`, in the shape
of Inngest's REST API (`data`, `metadata`, `cursor`).

A page holds at most `limit` events and never more than fits in one Lambda response: events
can be 3 MB each, so a page ends early, with a cursor, when the next event would not fit.
"""

from __future__ import annotations

from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.http import response_budget
from inngest_lambda.storage import listing
from inngest_lambda.storage.store import Store

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class QueryError(ValueError):
    """A query parameter that cannot be used; the message names it."""


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


def parse_time(name: str, value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        return clock.parse_iso(value)
    except ValueError as err:
        raise QueryError(f"'{name}' must be an ISO 8601 time, got {value[:40]!r}") from err


def parse_limit(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise QueryError(f"'limit' must be an integer from 1 to {MAX_LIMIT}")
    return int(value)


def list_page(
    store: Store,
    *,
    name: str | None,
    received_after: float | None,
    received_before: float | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    if cursor is not None and not _valid_cursor(cursor):
        raise QueryError("'cursor' is not a cursor this API returned")
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


def _valid_cursor(cursor: str) -> bool:
    at, sep, rest = cursor.partition("#")
    return bool(sep) and at.isdigit() and len(at) == 13 and 0 < len(rest) <= 512
