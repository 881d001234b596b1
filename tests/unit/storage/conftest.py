"""The storage modules against moto: the table, queues and bucket created as the local stack
creates them, a fixed clock, and every AWS call the runtime's clients make counted."""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from inngest_lambda import settings as s
from inngest_lambda.core import aws, clock
from inngest_lambda.local.resources import create_resources
from inngest_lambda.storage.codec import decode_item, item_key
from inngest_lambda.storage.models import Run

NOW = 1_800_000_000.0


class Calls(collections.Counter[str]):
    """AWS calls by operation ("UpdateItem", "PutObject", ...), counted at botocore's
    `before-call` (once per API call, whatever its retries)."""

    def take(self) -> dict[str, int]:
        """The calls counted so far, and start again from none."""
        out = dict(self)
        self.clear()
        return out


@dataclasses.dataclass
class Db:
    """A `storage.table.Table`: the runtime's own DynamoDB client and the table's name."""

    table: str

    @property
    def ddb(self) -> Any:
        return aws.client("dynamodb")

    def item(self, pk: str, sk: str) -> dict[str, Any] | None:
        """An item as stored (decoded), read without being counted."""
        found = _raw_client().get_item(TableName=self.table, Key=item_key(pk, sk)).get("Item")
        return decode_item(found) if found else None


def _raw_client() -> Any:
    import boto3

    return boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture
def clock_at() -> Iterator[list[float]]:
    """The runtime's clock, fixed at NOW; set `clock_at[0]` to move it."""
    at = [NOW]
    clock.set_clock(lambda: at[0])
    yield at
    clock.set_clock(None)


@pytest.fixture(scope="package")
def stack() -> Iterator[tuple[str, Calls]]:
    """One moto account for the package (creating the resources takes seconds): the table,
    and the counter that the runtime's DynamoDB and S3 clients report to."""
    with pytest.MonkeyPatch.context() as mp, mock_aws():
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        settings = create_resources(s.Settings.from_env({}))
        mp.setenv(s.ENV_TABLE, settings.table)
        mp.setenv(s.ENV_BUCKET, settings.bucket)
        s.get_settings.cache_clear()
        aws.reset()
        counted = Calls()

        def count(event_name: str, **_: Any) -> None:
            counted[event_name.rsplit(".", 1)[-1]] += 1

        for service in ("dynamodb", "s3"):
            aws.client(service).meta.events.register("before-call", count)
        yield settings.table, counted
        aws.reset()
    s.get_settings.cache_clear()


@pytest.fixture
def db(stack: tuple[str, Calls], clock_at: list[float]) -> Iterator[Db]:
    """The table, emptied (each test starts from nothing)."""
    table = stack[0]
    raw = _raw_client()
    for page in raw.get_paginator("scan").paginate(TableName=table):
        for it in page["Items"]:
            raw.delete_item(TableName=table, Key={"pk": it["pk"], "sk": it["sk"]})
    stack[1].clear()
    yield Db(table)


@pytest.fixture
def calls(db: Db, stack: tuple[str, Calls]) -> Calls:
    stack[1].clear()
    return stack[1]


def new_run(run_id: str = "01RUN", *, status: str = "Queued", **fields: Any) -> Run:
    """A run as the ingestor makes it before `create_run`."""
    event = fields.pop("event", {"id": "ev1", "name": "app/test", "data": {"n": 1}, "ts": 1})
    defaults: dict[str, Any] = {
        "run_id": run_id,
        "function_id": "app-fn",
        "status": status,
        "event_id": event["id"],
        "event": event,
        "events": [event],
        "created_at": NOW,
    }
    return Run(**{**defaults, **fields})
