"""The sweep index: runs that the sweeper re-drives if nothing happens to them by a time.

A live run carries `SWEEP_SHARD_ATTRIBUTE` (a stable spread over SWEEP_SHARDS partitions) and
`SWEEP_AT_ATTRIBUTE` (when it is due, plus the grace); every write that moves the run's next
moment (a lease, a park until a time, a wake, a cancel) moves it too, in the same write. A run
that waits for something other than a time leaves the index; its end removes it.
"""

from __future__ import annotations

from typing import Any

from inngest_lambda.settings import (
    SWEEP_AT_ATTRIBUTE,
    SWEEP_GRACE_SECONDS,
    SWEEP_INDEX,
    SWEEP_SHARD_ATTRIBUTE,
    SWEEP_SHARDS,
    SWEEPS_ATTRIBUTE,
    TABLE_PK,
    TABLE_SK,
)
from inngest_lambda.storage import index_query
from inngest_lambda.storage.codec import encode_attr, item_key
from inngest_lambda.storage.models import Run, is_conflict
from inngest_lambda.storage.table import Table

# Expression names of the two attributes, for update expressions that write `:shard`/`:sweep`.
NAMES = {"#shard": SWEEP_SHARD_ATTRIBUTE, "#sweep": SWEEP_AT_ATTRIBUTE}


def sweep_shard(run_id: str) -> str:
    """The sweep-index partition of a run (a stable spread over SWEEP_SHARDS partitions)."""
    return str(int.from_bytes(run_id[-4:].encode(), "big") % SWEEP_SHARDS)


def sweep_fields(run_id: str, at: float) -> dict[str, object]:
    """Put the run in the sweep index: if nothing has happened to it by `at` (plus the grace),
    the sweeper re-drives it."""
    return {
        SWEEP_SHARD_ATTRIBUTE: sweep_shard(run_id),
        SWEEP_AT_ATTRIBUTE: at + SWEEP_GRACE_SECONDS,
    }


def values(run_id: str, at: float) -> dict[str, Any]:
    """`:shard` and `:sweep` of an update expression that puts the run in the index (`NAMES`)."""
    fields = sweep_fields(run_id, at)
    return {
        ":shard": encode_attr(fields[SWEEP_SHARD_ATTRIBUTE]),
        ":sweep": encode_attr(fields[SWEEP_AT_ATTRIBUTE]),
    }


def first_sweep(run: Run) -> float:
    """When a new run is due to the sweeper (plus the grace): when it starts, or at once while
    the look-back of its cancel pauses is still to do (`run_cancels`), which must not wait for
    a start hours away."""
    if run.cancel_pauses and not run.cancels_opened:
        return run.created_at
    return max(run.created_at, run.next_at)


SHARDS = tuple(range(SWEEP_SHARDS))


def overdue(db: Table, now: float, per_shard: int) -> list[tuple[str, str, float, int]]:
    """(pk, sk, sweep_at, sweeps) of the items whose `sweep_at` has passed, at most about
    `per_shard` from each shard (whole Query pages: the rest waits for the next sweep). One
    Query per page per shard; raises `index_query.IndexUnavailable` while the index is not
    ready."""
    return [entry for shard in SHARDS for entry in overdue_in_shard(db, shard, now, per_shard)]


def overdue_in_shard(
    db: Table, shard: int, now: float, per_shard: int
) -> list[tuple[str, str, float, int]]:
    """`overdue` of one shard: one Query per page, at most about `per_shard` items. A failed
    Query raises (the sweeper goes on with the other shards)."""
    out: list[tuple[str, str, float, int]] = []
    kwargs: dict[str, Any] = {
        "TableName": db.table,
        "IndexName": SWEEP_INDEX,
        "KeyConditionExpression": "#shard = :shard AND #at <= :now",
        "ExpressionAttributeNames": {
            "#shard": SWEEP_SHARD_ATTRIBUTE,
            "#at": SWEEP_AT_ATTRIBUTE,
        },
        "ExpressionAttributeValues": {":shard": {"S": str(shard)}, ":now": encode_attr(now)},
    }
    found = 0
    while found < per_shard:
        page = index_query.query(db.ddb, kwargs)
        for item in page.get("Items", []):
            out.append(
                (
                    item[TABLE_PK]["S"],
                    item[TABLE_SK]["S"],
                    float(item[SWEEP_AT_ATTRIBUTE]["N"]),
                    int(item.get(SWEEPS_ATTRIBUTE, {}).get("N", "0")),
                )
            )
            found += 1
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return out


def postpone(db: Table, pk: str, sk: str, sweep_at: float, until: float) -> dict[str, Any] | None:
    """Move an item's `sweep_at` to `until` and count the re-drive (`sweeps`), unless its
    `sweep_at` moved meanwhile (then None: it needs nothing); the item as now stored (raw).
    One conditional UpdateItem."""
    try:
        res = db.ddb.update_item(
            TableName=db.table,
            Key=item_key(pk, sk),
            UpdateExpression="SET #at = :next ADD #n :one",
            ConditionExpression="#at = :old",
            ExpressionAttributeNames={"#at": SWEEP_AT_ATTRIBUTE, "#n": SWEEPS_ATTRIBUTE},
            ExpressionAttributeValues={
                ":next": encode_attr(until),
                ":old": encode_attr(sweep_at),
                ":one": encode_attr(1),
            },
            ReturnValues="ALL_NEW",
        )
        return dict(res.get("Attributes", {}))
    except Exception as err:
        if is_conflict(err):
            return None
        raise
