"""Stored events: 25 items per BatchWriteItem (an event and its by-name entry each)."""

from __future__ import annotations

from inngest_lambda import settings as s
from inngest_lambda.storage import runs, stored_events
from inngest_lambda.storage.retention import EVENT_MIN_KEEP_SECONDS, retention_seconds
from tests.unit.storage.conftest import NOW, Calls, Db, new_run


def _events(n: int) -> list[dict]:
    return [{"id": f"e{i}", "name": "app/x", "data": {"i": i}, "ts": 1} for i in range(n)]


def test_events_are_written_with_their_by_name_entries(db: Db, calls: Calls):
    stored_events.put_events(db, _events(12))  # 24 items: one call
    assert calls.take() == {"BatchWriteItem": 1}
    stored_events.put_events(db, _events(13))  # 26 items: two
    assert calls.take() == {"BatchWriteItem": 2}
    assert stored_events.get_event_received(db, "e3") == (_events(4)[3], NOW)
    assert calls.take() == {"GetItem": 1}
    assert db.item("E#e3", "E")["expires_at"] == int(NOW + retention_seconds())


def test_a_short_retention_is_raised_for_events(db: Db, calls: Calls, monkeypatch):
    monkeypatch.setenv(s.ENV_RETENTION_DAYS, "1")
    s.get_settings.cache_clear()
    try:
        stored_events.put_events(db, _events(1))
    finally:
        monkeypatch.undo()
        s.get_settings.cache_clear()
    # Kept as long as any flow-control item may still read it, not the 1 day.
    assert db.item("E#e0", "E")["expires_at"] == int(NOW + EVENT_MIN_KEEP_SECONDS)


def test_a_large_batch_writes_every_event(db: Db, calls: Calls):
    stored_events.put_events(db, _events(100))  # 200 items: 8 calls, several at once
    assert calls.take() == {"BatchWriteItem": 8}
    assert stored_events.get_event(db, "e99") == _events(100)[99]
    assert stored_events.get_event(db, "nope") is None


def test_an_expired_event_is_read_from_the_run_it_started(db: Db, calls: Calls):
    event = {"id": "gone", "name": "app/x", "data": {}, "ts": 1}
    runs.create_run(db, new_run("01V", event=event), "k")
    calls.take()
    assert stored_events.run_ids_for_event(db, "gone") == ["01V"]
    assert calls.take() == {"Query": 1}
    assert stored_events.get_event_or_copy(db, "gone") == event
    # The event read, the link query, the run.
    assert calls.take() == {"GetItem": 1, "Query": 1, "BatchGetItem": 1}


def test_the_by_name_entries_are_read_from_a_bound_on(db: Db, calls: Calls, clock_at):
    from inngest_lambda.storage import index_keys

    event = {"id": "late", "name": "app/y", "data": {}, "ts": 1}
    clock_at[0] = NOW + 60
    stored_events.put_events(db, [event])
    pk = index_keys.recent_event_pk("app/y", index_keys.shard_of("late", index_keys.RECENT_SHARDS))
    calls.take()
    on_time = index_keys.recent_event_bound(NOW + 60)
    assert stored_events.name_entries_since(db, pk, on_time) == [f"{on_time}#late"]
    assert stored_events.name_entries_since(db, pk, index_keys.recent_event_bound(NOW + 61)) == []
    assert calls.take() == {"Query": 2}
