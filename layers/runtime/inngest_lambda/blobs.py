"""Values too large for a DynamoDB item (the SDK allows 4 MB step outputs) live in S3."""

from __future__ import annotations

from inngest_lambda import aws
from inngest_lambda.settings import get_settings


def put(key: str, body: bytes) -> None:
    aws.client("s3").put_object(
        Bucket=get_settings().bucket, Key=key, Body=body, ContentType="application/json"
    )


def get(key: str) -> bytes:
    res = aws.client("s3").get_object(Bucket=get_settings().bucket, Key=key)
    return res["Body"].read()
