"""The reads and writes of flow-control state (`F#`, `FE#`, `FB#` items: flow/).

Flow control shapes its own items and conditions (the layout is in the flow package's
docstrings); this module makes the calls, so that storage stays the one package that talks to
DynamoDB. Items come back raw (attribute values): `flow.state.plain` decodes them.

Costs: one call each, except `batch_get` (one BatchGetItem per 100 keys, plus retries of
unprocessed keys) and `batch_write` (one BatchWriteItem per 25 requests, plus retries).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inngest_lambda.settings import TABLE_PK
from inngest_lambda.storage.codec import encode_attr, item_key
from inngest_lambda.storage.models import is_conflict
from inngest_lambda.storage.table import Table

Item = dict[str, Any]


def get(db: Table, pk: str, sk: str) -> Item | None:
    """One item, strongly consistent."""
    res = db.ddb.get_item(TableName=db.table, Key=item_key(pk, sk), ConsistentRead=True)
    found: Item | None = res.get("Item")
    return found


def exists(db: Table, pk: str, sk: str) -> bool:
    """Whether the item exists (strongly consistent; only its key is read)."""
    found = db.ddb.get_item(
        TableName=db.table,
        Key=item_key(pk, sk),
        ProjectionExpression="#pk",
        ExpressionAttributeNames={"#pk": TABLE_PK},
        ConsistentRead=True,
    ).get("Item")
    return bool(found)


def first(db: Table, pk: str) -> Item | None:
    """The partition's first item by sort key (strongly consistent), None if it is empty."""
    res = db.ddb.query(
        TableName=db.table,
        KeyConditionExpression="#pk = :pk",
        ExpressionAttributeNames={"#pk": TABLE_PK},
        ExpressionAttributeValues={":pk": encode_attr(pk)},
        ConsistentRead=True,
        Limit=1,
    )
    items = res.get("Items") or []
    return items[0] if items else None


def batch_get(db: Table, keys: Sequence[tuple[str, str]]) -> list[Item]:
    """The items that exist among `keys` (strongly consistent), in no particular order."""
    out: list[Item] = []
    for i in range(0, len(keys), 100):
        request = [item_key(pk, sk) for pk, sk in keys[i : i + 100]]
        pending: dict[str, Any] = {db.table: {"Keys": request, "ConsistentRead": True}}
        while pending:
            res = db.ddb.batch_get_item(RequestItems=pending)
            out.extend(res["Responses"].get(db.table, []))
            pending = res.get("UnprocessedKeys") or {}
    return out


def batch_write(db: Table, requests: Sequence[Item]) -> None:
    """Put/Delete requests (`{"PutRequest": ...}`), 25 per call, unconditional."""
    for i in range(0, len(requests), 25):
        pending: dict[str, Any] = {db.table: list(requests[i : i + 25])}
        while pending:
            res = db.ddb.batch_write_item(RequestItems=pending)
            pending = res.get("UnprocessedItems") or {}


def delete(db: Table, pk: str, sk: str) -> None:
    db.ddb.delete_item(TableName=db.table, Key=item_key(pk, sk))


def delete_if(db: Table, pk: str, sk: str, attr: str, expected: object) -> bool:
    """Delete an item only while `attr` still holds `expected`; False when someone changed it
    first (their version wins)."""
    try:
        db.ddb.delete_item(
            TableName=db.table,
            Key=item_key(pk, sk),
            ConditionExpression="#a = :v",
            ExpressionAttributeNames={"#a": attr},
            ExpressionAttributeValues={":v": encode_attr(expected)},
        )
        return True
    except Exception as err:
        if not is_conflict(err):
            raise
        return False


def update(db: Table, **params: Any) -> Item:
    """One UpdateItem (`params`: its parameters, TableName included); its response.
    A refused condition raises (the caller reads the refusal: `is_conflict`)."""
    res: Item = db.ddb.update_item(**params)
    return res


def transact(db: Table, items: Sequence[Item]) -> None:
    """One TransactWriteItems; a refused condition raises (with its CancellationReasons)."""
    db.ddb.transact_write_items(TransactItems=list(items))


def write(db: Table, request: Item, also: Sequence[Item] = ()) -> bool:
    """A conditional update, alone (UpdateItem) or, with `also`, first in one transaction with
    those items; False when a condition was refused."""
    try:
        if also:
            transact(db, [{"Update": request}, *also])
        else:
            db.ddb.update_item(**request)
        return True
    except Exception as err:
        if is_conflict(err):
            return False
        raise
