"""The listing indexes: what they hold, in which order, and what keeping them costs per run.

Index writes are counted the way DynamoDB bills them, from the indexes' own contents: a write
request that adds, changes or removes an index entry costs one index write per entry (a key
change is a delete plus a put). The count must not grow with the number of steps.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from inngest_lambda import runtime
from inngest_lambda.core import aws
from inngest_lambda.settings import LIST_INDEXES, TABLE_PK, get_settings
from inngest_lambda.storage import listing

WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")


class IndexWriteCounter:
    """Counts index entry changes per run id, snapshotting the indexes around every write."""

    def __init__(self) -> None:
        self.reader = boto3.client("dynamodb", region_name=get_settings().region)
        self.lock = threading.Lock()
        self.writes: dict[str, int] = {}
        self._before: dict[tuple[str, str], dict[str, Any]] = {}

    def snapshot(self) -> dict[tuple[str, str], dict[str, Any]]:
        entries: dict[tuple[str, str], dict[str, Any]] = {}
        for index_name, attr in LIST_INDEXES:
            kwargs: dict[str, Any] = {"TableName": get_settings().table, "IndexName": index_name}
            while True:
                res = self.reader.scan(**kwargs)
                for item in res["Items"]:
                    entries[(index_name, f"{item[attr]['S']}|{item[TABLE_PK]['S']}")] = item
                if "LastEvaluatedKey" not in res:
                    break
                kwargs["ExclusiveStartKey"] = res["LastEvaluatedKey"]
        return entries

    def before_call(self, model: Any, **_: Any) -> None:
        if model.name in WRITES:
            self.lock.acquire()
            self._before = self.snapshot()

    def after_call(self, model: Any, **_: Any) -> None:
        if model.name not in WRITES:
            return
        try:
            after = self.snapshot()
            for key in set(self._before) | set(after):
                if self._before.get(key) != after.get(key):
                    owner = key[1].rsplit("|", 1)[1]
                    self.writes[owner] = self.writes.get(owner, 0) + 1
        finally:
            self.lock.release()

    def for_run(self, run_id: str) -> int:
        # A write the test has already seen (the run's final status) may still be being counted
        # by the thread that made it: the lock is held from before that write until it is.
        with self.lock:
            return self.writes.get(f"R#{run_id}", 0)


@pytest.fixture()
def index_writes(stack) -> Iterator[IndexWriteCounter]:
    counter = IndexWriteCounter()
    events = aws.client("dynamodb").meta.events
    events.register("before-call.dynamodb", counter.before_call)
    events.register("after-call.dynamodb", counter.after_call)
    events.register("after-call-error.dynamodb", counter.after_call)
    try:
        yield counter
    finally:
        events.unregister("before-call.dynamodb", counter.before_call)
        events.unregister("after-call.dynamodb", counter.after_call)
        events.unregister("after-call-error.dynamodb", counter.after_call)


def test_index_writes_per_run_do_not_grow_with_steps(api, index_writes):
    one = api.wait_run(api.send("e2e/many", {"steps": 1}))
    twelve = api.wait_run(api.send("e2e/many", {"steps": 12}))
    assert one["status"] == twelve["status"] == "Completed"
    assert len(twelve["steps"]) == 12
    writes_one = index_writes.for_run(one["run_id"])
    writes_twelve = index_writes.for_run(twelve["run_id"])
    # Created (2 entries), Queued -> Running (2 updates), Completed (1 update + 1 moved entry).
    assert writes_one == writes_twelve == 7


def test_a_parked_run_costs_no_index_writes_while_it_sleeps(api, index_writes):
    run = api.wait_run(api.send("e2e/sleeps", {"sleeps": 3}), timeout=30)
    assert run["status"] == "Completed"
    assert index_writes.for_run(run["run_id"]) == 7


def test_runs_list_newest_first_per_function_and_status(api):
    store = runtime.get_runtime().store
    sent = [api.send("e2e/three", {"n": n}) for n in range(3)]
    run_ids = [api.wait_run(e)["run_id"] for e in sent]
    failed = api.wait_run(api.send("e2e/nonretry"))
    fns = ["e2e-three-steps", "e2e-non-retriable"]

    page = listing.list_runs(store, fns, limit=500)
    ids = [r.run_id for r in page.items]
    assert ids.index(failed["run_id"]) < ids.index(run_ids[2]) < ids.index(run_ids[0])
    assert page.next_cursor is None

    completed = listing.list_runs(store, fns, status="Completed", limit=500).items
    assert {r.run_id for r in completed} >= set(run_ids)
    assert all(r.status == "Completed" for r in completed)
    only_failed = listing.list_runs(store, fns, status="Failed").items
    assert [r.run_id for r in only_failed] == [failed["run_id"]]
    assert only_failed[0].function_id == "e2e-non-retriable"
    assert only_failed[0].ended_at is not None

    # Paging: two at a time, newest first, every run once.
    seen: list[str] = []
    cursor = None
    while True:
        part = listing.list_runs(store, ["e2e-three-steps"], limit=2, before=cursor)
        seen.extend(r.run_id for r in part.items)
        if part.next_cursor is None:
            break
        cursor = part.next_cursor
    assert seen == sorted(seen, reverse=True)  # ULIDs: newest first
    assert len(seen) == len(set(seen)) and set(run_ids) <= set(seen)


def test_running_and_queued_share_an_entry_but_list_apart(api):
    store = runtime.get_runtime().store
    event_id = api.send("e2e/sleep", {"seconds": 3})
    run = api.wait_step(event_id, "before", "Completed")
    running = listing.list_runs(store, ["e2e-sleeper"], status="Running").items
    assert run["run_id"] in [r.run_id for r in running]
    queued = listing.list_runs(store, ["e2e-sleeper"], status="Queued").items
    assert run["run_id"] not in [r.run_id for r in queued]
    api.wait_run(event_id)
    with pytest.raises(ValueError, match="unknown status 'Done'"):
        listing.list_runs(store, ["e2e-sleeper"], status="Done")


def test_events_list_newest_first_with_name_filter(api):
    store = runtime.get_runtime().store
    first = api.send("e2e/listing-a", {"i": 1})
    second = api.send("e2e/listing-b", {"i": 2})
    third = api.send("e2e/listing-a", {"i": 3})
    ids = [e.event_id for e in listing.list_events(store, limit=500).items]
    assert ids.index(third) < ids.index(second) < ids.index(first)
    named = listing.list_events(store, name="e2e/listing-a").items
    assert [e.event_id for e in named] == [third, first]
    assert named[0].name == "e2e/listing-a"
