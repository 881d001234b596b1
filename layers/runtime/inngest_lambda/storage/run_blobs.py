"""Which S3 values a run wrote, so that its end can start their retention clock.

A run's values in S3 are tagged live until it ends (`blobs`). Each key is added to the run
item's `blobs` set when written (one UpdateItem per offloaded value, none for inline values);
this process also remembers the keys it wrote, in case that update lost a race. The run's end
re-tags the union as ended.
"""

from __future__ import annotations

from typing import Any

from inngest_lambda.settings import TABLE_PK
from inngest_lambda.storage import blobs
from inngest_lambda.storage.codec import item_key
from inngest_lambda.storage.models import Run, is_conflict
from inngest_lambda.storage.table import Table


class RunBlobs:
    """The S3 keys this process wrote, per run (one per `Store`)."""

    def __init__(self) -> None:
        self._written: dict[str, set[str]] = {}

    def track(self, db: Table, run_id: str, value: dict[str, Any]) -> None:
        """Record on the run item the S3 key a value of the run went to (`value`: what
        `values.dump_value` returned; nothing to do when it stayed inline)."""
        key = next((v for k, v in value.items() if k.endswith("_ref")), None)
        if key is None:
            return
        self._written.setdefault(run_id, set()).add(key)
        try:
            db.ddb.update_item(
                TableName=db.table,
                Key=item_key(f"R#{run_id}", "R"),
                UpdateExpression="ADD blobs :k",
                ConditionExpression="attribute_exists(#pk)",
                ExpressionAttributeNames={"#pk": TABLE_PK},
                ExpressionAttributeValues={":k": {"SS": [key]}},
            )
        except Exception as err:
            if not is_conflict(err):
                raise

    def end(self, run: Run) -> None:
        """Re-tag the run's S3 values as ended (before its final write: a crash in between
        re-tags them on the retry, a copy in place being harmless)."""
        keys = sorted(set(run.blobs) | self._written.pop(run.run_id, set()))
        if keys:
            blobs.mark_ended(keys)
