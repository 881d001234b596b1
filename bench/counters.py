"""Counts the AWS calls the runtime makes, with botocore's own event hooks."""

from __future__ import annotations

import collections
from typing import Any

from inngest_lambda.core import aws

DDB_READS = {"GetItem", "Query", "BatchGetItem", "Scan"}
DDB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


class AwsCalls:
    def __init__(self) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        self.sqs_messages = 0
        for service in ("dynamodb", "sqs", "scheduler", "s3"):
            aws.client(service).meta.events.register(
                f"before-parameter-build.{service}", self._seen
            )

    def _seen(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        """Called with the caller's own parameters, before botocore serialises them."""
        service = model.service_model.service_name
        self.calls[f"{service}.{model.name}"] += 1
        if model.name == "SendMessage":
            self.sqs_messages += 1
        elif model.name == "SendMessageBatch":
            self.sqs_messages += len(params.get("Entries", []))

    def reset(self) -> None:
        self.calls.clear()
        self.sqs_messages = 0

    def summary(self) -> dict[str, int]:
        ddb = {k.split(".", 1)[1]: v for k, v in self.calls.items() if k.startswith("dynamodb.")}
        return {
            "ddb_reads": sum(v for k, v in ddb.items() if k in DDB_READS),
            "ddb_writes": sum(v for k, v in ddb.items() if k in DDB_WRITES),
            "sqs_messages": self.sqs_messages,
            "scheduler_calls": sum(v for k, v in self.calls.items() if k.startswith("scheduler.")),
            "s3_calls": sum(v for k, v in self.calls.items() if k.startswith("s3.")),
        }
