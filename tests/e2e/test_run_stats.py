"""The charts' counters through the real executor: what runs add, counted once, and what a page
view of the charts costs in AWS calls and items read.

Runs go through the `durable` stack (the real handler, executor and SDK on moto, virtual time);
the counters are read back as the dashboard reads them (`admin.run_charts`) and from the page.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from inngest_lambda import runtime
from inngest_lambda.admin import run_charts
from inngest_lambda.core import aws
from inngest_lambda.storage import run_stats
from tests.e2e.test_listing_reads import reads  # noqa: F401 (a fixture: reads counted)

pytestmark = pytest.mark.durable(
    functions="tests.support.apps.workflows", start=datetime.datetime(2026, 3, 2, 10, 1, 0)
)

THREE = "e2e-three-steps"
REFUSED = "e2e-non-retriable"


def _charts(fn: str, range_name: str = "hour") -> run_charts.Charts:
    store = runtime.get_runtime().store
    return run_charts.function_charts(store, [fn], run_charts.RANGES[range_name])


def _totals(fn: str) -> dict[str, int]:
    """Everything counted for the function over the last day (hourly totals)."""
    store = runtime.get_runtime().store
    r = run_charts.RANGES["day"]
    starts = run_charts.bucket_starts(r, _now())
    out: dict[str, int] = {}
    for b in store.read_run_stats(fn, starts[0], starts[-1], slots=False):
        for k, n in b.counts.items():
            out[k] = out.get(k, 0) + n
    return out


def _now() -> float:
    from inngest_lambda.core import clock

    return clock.now()


def test_runs_add_their_status_durations_and_flows(durable):
    for n in range(3):
        durable.send("e2e/three", {"n": n})
    durable.send("e2e/nonretry")
    durable.advance(1)
    totals = _totals(THREE)
    assert {k: totals.get(k) for k in ("created", "started", "ended", "Completed")} == {
        "created": 3,
        "started": 3,
        "ended": 3,
        "Completed": 3,
    }
    assert "Failed" not in totals
    assert sum(n for k, n in totals.items() if k.startswith("rd")) == 3  # one duration per run
    assert sum(n for k, n in totals.items() if k.startswith("sd")) == 9  # three steps each
    refused = _totals(REFUSED)
    assert refused["Failed"] == 1 and "Completed" not in refused

    charts = _charts(THREE)
    last = charts.points[-1]
    assert last.counts["Completed"] == 3
    assert last.failure_rate == 0.0
    assert last.run_p50 is not None and last.step_p95 is not None
    assert (last.queued, last.running) == (0, 0)
    assert _charts(REFUSED).points[-1].failure_rate == 1.0


def test_backlog_walks_back_from_the_runs_active_now(durable):
    durable.send("e2e/sleep", {"seconds": 3600})  # started, then asleep for an hour
    durable.advance(600)  # into a later 5-minute slot
    charts = _charts("e2e-sleeper")
    assert charts.points[-1].running == 1
    # The slot it was created and started in: running at its end; before that, nothing.
    created = [p for p in charts.points if p.running == 1]
    assert len(created) == 3  # its slot and the two after it (10 minutes on)
    assert all(p.queued == 0 for p in charts.points)
    durable.advance(3600)
    charts = _charts("e2e-sleeper")
    assert charts.points[-1].running == 0
    assert sum(p.counts["Completed"] for p in charts.points) == 1


@pytest.mark.durable(duplicate_deliveries=True)
def test_a_twice_delivered_drive_counts_its_run_once(durable):
    """Every queue message is handed to the handler twice: the second delivery of each drive,
    the finishing one included, is refused the lease and counts nothing."""
    for n in range(2):
        durable.send("e2e/three", {"n": n})
    durable.send("e2e/nonretry")
    durable.send("e2e/sleep", {"seconds": 60})  # two drives: to the sleep, and after it
    durable.advance(120)
    totals = _totals(THREE)
    assert (totals["created"], totals["started"], totals["ended"]) == (2, 2, 2)
    assert totals["Completed"] == 2
    assert sum(n for k, n in totals.items() if k.startswith("rd")) == 2
    assert _totals(REFUSED)["Failed"] == 1
    slept = _totals("e2e-sleeper")
    assert (slept["created"], slept["started"], slept["ended"], slept["Completed"]) == (1, 1, 1, 1)
    assert sum(n for k, n in slept.items() if k.startswith("sd")) == 2  # before, after


def test_a_finish_cut_short_is_counted_once_by_the_drive_that_completes_it(durable, monkeypatch):
    """The drive dies after recording the outcome (`finishing`) and before the final write;
    the message comes back, the next drive completes the end from the record, and the run is
    counted once: by that drive, which made the final write."""
    from inngest_lambda.storage import store as store_module

    original = store_module.Store.finish
    died: list[str] = []

    def dies_once(self: Any, run: Any, owner: str, *args: Any) -> None:
        if not died:
            died.append(run.run_id)
            raise RuntimeError("the process died here")
        original(self, run, owner, *args)

    monkeypatch.setattr(store_module.Store, "finish", dies_once)
    durable.send("e2e/nonretry")
    durable.advance(120)  # the message's backoff
    assert died
    assert durable.get_run(died[0]).status == "Failed"
    totals = _totals(REFUSED)
    assert (totals["Failed"], totals["ended"], totals["started"]) == (1, 1, 1)


@pytest.mark.parametrize(("range_name", "hours"), [("hour", 2), ("day", 24), ("week", 168)])
def test_a_page_view_reads_an_item_per_hour_shown(durable, reads, range_name, hours):  # noqa: F811
    """Over a week of runs, the function page's charts read one counter item per hour shown
    (plus the active runs' index entries), whatever the number of runs."""
    sent = []
    for _ in range(8 * 24 // 6):  # a run every 6 hours for 8 days
        durable.send("e2e/three", {"n": 1})
        sent.append(_now())
        durable.advance(6 * 3600)
    durable.send("e2e/sleep", {"seconds": 7200})  # one active run
    durable.advance(1)
    reads.reset()
    status, body = durable.request("GET", f"/functions/{THREE}?range={range_name}")
    assert status == 200, body
    # The page's other Queries: the 24-hour counts (five index Queries).
    assert reads.queries == 5 + 2  # and the charts': the counters, the active runs
    bars = re.findall(r'data-status="Completed" data-count="(\d+)"', body)
    first = run_charts.bucket_starts(run_charts.RANGES[range_name], _now())[0]
    assert sum(int(n) for n in bars) == sum(1 for at in sent if at >= first)
    # Items read: at most one counter item per hour in the range (and the one it starts in),
    # none for the sleeper's active run (another function), the 24-hour counts' entries.
    reads.reset()
    store = runtime.get_runtime().store
    run_charts.function_charts(store, [THREE], run_charts.RANGES[range_name])
    assert reads.queries == 2
    assert reads.items <= hours + 1
    reads.reset()
    run_charts.function_charts(store, ["e2e-sleeper"], run_charts.RANGES[range_name])
    assert reads.items <= 1 + 1 + 1  # its counter items (created, then ended), the active run


def test_a_range_that_is_not_one_is_refused(durable):
    status, body = durable.request("GET", f"/functions/{THREE}?range=month")
    assert status == 400
    assert "range must be one of hour, day, week" in body
    status, body = durable.request("GET", "/functions?range=year")
    assert status == 400


def test_counters_expire_a_day_after_the_week_they_serve(durable):
    durable.send("e2e/three", {"n": 1})
    durable.advance(1)
    from inngest_lambda.settings import TABLE_TTL_ATTRIBUTE

    store = runtime.get_runtime().store
    hour = int(_now() // 3600 * 3600)
    item = store.ddb.get_item(
        TableName=store.table, Key={"pk": {"S": f"RS#{THREE}"}, "sk": {"S": f"H#{hour:010d}"}}
    )["Item"]
    assert int(item[TABLE_TTL_ATTRIBUTE]["N"]) == hour + 3600 + run_stats.KEEP_SECONDS


def test_a_batch_of_drives_writes_its_counts_once_per_function_and_hour(durable):
    """Ten runs started by one request: their drives come in SQS batches, and each batch
    writes one counter update per function (not one per drive)."""
    writes: list[str] = []

    def seen(params: dict[str, Any], **_: Any) -> None:
        if params["Key"]["pk"]["S"].startswith("RS#"):
            writes.append(params["Key"]["pk"]["S"])

    events = aws.client("dynamodb").meta.events
    events.register("before-parameter-build.dynamodb.UpdateItem", seen)
    try:
        durable.send_many(
            [{"name": "e2e/three", "data": {"n": n}} for n in range(10)], process=False
        )
        batches = durable.run_until_idle()
    finally:
        events.unregister("before-parameter-build.dynamodb.UpdateItem", seen)
    assert _totals(THREE)["ended"] == 10
    assert 1 <= len(writes) <= batches < 10, (writes, batches)
