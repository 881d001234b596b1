"""Cron triggers: the local stack creates the Scheduler schedule; a fire starts one run."""

from __future__ import annotations

import json

from inngest_lambda.core import aws, clock
from inngest_lambda.flow import cron, crontime, scheduled
from inngest_lambda.scheduling import queue
from tests.e2e.flow_support import wait_runs
from tests.support.waiting import wait_for

FN = "e2e-flow-cron"
CRON = "TZ=Europe/Paris 0 9 * * 1"


def _schedule(stack):
    name = cron.schedule_name(FN, CRON)
    return aws.client("scheduler").get_schedule(Name=name, GroupName=stack.settings.schedule_group)


def test_local_stack_creates_the_schedule_of_a_cron_trigger(stack):
    sched = _schedule(stack)
    assert sched["ScheduleExpression"] == "cron(0 9 ? * MON *)"
    assert sched["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert sched["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 5}
    assert sched["Target"]["Arn"] == stack.settings.queue_arn
    assert json.loads(sched["Target"]["Input"]) == {
        "kind": "cron",
        "function_id": FN,
        "cron": CRON,
        "scheduled_time": "<aws.scheduler.scheduled-time>",
    }


def test_the_pump_fires_the_schedule_and_the_run_gets_the_timer_event(api, stack):
    """A weekly schedule fires promptly if it was created over a week ago: the pump catches up
    on the fire it missed (the latest Monday 09:00 Paris), as Scheduler would have sent it."""
    from moto.scheduler.models import scheduler_backends

    account = stack.settings.queue_arn.split(":")[4]
    backend = scheduler_backends[account][stack.settings.region]
    group = backend.schedule_groups[stack.settings.schedule_group]
    target = group.schedules[cron.schedule_name(FN, CRON)]
    fired_before = stack.pump.counters.schedules_fired
    target.creation_date = target.last_modified_date = clock.now() - 8 * 86400
    fire = crontime.latest_fire(CRON, clock.now())
    event_id = crontime.event_id(FN, CRON, fire)
    wait_for(lambda: api.runs(event_id), timeout=20, what="the cron run")
    (run,) = wait_runs(api, [event_id])
    assert stack.pump.counters.schedules_fired > fired_before
    assert run["status"] == "Completed"
    assert run["output"] == {"name": "inngest/scheduled.timer", "cron": CRON}
    assert run["function_id"] == FN


def test_duplicate_cron_deliveries_start_one_run(api, stack):
    # Two weeks before the latest fire: an event id no other test produces.
    fire = crontime.latest_fire(CRON, clock.now()) - 14 * 86400
    message = {**cron.cron_message(FN, CRON), "scheduled_time": clock.iso(fire)}
    queue.send(message)
    queue.send(message)
    event_id = crontime.event_id(FN, CRON, fire)
    wait_for(lambda: api.runs(event_id), timeout=20, what="the cron run")
    runs = wait_runs(api, [event_id])
    assert len(runs) == 1 and runs[0]["status"] == "Completed"
    assert runs[0]["output"] == {"name": "inngest/scheduled.timer", "cron": CRON}
    assert len(api.runs(event_id)) == 1


def test_a_stale_schedule_for_a_removed_trigger_starts_nothing(api):
    from inngest_lambda.runtime import get_runtime

    rt = get_runtime()
    message = cron.cron_message(FN, "0 0 * * *")  # not a trigger of that function
    assert scheduled.handle(rt.executor, message) is None
    event_id = crontime.event_id(FN, "0 0 * * *", crontime.latest_fire("0 0 * * *", clock.now()))
    assert api.runs(event_id) == []
