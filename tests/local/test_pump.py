"""The SQS event source mapping and EventBridge Scheduler emulation, on moto."""

import base64
import contextlib
import datetime
import json
import threading
import time

import boto3
import pytest
from local_fakes import NO_FUNCTIONS, FakeHandler

from inngest_lambda import settings as s
from inngest_lambda.local import LocalStack
from inngest_lambda.local.pump import Pump
from inngest_lambda.local.sqs_delivery import batch_failures
from tests.support.waiting import wait_for

handler = FakeHandler()
FAST = {"poll_interval": 0.05, "schedule_interval": 0.1, "env": NO_FUNCTIONS}


@pytest.fixture(scope="module")
def stack():
    with LocalStack(handler=handler, **FAST) as st:
        yield st


@pytest.fixture(autouse=True)
def fresh(request):
    handler.reset()
    yield
    if "stack" in request.fixturenames:
        # Delete what a test left in flight (PurgeQueue only works once a minute).
        st = request.getfixturevalue("stack")
        client = boto3.client("sqs")
        for record in handler.records:
            with contextlib.suppress(client.exceptions.ClientError):
                client.delete_message(
                    QueueUrl=st.settings.queue_url, ReceiptHandle=record["receiptHandle"]
                )
        assert st.wait_idle(5)


def sqs():
    return boto3.client("sqs")


def scheduler():
    return boto3.client("scheduler")


