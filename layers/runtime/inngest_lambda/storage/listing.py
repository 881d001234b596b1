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
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

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
    TABLE_SK,
)
from inngest_lambda.storage import index_query
from inngest_lambda.storage.codec import decode_attr, item_key
from inngest_lambda.storage.index_keys import (
    ACTIVE_STATES,
    ALL_STATES,
    ENDED_STATES,
    NAME_INDEX_MARKER,
    RECENT_SHARDS,
    name_entry_key,
    name_entry_position,
    name_index_complete_from,
    recent_event_pk,
    status_key,
    time_bound,
)
from inngest_lambda.storage.partition_reads import Item, KeyRange, Reads, newest_first

if TYPE_CHECKING:
    from inngest_lambda.storage.table import Table

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
    # Pass as `before` for the next (older) page; None: no more. A page that examined
    # FILTER_BUDGET entries ends early: fewer items than asked for (maybe none), and a cursor.
    next_cursor: str | None
    reads: Reads = dataclasses.field(default_factory=Reads)  # what reading it cost


def list_runs(
    store: Table,
    function_ids: Iterable[str],
    *,
    status: str | None = None,
    since: float | None = None,
    until: float | None = None,
    before: str | None = None,
    limit: int = 50,
) -> Page[RunSummary]:
    """Runs of these functions (optionally of one status), newest first.

    One index partition per function, merged lazily (`partition_reads`): listing cost grows
    with the number of functions asked about and the runs returned, not with the runs stored.
    Queued and Running share a partition (`fn#active`): listing one of them examines at most
    FILTER_BUDGET entries and may end the page early, with a cursor.
    """
    if status is not None and status not in ALL_STATES:
        raise ValueError(f"unknown status {status!r} (one of {', '.join(ALL_STATES)})")
    limit = _clamp(limit)
    lower, upper = _window(since, until, before)
    wanted = _has_status(status) if status in ACTIVE_STATES else None
    ranges = []
    for fn in sorted(set(function_ids)):
        if status is None:
            index, attr, value = INDEX_RUNS_BY_FUNCTION, LIST_FUNCTION, fn
        else:
            index, attr, value = INDEX_RUNS_BY_STATUS, LIST_FUNCTION_STATUS, status_key(fn, status)
        ranges.append(KeyRange(index, attr, value, LIST_AT, lower, upper, _lst_at, wanted))
    found = newest_first(store, [ranges], limit)
    return Page([_run_summary(it) for it in found.items], found.cursor, found.reads)


def list_events(
    store: Table,
    *,
    name: str | None = None,
    since: float | None = None,
    until: float | None = None,
    before: str | None = None,
    limit: int = 50,
) -> Page[EventSummary]:
    """Events as received, newest first (optionally only those with one name).

    All events: the events-by-time index's shards. One name: its `EN#` entries (one partition
    per shard, `index_keys.py`) back to when they became complete (the marker), and before that
    the events-by-time index, keeping that name's entries (FILTER_BUDGET examined at most)."""
    limit = _clamp(limit)
    lower, upper = _window(since, until, before)
    if name is None:
        groups = [_events_by_time(lower, upper)]
    else:
        groups = _events_by_name(store, name, lower, upper)
    found = newest_first(store, groups, limit)
    items = [_event_summary(it, name) for it in found.items]
    return Page(items, found.cursor, found.reads)


def _events_by_time(
    lower: str | None, upper: str | None, wanted: Callable[[Item], bool] | None = None
) -> list[KeyRange]:
    return [
        KeyRange(
            INDEX_EVENTS_BY_TIME, LIST_EVENTS, f"EV#{s}", LIST_AT, lower, upper, _lst_at, wanted
        )
        for s in range(EVENT_INDEX_SHARDS)
    ]


