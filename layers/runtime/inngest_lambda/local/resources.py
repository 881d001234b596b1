"""Create the stack's AWS resources in whatever AWS boto3 reaches (moto, for the local stack).

These mirror what the CDK stack declares, with the same names and settings from `settings.py`,
so the runtime meets the same table keys, queue attributes and schedule group locally as in AWS.
Every step first checks whether the resource exists, so calling this twice is harmless (moto,
like AWS, refuses or silently replaces some duplicates: a second schedule group would wipe the
first one's schedules).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from typing import Any

from inngest_lambda import settings as s
from inngest_lambda.local.aws_clients import client


def create_resources(settings: s.Settings) -> s.Settings:
    """Create table, queues, bucket, schedule group; return settings with the real queue URL/ARN."""
    region = settings.region
    _create_table(client("dynamodb", region), settings.table)
    queue_url, queue_arn, dlq_arn = _create_queues(
        client("sqs", region), _queue_name(settings.queue_url)
    )
    _create_bucket(client("s3", region), settings.bucket, region)
    _create_schedule_group(client("scheduler", region), settings.schedule_group)
    return dataclasses.replace(settings, queue_url=queue_url, queue_arn=queue_arn, dlq_arn=dlq_arn)


def dlq_name(queue_name: str) -> str:
    """The dead-letter queue that goes with a work queue."""
    return s.DEFAULT_DLQ if queue_name == s.DEFAULT_QUEUE else f"{queue_name}-dlq"


def _queue_name(queue_url: str) -> str:
    return queue_url.rstrip("/").rsplit("/", 1)[-1]


def _error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _create_table(ddb: Any, name: str) -> None:
    with contextlib.suppress(ddb.exceptions.ResourceInUseException):  # already there
        ddb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": s.TABLE_PK, "AttributeType": "S"},
                {"AttributeName": s.TABLE_SK, "AttributeType": "S"},
                {"AttributeName": s.LIST_AT, "AttributeType": "S"},
                *({"AttributeName": attr, "AttributeType": "S"} for _, attr in s.LIST_INDEXES),
                {"AttributeName": s.SWEEP_SHARD_ATTRIBUTE, "AttributeType": "S"},
                {"AttributeName": s.SWEEP_AT_ATTRIBUTE, "AttributeType": "N"},
            ],
            KeySchema=[
                {"AttributeName": s.TABLE_PK, "KeyType": "HASH"},
                {"AttributeName": s.TABLE_SK, "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                *(
                    {
                        "IndexName": index_name,
                        "KeySchema": [
                            {"AttributeName": attr, "KeyType": "HASH"},
                            {"AttributeName": s.LIST_AT, "KeyType": "RANGE"},
                        ],
                        "Projection": {
                            "ProjectionType": "INCLUDE",
                            "NonKeyAttributes": list(s.LIST_PROJECTION),
                        },
                    }
                    for index_name, attr in s.LIST_INDEXES
                ),
                {
                    "IndexName": s.SWEEP_INDEX,
                    "KeySchema": [
                        {"AttributeName": s.SWEEP_SHARD_ATTRIBUTE, "KeyType": "HASH"},
                        {"AttributeName": s.SWEEP_AT_ATTRIBUTE, "KeyType": "RANGE"},
                    ],
                    "Projection": {
                        "ProjectionType": "INCLUDE",
                        "NonKeyAttributes": [s.SWEEPS_ATTRIBUTE],
                    },
                },
            ],
        )
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        ddb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": s.TABLE_TTL_ATTRIBUTE},
        )


def _ensure_queue(sqs: Any, name: str, attributes: dict[str, str]) -> tuple[str, str]:
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    except sqs.exceptions.QueueDoesNotExist:
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def _create_queues(sqs: Any, name: str) -> tuple[str, str, str]:
    _, dlq_arn = _ensure_queue(sqs, dlq_name(name), {"MessageRetentionPeriod": str(14 * 24 * 3600)})
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": s.QUEUE_MAX_RECEIVE_COUNT}
    url, arn = _ensure_queue(
        sqs,
        name,
        {
            "VisibilityTimeout": str(s.QUEUE_VISIBILITY_SECONDS),
            "RedrivePolicy": json.dumps(redrive),
        },
    )
    return url, arn, dlq_arn


def _create_bucket(s3: Any, name: str, region: str) -> None:
    try:
        s3.head_bucket(Bucket=name)
        return
    except s3.exceptions.ClientError as exc:
        if _error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
            raise
    kwargs: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":  # S3's one quirk: us-east-1 takes no location constraint
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    with contextlib.suppress(
        s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists
    ):
        s3.create_bucket(**kwargs)


def _create_schedule_group(scheduler: Any, name: str) -> None:
    try:
        scheduler.get_schedule_group(Name=name)
    except scheduler.exceptions.ResourceNotFoundException:
        with contextlib.suppress(scheduler.exceptions.ConflictException):  # created meanwhile
            scheduler.create_schedule_group(Name=name)
