"""Partition reads: one Query per page, strongly consistent, optionally by sort-key prefix."""

from __future__ import annotations

from inngest_lambda.storage import table
from tests.unit.storage.conftest import Calls, Db


def test_a_partition_is_read_page_by_page(db: Db, calls: Calls):
    pad = "x" * 200_000  # about 5 items per 1 MB page
    for i in range(12):
        db.ddb.put_item(
            TableName=db.table,
            Item={"pk": {"S": "P"}, "sk": {"S": f"A#{i:02d}"}, "pad": {"S": pad}},
        )
    db.ddb.put_item(TableName=db.table, Item={"pk": {"S": "P"}, "sk": {"S": "B#1"}})
    calls.take()
    assert [it["sk"]["S"] for it in table.query(db, "P", "B#")] == ["B#1"]
    assert calls.take() == {"Query": 1}
    assert len(list(table.query(db, "P", "A#"))) == 12
    assert calls.take()["Query"] > 1
    assert list(table.query(db, "EMPTY")) == []
