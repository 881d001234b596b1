"""The SQS work queue: every hand-over between Lambda invocations is a message here.

Messages are small JSON objects. `{"kind": "run", "run_id": ..., "due_at": ...}` asks an
invocation to drive a run; it is safe to deliver twice, early or late, because the executor
decides what to do from the run's state in DynamoDB, not from the message.
"""

from __future__ import annotations

import json
import math
from typing import Any

from inngest_lambda.core import aws
from inngest_lambda.settings import MAX_SQS_DELAY_SECONDS, get_settings


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), sort_keys=True)


def send(message: dict[str, Any], delay_seconds: float = 0) -> None:
    aws.client("sqs").send_message(
        QueueUrl=get_settings().queue_url,
        MessageBody=encode(message),
        DelaySeconds=_delay(delay_seconds),
    )


def send_many(messages: list[dict[str, Any]]) -> None:
    for i in range(0, len(messages), 10):
        entries = [
            {"Id": str(n), "MessageBody": encode(m)} for n, m in enumerate(messages[i : i + 10])
        ]
        res = aws.client("sqs").send_message_batch(
            QueueUrl=get_settings().queue_url, Entries=entries
        )
        if res.get("Failed"):
            raise RuntimeError(f"SQS refused {len(res['Failed'])} messages: {res['Failed'][0]}")


def retry_in(receipt_handle: str, seconds: float) -> None:
    """Make a message we could not handle yet visible again after `seconds`, not the full
    visibility timeout."""
    aws.client("sqs").change_message_visibility(
        QueueUrl=get_settings().queue_url,
        ReceiptHandle=receipt_handle,
        VisibilityTimeout=min(43_200, max(1, math.ceil(seconds))),
    )


def _delay(seconds: float) -> int:
    return min(MAX_SQS_DELAY_SECONDS, max(0, math.ceil(seconds)))
