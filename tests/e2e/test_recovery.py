"""Deliveries twice, late, or to a process that dies: the run still ends exactly once."""

from __future__ import annotations

import time

import pytest

from inngest_lambda.core import clock
from inngest_lambda.runtime import get_runtime
from inngest_lambda.scheduling import queue
from inngest_lambda.storage.store import Store


def test_late_message_for_a_finished_run_changes_nothing(api, stack):
    event_id = api.send("e2e/three", {"n": 9})
    run = api.wait_run(event_id)
    queue.send({"kind": "run", "run_id": run["run_id"]})
    queue.send({"kind": "run", "run_id": run["run_id"], "due_at": clock.now()})
    time.sleep(1.5)  # both are delivered within a few pump polls
    assert api.run(run["run_id"]) == run


def _sqs_event(*bodies: str) -> dict:
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"h{i}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "eventSource": "aws:sqs",
            }
            for i, body in enumerate(bodies)
        ]
    }


def test_unknown_and_malformed_messages_are_dropped_not_retried(stack):
    """They must not loop on the queue until they land in the dead-letter queue."""
    from inngest_lambda.handler import handler
    from inngest_lambda.local.invoke import LambdaContext

    event = _sqs_event(
        '{"kind": "run", "run_id": "01JAAAAAAAAAAAAAAAAAAAAAAA"}',
        '{"kind": "mystery"}',
        "not json",
        '{"kind": "run"}',
    )
    assert handler(event, LambdaContext()) == {"batchItemFailures": []}


def test_a_failing_write_mid_run_is_retried_without_repeating_steps(api, calls, monkeypatch):
    original = Store.park
    failures = {"left": 1}

    def flaky_park(self, *args, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("DynamoDB blip")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, "park", flaky_park)
    event_id = api.send("e2e/sleep", {"seconds": 1})
    run = api.wait_run(event_id, timeout=30)
    assert failures["left"] == 0
    assert run["status"] == "Completed"
    assert [s["attempts"] for s in run["steps"]] == [1, 1, 1]


@pytest.mark.parametrize("minutes", [20, 60 * 24 * 30])
def test_long_timer_is_a_scheduler_schedule_that_hands_the_rest_to_sqs(stack, minutes):
    from inngest_lambda.core import aws
    from inngest_lambda.scheduling import timers

    settings = get_runtime().settings
    due = clock.now() + minutes * 60
    run_id = "01JBBBBBBBBBBBBBBBBBBBBBBB"
    timers.wake_at(run_id, due, f"k{minutes}")
    timers.wake_at(run_id, due, f"k{minutes}")  # a retried drive: still one schedule
    scheduler = aws.client("scheduler")
    name = timers.schedule_name(f"{run_id}:k{minutes}", due)
    sched = scheduler.get_schedule(Name=name, GroupName=settings.schedule_group)
    expr = sched["ScheduleExpression"]
    fires_at = clock.parse_iso(expr[3:-1])
    assert (
        due - timers.SCHEDULER_LEAD_SECONDS - 1 <= fires_at <= due - timers.SCHEDULER_LEAD_SECONDS
    )
    assert sched["ActionAfterCompletion"] == "DELETE"
    assert sched["Target"]["Arn"] == settings.queue_arn
    import json

    message = json.loads(sched["Target"]["Input"])
    assert message == {"kind": "run", "run_id": run_id, "due_at": due, "schedule": name}
    scheduler.delete_schedule(Name=name, GroupName=settings.schedule_group)


def test_early_scheduler_message_is_deferred_for_the_remainder(stack, monkeypatch):
    from inngest_lambda.scheduling import timers

    sent = []
    monkeypatch.setattr(queue, "send", lambda message, delay=0: sent.append((message, delay)))
    due = clock.now() + 200
    assert timers.defer_if_early({"kind": "run", "run_id": "r", "due_at": due, "schedule": "s"})
    ((message, delay),) = sent
    assert message == {"kind": "run", "run_id": "r", "due_at": due}
    assert 199 <= delay <= 200
    assert not timers.defer_if_early({"kind": "run", "run_id": "r", "due_at": clock.now()})
