"""Schedules never outlive what they were for: cron schedules of triggers an app removed, and
the long-sleep timer of a run that was cancelled while it slept."""

from __future__ import annotations

from inngest_lambda.core import aws
from inngest_lambda.flow import cron
from tests.support.registration import app_sync, one_step_function
from tests.support.waiting import wait_for


def _register(api, triggers):
    body = app_sync("cleanup-app", [one_step_function("cleanup-fn", triggers, name="cleanup")])
    res = api.http.post("/fn/register", json=body)
    assert res.status_code == 200, res.text


def _schedules(stack) -> set[str]:
    client = aws.client("scheduler")
    pages = client.get_paginator("list_schedules").paginate(GroupName=stack.settings.schedule_group)
    return {s["Name"] for page in pages for s in page["Schedules"]}


def test_a_removed_cron_trigger_loses_its_schedule(api, stack):
    hourly = cron.schedule_name("cleanup-fn", "0 * * * *")
    daily = cron.schedule_name("cleanup-fn", "0 9 * * *")
    _register(api, [{"cron": "0 * * * *"}, {"cron": "0 9 * * *"}])
    assert {hourly, daily} <= _schedules(stack)
    _register(api, [{"cron": "0 9 * * *"}, {"event": "cleanup/go"}])  # hourly removed
    names = _schedules(stack)
    assert daily in names and hourly not in names
    _register(api, [{"event": "cleanup/go"}])  # no cron left
    assert not {hourly, daily} & _schedules(stack)


def test_cancelling_a_long_sleep_deletes_its_timer_schedule(api, stack):
    before = {n for n in _schedules(stack) if n.startswith("t-")}
    event_id = api.send("e2e/sleep", {"seconds": 3600})  # over SQS's 15 minutes: Scheduler
    run = api.wait_step(event_id, "nap", "Scheduled")
    timers = wait_for(
        lambda: {n for n in _schedules(stack) if n.startswith("t-")} - before, 10, what="a timer"
    )
    assert len(timers) == 1, timers
    assert api.http.delete(f"/v1/runs/{run['run_id']}").status_code == 202
    assert api.wait_run(event_id)["status"] == "Cancelled"
    # The run reads Cancelled from the moment the cancel is recorded; the invocation that ends
    # it deletes the schedule right after recording the end: wait for that, not longer.
    wait_for(lambda: not timers & _schedules(stack), 10, what="the timer's deletion")
