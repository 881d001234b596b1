"""An event whose `ts` is in the future starts its runs at `ts`, not now (Inngest: "This has the
same effect as sleeping at the start of the function"); see `events/scheduled_start.py`.

Everything runs on the `durable` fixture's virtual clock; each function records the clock time
its one step ran (`RAN_AT`)."""

from __future__ import annotations

from typing import Any

import pytest

from inngest_lambda import runtime
from inngest_lambda.core import clock
from inngest_lambda.scheduling import queue
from inngest_lambda.testing import assert_completed
from tests.support.apps.scheduled_functions import RAN_AT
from tests.unit import conftest as engine_fixtures

pytestmark = pytest.mark.durable(functions="tests.support.apps.scheduled_functions")
aws_calls = engine_fixtures.aws_calls  # the engine tests' fixture: AWS calls by operation
MINUTE = 60.0
HOUR = 3600.0


@pytest.fixture(autouse=True)
def _fresh_log() -> None:
    RAN_AT.clear()


def _ts(seconds_from_now: float) -> int:
    return int((clock.now() + seconds_from_now) * 1000)


def _view(durable: Any, run_id: str) -> dict[str, Any]:
    status, reply = durable.request("GET", f"/v1/runs/{run_id}")
    assert status == 200, reply
    return reply["data"]


def test_a_future_ts_starts_the_run_at_ts_not_before(durable, aws_calls):
    ts = _ts(10 * MINUTE)
    run = durable.run(durable.send("s/go", {"order": "a"}, ts=ts))
    assert (run.status, run.steps) == ("Queued", ())
    assert _view(durable, run.run_id)["starts_at"] == clock.iso(ts / 1000)
    # Ten minutes is within SQS's delay: no Scheduler schedule.
    assert aws_calls.of("scheduler", "CreateSchedule") == 0
    durable.advance(9 * MINUTE)
    assert durable.get_run(run.run_id).status == "Queued"
    assert "a" not in RAN_AT
    durable.advance(2 * MINUTE)
    assert_completed(durable.get_run(run.run_id), "a")
    assert len(RAN_AT["a"]) == 1
    assert RAN_AT["a"][0] >= ts / 1000


def test_a_cancel_event_reaches_the_run_while_it_waits(durable):
    ts = _ts(2 * HOUR)
    run_id = durable.run(durable.send("s/go", {"order": "b"}, ts=ts)).run_id
    durable.advance(10 * MINUTE)
    durable.send("s/stop", {"order": "other"})  # another order's: cancels nothing
    assert durable.get_run(run_id).status == "Queued"
    durable.send("s/stop", {"order": "b"})
    run = durable.get_run(run_id)
    assert run.status == "Cancelled", durable.describe()
    assert "s/stop" in run.error["message"]
    durable.advance(3 * HOUR)  # past its start: it never runs
    assert durable.get_run(run_id).status == "Cancelled"
    assert "b" not in RAN_AT


def test_a_ts_in_the_past_starts_at_once(durable):
    run = durable.run(durable.send("s/go", {"order": "c"}, ts=_ts(-HOUR)))
    assert_completed(run, "c")
    assert "starts_at" not in _view(durable, run.run_id)


def test_a_start_two_hours_ahead_is_one_scheduler_schedule(durable, aws_calls):
    ts = _ts(2 * HOUR)
    run_id = durable.run(durable.send("s/go", {"order": "d"}, ts=ts)).run_id
    assert aws_calls.of("scheduler", "CreateSchedule") == 1
    assert aws_calls.of("sqs", "SendMessage", "SendMessageBatch") == 0
    durable.advance(2 * HOUR - 2 * MINUTE)
    assert durable.get_run(run_id).status == "Queued"
    durable.advance(3 * MINUTE)
    assert_completed(durable.get_run(run_id), "d")
    assert RAN_AT["d"][0] >= ts / 1000


def test_a_duplicate_delivery_creates_one_run(durable):
    event = {"name": "s/go", "id": "dup-1", "data": {"order": "e"}, "ts": _ts(30 * MINUTE)}
    durable.send(event)
    durable.send(event)
    assert [r.status for r in durable.runs("dup-1")] == ["Queued"]
    durable.advance(31 * MINUTE)
    (run,) = durable.runs("dup-1")
    assert_completed(run, "e")
    assert len(RAN_AT["e"]) == 1


def test_an_early_drive_message_does_not_start_it(durable):
    """A drive that arrives before `ts` (a stray or duplicate message, even after something
    reset the run's `next_at`) is refused by the lease: the run waits for its time."""
    ts = _ts(HOUR)
    run_id = durable.run(durable.send("s/go", {"order": "f"}, ts=ts)).run_id
    store = runtime.get_runtime().store
    assert store.wake(run_id)  # next_at back to 0, as a wake-up would leave it
    queue.send({"kind": "run", "run_id": run_id})
    durable.run_until_idle()
    assert durable.get_run(run_id).status == "Queued"
    assert "f" not in RAN_AT
    durable.advance(HOUR + MINUTE)
    assert_completed(durable.get_run(run_id), "f")
    assert RAN_AT["f"][0] >= ts / 1000


