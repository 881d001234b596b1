"""Flow-control item calls: one call each, conditional writes refused as False or raised."""

from __future__ import annotations

import pytest

from inngest_lambda.storage import flow_items
from inngest_lambda.storage.codec import encode_attr, item_key
from inngest_lambda.storage.models import is_conflict
from tests.unit.storage.conftest import Calls, Db


def _put(db: Db, pk: str, sk: str, **attrs: object) -> None:
    item = {**item_key(pk, sk), **{k: encode_attr(v) for k, v in attrs.items()}}
    db.ddb.put_item(TableName=db.table, Item=item)


def test_reads(db: Db, calls: Calls):
    _put(db, "F#a", "C", ver=1)
    _put(db, "F#a#W", "0002#r2", run_id="r2")
    _put(db, "F#a#W", "0001#r1", run_id="r1")
    calls.take()
    assert flow_items.get(db, "F#a", "C")["ver"] == {"N": "1"}
    assert flow_items.get(db, "F#b", "C") is None
    assert flow_items.exists(db, "F#a#W", "0001#r1") and not flow_items.exists(db, "F#a#W", "x")
    assert flow_items.first(db, "F#a#W")["run_id"] == {"S": "r1"}
    assert flow_items.first(db, "F#none") is None
    assert calls.take() == {"GetItem": 4, "Query": 2}
    keys = [("F#a", "C"), *((f"F#x{i}", "C") for i in range(120))]
    assert [it["pk"]["S"] for it in flow_items.batch_get(db, keys)] == ["F#a"]
    assert calls.take() == {"BatchGetItem": 2}


def test_a_conditional_write_refused_is_false_and_writes_nothing(db: Db, calls: Calls):
    _put(db, "F#a", "C", ver=1)
    calls.take()
    update = {
        "TableName": db.table,
        "Key": item_key("F#a", "C"),
        "UpdateExpression": "ADD ver :one",
        "ConditionExpression": "ver = :v",
        "ExpressionAttributeValues": {":one": encode_attr(1), ":v": encode_attr(1)},
    }
    assert flow_items.write(db, update) is True
    assert flow_items.write(db, update) is False  # ver is 2 now
    marker = {"Put": {"TableName": db.table, "Item": item_key("F#m", "M")}}
    assert (
        flow_items.write(
            db,
            {**update, "ExpressionAttributeValues": {":one": encode_attr(1), ":v": encode_attr(5)}},
            [marker],
        )
        is False
    )
    assert calls.take() == {"UpdateItem": 2, "TransactWriteItems": 1}
    assert db.item("F#a", "C")["ver"] == 2 and db.item("F#m", "M") is None
    with pytest.raises(Exception) as refused:
        flow_items.update(db, **update)
    assert is_conflict(refused.value)


def test_deletes_and_batch_writes(db: Db, calls: Calls):
    _put(db, "F#d", "D", run_id="r1")
    calls.take()
    assert flow_items.delete_if(db, "F#d", "D", "run_id", "r2") is False
    assert flow_items.delete_if(db, "F#d", "D", "run_id", "r1") is True
    flow_items.delete(db, "F#d", "D")
    assert calls.take() == {"DeleteItem": 3}
    puts = [{"PutRequest": {"Item": item_key("FB#b", f"{i:03d}")}} for i in range(30)]
    flow_items.batch_write(db, puts)
    assert calls.take() == {"BatchWriteItem": 2}
    flow_items.transact(db, [{"Delete": {"TableName": db.table, "Key": item_key("FB#b", "000")}}])
    assert calls.take() == {"TransactWriteItems": 1}
    assert db.item("FB#b", "000") is None and db.item("FB#b", "029") is not None
