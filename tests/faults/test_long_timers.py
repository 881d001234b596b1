"""Issue 12 items 4 and 7: long sleeps survive retention, and a lost Scheduler wake-up is not the
end of the run."""

from __future__ import annotations

import datetime
import json

import pytest

from inngest_lambda.testing import assert_completed

pytestmark = pytest.mark.durable(functions="tests.support.apps.fault_functions")

DAY = datetime.timedelta(days=1)


def _one_off_schedules(durable):
    from inngest_lambda.local.aws_clients import client

    settings = durable.stack.settings
    scheduler = client("scheduler", settings.region)
    listed = scheduler.list_schedules(GroupName=settings.schedule_group)["Schedules"]
    return [
        scheduler.get_schedule(Name=x["Name"], GroupName=settings.schedule_group)
        for x in listed
        if x["Name"].startswith("t-")
    ]


def _ttl(durable, pk, sk):
    from inngest_lambda.local.aws_clients import client

    settings = durable.stack.settings
    item = client("dynamodb", settings.region).get_item(
        TableName=settings.table, Key={"pk": {"S": pk}, "sk": {"S": sk}}
    )["Item"]
    return int(item["expires_at"]["N"]) if "expires_at" in item else None


def test_one_off_schedules_retry_and_dead_letter_instead_of_dropping(durable):
    durable.send("f/long-sleep", {"days": 2})
    (schedule,) = _one_off_schedules(durable)
    target = schedule["Target"]
    assert target["DeadLetterConfig"] == {"Arn": durable.stack.settings.dlq_arn}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] >= 3600
    assert json.loads(target["Input"])["kind"] == "run"


def test_a_wake_up_scheduler_never_delivered_is_re_driven_by_the_sweeper(durable):
    from inngest_lambda.local.aws_clients import client

    event_id = durable.send("f/long-sleep", {"days": 2})
    (schedule,) = _one_off_schedules(durable)
    settings = durable.stack.settings
    client("scheduler", settings.region).delete_schedule(
        Name=schedule["Name"], GroupName=settings.schedule_group
    )  # the invocation Scheduler dropped
    due = durable.clock.now() + 2 * 86400
    durable.advance(2 * DAY + datetime.timedelta(minutes=2))
    run = assert_completed(durable.run(event_id), "after 2d")
    from inngest_lambda.core import clock

    assert clock.parse_iso(run.step("after").started_at) - due <= 120


@pytest.mark.parametrize("days", [60, 300])
def test_a_sleep_longer_than_the_retention_survives_and_retention_starts_at_the_end(durable, days):
    from inngest_lambda.settings import get_settings

    retention = get_settings().retention_days * 86400
    event_id = durable.send("f/long-sleep", {"days": days})
    sleeping = durable.run(event_id)
    run_id = sleeping.run_id
    assert _ttl(durable, f"R#{run_id}", "R") is None  # nothing unfinished expires
    assert [_ttl(durable, f"R#{run_id}", f"S#{s.id}") for s in sleeping.steps] == [None]
    durable.advance(days * DAY + datetime.timedelta(minutes=1))
    run = assert_completed(durable.run(event_id), f"after {days}d")
    ended = durable.clock.now()
    for sk in ("R", *(f"S#{s.id}" for s in run.steps)):
        assert ended - 120 <= _ttl(durable, f"R#{run_id}", sk) - retention <= ended + 1


def _tags(durable, key):
    from inngest_lambda.local.aws_clients import client

    settings = durable.stack.settings
    tags = client("s3", settings.region).get_object_tagging(Bucket=settings.bucket, Key=key)
    return {t["Key"]: t["Value"] for t in tags["TagSet"]}


def _keys(durable, prefix):
    from inngest_lambda.local.aws_clients import client

    settings = durable.stack.settings
    listed = client("s3", settings.region).list_objects_v2(Bucket=settings.bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def test_large_values_of_a_sleeping_run_never_expire_and_are_tagged_ended_at_its_end(durable):
    # A 250 KB event and output: both go to S3 (the run item's budget is shared).
    event_id = durable.send("f/big", {"size": 250_000, "pad": "p" * 250_000})
    run = assert_completed(durable.run(event_id), "x" * 250_000)
    keys = _keys(durable, f"runs/{run.run_id}/")
    assert keys, "nothing went to S3"
    assert {k: _tags(durable, k) for k in keys} == {k: {"inngest-lambda": "ended"} for k in keys}

    event_id = durable.send("f/long-sleep", {"days": 60, "pad": "p" * 350_000})
    sleeping = durable.run(event_id)
    (events_key,) = _keys(durable, f"runs/{sleeping.run_id}/")
    assert _tags(durable, events_key) == {"inngest-lambda": "live"}  # the lifecycle skips it
    durable.advance(60 * DAY + datetime.timedelta(minutes=1))
    assert_completed(durable.run(event_id), "after 60d")
    assert _tags(durable, events_key) == {"inngest-lambda": "ended"}
