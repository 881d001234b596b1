"""The lease: which invocation drives a run, and the writes that only its holder may make.

An invocation takes the run (`acquire_lease`), renews it while it works (`renew_lease`), and
gives it back parked until a time or a wake (`park`) or after an error (`release`). Every write
of the driving invocation is conditioned on `lease_owner` (`update_owned`, `write_fenced`), so an
invocation whose lease expired mid-step cannot write over its successor; the step-boundary
writes are also conditioned on no cancel having been requested, so a cancel is seen there
without a read of its own (`refusal` says which of the two refused the write).

`wake` bumps `wake_seq`, on which `park` is conditioned: a wake that lands while the run parks
makes the park fail, so the drive looks again instead of sleeping through it.
"""

from __future__ import annotations

from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.settings import TABLE_PK
from inngest_lambda.storage import runs, sweep_index
from inngest_lambda.storage.codec import decode_item, encode_attr, item_key
from inngest_lambda.storage.models import NEVER, CancelRequested, Conflict, Run, is_conflict
from inngest_lambda.storage.table import Table


def acquire_lease(
    db: Table, run_id: str, owner: str, until: float
) -> tuple[Run | None, Run | None]:
    """Take the run for this invocation; returns (run if acquired, run as it was if refused).

    Refused when another live invocation holds the lease, when the run has ended, or when
    the run is parked until later (`next_at`): a message that arrives early is a duplicate
    and must not drive the run. A run scheduled to start later (`starts_at`, a future `ts`:
    events/scheduled_start.py) is refused before then even if something zeroed `next_at`,
    unless it was cancelled (its drive records the end) or has started already.
    """
    now = clock.now()
    try:
        res = db.ddb.update_item(
            TableName=db.table,
            Key=item_key(f"R#{run_id}", "R"),
            UpdateExpression=(
                "SET lease_owner = :owner, lease_until = :until, #st = :running, "
                "started_at = if_not_exists(started_at, :now), "
                "#shard = :shard, #sweep = :sweep"
            ),
            ConditionExpression=(
                "attribute_exists(#pk) AND #st IN (:queued, :running) "
                "AND (attribute_not_exists(lease_owner) OR lease_until < :now) "
                "AND (attribute_not_exists(next_at) OR next_at <= :soon "
                "OR attribute_exists(finishing)) "
                "AND (attribute_not_exists(starts_at) OR starts_at <= :soon "
                "OR attribute_exists(cancel) OR attribute_exists(started_at))"
            ),
            ExpressionAttributeNames={"#pk": TABLE_PK, "#st": "status", **sweep_index.NAMES},
            ExpressionAttributeValues={
                ":owner": encode_attr(owner),
                ":until": encode_attr(until),
                ":running": encode_attr("Running"),
                ":queued": encode_attr("Queued"),
                ":now": encode_attr(now),
                ":soon": encode_attr(now + 0.5),
                **sweep_index.values(run_id, until),
            },
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        return Run.from_item(res["Attributes"]), None
    except Exception as err:
        if not is_conflict(err):
            raise
        old = getattr(err, "response", {}).get("Item")
        return None, Run.from_item(old) if old else runs.get_run(db, run_id)


def renew_lease(db: Table, run_id: str, owner: str, until: float) -> bool:
    """Extend a lease this invocation holds (the drive's heartbeat); False if it was lost."""
    try:
        db.ddb.update_item(
            TableName=db.table,
            Key=item_key(f"R#{run_id}", "R"),
            UpdateExpression="SET lease_until = :until, #shard = :shard, #sweep = :sweep",
            ConditionExpression="lease_owner = :owner",
            ExpressionAttributeNames=sweep_index.NAMES,
            ExpressionAttributeValues={
                ":owner": encode_attr(owner),
                ":until": encode_attr(until),
                **sweep_index.values(run_id, until),
            },
        )
        return True
    except Exception as err:
        if is_conflict(err):
            return False
        raise


def release(db: Table, run_id: str, owner: str, retry_in: float = 0.0) -> None:
    """Give the lease back after an error, so the retried message need not wait it out;
    the sweeper steps in if that message does not come back `retry_in` from now."""
    try:
        db.ddb.update_item(
            TableName=db.table,
            Key=item_key(f"R#{run_id}", "R"),
            UpdateExpression="SET #shard = :shard, #sweep = :sweep REMOVE lease_owner, lease_until",
            ConditionExpression="lease_owner = :owner",
            ExpressionAttributeNames=sweep_index.NAMES,
            ExpressionAttributeValues={
                ":owner": encode_attr(owner),
                **sweep_index.values(run_id, clock.now() + retry_in),
            },
        )
    except Exception as err:
        if not is_conflict(err):
            raise


def park(
    db: Table,
    run: Run,
    owner: str,
    next_at: float,
    deferred: list[dict[str, Any]] | None = None,
) -> bool:
    """Release the lease until `next_at`; refused if somebody resumed the run meanwhile.

    `deferred` step puts are written in the same transaction (a sleep's wake-up: the sleep
    that ended and the next one are recorded with the park, one write).

    A run parked until a time stays in the sweep index (due then); one that waits for
    something else (NEVER: an invoke, a concurrency slot) leaves it: whatever it waits for
    wakes it, and the wake puts it back."""
    timed = next_at < NEVER
    update = {
        "TableName": db.table,
        "Key": item_key(f"R#{run.run_id}", "R"),
        "UpdateExpression": (
            "SET next_at = :next, fn_attempt = :fa"
            + (", #shard = :shard, #sweep = :sweep" if timed else "")
            + " REMOVE lease_owner, lease_until, sweeps"
            + ("" if timed else ", #shard, #sweep")
        ),
        "ConditionExpression": (
            "lease_owner = :owner AND (attribute_not_exists(wake_seq) OR wake_seq = :seq)"
        ),
        "ExpressionAttributeNames": sweep_index.NAMES,
        "ExpressionAttributeValues": {
            **(sweep_index.values(run.run_id, max(next_at, clock.now())) if timed else {}),
            ":next": encode_attr(next_at),
            ":fa": encode_attr(run.fn_attempt),
            ":owner": encode_attr(owner),
            ":seq": encode_attr(run.wake_seq),
        },
    }
    try:
        if deferred:
            db.ddb.transact_write_items(
                TransactItems=[*({"Put": put} for put in deferred), {"Update": update}]
            )
        else:
            db.ddb.update_item(**update)
        return True
    except Exception as err:
        if is_conflict(err):
            return False
        raise


def wake(db: Table, run_id: str) -> bool:
    """Mark a run runnable now (a waited-for thing happened); parking after this is refused."""
    try:
        db.ddb.update_item(
            TableName=db.table,
            Key=item_key(f"R#{run_id}", "R"),
            UpdateExpression="SET next_at = :zero, #shard = :shard, #sweep = :sweep "
            "ADD wake_seq :one",
            ConditionExpression="attribute_exists(#pk) AND #st IN (:q, :r)",
            ExpressionAttributeNames={"#pk": TABLE_PK, "#st": "status", **sweep_index.NAMES},
            ExpressionAttributeValues={
                **sweep_index.values(run_id, clock.now()),
                ":zero": encode_attr(0),
                ":one": encode_attr(1),
                ":q": encode_attr("Queued"),
                ":r": encode_attr("Running"),
            },
        )
        return True
    except Exception as err:
        if is_conflict(err):
            return False  # gone or finished: nothing to wake
        raise


def update_owned(
    db: Table,
    run_id: str,
    owner: str,
    fields: dict[str, Any],
    remove: tuple[str, ...] = (),
    *,
    unless_cancelled: bool = False,
    keep: tuple[str, ...] = (),
    returns: bool = False,
) -> dict[str, Any] | None:
    """`fields` set on the run item by its lease holder; those named in `keep` only where
    the item has none yet. `returns`: the item as written (raw attributes)."""
    names = {f"#f{i}": k for i, k in enumerate(fields)}
    values = {f":v{i}": encode_attr(v) for i, v in enumerate(fields.values())}
    expr = "SET " + ", ".join(
        f"#f{i} = if_not_exists(#f{i}, :v{i})" if k in keep else f"#f{i} = :v{i}"
        for i, k in enumerate(fields)
    )
    if remove:
        expr += " REMOVE " + ", ".join(remove)
    condition = "lease_owner = :owner"
    if unless_cancelled:
        condition += " AND attribute_not_exists(cancel)"
    try:
        res = db.ddb.update_item(
            TableName=db.table,
            Key=item_key(f"R#{run_id}", "R"),
            UpdateExpression=expr,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={**values, ":owner": encode_attr(owner)},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
            **({"ReturnValues": "ALL_NEW"} if returns else {}),
        )
    except Exception as err:
        if is_conflict(err):
            raise refusal(run_id, owner, getattr(err, "response", {}).get("Item")) from err
        raise
    return res.get("Attributes") if returns else None


def write_fenced(db: Table, run_id: str, owner: str, puts: list[dict[str, Any]]) -> None:
    db.ddb.transact_write_items(
        TransactItems=[
            *({"Put": put} for put in puts),
            {
                "ConditionCheck": {
                    "TableName": db.table,
                    "Key": item_key(f"R#{run_id}", "R"),
                    "ConditionExpression": "lease_owner = :owner AND attribute_not_exists(cancel)",
                    "ExpressionAttributeValues": {":owner": encode_attr(owner)},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
        ]
    )


def refusal(run_id: str, owner: str, run_item: dict[str, Any] | None) -> Conflict:
    """Why a write conditioned on the run was refused: a cancel, or a lost lease."""
    item = decode_item(run_item) if run_item else {}
    if item.get("cancel") and item.get("lease_owner") == owner:
        return CancelRequested(run_id, str(item["cancel"]))
    return Conflict(f"lease on run {run_id} lost")
