"""The virtual-time transport on its own: moto's SQS and the Scheduler emulation on a virtual
clock, delivered by the caller's thread, around a recording handler (no runtime)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from inngest_lambda import settings as stack_settings
from inngest_lambda.local import LocalStack
from inngest_lambda.testing import VirtualClock, moto_time
from inngest_lambda.testing.delivery import VirtualDelivery
from inngest_lambda.testing.virtual_clock import installed

START = 2_000_000_000.0  # 2033-05-18, far from the real time


class Recorder:
    """A Lambda handler that records (virtual time, body) and fails what `fail` says."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.seen: list[tuple[float, str]] = []
        self.fail: dict[str, int] = {}  # body -> ChangeMessageVisibility seconds, then fail
        self.stack: Any = None

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        failures = []
        for record in event.get("Records", []):
            self.seen.append((self.clock.now(), record["body"]))
            delay = self.fail.pop(record["body"], None)
            if delay is not None:
                self.sqs().change_message_visibility(
                    QueueUrl=self.stack.settings.queue_url,
                    ReceiptHandle=record["receiptHandle"],
                    VisibilityTimeout=delay,
                )
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    def sqs(self) -> Any:
        return boto3.client("sqs", region_name=self.stack.settings.region)


@pytest.fixture
def world() -> Iterator[tuple[LocalStack, VirtualDelivery, Recorder]]:
    clock = VirtualClock(START)
    recorder = Recorder(clock)
    env = {"INNGEST_LAMBDA_FUNCTIONS": "no_functions_module_here"}
    with installed(clock):
        stack = LocalStack(handler=recorder, env=env, now=clock.now, background_pump=False)
        with stack:
            recorder.stack = stack
            settings = stack.settings
            delivery = VirtualDelivery(stack.pump, clock, settings.queue_url, settings.region)
            yield stack, delivery, recorder


def _send(stack: LocalStack, body: str, delay: int = 0) -> None:
    boto3.client("sqs", region_name=stack.settings.region).send_message(
        QueueUrl=stack.settings.queue_url, MessageBody=body, DelaySeconds=delay
    )


def test_delayed_messages_arrive_in_order_each_at_its_virtual_time(world):
    stack, delivery, recorder = world
    _send(stack, "late", 300)
    _send(stack, "early", 100)
    _send(stack, "now")
    assert delivery.run_until_idle() == 1
    assert recorder.seen == [(START, "now")]
    assert moto_time.next_visible(stack.settings.queue_url, stack.settings.region) == pytest.approx(
        START + 100.001
    )
    delivery.advance_to(START + 3600)
    assert [(round(t - START), body) for t, body in recorder.seen] == [
        (0, "now"),
        (100, "early"),
        (300, "late"),
    ]
    assert stack.pump.counters.messages_deleted == 3
    assert delivery.clock.now() == START + 3600


def test_a_batch_item_failure_returns_after_its_visibility_change_in_virtual_time(world):
    stack, delivery, recorder = world
    recorder.fail["retry-me"] = 120
    _send(stack, "retry-me")
    delivery.run_until_idle()
    assert stack.pump.counters.messages_failed == 1
    delivery.advance_to(START + 119)
    assert len(recorder.seen) == 1
    delivery.advance_to(START + 200)
    assert [round(t - START) for t, _ in recorder.seen] == [0, 120]
    assert stack.pump.counters.messages_deleted == 1


def test_a_message_the_handler_does_not_settle_returns_after_the_queue_visibility_timeout(world):
    stack, delivery, recorder = world
    stack.pump.handler = lambda event, context: 1 / 0  # the whole batch fails
    _send(stack, "crashes")
    delivery.run_until_idle()
    stack.pump.handler = recorder
    delivery.advance_to(START + 3 * 3600)
    ((when, body),) = recorder.seen
    assert (round(when - START), body) == (stack_settings.QUEUE_VISIBILITY_SECONDS, "crashes")


def test_at_and_rate_schedules_fire_at_their_virtual_times(world):
    stack, delivery, recorder = world
    scheduler = boto3.client("scheduler", region_name=stack.settings.region)
    settings = stack.settings
    when = datetime.datetime.fromtimestamp(START + 7200, tz=datetime.UTC)
    common = {
        "GroupName": settings.schedule_group,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ScheduleExpressionTimezone": "UTC",
    }
    target = {"Arn": settings.queue_arn, "RoleArn": settings.scheduler_role_arn}
    scheduler.create_schedule(
        Name="once",
        ScheduleExpression=f"at({when:%Y-%m-%dT%H:%M:%S})",
        ActionAfterCompletion="DELETE",
        Target={**target, "Input": json.dumps({"which": "once"})},
        **common,
    )
    scheduler.create_schedule(
        Name="every-hour",
        ScheduleExpression="rate(1 hour)",
        Target={**target, "Input": json.dumps({"which": "rate"})},
        **common,
    )
    assert stack.pump.next_fire(START + 10_000) == pytest.approx(START + 3600, abs=1)
    delivery.advance_to(START + 3 * 3600 + 1)
    fired = [(round((t - START) / 60), json.loads(body)["which"]) for t, body in recorder.seen]
    assert sorted(fired) == [(60, "rate"), (120, "once"), (120, "rate"), (180, "rate")]
    names = [
        s["Name"] for s in scheduler.list_schedules(GroupName=settings.schedule_group)["Schedules"]
    ]
    assert names == ["every-hour"]  # the at() schedule was deleted after it fired
