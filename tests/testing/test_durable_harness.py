"""The harness itself: isolation, messages, events, delivery rules, and putting everything back."""

from __future__ import annotations

import datetime
import json
import os
import time

import boto3
import inngest
import pytest

from inngest_lambda.core import clock
from inngest_lambda.testing import Durable, RunResult, StepResult, assert_completed, assert_failed
from inngest_lambda.testing.results import compare_lines
from tests.support.apps import app_functions

pytestmark = pytest.mark.durable(functions="tests.support.apps.app_functions")

_FIRST_TEST: dict[str, str] = {}


def test_isolation_first_test_leaves_a_run_behind(durable):
    event_id = durable.send("t/order", {"order": "LEFT-OPEN"})  # waits for a day
    _FIRST_TEST["event_id"] = event_id
    assert len(durable.all_runs()) == 1


def test_isolation_next_test_starts_from_empty_tables(durable):
    assert _FIRST_TEST, "runs after the test above"
    assert durable.all_runs() == []
    assert durable.runs(_FIRST_TEST["event_id"]) == []
    durable.advance(datetime.timedelta(days=2))  # its wait timeout does not exist here either
    assert durable.all_runs() == []


def test_failed_assertion_shows_the_step_table(durable):
    event_id = durable.send("t/charge", {"order": 1})
    durable.advance(datetime.timedelta(minutes=5))
    run = durable.run(event_id)
    with pytest.raises(AssertionError) as caught:
        assert_completed(run)
    message = str(caught.value)
    assert "expected the run to be Completed, it is Failed" in message
    assert "error: ValueError: card declined" in message
    assert "#  step         op          status  attempts  output / error" in message
    assert "1  charge-card  StepFailed  Failed  2         ValueError: card declined" in message
    with pytest.raises(AssertionError, match="expected a message containing 'timeout'"):
        assert_failed(run, "timeout")
    with pytest.raises(KeyError, match="no step 'refund'"):
        run.step("refund")


def test_completed_run_with_the_wrong_output_shows_both_and_the_steps(durable):
    run = durable.run(durable.send("t/call", {"value": 2}))
    durable.advance(datetime.timedelta(hours=4))
    run = durable.get_run(run.run_id)
    with pytest.raises(AssertionError) as caught:
        assert_completed(run, {"from_child": {"doubled": 5}})
    assert 'output {"from_child": {"doubled": 4}}, expected {"from_child": {"doubled": 5}}' in str(
        caught.value
    )
    assert "call-double  InvokeFunction  Completed" in str(caught.value)


def test_comparing_runs_in_an_assert_prints_their_tables():
    run = RunResult(
        "01J",
        "app-fn",
        "Failed",
        "01E",
        error={"name": "E", "message": "m"},
        steps=(StepResult("a", "Failed", 3, error={"name": "E", "message": "m"}, op="StepFailed"),),
    )
    lines = compare_lines("==", run, "Completed")
    assert lines is not None
    assert lines[0] == "<run app-fn Failed error=E: m steps=[a:Failedx3]> == 'Completed'"
    assert "    1  a     StepFailed  Failed  3         E: m" in lines
    assert compare_lines("==", 1, 2) is None


def test_send_takes_names_dicts_and_sdk_events(durable):
    first = durable.send("t/announced", {"tag": "by-name"})
    second = durable.send({"name": "t/announced", "data": {"tag": "by-dict"}, "id": "my-id-1"})
    third = durable.send(inngest.Event(name="t/announced", data={"tag": "by-event"}))
    assert second == "my-id-1"
    outputs = [durable.run(e).output for e in (first, second, third)]
    assert outputs == ["heard by-name", "heard by-dict", "heard by-event"]
    ids = durable.send_many([{"name": "t/announced", "data": {"tag": str(i)}} for i in range(3)])
    assert [durable.run(i).output for i in ids] == ["heard 0", "heard 1", "heard 2"]
    with pytest.raises(ValueError, match="'data' must be a JSON object"):
        durable.send({"name": "t/announced", "data": [1]})
    assert durable.send("t/announced", {"tag": "x"}, id="my-id-1") == "my-id-1"  # idempotent
    assert len(durable.runs("my-id-1")) == 1


def test_send_without_processing_leaves_the_run_queued(durable):
    event_id = durable.send("t/announced", {"tag": "later"}, process=False)
    assert durable.run(event_id).status == "Queued"
    assert durable.run_until_idle() == 1
    assert durable.run(event_id).status == "Completed"


def test_cancel_stops_a_sleeping_run(durable):
    event_id = durable.send("t/nap")
    run = durable.run(event_id)
    durable.cancel(run.run_id)
    assert durable.run(event_id).status == "Cancelled"
    durable.advance(datetime.timedelta(days=3))  # its timer finds the run ended
    cancelled = durable.run(event_id)
    assert cancelled.status == "Cancelled"
    assert [s.name for s in cancelled.steps] == ["before", "nap"]


