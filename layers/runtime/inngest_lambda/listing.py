"""Newest-first listings of runs and events, read from the table's three sparse indexes.

The runtime never reads these indexes; they exist for people (dashboard, CLI, `GET /v1/runs`).
Their cost is bounded by design: an index entry changes only when the item it mirrors is
created or a run changes status (Queued -> Running -> an ended status), never when a step runs,
so a 100-step run costs the indexes what a 1-step run does. Concretely:

* `runs-by-function` (`lst_fn` = function id): one entry per run, updated in place when the
  projected `status`, `started_at` or `ended_at` change.
* `runs-by-status` (`lst_fs` = "<function>#active" while Queued or Running, then
  "<function>#<ended status>"): Queued and Running share a key so that the first lease, which
  does not know the function, need not move the entry; the projected `status` tells them apart.
  A cancel moves the entry to Cancelled and sets `ended_at` when it is recorded, before the
  invocation driving the run writes the status (a request may still be in flight): an active
  status with an `ended_at` reads as Cancelled.
* `events-by-time` (`lst_ev` = "EV#<shard>"): one entry per event, written once; events are
  spread over a few partitions so a burst of events does not heat one index partition.

A stack upgraded from a version before these indexes gets them one per deploy, and a new index
backfills for a while (docs/upgrading.md): until it is ACTIVE a listing that needs it raises
`index_query.IndexUnavailable` (HTTP 503 naming the index), never an empty list.

All three sort on `lst_at` = "<13-digit epoch ms>#<id>": unique, so it doubles as the cursor.
Writers take these attributes from `index_keys.py`. Index reads are eventually consistent (GSIs
offer nothing else): a run that just changed status can show its old status for a fraction of a
second.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from inngest_lambda import index_query
from inngest_lambda.attributes import decode_attr, encode_attr
from inngest_lambda.index_keys import ACTIVE_STATES, ALL_STATES, status_key, time_bound
from inngest_lambda.settings import (
    EVENT_INDEX_SHARDS,
    INDEX_EVENTS_BY_TIME,
    INDEX_RUNS_BY_FUNCTION,
    INDEX_RUNS_BY_STATUS,
    LIST_AT,
    LIST_EVENTS,
    LIST_FUNCTION,
    LIST_FUNCTION_STATUS,
    TABLE_PK,
)

if TYPE_CHECKING:
    from inngest_lambda.store import Store

MAX_LIMIT = 500


# --- what readers get --------------------------------------------------------------------------
@dataclasses.dataclass
class RunSummary:
    run_id: str
    function_id: str
    status: str
    event_id: str
    created_at: float
    started_at: float | None
    ended_at: float | None
    cursor: str


@dataclasses.dataclass
class EventSummary:
    event_id: str
    name: str
    received_at: float
    cursor: str


T = TypeVar("T")


@dataclasses.dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None  # pass as `before` for the next (older) page; None: no more


def list_runs(
    store: Store,
    function_ids: Iterable[str],
    *,
    status: str | None = None,
    since: float | None = None,
    until: float | None = None,
    before: str | None = None,
    limit: int = 50,
) -> Page[RunSummary]:
    """Runs of these functions (optionally of one status), newest first.

    One index query per function (a few in flight at once would be a later optimisation):
    listing cost grows with the number of functions asked about, not with the number of runs.
    """
    if status is not None and status not in ALL_STATES:
        raise ValueError(f"unknown status {status!r} (one of {', '.join(ALL_STATES)})")
    limit = _clamp(limit)
    streams = []
    for fn in sorted(set(function_ids)):
        if status is None:
            index, attr, value = INDEX_RUNS_BY_FUNCTION, LIST_FUNCTION, fn
        else:
            index, attr, value = INDEX_RUNS_BY_STATUS, LIST_FUNCTION_STATUS, status_key(fn, status)
        wanted = status if status in ACTIVE_STATES else None
        streams.append(_query_desc(store, index, attr, value, since, until, before, limit, wanted))
    items = [_run_summary(it) for it in _merge(streams, limit)]
    return Page(items, items[-1].cursor if len(items) == limit else None)


def list_events(
    store: Store,
    *,
    name: str | None = None,
    since: float | None = None,
    until: float | None = None,
    before: str | None = None,
    limit: int = 50,
) -> Page[EventSummary]:
    """Events as received, newest first (optionally only those with one name)."""
    limit = _clamp(limit)
    streams = [
        _query_desc(
            store,
            INDEX_EVENTS_BY_TIME,
            LIST_EVENTS,
            f"EV#{shard}",
            since,
            until,
            before,
            limit,
            None,
            name,
        )
        for shard in range(EVENT_INDEX_SHARDS)
    ]
    items = [_event_summary(it) for it in _merge(streams, limit)]
    return Page(items, items[-1].cursor if len(items) == limit else None)


def _clamp(limit: int) -> int:
    return max(1, min(MAX_LIMIT, int(limit)))


def _query_desc(
    store: Store,
    index: str,
    attr: str,
    value: str,
    since: float | None,
    until: float | None,
    before: str | None,
    limit: int,
    status: str | None = None,
    name: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Items of one index partition, newest first, lazily paged (at most `limit` per request)."""
    names = {"#p": attr}
    values: dict[str, Any] = {":p": {"S": value}}
    cond = "#p = :p"
    upper = before
    if until is not None:
        bound = time_bound(until)
        upper = bound if upper is None else min(upper, bound)
    lower = time_bound(since) if since is not None else None
    if lower is not None and upper is not None:
        cond += " AND #at BETWEEN :lo AND :hi"
        values[":lo"], values[":hi"] = {"S": lower}, {"S": upper}
    elif lower is not None:
        cond += " AND #at >= :lo"
        values[":lo"] = {"S": lower}
    elif upper is not None:
        cond += " AND #at < :hi"
        values[":hi"] = {"S": upper}
    if lower is not None or upper is not None:
        names["#at"] = LIST_AT
    kwargs: dict[str, Any] = {
        "TableName": store.table,
        "IndexName": index,
        "KeyConditionExpression": cond,
        "ScanIndexForward": False,
        "Limit": limit,
    }
    filters = []
    if status is not None:
        filters.append("#st = :st")
        names["#st"] = "status"
        values[":st"] = encode_attr(status)
    if name is not None:
        filters.append("ev_name = :name")
        values[":name"] = encode_attr(name)
    if filters:
        kwargs["FilterExpression"] = " AND ".join(filters)
    kwargs["ExpressionAttributeNames"] = names
    kwargs["ExpressionAttributeValues"] = values
    while True:
        res = index_query.query(store.ddb, kwargs)
        for item in res.get("Items", []):
            # BETWEEN is inclusive; `before` (a cursor, or `until`) is exclusive.
            if upper is not None and item[LIST_AT]["S"] >= upper:
                continue
            yield item
        if "LastEvaluatedKey" not in res:
            return
        kwargs["ExclusiveStartKey"] = res["LastEvaluatedKey"]


