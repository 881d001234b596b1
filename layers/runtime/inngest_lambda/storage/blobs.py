"""Values too large for a DynamoDB item (the SDK allows 4 MB step outputs) live in S3."""

from __future__ import annotations

from inngest_lambda.core import aws
from inngest_lambda.settings import get_settings

# The bucket's lifecycle expires only objects tagged ENDED: a value of a run that has not ended
# stays however long the run sleeps; when the run ends its values are re-tagged (a copy in
# place, which restarts the lifecycle clock), so retention counts from the run's end.
TAG_KEY = "inngest-lambda"
LIVE = "live"
ENDED = "ended"


def put(key: str, body: bytes, *, ended: bool = False) -> None:
    aws.client("s3").put_object(
        Bucket=get_settings().bucket,
        Key=key,
        Body=body,
        ContentType="application/json",
        Tagging=f"{TAG_KEY}={ENDED if ended else LIVE}",
    )


def mark_ended(keys: list[str]) -> None:
    """Start the retention clock of a finished run's values."""
    client = aws.client("s3")
    bucket = get_settings().bucket
    for key in keys:
        client.copy_object(
            Bucket=bucket,
            Key=key,
            CopySource={"Bucket": bucket, "Key": key},
            MetadataDirective="REPLACE",
            ContentType="application/json",
            TaggingDirective="REPLACE",
            Tagging=f"{TAG_KEY}={ENDED}",
        )


def get(key: str) -> bytes:
    res = aws.client("s3").get_object(Bucket=get_settings().bucket, Key=key)
    return res["Body"].read()
