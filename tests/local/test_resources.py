"""create_resources: the CDK stack's resources, in moto, idempotently."""

import json

import boto3
import pytest
from moto import mock_aws

from inngest_lambda import settings as s
from inngest_lambda.local.resources import create_resources


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def test_creates_everything_and_is_idempotent(aws):
    base = s.Settings.from_env({})
    first = create_resources(base)
    scheduler = boto3.client("scheduler")
    scheduler.create_schedule(
        Name="keep-me",
        GroupName=first.schedule_group,
        ScheduleExpression="at(2099-01-01T00:00:00)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": first.queue_arn, "RoleArn": first.scheduler_role_arn, "Input": "{}"},
    )
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=first.queue_url, MessageBody="survives")

    second = create_resources(base)
    assert second == first
    assert first.queue_url.endswith(f"/{s.DEFAULT_QUEUE}")
    assert first.queue_arn == f"arn:aws:sqs:us-east-1:123456789012:{s.DEFAULT_QUEUE}"

    # The second call touched nothing that was there.
    assert scheduler.get_schedule(Name="keep-me", GroupName=first.schedule_group)
    attrs = sqs.get_queue_attributes(QueueUrl=first.queue_url, AttributeNames=["All"])
    attrs = attrs["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "1"
    assert attrs["VisibilityTimeout"] == str(s.QUEUE_VISIBILITY_SECONDS)
    redrive = json.loads(attrs["RedrivePolicy"])
    assert int(redrive["maxReceiveCount"]) == s.QUEUE_MAX_RECEIVE_COUNT
    assert redrive["deadLetterTargetArn"].endswith(f":{s.DEFAULT_DLQ}")

    ddb = boto3.client("dynamodb")
    table = ddb.describe_table(TableName=first.table)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert {(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]} == {
        (s.TABLE_PK, "HASH"),
        (s.TABLE_SK, "RANGE"),
    }
    index_keys = {key for _, key in s.LIST_INDEXES} | {s.LIST_AT}
    assert {(a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]} == {
        (s.TABLE_PK, "S"),
        (s.TABLE_SK, "S"),
        (s.SWEEP_SHARD_ATTRIBUTE, "S"),
        (s.SWEEP_AT_ATTRIBUTE, "N"),
    } | {(key, "S") for key in index_keys}
    # The listing indexes and the sweep index exist, keyed as the runtime queries them.
    indexes = {i["IndexName"]: i["KeySchema"] for i in table["GlobalSecondaryIndexes"]}
    assert indexes == {
        **{
            name: [
                {"AttributeName": key, "KeyType": "HASH"},
                {"AttributeName": s.LIST_AT, "KeyType": "RANGE"},
            ]
            for name, key in s.LIST_INDEXES
        },
        s.SWEEP_INDEX: [
            {"AttributeName": s.SWEEP_SHARD_ATTRIBUTE, "KeyType": "HASH"},
            {"AttributeName": s.SWEEP_AT_ATTRIBUTE, "KeyType": "RANGE"},
        ],
    }
    ttl = ddb.describe_time_to_live(TableName=first.table)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": s.TABLE_TTL_ATTRIBUTE}

    boto3.client("s3").head_bucket(Bucket=first.bucket)
    assert scheduler.get_schedule_group(Name=first.schedule_group)["State"] == "ACTIVE"


def test_custom_names_from_settings(aws):
    custom = s.Settings.from_env(
        {
            s.ENV_TABLE: "t2",
            s.ENV_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/q2",
            s.ENV_BUCKET: "bucket-two",
            s.ENV_SCHEDULE_GROUP: "g2",
        }
    )
    out = create_resources(custom)
    assert out.queue_url.endswith("/q2")
    assert out.queue_arn.endswith(":q2")
    sqs = boto3.client("sqs")
    assert sqs.get_queue_url(QueueName="q2-dlq")
    boto3.client("dynamodb").describe_table(TableName="t2")
    boto3.client("s3").head_bucket(Bucket="bucket-two")
    boto3.client("scheduler").get_schedule_group(Name="g2")