def _merge(streams: list[Iterator[dict[str, Any]]], limit: int) -> list[dict[str, Any]]:
    """The newest `limit` items across partitions, each stream already newest first."""
    merged = heapq.merge(*streams, key=lambda it: it[LIST_AT]["S"], reverse=True)
    out = []
    for item in merged:
        out.append(item)
        if len(out) == limit:
            break
    return out


def _run_summary(item: dict[str, Any]) -> RunSummary:
    p = {k: decode_attr(v) for k, v in item.items()}
    at = str(p[LIST_AT])
    status = str(p["status"])
    if status in ACTIVE_STATES and p.get("ended_at") is not None:
        # Only a recorded cancel ends a run before its status is written (request_cancel): it
        # is Cancelled from then on, as for readers of the run itself (Run.visible_status).
        status = "Cancelled"
    return RunSummary(
        run_id=str(p[TABLE_PK])[2:],
        function_id=str(p["function_id"]),
        status=status,
        event_id=str(p.get("event_id", "")),
        created_at=int(at.split("#", 1)[0]) / 1000,
        started_at=p.get("started_at"),  # type: ignore[arg-type]
        ended_at=p.get("ended_at"),  # type: ignore[arg-type]
        cursor=at,
    )


def _event_summary(item: dict[str, Any]) -> EventSummary:
    at = item[LIST_AT]["S"]
    return EventSummary(
        event_id=item[TABLE_PK]["S"][2:],
        name=item.get("ev_name", {}).get("S", ""),
        received_at=int(at.split("#", 1)[0]) / 1000,
        cursor=at,
    )


def count_runs(store: Store, function_id: str, status: str, since: float) -> int:
    """How many runs of a function are in `status`, among those created since `since`."""
    if status not in ALL_STATES:
        raise ValueError(f"unknown status {status!r}")
    kwargs: dict[str, Any] = {
        "TableName": store.table,
        "IndexName": INDEX_RUNS_BY_STATUS,
        "KeyConditionExpression": "#p = :p AND #at >= :lo",
        "ExpressionAttributeNames": {"#p": LIST_FUNCTION_STATUS, "#at": LIST_AT},
        "ExpressionAttributeValues": {
            ":p": {"S": status_key(function_id, status)},
            ":lo": {"S": time_bound(since)},
        },
        "Select": "COUNT",
    }
    if status in ACTIVE_STATES:
        kwargs["FilterExpression"] = "#st = :st"
        kwargs["ExpressionAttributeNames"]["#st"] = "status"
        kwargs["ExpressionAttributeValues"][":st"] = {"S": status}
    total = 0
    while True:
        res = index_query.query(store.ddb, kwargs)
        total += int(res.get("Count", 0))
        if "LastEvaluatedKey" not in res:
            return total
        kwargs["ExclusiveStartKey"] = res["LastEvaluatedKey"]