def test_a_crash_before_the_timer_is_armed_leaves_the_start_to_the_sweeper(durable, monkeypatch):
    from inngest_lambda.flow import admission

    ts = _ts(20 * MINUTE)

    def crash(*_: Any, **__: Any) -> None:
        raise RuntimeError("the process died before arming the timer")

    monkeypatch.setattr(admission.timers, "wake_at", crash)
    status, _ = durable.request(
        "POST", "/e/test", {"name": "s/go", "id": "crash-1", "data": {"order": "g"}, "ts": ts}
    )
    assert status == 500
    monkeypatch.undo()
    (run_id,) = runtime.get_runtime().store.run_ids_for_event("crash-1")
    durable.advance(19 * MINUTE)
    assert durable.get_run(run_id).status == "Queued"
    durable.advance(10 * MINUTE)  # the start plus the sweeper's grace
    assert_completed(durable.get_run(run_id), "g")
    assert RAN_AT["g"][0] >= ts / 1000


def test_a_concurrency_limited_run_is_gated_when_it_comes_due(durable):
    from inngest_lambda.flow import concurrency
    from inngest_lambda.flow import config as flowconfig

    ts = _ts(10 * MINUTE)
    event_id = durable.send("s/limited", {"order": "h"}, ts=ts)
    run_id = durable.run(event_id).run_id
    rt = runtime.get_runtime()
    fn = rt.registry.get(durable.get_run(run_id).function_id)
    (slot,) = concurrency.slots_for(fn.id, flowconfig.of(fn.config), rt.store.get_event(event_id))
    slots = concurrency.Slots(rt.store)
    busy = concurrency.waiter_sk(int(clock.now() * 1000), "holder")
    # Another run holds the only slot (for an hour, renewing its lease) ...
    assert slots.try_acquire(slot, "holder", busy, clock.now() + HOUR) is None
    durable.advance(15 * MINUTE)  # due, but the slot is taken: it waits, no step runs
    assert durable.get_run(run_id).status in ("Queued", "Running")
    assert "h" not in RAN_AT
    durable.advance(15 * MINUTE)
    assert "h" not in RAN_AT
    freed_at = clock.now()
    slots.release(slot, "holder", busy, leaving=True)  # ... and ends: the waiter is woken
    durable.run_until_idle()
    assert_completed(durable.get_run(run_id), "h")
    assert RAN_AT["h"] == [pytest.approx(freed_at, abs=1)]


def test_a_start_timeout_shorter_than_the_delay_cancels_it_before_it_starts(durable):
    run_id = durable.run(durable.send("s/short", {"order": "i"}, ts=_ts(HOUR))).run_id
    durable.advance(HOUR + MINUTE)
    run = durable.get_run(run_id)
    assert run.status == "Cancelled", durable.describe()
    assert "i" not in RAN_AT


def test_a_batch_ignores_ts(durable):
    durable.send_many(
        [
            {"name": "s/batch", "data": {"order": "j1"}, "ts": _ts(HOUR)},
            {"name": "s/batch", "data": {"order": "j2"}, "ts": _ts(HOUR)},
        ]
    )
    assert RAN_AT["j1,j2"][0] < clock.now() + MINUTE


@pytest.mark.parametrize(
    ("ts", "problem"),
    [
        (lambda: _ts(400 * 24 * HOUR), "more than a year ahead"),
        (lambda: 5, "outside 1980-01-01 to 2100-01-01"),
    ],
)
def test_a_ts_out_of_range_is_refused_and_stores_nothing(durable, ts, problem):
    status, reply = durable.request(
        "POST", "/e/test", {"name": "s/go", "id": "bad-ts", "data": {"order": "k"}, "ts": ts()}
    )
    assert status == 400, reply
    assert problem in str(reply)
    assert runtime.get_runtime().store.get_event("bad-ts") is None


def test_the_dashboard_and_the_cli_show_when_it_starts(durable, capsys, monkeypatch):
    from inngest_lambda.cli.main import main as cli

    ts = _ts(2 * HOUR)
    run_id = durable.run(durable.send("s/go", {"order": "l"}, ts=ts)).run_id
    status, page = durable.request("GET", f"/runs/{run_id}")
    assert status == 200
    assert "<dt>Starts at</dt>" in page
    monkeypatch.setenv("INNGEST_LAMBDA_URL", durable.url)
    monkeypatch.delenv("INNGEST_SIGNING_KEY", raising=False)
    assert cli(["runs", "show", run_id]) == 0
    assert f"starts at {clock.iso(ts / 1000)}" in capsys.readouterr().out
