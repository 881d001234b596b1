"""The end of a run: pending outcome, retention of what it owns, final write."""

from __future__ import annotations

import pytest

from inngest_lambda.storage import blobs, cancel_flags, finishing, leases, runs
from inngest_lambda.storage.models import CancelRequested, Run
from inngest_lambda.storage.retention import retention_seconds
from inngest_lambda.storage.run_blobs import RunBlobs
from tests.unit.storage.conftest import NOW, Calls, Db, new_run


def _driven(db: Db, calls: Calls, run_id: str = "01E") -> Run:
    runs.create_run(db, new_run(run_id), "k" + run_id)
    run, _ = leases.acquire_lease(db, run_id, "a", NOW + 60)
    assert run is not None
    calls.take()
    return run


def test_the_outcome_is_recorded_then_the_run_finishes(db: Db, calls: Calls):
    run = _driven(db, calls)
    finishing.set_finishing(db, RunBlobs(), run, "a", {"status": "Completed", "output": 7})
    assert calls.take() == {"UpdateItem": 1}
    stored = runs.get_run(db, "01E")
    assert stored is not None and finishing.load_finishing(stored) == {
        "status": "Completed",
        "output": 7,
    }
    calls.take()
    finishing.finish(db, run, "a", "Completed", 7, None)
    assert calls.take() == {"UpdateItem": 1}
    item = db.item("R#01E", "R")
    assert item["status"] == "Completed" and item["output"] == "7"
    assert item["expires_at"] == int(NOW + retention_seconds())
    for gone in ("finishing", "lease_owner", "sweep_at", "sweep_shard", "next_at"):
        assert gone not in item


def test_a_cancelled_run_keeps_the_end_its_cancel_recorded(db: Db, calls: Calls, clock_at):
    run = _driven(db, calls)
    cancel_flags.request_cancel(db, "01E", "user")
    with pytest.raises(CancelRequested):
        finishing.set_finishing(db, RunBlobs(), run, "a", {"status": "Completed"})
    finishing.set_finishing(db, RunBlobs(), run, "a", {"status": "Cancelled"})
    clock_at[0] = NOW + 10
    finishing.finish(db, run, "a", "Cancelled", None, None)
    assert db.item("R#01E", "R")["ended_at"] == NOW


def test_a_large_outcome_goes_to_s3_with_a_pointer_inline(db: Db, calls: Calls):
    run = _driven(db, calls)
    big = "x" * 200_000  # over half the item budget left
    written = RunBlobs()
    finishing.set_finishing(db, written, run, "a", {"status": "Completed", "output": big})
    # The value to S3, its key onto the run, the pointer write.
    assert calls.take() == {"PutObject": 1, "UpdateItem": 2}
    stored = runs.get_run(db, "01E")
    assert stored is not None and set(stored.finishing or {}) == {"ref"}
    assert stored.blobs == ["runs/01E/finishing.json"]
    calls.take()
    assert finishing.load_finishing(stored) == {"status": "Completed", "output": big}
    assert calls.take() == {"GetObject": 1}
    written.end(stored)
    assert calls.take() == {"CopyObject": 1}
    tags = blobs_tags("runs/01E/finishing.json")
    assert tags == {blobs.TAG_KEY: blobs.ENDED}


def test_end_items_gives_what_the_run_owns_a_ttl_in_one_transaction(db: Db, calls: Calls):
    run = _driven(db, calls)
    db.ddb.put_item(TableName=db.table, Item={"pk": {"S": "P#x"}, "sk": {"S": "c1"}})
    db.ddb.put_item(TableName=db.table, Item={"pk": {"S": "R#01E"}, "sk": {"S": "S#s1"}})
    calls.take()
    finishing.end_items(db, run, ["s1"], [("P#x", "c1")])
    assert calls.take() == {"TransactWriteItems": 1}
    ttl = int(NOW + retention_seconds())
    assert db.item("R#01E", "S#s1")["expires_at"] == ttl
    assert db.item("E#ev1", "R#01E")["expires_at"] == ttl
    assert db.item("P#x", "c1") is None


def test_end_items_writes_100_items_per_transaction(db: Db, calls: Calls):
    run = _driven(db, calls)
    finishing.end_items(db, run, [f"s{i}" for i in range(150)])
    assert calls.take() == {"TransactWriteItems": 2}  # 150 steps + 1 event link


def blobs_tags(key: str) -> dict[str, str]:
    import boto3

    from inngest_lambda.settings import get_settings

    res = boto3.client("s3", region_name="us-east-1").get_object_tagging(
        Bucket=get_settings().bucket, Key=key
    )
    return {t["Key"]: t["Value"] for t in res["TagSet"]}