def test_a_duplicate_for_a_held_lease_is_dropped_and_a_failed_drive_returns_in_virtual_time(
    durable, monkeypatch
):
    """Two deliveries of one run in a batch: one drives, the other finds the lease held and is
    deleted (the holder's heartbeat and the sweeper cover its death). A drive that fails sets
    its message's visibility to the error backoff, and the message comes back in virtual time."""
    from inngest_lambda.storage.store import Store

    settings = durable.stack.settings
    sqs = boto3.client("sqs", region_name=settings.region)
    event_id = durable.send("t/announced", {"tag": "twice"}, process=False)
    run_id = durable.run(event_id).run_id
    sqs.send_message(
        QueueUrl=settings.queue_url, MessageBody=json.dumps({"kind": "run", "run_id": run_id})
    )
    assert durable.run_until_idle() == 1
    assert durable.run(event_id).status == "Completed"
    counters = durable.stack.pump.counters
    assert (counters.messages_received, counters.messages_failed) == (2, 0)

    failures = {"left": 1}
    original = Store.finish

    def flaky(self, *args, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("throttled")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, "finish", flaky)
    second = durable.send("t/announced", {"tag": "again"}, process=False)

    def in_flight() -> int:
        attributes = sqs.get_queue_attributes(
            QueueUrl=settings.queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessagesNotVisible"])

    durable.run_until_idle()
    assert failures["left"] == 0
    assert in_flight() == 1  # back in 2-3 s (jitter, whole seconds), not the 16-min timeout
    started = time.perf_counter()
    durable.advance(datetime.timedelta(seconds=4))
    assert in_flight() == 0
    assert durable.run(second).status == "Completed"
    assert time.perf_counter() - started < 5


@pytest.mark.durable(duplicate_deliveries=True)
def test_every_message_delivered_twice_still_gives_one_result_per_step(durable):
    event_id = durable.send("t/month")
    durable.advance(datetime.timedelta(days=31))
    run = assert_completed(durable.run(event_id), {"result": "ok after 5 attempts"})
    assert app_functions.CALLS[f"month:{run.run_id}"] == 5
    assert (
        durable.stack.pump.counters.messages_delivered
        == 2 * durable.stack.pump.counters.messages_received
    )


@pytest.mark.durable(
    functions="tests.support.apps.cron_functions",
    start=datetime.datetime(2030, 1, 7, 8, 59, tzinfo=datetime.UTC),
)
def test_cron_schedule_fires_at_each_due_time_while_advancing(durable):
    durable.advance(59)
    assert durable.runs_of("morning-report") == []
    durable.advance(2)  # 09:00:01
    (first,) = durable.runs_of("morning-report")
    assert_completed(first, {"name": "inngest/scheduled.timer", "cron": "0 9 * * *"})
    assert first.started_at == "2030-01-07T09:00:00.000Z"
    durable.advance(datetime.timedelta(days=3))
    started = [r.started_at[:16] for r in durable.runs_of("morning-report")]
    assert started == [f"2030-01-{day:02d}T09:00" for day in (7, 8, 9, 10)]


def test_a_missing_functions_module_is_named_with_how_to_choose_one():
    with pytest.raises(ModuleNotFoundError, match="durable_functions ini option"):
        Durable("no_such_package.jobs").start()
    assert abs(clock.now() - time.time()) < 1  # the failed start put the clock back


def test_advance_rejects_going_backwards(durable):
    with pytest.raises(ValueError):
        durable.advance(-1)
    durable.advance_to(0)  # a time in the past is "now": nothing to do
    with pytest.raises(ValueError, match="cannot go backwards"):
        durable.clock.set(0)


def test_stop_puts_back_the_clocks_the_client_and_the_environment():
    import moto.sqs.models
    from inngest._internal.step_lib import step_sync

    client = app_functions.client
    before = (client._event_api_origin, client._mode, os.environ.get("INNGEST_DEV"))
    real_unix_time = moto.sqs.models.unix_time
    with Durable("tests.support.apps.app_functions", start=1_000_000_000) as harness:
        assert clock.now() == 1_000_000_000
        assert step_sync.datetime.datetime.now().timestamp() == pytest.approx(1_000_000_000)
        assert moto.sqs.models.unix_time() == 1_000_000_000
        assert client._event_api_origin == harness.url == os.environ["INNGEST_DEV"]
    assert abs(clock.now() - time.time()) < 1
    assert step_sync.datetime is datetime
    assert moto.sqs.models.unix_time is real_unix_time
    assert (client._event_api_origin, client._mode, os.environ.get("INNGEST_DEV")) == before
