"""The SQS work queue that hands work between Lambda invocations, and its dead-letter queue."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from inngest_lambda import settings


class WorkQueue(Construct):
    """Queue + DLQ with redrive. SQS-managed encryption: no KMS key to grant to Scheduler."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            # Must exceed the Lambda timeout, or a message comes back while still being worked.
            visibility_timeout=Duration.seconds(settings.QUEUE_VISIBILITY_SECONDS),
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue,
                max_receive_count=settings.QUEUE_MAX_RECEIVE_COUNT,
            ),
        )
