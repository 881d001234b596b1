"""Lambda's SQS event source mapping for the work queue, emulated on top of moto.

moto stores queues but nothing ever *consumes* them, so this module plays the event source
mapping: receive up to `batch_size` messages, hand them to the handler as the
`{"Records": [...]}` event Lambda builds, delete those not listed in the `batchItemFailures` of
the answer (partial batch responses), delete nothing when the handler raises or times out. A
failed message simply stays in flight until its visibility timeout runs out (or whatever the
handler set with ChangeMessageVisibility), then moto hands it out again; after
`maxReceiveCount` receives moto moves it to the DLQ. DelaySeconds is moto's business too.

One batch at a time, in the caller's thread: the threads and the polling are `Pump`'s.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

from inngest_lambda import settings as s
from inngest_lambda.local.invoke import Handler, invoke
from inngest_lambda.local.pump_progress import PumpProgress

__all__ = ["SqsDelivery", "batch_failures"]

log = logging.getLogger("inngest_lambda.local.pump")  # the pump's logger, as before the split


class SqsDelivery:
    """Receives batches from the work queue and delivers them to the handler as Lambda does.

    `handler` and `duplicate_deliveries` may be changed between batches (tests do).
    """

    def __init__(
        self,
        handler: Handler,
        settings: s.Settings,
        progress: PumpProgress,
        *,
        batch_size: int,
        duplicate_deliveries: bool,
        lambda_timeout_seconds: float,
    ) -> None:
        self.handler = handler
        self.settings = settings
        self.batch_size = batch_size
        self.duplicate_deliveries = duplicate_deliveries
        self.lambda_timeout_seconds = lambda_timeout_seconds
        self._progress = progress
        self._sqs: Any = None

    def connect(self, sqs: Any) -> None:
        """Use this SQS client (boto3's, on moto) from now on."""
        self._sqs = sqs

    def receive(self) -> list[dict[str, Any]]:
        """One ReceiveMessage of up to `batch_size` messages; never long-polls (see `Pump`)."""
        response = self._sqs.receive_message(
            QueueUrl=self.settings.queue_url,
            MaxNumberOfMessages=self.batch_size,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        if messages:
            self._progress.count(receives=1, messages_received=len(messages))
        return messages

    def process(self, messages: list[dict[str, Any]]) -> None:
        """Hand a received batch to the handler (twice with `duplicate_deliveries`) and delete
        the messages it did not report failed; the failed ones stay for a retry."""
        event = {"Records": [self.record(m) for m in messages]}
        ids = [m["MessageId"] for m in messages]
        succeeded: set[str] = set()
        for _ in range(2 if self.duplicate_deliveries else 1):
            succeeded |= set(ids) - self._call(event, ids)
        done = [m for m in messages if m["MessageId"] in succeeded]
        if done:
            result = self._sqs.delete_message_batch(
                QueueUrl=self.settings.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
            for failure in result.get("Failed", []):
                log.warning("DeleteMessageBatch failed for an entry: %s", failure)
        self._progress.count(messages_deleted=len(done), messages_failed=len(messages) - len(done))
        log.debug(
            "batch of %d: %d deleted, %d left for retry", len(ids), len(done), len(ids) - len(done)
        )

    def _call(self, event: dict[str, Any], ids: list[str]) -> set[str]:
        """One handler call; returns the message ids to keep on the queue."""
        self._progress.count(handler_calls=1, messages_delivered=len(ids))
        result = invoke(
            self.handler,
            event,
            timeout_seconds=self.lambda_timeout_seconds,
            region=self.settings.region,
        )
        if not result.ok:
            self._progress.count(handler_errors=1)
            return set(ids)
        failed = batch_failures(result.result, ids)
        if failed is None:
            log.error("unusable batchItemFailures response, whole batch fails: %r", result.result)
            self._progress.count(handler_errors=1)
            return set(ids)
        return failed

    def record(self, message: dict[str, Any]) -> dict[str, Any]:
        """The SQS record Lambda puts in the event for one received message."""
        rec: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {k: str(v) for k, v in message.get("Attributes", {}).items()},
            "messageAttributes": {
                name: _lambda_attribute(value)
                for name, value in message.get("MessageAttributes", {}).items()
            },
        }
        if "MD5OfMessageAttributes" in message:
            rec["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        rec.update(
            {
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": self.settings.queue_arn,
                "awsRegion": self.settings.region,
            }
        )
        return rec

    def queue_counts(self, include_delayed: bool = True) -> dict[str, int]:
        """The queue's approximate counts: visible, not visible (in flight) and delayed."""
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        if include_delayed:
            names.append("ApproximateNumberOfMessagesDelayed")
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.settings.queue_url, AttributeNames=names
        )["Attributes"]
        return {k.removeprefix("ApproximateNumberOf"): int(v) for k, v in attributes.items()}


def batch_failures(result: Any, ids: list[str]) -> set[str] | None:
    """Message ids a partial batch response marks failed; None where Lambda fails the whole batch.

    Lambda reads None, `{}` and an empty or null `batchItemFailures` as full success, and any
    malformed entry (missing, empty or unknown itemIdentifier) as failure of the whole batch.
    """
    if result is None:
        return set()
    if not isinstance(result, dict):
        return None
    items = result.get("batchItemFailures")
    if items is None:
        return set()
    if not isinstance(items, list):
        return None
    known = set(ids)
    failed: set[str] = set()
    for item in items:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or identifier not in known:
            return None
        failed.add(identifier)
    return failed


def _lambda_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """SQS's MessageAttributeValue as Lambda spells it in the event (camelCase, base64 binary)."""
    out: dict[str, Any] = {}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    out["stringListValues"] = list(value.get("StringListValues", []))
    out["binaryListValues"] = [
        base64.b64encode(v).decode("ascii") for v in value.get("BinaryListValues", [])
    ]
    out["dataType"] = value.get("DataType", "String")
    return out
