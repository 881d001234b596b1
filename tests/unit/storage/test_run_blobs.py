"""The S3 keys of a run: one UpdateItem per offloaded value, re-tagged ended at its end."""

from __future__ import annotations

from inngest_lambda.storage import runs
from inngest_lambda.storage.run_blobs import RunBlobs
from tests.unit.storage.conftest import Calls, Db, new_run


def test_offloaded_keys_are_recorded_and_ended_once_each(db: Db, calls: Calls):
    runs.create_run(db, new_run("01B"), "k")
    written = RunBlobs()
    calls.take()
    written.track(db, "01B", {"memo": "inline"})
    assert calls.take() == {}
    written.track(db, "01B", {"memo_ref": "runs/01B/a.json"})
    written.track(db, "01GONE", {"memo_ref": "runs/01GONE/a.json"})  # no run item: ignored
    assert calls.take() == {"UpdateItem": 2}
    assert db.item("R#01B", "R")["blobs"] == ["runs/01B/a.json"]
    db_s3_put("runs/01B/a.json")
    db_s3_put("runs/01B/b.json")
    run = runs.get_run(db, "01B")
    assert run is not None
    run.blobs = ["runs/01B/a.json", "runs/01B/b.json"]
    calls.take()
    written.end(run)  # the union of the run's list and this process's, each once
    assert calls.take() == {"CopyObject": 2}
    written.end(new_run("01C"))
    assert calls.take() == {}


def db_s3_put(key: str) -> None:
    import boto3

    from inngest_lambda.settings import get_settings

    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=get_settings().bucket, Key=key, Body=b"1"
    )
