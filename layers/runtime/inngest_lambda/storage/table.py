"""The seam every storage module writes through: a DynamoDB client and the table's name.

`Store` (the facade) is one: it makes its client on first use, so a cold start that never
touches the table pays nothing. Storage modules take a `Table` rather than a `Store`, which
keeps them free of the facade (no import cycle) and lets a test hand them any client.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from inngest_lambda.settings import TABLE_PK, TABLE_SK


class Table(Protocol):
    @property
    def ddb(self) -> Any:
        """The DynamoDB client (boto3's low-level client: attribute-value items)."""

    @property
    def table(self) -> str:
        """The table's name."""


def query(db: Table, pk: str, sk_prefix: str | None = None) -> Iterator[dict[str, Any]]:
    """Every item of a partition (optionally those whose sort key starts with a prefix),
    strongly consistent, one Query per page of 1 MB."""
    kwargs: dict[str, Any] = {
        "TableName": db.table,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": TABLE_PK},
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ConsistentRead": True,
    }
    if sk_prefix:
        kwargs["KeyConditionExpression"] += " AND begins_with(#sk, :sk)"
        kwargs["ExpressionAttributeNames"]["#sk"] = TABLE_SK
        kwargs["ExpressionAttributeValues"][":sk"] = {"S": sk_prefix}
    while True:
        res = db.ddb.query(**kwargs)
        yield from res.get("Items", [])
        if "LastEvaluatedKey" not in res:
            return
        kwargs["ExclusiveStartKey"] = res["LastEvaluatedKey"]
