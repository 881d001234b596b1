"""Listings read what they return, not what is stored.

Every DynamoDB read a listing makes is counted from the responses of the runtime's own client
(a botocore hook): `ScannedCount` of each Query and Scan (the items DynamoDB read, before any
filter), and one per item a GetItem found. The tables hold 10,000 events and 10,000 runs of one
function; each listing is asked for something rare among them, or for one page of them, and
must read at most what it returns plus the constant `partition_reads` states: PAGE_ITEMS - 1 per
partition read ahead, one for an exclusive cursor's own entry, and the by-name marker.

The items are written with the store's own write path (`Store.put_events`, in batches) for
events, and, for runs, as run items carrying the index attributes `index_keys.run_fields` gives
every new run (creating 10,000 runs through transactions would take minutes on moto).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from inngest_lambda import runtime
from inngest_lambda.core import aws, clock, ids
from inngest_lambda.settings import EVENT_INDEX_SHARDS, TABLE_PK, TABLE_SK
from inngest_lambda.storage import data_format, index_keys, listing
from inngest_lambda.storage.codec import encode_attr, item_key
from inngest_lambda.storage.partition_reads import FILTER_BUDGET, PAGE_ITEMS

pytestmark = pytest.mark.durable(functions="bench.workflows")

COMMON = "load/common"
RARE = "load/rare"
N = 10_000
HOUR = 3600.0
CURSOR_ITEM = 1  # an exclusive upper bound's own entry is read, then skipped
MARKER = 1  # the by-name listing's GetItem of the marker


@dataclasses.dataclass
class ReadCounter:
    """Items read and calls made by the runtime's DynamoDB client since the last reset."""

    items: int = 0
    queries: int = 0
    scans: int = 0

    def reset(self) -> None:
        self.items = self.queries = self.scans = 0

    def after_call(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in ("Query", "Scan"):
            self.items += int(parsed.get("ScannedCount", 0))
            self.queries += model.name == "Query"
            self.scans += model.name == "Scan"
        elif model.name == "GetItem":
            self.items += "Item" in parsed
        elif model.name == "BatchGetItem":
            self.items += sum(len(v) for v in parsed.get("Responses", {}).values())


@pytest.fixture()
def reads(durable) -> Iterator[ReadCounter]:
    counter = ReadCounter()
    events = aws.client("dynamodb").meta.events
    events.register("after-call.dynamodb", counter.after_call)
    try:
        yield counter
    finally:
        events.unregister("after-call.dynamodb", counter.after_call)


def _within(position: str, since: float, until: float) -> bool:
    """In [since, until) at the listings' resolution (milliseconds)."""
    return index_keys.time_bound(since) <= position < index_keys.time_bound(until)


def _lookahead(partitions: int) -> int:
    return partitions * (PAGE_ITEMS - 1) + CURSOR_ITEM


def _event(name: str, i: int) -> dict[str, Any]:
    return {"name": name, "id": ids.new_id(), "data": {"i": i}, "ts": clock.now_ms()}


def _seed_events(durable, count: int, rare_at: set[int], *, minutes: int = 10) -> list[str]:
    """`count` events of COMMON over `minutes` virtual minutes, with RARE ones at the indexes
    `rare_at` (their ids returned, oldest first); batches of 500 through Store.put_events."""
    store = runtime.get_runtime().store
    rare: list[str] = []
    per_minute = max(1, count // minutes)
    batch: list[dict[str, Any]] = []
    for i in range(count):
        ev = _event(RARE if i in rare_at else COMMON, i)
        if i in rare_at:
            rare.append(ev["id"])
        batch.append(ev)
        if len(batch) == 500 or i == count - 1 or (i + 1) % per_minute == 0:
            store.put_events(batch)
            batch = []
        if (i + 1) % per_minute == 0:
            durable.clock.advance(60)
    return rare


def _forget_name_entries(names: list[str]) -> None:
    """The table as older code leaves it an hour after it stored events: no `EN#` entry lasts
    (they had a one-hour TTL) and no marker says since when they are complete."""
    store = runtime.get_runtime().store
    ddb = aws.client("dynamodb")
    keys = [item_key(*index_keys.NAME_INDEX_MARKER)]
    for name in names:
        for shard in range(index_keys.RECENT_SHARDS):
            keys += [
                {TABLE_PK: it[TABLE_PK], TABLE_SK: it[TABLE_SK]}
                for it in store.query(index_keys.recent_event_pk(name, shard))
            ]
    for i in range(0, len(keys), 25):
        requests = [{"DeleteRequest": {"Key": k}} for k in keys[i : i + 25]]
        ddb.batch_write_item(RequestItems={store.table: requests})
    # A table of data format 1, reached by a new process of this code: its first DynamoDB
    # call migrates the table to format 2, which writes the marker (data_format.py).
    ddb.put_item(
        TableName=store.table,
        Item={
            **item_key(data_format.MARKER_PK, data_format.MARKER_SK),
            data_format.FORMAT_ATTRIBUTE: {"N": "1"},
        },
    )
    store._ddb = None


def _past_the_settling_hour(durable) -> None:
    """Ingest once (writes the marker), then let its settling hour pass."""
    runtime.get_runtime().store.put_events([_event("load/first", -1)])
    durable.clock.advance(HOUR + 60)


# --- events ----------------------------------------------------------------------------------
def test_event_listings_among_10000_read_what_they_return(durable, reads):
    _past_the_settling_hour(durable)
    start = clock.now()
    rare = _seed_events(durable, N, rare_at={1234, 7777}, minutes=10)
    store = runtime.get_runtime().store

    # A rare name: its by-name entries (one Query per shard), then, the page not being full,
    # the events received before the marker's hour was over (one, read by time, name tested).
    reads.reset()
    page = listing.list_events(store, name=RARE, limit=20)
    assert [e.event_id for e in page.items] == rare[::-1]
    assert all(e.name == RARE for e in page.items)
    assert page.next_cursor is None
    assert reads.items == len(rare) + MARKER + 1
    assert reads.queries == index_keys.RECENT_SHARDS + EVENT_INDEX_SHARDS
    assert page.reads.items == len(rare) + 1

    # Through the API, as inngest-py's suite asks: the same reads plus one GetItem per event.
    reads.reset()
    status, body = durable.request("GET", f"/v1/events?name={RARE}")
    assert status == 200
    assert [e["id"] for e in body["data"]] == rare[::-1]
    assert body["cursor"] is None
    assert reads.items == 2 * len(rare) + MARKER + 1
    assert reads.scans == 0

    # Newest page of all events, then the next one from its cursor.
    reads.reset()
    first = listing.list_events(store, limit=50)
    assert len(first.items) == 50
    assert reads.items <= 50 + _lookahead(EVENT_INDEX_SHARDS)
    reads.reset()
    second = listing.list_events(store, limit=50, before=first.next_cursor)
    assert len(second.items) == 50
    assert second.items[0].cursor < first.items[-1].cursor
    assert reads.items <= 50 + _lookahead(EVENT_INDEX_SHARDS)

    # An empty window (since after until) asks nothing.
    reads.reset()
    assert listing.list_events(store, name=COMMON, since=start + 300, until=start + 240).items == []
    assert listing.list_runs(store, ["f"], since=start + 300, until=start + 240).items == []
    assert reads.queries == 0

    # A window in the middle of the data (minutes 4 to 5), by name and for all names, and the
    # page after it (the cursor within the same window).
    since, until = start + 4 * 60, start + 5 * 60
    for name in (None, COMMON):
        partitions = EVENT_INDEX_SHARDS if name is None else index_keys.RECENT_SHARDS
        bound = 100 + _lookahead(partitions) + (name is not None) * MARKER
        cursor = None
        for _ in range(2):
            reads.reset()
            page = listing.list_events(
                store, name=name, since=since, until=until, before=cursor, limit=100
            )
            assert len(page.items) == 100
            assert all(_within(e.cursor, since, until) for e in page.items)
            assert cursor is None or page.items[0].cursor < cursor
            assert reads.items <= bound
            cursor = page.next_cursor


def test_events_stored_by_older_code_are_still_found_by_name_a_bounded_page_at_a_time(
    durable, reads
):
    store = runtime.get_runtime().store
    old_rare = _seed_events(durable, 1200, rare_at={100}, minutes=2)
    _forget_name_entries([COMMON, RARE])
    durable.clock.advance(2 * HOUR)
    new_rare = _seed_events(durable, 10, rare_at={5}, minutes=1)  # writes the marker
    durable.clock.advance(HOUR + 60)
    newest_rare = _seed_events(durable, 2000, rare_at={1500}, minutes=2)

    found: list[str] = []
    cursor = None
    pages = 0
    while True:
        reads.reset()
        page = listing.list_events(store, name=RARE, before=cursor, limit=20)
        pages += 1
        found += [e.event_id for e in page.items]
        # The older events are read from the events-by-time index, their names tested: a
        # page examines at most FILTER_BUDGET entries and then ends with a cursor.
        assert reads.items <= FILTER_BUDGET + _lookahead(EVENT_INDEX_SHARDS) + MARKER
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert found == newest_rare + new_rare + old_rare
    # 1,210 events before the marker's hour was over: about 1,210 / FILTER_BUDGET pages.
    assert pages <= 1 + 1210 // FILTER_BUDGET + 1


def test_the_pause_look_back_still_reads_one_hour(durable, reads):
    from inngest_lambda.events.pauses import PauseIndex

    _past_the_settling_hour(durable)
    _seed_events(durable, 600, rare_at=set(range(0, 600, 2)), minutes=2)  # 300 of RARE
    durable.clock.advance(HOUR - 90)  # the first minute's events are now over an hour old
    index = PauseIndex(runtime.get_runtime().store)
    reads.reset()
    found = index.recent_event_ids(RARE, since=0)
    assert len(found) == 150  # the second minute's
    assert reads.items == 150


# --- runs ------------------------------------------------------------------------------------
BUSY, QUIET = "load-busy", "load-quiet"


def _seed_runs(durable) -> dict[str, list[str]]:
    """10,000 runs of BUSY over 10 minutes (8,975 Completed, 1,000 Running, 5 Queued, 20 Failed)
    and 3 of QUIET; returns run ids by "<function>/<status>", oldest first."""
    store = runtime.get_runtime().store
    ddb = aws.client("dynamodb")
    out: dict[str, list[str]] = {}
    plan = [(QUIET, "Completed")] * 3
    for i in range(N):
        if i % 500 == 250:
            status = "Failed"
        elif i % 2000 == 1000:
            status = "Queued"
        elif i % 10 == 3:
            status = "Running"
        else:
            status = "Completed"
        plan.append((BUSY, status))
    requests = []
    for n, (fn, status) in enumerate(plan):
        run_id = ids.new_id()
        now = clock.now()
        item = {
            **item_key(f"R#{run_id}", "R"),
            **{
                k: encode_attr(v) for k, v in index_keys.run_fields(run_id, fn, status, now).items()
            },
            **{k: encode_attr(v) for k, v in index_keys.status_fields(fn, status).items()},
            "function_id": encode_attr(fn),
            "status": encode_attr(status),
            "event_id": encode_attr(ids.new_id()),
            "created_at": encode_attr(now),
        }
        out.setdefault(f"{fn}/{status}", []).append(run_id)
        requests.append({"PutRequest": {"Item": item}})
        if len(requests) == 25:
            ddb.batch_write_item(RequestItems={store.table: requests})
            requests = []
        if n % 1000 == 999:
            durable.clock.advance(60)
    if requests:
        ddb.batch_write_item(RequestItems={store.table: requests})
    return out


def test_run_listings_among_10000_read_what_they_return(durable, reads):
    start = clock.now()
    seeded = _seed_runs(durable)
    store = runtime.get_runtime().store
    assert len(seeded[f"{BUSY}/Queued"]) == 5 and len(seeded[f"{BUSY}/Failed"]) == 20

    # The quiet function's runs, beside 10,000 of another.
    reads.reset()
    page = listing.list_runs(store, [QUIET], limit=50)
    assert [r.run_id for r in page.items] == seeded[f"{QUIET}/Completed"][::-1]
    assert reads.items == 3

    # Both functions, one page, then the next from its cursor.
    for before in (None, "next"):
        reads.reset()
        cursor = page.next_cursor if before else None
        page = listing.list_runs(store, [BUSY, QUIET], limit=50, before=cursor)
        assert len(page.items) == 50
        assert reads.items <= 50 + _lookahead(2)

    # An ended status: its own partition.
    reads.reset()
    failed = listing.list_runs(store, [BUSY, QUIET], status="Failed", limit=50)
    assert [r.run_id for r in failed.items] == seeded[f"{BUSY}/Failed"][::-1]
    assert reads.items <= 20 + _lookahead(2)

    # A window in the middle: minutes 3 to 4 hold 1,000 runs.
    reads.reset()
    window = listing.list_runs(store, [BUSY], since=start + 180, until=start + 240, limit=100)
    assert len(window.items) == 100
    assert all(_within(r.cursor, start + 180, start + 240) for r in window.items)
    assert reads.items <= 100 + _lookahead(1)

    # Queued shares its partition with 1,000 Running runs: pages of at most FILTER_BUDGET
    # examined entries, every Queued run found by following the cursors.
    found: list[str] = []
    cursor = None
    while True:
        reads.reset()
        part = listing.list_runs(store, [BUSY], status="Queued", limit=50, before=cursor)
        found += [r.run_id for r in part.items]
        assert all(r.status == "Queued" for r in part.items)
        assert reads.items <= FILTER_BUDGET + _lookahead(1)
        if part.next_cursor is None:
            break
        cursor = part.next_cursor
    assert found == seeded[f"{BUSY}/Queued"][::-1]

    # The Functions page's counts: five Queries, each stopping at COUNT_CAP entries. 8,975
    # Completed: counted to the cap; 1,005 active (Queued and Running share a partition): too.
    reads.reset()
    counts = listing.count_runs(store, BUSY, since=0)
    assert counts.counts["Completed"] == listing.COUNT_CAP
    assert counts.counts["Failed"] == 20
    assert counts.counts["Queued"] + counts.counts["Running"] == listing.COUNT_CAP
    assert counts.at_least == ["Queued", "Running", "Completed"]
    assert reads.items <= 2 * listing.COUNT_CAP + 20
    reads.reset()
    quiet = listing.count_runs(store, QUIET, since=0)
    assert quiet.counts["Completed"] == 3 and quiet.at_least == []
    assert reads.items == 3
