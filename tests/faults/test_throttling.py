"""The throttling policy (`tests/faults/throttling.py`) fails what it says, with the codes AWS
sends, and replays the same failures from the same seed."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from inngest_lambda.core import aws, clock
from tests.faults.throttling import THROTTLING_ERRORS, Throttling

pytestmark = pytest.mark.durable(functions="tests.support.apps.fault_functions")


def _get(table: str) -> str | None:
    try:
        aws.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": "x"}, "sk": {"S": "y"}})
    except ClientError as exc:
        status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
        return f"{exc.response['Error']['Code']}/{status}"
    return None


def _codes(durable, faults, seed: int) -> list[str | None]:
    faults.clear()
    faults.add(Throttling(0.5, seed=seed, services=["dynamodb"]).rule())
    return [_get(durable.stack.settings.table) for _ in range(40)]


def test_a_seed_replays_the_same_throttles_with_dynamodb_codes(durable, faults):
    first = _codes(durable, faults, seed=7)
    assert _codes(durable, faults, seed=7) == first
    thrown = {c for c in first if c is not None}
    real = {f"{e.code}/{e.status}" for e in THROTTLING_ERRORS["dynamodb"]}
    assert thrown == real  # 40 draws at 50%: each of the three codes comes up
    assert 10 <= first.count(None) <= 30
    assert _codes(durable, faults, seed=8) != first


def test_calls_outside_the_window_or_the_services_are_left_alone(durable, faults):
    now = clock.now()
    storm = Throttling(1.0, seed=1, start=now + 60, end=now + 120)
    faults.add(storm.rule())
    table = durable.stack.settings.table
    assert _get(table) is None  # before the window
    durable.advance(60)
    inside = _get(table)
    assert inside in {f"{e.code}/{e.status}" for e in THROTTLING_ERRORS["dynamodb"]}
    durable.advance(60)
    assert _get(table) is None  # after it
    faults.clear()
    only_s3 = Throttling(1.0, seed=1, services=["s3"])
    faults.add(only_s3.rule())
    assert _get(table) is None and only_s3.calls == 0


def test_s3_and_scheduler_throttle_with_their_own_status(durable, faults):
    faults.add(Throttling(1.0, seed=3, services=["s3", "scheduler"]).rule())
    with pytest.raises(ClientError) as s3_error:
        aws.client("s3").head_object(Bucket="any", Key="k")
    assert s3_error.value.response["Error"]["Code"] == "SlowDown"
    assert s3_error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    with pytest.raises(ClientError) as scheduler_error:
        aws.client("scheduler").get_schedule(Name="any")
    assert scheduler_error.value.response["Error"]["Code"] == "ThrottlingException"
    assert scheduler_error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
