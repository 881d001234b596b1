"""The charts' counters: one UpdateItem per tally, read back by hour or 5-minute slot in one
Query, the active runs read from the index with a cap, and the duration histogram's precision."""

from __future__ import annotations

import math

import pytest

from inngest_lambda.settings import TABLE_TTL_ATTRIBUTE
from inngest_lambda.storage import index_keys, run_stats
from inngest_lambda.storage.codec import encode_item, item_key
from inngest_lambda.storage.store import Store
from tests.unit.storage.conftest import NOW, Calls, Db, new_run

HOUR = 3600.0
BASE = NOW // HOUR * HOUR  # the start of the hour NOW is in


def _tally(at: float, **counts: int) -> run_stats.Tally:
    tally = run_stats.Tally()
    for name, n in counts.items():
        tally.add(name, at, n)
    return tally


def test_a_tally_is_one_update_adding_to_the_hour_and_its_slot(db: Db, calls: Calls):
    at = BASE + 37 * 60  # minutes 35-39: slot 7
    assert run_stats.record(db, "app-fn", _tally(at, Failed=1, ended=1), NOW)
    assert run_stats.record(db, "app-fn", _tally(at + 60, Failed=2), NOW)
    assert calls.take() == {"UpdateItem": 2}
    item = db.item("RS#app-fn", f"H#{int(BASE):010d}")
    assert item is not None
    assert (item["Failed"], item["Failed@7"], item["ended"], item["ended@7"]) == (3, 3, 1, 1)
    assert item[TABLE_TTL_ATTRIBUTE] == int(BASE + HOUR + run_stats.KEEP_SECONDS)


def test_counts_of_two_hours_are_two_updates_and_expired_hours_none(db: Db, calls: Calls):
    tally = _tally(BASE - 1, created=1)  # the hour before: a run created then, started now
    tally.update(_tally(BASE, started=1))
    tally.update(_tally(BASE - run_stats.KEEP_SECONDS - 2 * HOUR, created=1))  # long gone
    assert run_stats.record(db, "app-fn", tally, NOW)
    assert calls.take() == {"UpdateItem": 2}
    assert db.item("RS#app-fn", f"H#{int(BASE - HOUR):010d}")["created@11"] == 1  # type: ignore[index]
    assert db.item("RS#app-fn", f"H#{int(BASE):010d}")["started@0"] == 1  # type: ignore[index]


def test_an_empty_tally_writes_nothing(db: Db, calls: Calls):
    assert run_stats.record(db, "app-fn", run_stats.Tally(), NOW)
    assert calls.take() == {}


def test_a_failed_counter_write_is_reported_not_raised(db: Db, calls: Calls):
    assert run_stats.record(Db("no-such-table"), "app-fn", _tally(NOW, created=1), NOW) is False


def test_read_gives_hours_or_slots_in_the_range_in_one_query(db: Db, calls: Calls):
    for hours_ago, minute, n in ((30, 0, 5), (2, 10, 1), (1, 0, 2), (1, 55, 3), (0, 5, 4)):
        at = BASE - hours_ago * HOUR + minute * 60
        run_stats.record(db, "app-fn", _tally(at, Completed=n), NOW)
    run_stats.record(db, "other-fn", _tally(BASE, Completed=9), NOW)
    calls.take()
    hours = run_stats.read(db, "app-fn", BASE - 2 * HOUR, BASE, slots=False)
    assert calls.take() == {"Query": 1}
    assert [(b.start - BASE, b.counts) for b in hours] == [
        (-2 * HOUR, {"Completed": 1}),
        (-HOUR, {"Completed": 5}),
        (0, {"Completed": 4}),
    ]
    slots = run_stats.read(db, "app-fn", BASE - HOUR + 300, BASE + 300, slots=True)
    assert [(b.start - BASE, b.counts["Completed"]) for b in slots] == [(-300, 3), (300, 4)]


def test_a_run_created_skipped_is_counted_once_through_the_facade(db: Db, calls: Calls):
    store = Store()
    assert store.ddb is not None  # the data-format check, not counted below
    calls.take()
    store.create_run(new_run("01A"), "k")  # Queued: its first drive counts it
    assert calls.take() == {"TransactWriteItems": 1}
    store.create_run(new_run("01C", status="Skipped", ended_at=NOW), "k2")
    store.create_run(new_run("01D", status="Skipped", ended_at=NOW), "k2")  # refused
    (bucket,) = store.read_run_stats("app-fn", BASE, BASE, slots=False)
    assert bucket.counts == {"Skipped": 1}


def _active_entry(db: Db, run_id: str, status: str, **extra: object) -> None:
    db.ddb.put_item(
        TableName=db.table,
        Item={
            **item_key(f"R#{run_id}", "R"),
            **encode_item(
                status=status,
                function_id="app-fn",
                **index_keys.run_fields(run_id, "app-fn", status, NOW),
                **extra,
            ),
        },
    )


def test_active_runs_are_counted_from_the_index_up_to_a_cap(db: Db, calls: Calls, monkeypatch):
    for n in range(3):
        _active_entry(db, f"01Q{n}", "Queued")
    _active_entry(db, "01R", "Running")
    _active_entry(db, "01X", "Running", ended_at=NOW)  # a recorded cancel: not active
    calls.take()
    assert run_stats.active_runs(db, "app-fn") == run_stats.Active([NOW] * 3, 1, at_least=False)
    assert calls.take() == {"Query": 1}
    monkeypatch.setattr(run_stats, "ACTIVE_CAP", 2)
    capped = run_stats.active_runs(db, "app-fn")
    assert capped.at_least and capped.queued + capped.running <= 2


@pytest.mark.parametrize("ms", [0, 0.4, 1, 1.5, 7, 99, 100, 1234, 60_000, 3.6e6, 5e8])
def test_a_bin_stands_for_its_durations_within_19_percent(ms: float):
    i = run_stats.bin_of(ms)
    if ms <= 1:
        assert i == 0
    else:
        assert 2 ** ((i - 1) / 2) < ms <= 2 ** (i / 2) + 1e-9
        assert abs(math.log2(run_stats.bin_value(i) / ms)) <= 0.25 + 1e-9


def test_durations_beyond_the_last_bin_land_in_it():
    assert run_stats.bin_of(1e12) == run_stats.MAX_BIN


def test_percentile_is_nearest_rank_over_the_bins():
    values = [10.0] * 90 + [1000.0] * 10
    tally = run_stats.Tally()
    for v in values:
        tally.run_duration(v, NOW)
    hist = {int(k[2:]): n for k, n in tally.items[int(BASE)].items() if "@" not in k}
    assert run_stats.percentile(hist, 0.5) == run_stats.bin_value(run_stats.bin_of(10))
    assert run_stats.percentile(hist, 0.9) == run_stats.bin_value(run_stats.bin_of(10))
    assert run_stats.percentile(hist, 0.95) == run_stats.bin_value(run_stats.bin_of(1000))
    assert run_stats.percentile({}, 0.5) is None
