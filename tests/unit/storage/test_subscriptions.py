"""Realtime subscription calls: batched writes, one read or delete each, paged reads."""

from __future__ import annotations

from inngest_lambda.storage import subscriptions
from inngest_lambda.storage.codec import item_key
from tests.unit.storage.conftest import Calls, Db


def test_writes_reads_and_deletes(db: Db, calls: Calls):
    puts = [
        {"PutRequest": {"Item": {**item_key("rt#t", f"c{i:02d}"), "at": {"N": str(i)}}}}
        for i in range(30)
    ]
    subscriptions.write(db, puts)
    assert calls.take() == {"BatchWriteItem": 2}
    pages = list(subscriptions.pages(db, "rt#t", {"#sk": "sk", "#at": "at"}))
    assert calls.take() == {"Query": 1}
    assert len(pages) == 1 and len(pages[0]) == 30
    assert set(pages[0][0]) == {"sk", "at"}  # projected
    assert subscriptions.get(db, "rt#t", "c03")["at"] == {"N": "3"}
    assert subscriptions.get(db, "rt#t", "zz") is None
    subscriptions.delete(db, "rt#t", "c03")
    subscriptions.write(db, [{"DeleteRequest": {"Key": item_key("rt#t", "c04")}}])
    assert calls.take() == {"GetItem": 2, "DeleteItem": 1, "BatchWriteItem": 1}
    assert db.item("rt#t", "c03") is None and db.item("rt#t", "c04") is None
