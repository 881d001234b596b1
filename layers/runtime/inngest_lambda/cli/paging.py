"""Listings that follow the API's cursor until they hold `--limit` items."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

MAX_PAGES = 50  # requests one `list` makes at most, following cursors
MAX_BULK = 500  # runs one bulk replay takes at most


class Requester(Protocol):
    """What `pages` needs of the API client (`client.Api`)."""

    def request(self, method: str, path: str, **kwargs: Any) -> Any: ...


def pages(
    api: Requester,
    path: str,
    params: dict[str, Any],
    limit: int,
    cursor_of: Callable[[dict[str, Any]], str | None],
) -> dict[str, Any]:
    """Up to `limit` items of a listing, following its cursor: a page of the API may hold fewer
    than asked for (one that looked through its read budget of Queued/Running runs, or of
    events stored before an upgrade, ends early). At most MAX_PAGES requests, each bounded; the
    body returned is the last page's, with every page's `data`."""
    data: list[Any] = []
    query = {k: v for k, v in params.items() if v}
    for _ in range(MAX_PAGES):
        body: dict[str, Any] = api.request(
            "GET", path, params={**query, "limit": limit - len(data)}
        )
        data += body["data"]
        cursor = cursor_of(body)
        if len(data) >= limit or not cursor:
            break
        query["cursor"] = cursor
    return {**body, "data": data}
