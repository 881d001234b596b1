"""The calls behind realtime subscriptions (the items' layout: realtime/subscriptions.py).

Costs: `get` and `delete` one call each; `pages` one Query per 1 MB page; `write` one
BatchWriteItem per 25 requests, plus retries of what DynamoDB left unprocessed (throttled),
backing off, at most 8 tries per chunk.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from inngest_lambda.settings import TABLE_PK
from inngest_lambda.storage.codec import item_key
from inngest_lambda.storage.table import Table

BATCH = 25  # BatchWriteItem's limit
TRIES = 8

Item = dict[str, Any]


def get(db: Table, pk: str, sk: str) -> Item | None:
    """One item (raw), strongly consistent."""
    found: Item | None = db.ddb.get_item(
        TableName=db.table, Key=item_key(pk, sk), ConsistentRead=True
    ).get("Item")
    return found


def delete(db: Table, pk: str, sk: str) -> None:
    db.ddb.delete_item(TableName=db.table, Key=item_key(pk, sk))


def pages(db: Table, pk: str, attributes: dict[str, str]) -> Iterator[list[Item]]:
    """The items of a partition, one list per Query page, projected to `attributes`
    (expression name -> attribute name)."""
    request: dict[str, Any] = {
        "TableName": db.table,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": TABLE_PK, **attributes},
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ProjectionExpression": ", ".join(attributes),
    }
    while True:
        page = db.ddb.query(**request)
        yield list(page.get("Items", []))
        last = page.get("LastEvaluatedKey")
        if not last:
            return
        request["ExclusiveStartKey"] = last


def write(db: Table, requests: Sequence[Item]) -> None:
    """Put/Delete requests, 25 per BatchWriteItem; RuntimeError when DynamoDB still leaves
    some unprocessed after 8 tries."""
    for start in range(0, len(requests), BATCH):
        pending = {db.table: list(requests[start : start + BATCH])}
        for attempt in range(TRIES):
            left = db.ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems")
            if not left:
                break
            pending = left
            time.sleep(0.05 * 2**attempt)  # throttled: back off before the rest
        else:
            raise RuntimeError("DynamoDB left subscription writes unprocessed after 8 tries")