def test_message_arrives_as_a_lambda_sqs_record(stack):
    sent = sqs().send_message(
        QueueUrl=stack.settings.queue_url,
        MessageBody='{"kind": "run"}',
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "run"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    assert stack.wait_idle(5)
    (event,) = handler.sqs_events
    (record,) = event["Records"]
    assert record["messageId"] == sent["MessageId"]
    assert record["receiptHandle"]
    assert record["body"] == '{"kind": "run"}'
    assert record["md5OfBody"] == sent["MD5OfMessageBody"]
    assert record["md5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == stack.settings.queue_arn
    assert record["awsRegion"] == "us-east-1"
    attrs = record["attributes"]
    assert attrs["ApproximateReceiveCount"] == "1"
    for name in ("SentTimestamp", "ApproximateFirstReceiveTimestamp", "SenderId"):
        assert isinstance(attrs[name], str) and attrs[name]
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "run",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert base64.b64decode(record["messageAttributes"]["blob"]["binaryValue"]) == b"\x00\x01"
    counters = stack.pump.counters
    assert counters.handler_calls == 1 and counters.messages_deleted == 1


def test_batch_item_failures_are_redelivered_and_the_rest_deleted(stack):
    client = sqs()

    def on_sqs(event):
        failures = []
        for record in event["Records"]:
            if record["body"] == "b" and record["attributes"]["ApproximateReceiveCount"] == "1":
                # What the runtime does to retry soon: shorten the visibility timeout.
                client.change_message_visibility(
                    QueueUrl=stack.settings.queue_url,
                    ReceiptHandle=record["receiptHandle"],
                    VisibilityTimeout=0,
                )
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    handler.on_sqs = on_sqs
    before = stack.pump.counters
    client.send_message_batch(
        QueueUrl=stack.settings.queue_url,
        Entries=[{"Id": x, "MessageBody": x} for x in "abc"],
    )
    assert stack.wait_idle(5)
    bodies = [r["body"] for r in handler.records]
    assert sorted(bodies) == ["a", "b", "b", "c"]
    b_records = [r for r in handler.records if r["body"] == "b"]
    b_counts = [r["attributes"]["ApproximateReceiveCount"] for r in b_records]
    assert b_counts == ["1", "2"]
    after = stack.pump.counters
    assert after.messages_deleted - before.messages_deleted == 3
    assert after.messages_failed - before.messages_failed == 1


def test_handler_exception_deletes_nothing(stack):
    client = sqs()

    def on_sqs(event):
        for record in event["Records"]:
            if record["attributes"]["ApproximateReceiveCount"] == "1":
                client.change_message_visibility(
                    QueueUrl=stack.settings.queue_url,
                    ReceiptHandle=record["receiptHandle"],
                    VisibilityTimeout=0,
                )
                raise RuntimeError("transient")
        return None  # null response: full success

    handler.on_sqs = on_sqs
    before = stack.pump.counters
    client.send_message(QueueUrl=stack.settings.queue_url, MessageBody="x")
    assert stack.wait_idle(5)
    first, second = handler.records
    assert first["messageId"] == second["messageId"]
    assert second["attributes"]["ApproximateReceiveCount"] == "2"
    after = stack.pump.counters
    assert after.handler_errors - before.handler_errors == 1
    assert after.messages_deleted - before.messages_deleted == 1


def test_failed_message_waits_out_its_visibility_timeout(stack):
    handler.on_sqs = lambda event: {
        "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]
    }
    sqs().send_message(QueueUrl=stack.settings.queue_url, MessageBody="stuck")
    wait_for(lambda: handler.records)
    assert not stack.wait_idle(0.5)  # in flight for the queue's visibility timeout
    attrs = sqs().get_queue_attributes(
        QueueUrl=stack.settings.queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert len(handler.records) == 1


def test_invalid_item_identifier_fails_the_whole_batch(stack):
    handler.on_sqs = lambda event: {"batchItemFailures": [{"itemIdentifier": "nope"}]}
    sqs().send_message(QueueUrl=stack.settings.queue_url, MessageBody="x")
    wait_for(lambda: handler.records)
    assert not stack.wait_idle(0.3)
    assert stack.pump.counters.messages_failed >= 1


def test_delay_seconds_is_honoured(stack):
    arrived: list[float] = []
    handler.on_sqs = lambda event: arrived.append(time.monotonic())
    sent_at = time.monotonic()
    sqs().send_message(QueueUrl=stack.settings.queue_url, MessageBody="later", DelaySeconds=2)
    time.sleep(1.5)
    assert arrived == []
    wait_for(lambda: arrived, timeout=5)
    assert arrived[0] - sent_at >= 2.0
    assert arrived[0] - sent_at < 3.5


def test_many_concurrent_senders_lose_nothing(stack):
    """moto under the pump's deletes and four sending threads: every message arrives once."""
    client = sqs()

    def send(prefix):
        for i in range(25):
            client.send_message(QueueUrl=stack.settings.queue_url, MessageBody=f"{prefix}-{i}")

    threads = [threading.Thread(target=send, args=(p,)) for p in "wxyz"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert stack.wait_idle(10)
    bodies = [r["body"] for r in handler.records]
    assert len(bodies) == 100
    assert len(set(bodies)) == 100


# --- EventBridge Scheduler ----------------------------------------------------------------------
def _at(delta_seconds: float, tz: str = "UTC") -> str:
    local = datetime.datetime.now(datetime.UTC).astimezone(
        datetime.UTC if tz == "UTC" else __import__("zoneinfo").ZoneInfo(tz)
    )
    return f"at({(local + datetime.timedelta(seconds=delta_seconds)):%Y-%m-%dT%H:%M:%S})"


def _create(stack, name, expression, *, tz="UTC", after="DELETE", payload=None):
    scheduler().create_schedule(
        Name=name,
        GroupName=stack.settings.schedule_group,
        ScheduleExpression=expression,
        ScheduleExpressionTimezone=tz,
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion=after,
        Target={
            "Arn": stack.settings.queue_arn,
            "RoleArn": stack.settings.scheduler_role_arn,
            "Input": json.dumps(payload or {"schedule": name}),
        },
    )


def _exists(stack, name):
    try:
        scheduler().get_schedule(Name=name, GroupName=stack.settings.schedule_group)
        return True
    except scheduler().exceptions.ResourceNotFoundException:
        return False


def test_due_at_schedule_is_delivered_and_deleted(stack):
    before = stack.pump.counters.schedules_fired
    _create(stack, "due", _at(-1), payload={"kind": "run", "run_id": "r1"})
    wait_for(lambda: handler.records, timeout=5)
    assert json.loads(handler.records[0]["body"]) == {"kind": "run", "run_id": "r1"}
    wait_for(lambda: not _exists(stack, "due"))
    assert stack.pump.counters.schedules_fired == before + 1
    assert stack.wait_idle(5)


def test_future_at_schedule_is_not_delivered(stack):
    _create(stack, "future", _at(3600))
    time.sleep(0.5)  # several scheduler ticks
    assert stack.wait_idle(2)
    assert handler.records == []
    assert _exists(stack, "future")
    scheduler().delete_schedule(Name="future", GroupName=stack.settings.schedule_group)


def test_at_schedule_timezone(stack):
    # The current UTC wall time read in Tokyo is 9 h in the past (due); in Los Angeles it is
    # hours ahead (not due).
    _create(stack, "tokyo", _at(0, "UTC"), tz="Asia/Tokyo", payload={"tz": "tokyo"})
    _create(stack, "la", _at(0, "UTC"), tz="America/Los_Angeles", payload={"tz": "la"})
    wait_for(lambda: handler.records, timeout=5)
    time.sleep(0.3)
    assert [json.loads(r["body"]) for r in handler.records] == [{"tz": "tokyo"}]
    assert _exists(stack, "la")
    scheduler().delete_schedule(Name="la", GroupName=stack.settings.schedule_group)


def test_kept_at_schedule_fires_once(stack):
    _create(stack, "kept", _at(-1), after="NONE")
    wait_for(lambda: handler.records, timeout=5)
    time.sleep(0.5)  # more ticks: must not fire again
    assert len(handler.records) == 1
    assert _exists(stack, "kept")
    scheduler().delete_schedule(Name="kept", GroupName=stack.settings.schedule_group)


def test_disabled_schedule_does_not_fire(stack):
    scheduler().create_schedule(
        Name="off",
        GroupName=stack.settings.schedule_group,
        ScheduleExpression=_at(-1),
        FlexibleTimeWindow={"Mode": "OFF"},
        State="DISABLED",
        Target={"Arn": stack.settings.queue_arn, "RoleArn": stack.settings.scheduler_role_arn},
    )
    time.sleep(0.4)
    assert handler.records == []
    scheduler().delete_schedule(Name="off", GroupName=stack.settings.schedule_group)


# --- pure logic ---------------------------------------------------------------------------------
def test_batch_failures_rules():
    ids = ["m1", "m2"]
    assert batch_failures(None, ids) == set()
    assert batch_failures({}, ids) == set()
    assert batch_failures({"batchItemFailures": None}, ids) == set()
    assert batch_failures({"batchItemFailures": []}, ids) == set()
    assert batch_failures({"batchItemFailures": [{"itemIdentifier": "m2"}]}, ids) == {"m2"}
    assert batch_failures({"batchItemFailures": [{"itemIdentifier": ""}]}, ids) is None
    assert batch_failures({"batchItemFailures": [{"itemIdentifier": None}]}, ids) is None
    assert batch_failures({"batchItemFailures": [{"id": "m1"}]}, ids) is None
    assert batch_failures({"batchItemFailures": [{"itemIdentifier": "zz"}]}, ids) is None
    assert batch_failures({"batchItemFailures": "m1"}, ids) is None
    assert batch_failures("ok", ids) is None


def _schedule(expression, created, **extra):
    return {
        "Arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/g/x",
        "Name": "x",
        "GroupName": "g",
        "ScheduleExpression": expression,
        "ScheduleExpressionTimezone": "UTC",
        "State": "ENABLED",
        "CreationDate": datetime.datetime.fromtimestamp(created, tz=datetime.UTC),
        "Target": {"Arn": "arn:aws:sqs:us-east-1:123456789012:q"},
        **extra,
    }


def test_recurring_schedules_fire_at_each_due_time():
    pump = Pump(FakeHandler(), s.Settings.from_env({}))
    now = 1_900_000_000.0  # a whole minute: 2030-03-17T17:46:40Z is not, so compute from it
    now = now - now % 60 + 30  # hh:mm:30
    cron = _schedule("cron(* * * * ? *)", now - 150)
    due = pump.firing.due(cron, now)
    assert due.fires == [now - 90, now - 30]  # the two whole minutes since creation
    pump.firing._cursors[due.key] = due.until
    assert pump.firing.due(cron, now).fires == []
    assert pump.firing.due(cron, now + 30).fires == [now + 30]

    rate = _schedule("rate(1 minute)", now - 150)
    assert pump.firing.due(rate, now).fires == [now - 90, now - 30]

    ended = _schedule("cron(* * * * ? *)", now - 150, EndDate=now - 60, Arn="arn:ended")
    due = pump.firing.due(ended, now)
    assert due.fires == [now - 90] and due.finished


def test_one_time_schedule_is_due_once():
    pump = Pump(FakeHandler(), s.Settings.from_env({}))
    now = time.time()
    past = _schedule(_at(-5), now - 10)
    due = pump.firing.due(past, now)
    assert len(due.fires) == 1 and due.finished
    pump.firing._fired.add(due.key)
    assert pump.firing.due(past, now).fires == []
    assert pump.firing.due(_schedule(_at(60), now), now).fires == []
    assert pump.firing.due(_schedule("at(bad)", now), now) is None
    assert pump.counters.schedule_errors == 1


class _FakeScheduler:
    class exceptions:  # noqa: N801 (mirrors boto3's client.exceptions)
        class ResourceNotFoundException(Exception):
            pass

    def __init__(self, schedules):
        self.schedules = {x["Name"]: x for x in schedules}
        self.deleted = []

    def list_schedules(self, GroupName, NextToken=None):
        return {"Schedules": [{"Name": n, "GroupName": "g"} for n in self.schedules]}

    def get_schedule(self, Name, GroupName):
        if Name not in self.schedules:
            raise self.exceptions.ResourceNotFoundException(Name)
        return self.schedules[Name]

    def delete_schedule(self, Name, GroupName):
        self.deleted.append(Name)
        self.schedules.pop(Name)


class _FakeSqs:
    def __init__(self, fail=False):
        self.sent = []
        self.fail = fail

    def get_queue_url(self, QueueName, QueueOwnerAWSAccountId):
        return {"QueueUrl": f"https://sqs/{QueueName}"}

    def send_message(self, **kwargs):
        if self.fail:
            raise RuntimeError("queue unreachable")
        self.sent.append(kwargs)


def _tick_pump(schedules, sqs_client):
    pump = Pump(FakeHandler(), s.Settings.from_env({s.ENV_SCHEDULE_GROUP: "g"}))
    pump.firing.connect(_FakeScheduler(schedules), sqs_client)
    return pump


def test_tick_fires_recurring_schedules_and_deletes_finished_ones():
    now = time.time()
    every_minute = _schedule("cron(* * * * ? *)", now - 150, Name="cron", Arn="arn:cron")
    every_minute["Target"]["Input"] = "tick"
    ended = _schedule("rate(1 minute)", now - 150, Name="ended", Arn="arn:ended", EndDate=now - 1)
    ended["ActionAfterCompletion"] = "DELETE"
    sqs_client = _FakeSqs()
    pump = _tick_pump([every_minute, ended], sqs_client)
    pump.firing.tick()
    cron_fires = [m for m in sqs_client.sent if m["MessageBody"] == "tick"]
    assert len(cron_fires) in (2, 3)  # the whole minutes in the last 150 s
    assert cron_fires[0]["QueueUrl"] == "https://sqs/q"
    assert pump.firing._scheduler.deleted == ["ended"]
    sent = len(sqs_client.sent)
    pump.firing.tick()  # nothing new is due within the same minute (or at most the next one)
    assert len(sqs_client.sent) - sent <= 1
    assert pump.counters.schedules_fired == len(sqs_client.sent)


def test_tick_retries_an_unreachable_target_then_gives_up():
    due = _schedule(_at(-5), time.time() - 10, Name="due", Arn="arn:due")
    due["ActionAfterCompletion"] = "DELETE"
    pump = _tick_pump([due], _FakeSqs(fail=True))
    pump.firing.tick()
    pump.firing.tick()
    assert pump.firing._scheduler.deleted == []  # still retrying
    pump.firing.tick()
    assert pump.firing._scheduler.deleted == ["due"]  # third failure: given up, completed
    assert pump.counters.schedule_errors == 3
    assert pump.counters.schedules_fired == 0
