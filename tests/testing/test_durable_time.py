"""Virtual time end to end: sleeps, retries, waits and Scheduler timers through the real runtime.

Each test gets a fresh `durable` stack (the toolkit's pytest fixture) running
tests/support/apps/app_functions.py as a user's functions module.
"""

from __future__ import annotations

import datetime
import time

import boto3
import pytest

from inngest_lambda.core import clock
from inngest_lambda.testing import assert_completed, assert_failed
from tests.support.apps import app_functions

pytestmark = pytest.mark.durable(functions="tests.support.apps.app_functions")

DAY = datetime.timedelta(days=1)


def _seconds(iso: str | None) -> float:
    assert iso is not None
    return clock.parse_iso(iso)


@pytest.mark.parametrize("name", ["t/month", "t/month-a"], ids=["sync", "async"])
def test_thirty_day_sleep_and_four_retries_take_well_under_a_second(durable, name):
    started = time.perf_counter()
    sent_at = durable.clock.now()
    event_id = durable.send(name)
    nap = durable.run(event_id).step("wait-a-month")
    assert nap.status == "Scheduled"
    assert abs(_seconds(nap.scheduled_for) - (sent_at + 30 * 86400)) < 1

    durable.advance(datetime.timedelta(days=31))  # 30 days, then 15+30+60+120 s of backoff

    run = assert_completed(durable.run(event_id), {"result": "ok after 5 attempts"})
    flaky = run.step("flaky")
    assert (flaky.status, flaky.attempts) == ("Completed", 5)
    assert app_functions.CALLS[f"{name.removeprefix('t/')}:{run.run_id}"] == 5
    print(f"\n{name}: 30-day sleep + 4 retries took {time.perf_counter() - started:.3f} s real")


def test_retry_backoff_is_inngests_and_visible_while_it_waits(durable):
    event_id = durable.send("t/flaky")  # fails twice, then succeeds
    step = durable.run(event_id).step("flaky-step")
    assert (step.status, step.attempts) == ("Scheduled", 1)
    assert "transient failure 1" in step.error["message"]
    first_delay = _seconds(step.scheduled_for) - durable.clock.now()
    assert 15 <= first_delay <= 45.5  # 15 s plus up to 30 s of jitter

    durable.advance(10)  # less than the backoff: nothing happens
    assert durable.run(event_id).step("flaky-step").attempts == 1

    durable.advance_to(step.scheduled_for)
    durable.advance(1)  # SQS delays are whole seconds: a timer fires up to 1 s after it is due
    step = durable.run(event_id).step("flaky-step")  # the second attempt failed too
    assert (step.status, step.attempts) == ("Scheduled", 2)
    assert 30 <= _seconds(step.scheduled_for) - durable.clock.now() <= 60.5

    durable.advance(datetime.timedelta(minutes=1))
    run = assert_completed(durable.run(event_id), "ok after 3 attempts")
    assert run.step("flaky-step").attempts == 3


def test_retry_after_error_delays_the_retry_by_what_it_asked(durable):
    durable.advance(10 * DAY)  # far from the real time: the SDK must read the virtual clock
    event_id = durable.send("t/retry-after")  # RetryAfterError(2 hours) on the first call
    durable.advance(datetime.timedelta(hours=1, minutes=59))
    assert durable.run(event_id).status == "Running"  # the SDK retries it as a function error
    durable.advance(datetime.timedelta(minutes=2))
    assert_completed(durable.run(event_id), "done")


def test_a_sleep_starting_after_an_advance_counts_from_the_virtual_time(durable):
    durable.advance(10 * DAY)
    event_id = durable.send("t/month")
    nap = durable.run(event_id).step("wait-a-month")
    assert abs(_seconds(nap.scheduled_for) - (durable.clock.now() + 30 * 86400)) < 1


@pytest.mark.parametrize("name", ["t/order", "t/order-a"], ids=["sync", "async"])
def test_wait_is_satisfied_by_sending_the_event(durable, name):
    event_id = durable.send(name, {"order": "A-1"})
    assert durable.run(event_id).step("wait-payment").status == "Waiting"
    durable.send("t/paid", {"order": "B-2", "amount": 1})  # another order: no match
    assert durable.run(event_id).status == "Running"
    durable.send("t/paid", {"order": "A-1", "amount": 30})
    run = assert_completed(durable.run(event_id))
    assert run.output["status"] == "paid"
    assert run.step("wait-payment").output["data"] == {"order": "A-1", "amount": 30}