def _events_by_name(
    store: Table, name: str, lower: str | None, upper: str | None
) -> list[list[KeyRange]]:
    """Newest first: the `EN#` entries from `complete` on, then older events by time."""
    marker = store.ddb.get_item(TableName=store.table, Key=item_key(*NAME_INDEX_MARKER))
    complete_from = name_index_complete_from(marker.get("Item"))
    groups = []
    split = time_bound(complete_from) if complete_from is not None else None
    if split is not None and (upper is None or upper > split):
        low = split if lower is None else max(lower, split)
        groups.append(
            [
                KeyRange(
                    None,
                    TABLE_PK,
                    recent_event_pk(name, shard),
                    TABLE_SK,
                    name_entry_key(low),
                    name_entry_key(upper) if upper is not None else None,
                    _name_entry_at,
                    consistent=True,
                )
                for shard in range(RECENT_SHARDS)
            ]
        )
    if split is None or lower is None or lower < split:
        high = split if upper is None else (upper if split is None else min(upper, split))
        groups.append(_events_by_time(lower, high, lambda it: _ev_name(it) == name))
    return groups


def _window(
    since: float | None, until: float | None, before: str | None
) -> tuple[str | None, str | None]:
    """Sort-key bounds [lower, upper) of a time window and a cursor."""
    upper = before
    if until is not None:
        bound = time_bound(until)
        upper = bound if upper is None else min(upper, bound)
    return (time_bound(since) if since is not None else None), upper


def _clamp(limit: int) -> int:
    return max(1, min(MAX_LIMIT, int(limit)))


def _lst_at(item: Item) -> str:
    return str(item[LIST_AT]["S"])


def _name_entry_at(item: Item) -> str:
    return name_entry_position(item[TABLE_SK]["S"])


def _ev_name(item: Item) -> str:
    return str(item.get("ev_name", {}).get("S", ""))


def _has_status(status: str | None) -> Callable[[Item], bool]:
    return lambda item: item.get("status", {}).get("S") == status


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


def _event_summary(item: Item, name: str | None) -> EventSummary:
    if TABLE_SK in item and item[TABLE_PK]["S"].startswith("EN#"):  # a by-name entry
        at = _name_entry_at(item)
        event_id = at.split("#", 1)[1]
        event_name = name or ""
    else:
        at = _lst_at(item)
        event_id = item[TABLE_PK]["S"][2:]
        event_name = _ev_name(item)
    return EventSummary(
        event_id=event_id,
        name=event_name,
        received_at=int(at.split("#", 1)[0]) / 1000,
        cursor=at,
    )


COUNT_CAP = 1000  # index entries a run count reads at most, per partition


@dataclasses.dataclass
class RunCounts:
    counts: dict[str, int]  # status -> runs
    at_least: list[str]  # statuses whose count stopped at COUNT_CAP entries: there may be more


def count_runs(store: Table, function_id: str, since: float) -> RunCounts:
    """How many runs of a function are in each status, among those created since `since`.

    One Query per index partition (five: the two active statuses share one), each reading at
    most COUNT_CAP entries; a partition with more makes its counts lower bounds (`at_least`)."""
    counts = dict.fromkeys(ALL_STATES, 0)
    at_least: set[str] = set()
    for key_status in (ACTIVE_STATES[0], *ENDED_STATES):
        active = key_status in ACTIVE_STATES
        names = {"#p": LIST_FUNCTION_STATUS, "#at": LIST_AT}
        kwargs: dict[str, Any] = {
            "TableName": store.table,
            "IndexName": INDEX_RUNS_BY_STATUS,
            "KeyConditionExpression": "#p = :p AND #at >= :lo",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {
                ":p": {"S": status_key(function_id, key_status)},
                ":lo": {"S": time_bound(since)},
            },
        }
        if active:  # Queued and Running share the partition: read each entry's status
            kwargs["ProjectionExpression"] = "#st"
            names["#st"] = "status"
        else:
            kwargs["Select"] = "COUNT"
        read = 0
        while True:
            kwargs["Limit"] = COUNT_CAP - read
            res = index_query.query(store.ddb, kwargs)
            read += int(res.get("Count", 0))
            if active:
                for item in res.get("Items", []):
                    st = str(item.get("status", {}).get("S", ""))
                    if st in counts:
                        counts[st] += 1
            else:
                counts[key_status] += int(res.get("Count", 0))
            if "LastEvaluatedKey" not in res:
                break
            if read >= COUNT_CAP:
                at_least.update(ACTIVE_STATES if active else (key_status,))
                break
            kwargs["ExclusiveStartKey"] = res["LastEvaluatedKey"]
    return RunCounts(counts, [st for st in ALL_STATES if st in at_least])
