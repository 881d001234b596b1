"""Cancellation flags on the run item, and the state of a run's `cancel=` pauses.

`request_cancel` is the moment a run is cancelled for every reader (see its docstring); the
invocation driving the run sees the flag at its next fenced write (`leases`). The `cancels_*`
flags record how far the cancel pauses of a run (events/cancel_pauses.py) have got.
"""

from __future__ import annotations

import json

from inngest_lambda.core import clock
from inngest_lambda.settings import LIST_FUNCTION_STATUS, TABLE_PK
from inngest_lambda.storage import index_keys, sweep_index
from inngest_lambda.storage.codec import decode_attr, encode_attr, item_key
from inngest_lambda.storage.leases import update_owned
from inngest_lambda.storage.models import Run, is_conflict
from inngest_lambda.storage.table import Table


def request_cancel(db: Table, run_id: str, reason: str) -> bool:
    """Flag a running run for cancellation and wake it; False if it has ended already.

    From this write on the run is Cancelled for every reader: `visible_status` for those
    that load the run, and for the listings (dashboard, CLI, `GET /v1/runs`, counts) the
    same write moves its status-index entry to Cancelled and sets `ended_at`, which the
    index projects (see listing). No write of the invocation driving it can succeed
    (`put_step(owner=...)`, `set_finishing`), so a response that arrives later is
    discarded. A run already recording its end (`finishing`) has ended."""
    found = db.ddb.get_item(
        TableName=db.table,
        Key=item_key(f"R#{run_id}", "R"),
        ProjectionExpression="function_id",
        ConsistentRead=True,
    ).get("Item")
    if not found:
        return False
    function_id = str(decode_attr(found["function_id"]))
    now = clock.now()
    try:
        db.ddb.update_item(
            TableName=db.table,
            Key=item_key(f"R#{run_id}", "R"),
            UpdateExpression="SET cancel = if_not_exists(cancel, :why), "
            "cancel_at = if_not_exists(cancel_at, :now), "
            "ended_at = if_not_exists(ended_at, :now), #lst = :lst, next_at = :zero, "
            "#shard = :shard, #sweep = :sweep ADD wake_seq :one",
            ConditionExpression="attribute_exists(#pk) AND #st IN (:q, :r) "
            "AND attribute_not_exists(finishing) AND function_id = :fn",
            ExpressionAttributeNames={
                "#pk": TABLE_PK,
                "#st": "status",
                "#lst": LIST_FUNCTION_STATUS,
                **sweep_index.NAMES,
            },
            ExpressionAttributeValues={
                **sweep_index.values(run_id, now),
                ":why": encode_attr(reason),
                ":now": encode_attr(now),
                ":zero": encode_attr(0),
                ":one": encode_attr(1),
                ":q": encode_attr("Queued"),
                ":r": encode_attr("Running"),
                ":fn": encode_attr(function_id),
                ":lst": encode_attr(index_keys.status_key(function_id, "Cancelled")),
            },
        )
        return True
    except Exception as err:
        if is_conflict(err):
            return False
        raise


def mark_cancels_checked(db: Table, run_id: str, next_at: float) -> bool:
    """A run not started yet whose cancel pauses were written with it has had their
    look-back (`run_cancels`): flag it, and let the sweep index wait for its start time.
    False (nothing written) when it was cancelled or started meanwhile."""
    try:
        db.ddb.update_item(
            TableName=db.table,
            Key=item_key(f"R#{run_id}", "R"),
            UpdateExpression="SET cancels_opened = :yes, #shard = :shard, #sweep = :sweep",
            ConditionExpression="#st = :queued AND attribute_not_exists(cancel) "
            "AND attribute_not_exists(lease_owner)",
            ExpressionAttributeNames={"#st": "status", **sweep_index.NAMES},
            ExpressionAttributeValues={
                ":yes": encode_attr(True),
                ":queued": encode_attr("Queued"),
                **sweep_index.values(run_id, next_at),
            },
        )
        return True
    except Exception as err:
        if is_conflict(err):
            return False
        raise


def mark_cancels_opened(db: Table, run: Run, owner: str, keys: list[tuple[str, str]]) -> None:
    """`keys`: the pauses written, for the run's end to delete (they carry no TTL)."""
    pauses = json.dumps(keys)
    update_owned(db, run.run_id, owner, {"cancels_opened": True, "cancel_pauses": pauses})
    run.cancels_opened = True
    run.cancel_pauses = [tuple(k) for k in keys]