@pytest.mark.parametrize("name", ["t/order", "t/order-a"], ids=["sync", "async"])
def test_wait_times_out_when_the_clock_passes_its_timeout(durable, name):
    event_id = durable.send(name, {"order": "T-1"})
    durable.advance(datetime.timedelta(hours=23, minutes=59))
    assert durable.run(event_id).step("wait-payment").status == "Waiting"
    durable.advance(datetime.timedelta(minutes=2))
    assert_completed(durable.run(event_id), {"status": "expired"})
    durable.send("t/paid", {"order": "T-1", "amount": 5})  # too late: changes nothing
    assert durable.run(event_id).output == {"status": "expired"}


def test_two_day_sleep_goes_through_scheduler_and_wakes_on_time(durable):
    """Sleeps over 15 minutes are Scheduler at() schedules fired 5 minutes early; the rest is an
    SQS delay. Time stops at each of those moments, in order."""
    settings = durable.stack.settings
    scheduler = boto3.client("scheduler", region_name=settings.region)
    event_id = durable.send("t/nap")
    due = _seconds(durable.run(event_id).step("nap").scheduled_for)
    (schedule,) = scheduler.list_schedules(GroupName=settings.schedule_group)["Schedules"]

    durable.advance_to(due - 301)  # just before the schedule fires
    assert scheduler.list_schedules(GroupName=settings.schedule_group)["Schedules"]
    durable.advance_to(due - 60)  # fired (and deleted); the remainder waits in SQS
    assert scheduler.list_schedules(GroupName=settings.schedule_group)["Schedules"] == []
    assert durable.run(event_id).step("nap").status == "Scheduled"
    assert durable.stack.pump.counters.schedules_fired == 1

    durable.advance(DAY)  # well past: the wake-up happened at its own moment, not at the end
    run = assert_completed(durable.run(event_id), {"before": "before", "after": "after"})
    woke = _seconds(run.step("after").started_at)
    assert due <= woke <= due + 2, (schedule["Name"], woke - due)


def test_on_failure_handler_runs_after_the_last_retry(durable):
    event_id = durable.send("t/charge", {"order": 7})  # retries=1: two attempts
    assert durable.run(event_id).status == "Running"
    durable.advance(datetime.timedelta(minutes=1))
    run = assert_failed(durable.run(event_id), "card declined")
    assert run.step("charge-card").attempts == 2
    handler = assert_completed(durable.failure_run(run))
    assert handler.function_id == "toolkit-charge-failure"
    assert handler.output == {"failed": "toolkit-charge", "error": "card declined", "order": 7}


def test_invoke_waits_for_the_child_across_its_sleep(durable):
    event_id = durable.send("t/call", {"value": 21})
    assert durable.run(event_id).step("call-double").status == "Waiting"
    (child,) = durable.runs_of(app_functions.double)
    assert child.step("think").status == "Scheduled"
    durable.advance(datetime.timedelta(hours=3, seconds=2))
    assert_completed(durable.run(event_id), {"from_child": {"doubled": 42}})
    assert_completed(durable.get_run(child.run_id), {"doubled": 42})


def test_send_event_step_reaches_the_event_api_in_virtual_time(durable):
    from inngest_lambda.runtime import get_runtime

    event_id = durable.send("t/announce", {"tag": "hello"})
    durable.advance(DAY + datetime.timedelta(seconds=2))
    (sent_id,) = assert_completed(durable.run(event_id)).output
    assert_completed(durable.run(sent_id), "heard hello")
    # The SDK stamped the event with the virtual time, a day after the real one.
    sent = get_runtime().store.get_event(sent_id)
    assert abs(sent["ts"] / 1000 - durable.clock.now()) < 5


def test_runs_of_lists_runs_whatever_started_them(durable):
    first = durable.send("t/announce", {"tag": "a"})
    durable.send("t/announce", {"tag": "b"})
    durable.advance(2 * DAY)
    assert len(durable.runs_of("announcer")) == 2
    assert sorted(r.output for r in durable.runs_of("toolkit-listener")) == ["heard a", "heard b"]
    with pytest.raises(LookupError, match="started no run of nobody"):
        durable.run(first, function="nobody")
