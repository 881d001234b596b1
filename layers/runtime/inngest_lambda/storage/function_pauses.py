"""A paused function, and the runs it parked, as table items (Inngest's "pause a function").

Layout (a partition per function, so the check is one strongly consistent GetItem):
    FPAUSE#<fn_id> / P            the function is paused: `paused_at`, `paused_by` (optional),
                                  `cancel_running`; absent when it is not (resume deletes it)
    FPAUSE#<fn_id> / W#<run_id>   a run its drive parked because the function was paused; resume
                                  queries these to re-drive the runs, and deletes them

Both are new item kinds: nothing older reads or writes them, so adding them changes the meaning of
no stored item, and an older runtime simply ignores them. No TTL: a pause lasts until resumed.

Every write is conditional: pausing writes the item only if absent (pausing a paused function
changes nothing and answers the pause already stored), resuming deletes it only if present.

Reading: `get_pause` is one strongly consistent GetItem, for answers that must be fresh (the
functions overview, a drive that has just parked a run). The checks made on every run's path
(`events/paused.py` before each new run, `engine/paused.py` before each round of SDK requests)
use `check`, which reuses an answer "not paused" within this process (per `Table` object, that is
per runtime) for `NOT_PAUSED_REUSE_SECONDS`. Without it each run paid ~3.5 GetItems (one at
intake, one per drive); with it a busy process pays one per function per 5 seconds. Why a cache
and not a flag on an item the path reads anyway: no per-function item is read per run (the
registry of in-process functions reads nothing, a remote app's registration is re-read every
30 s), and a `ConditionCheck` on the pause item inside the run's creation transaction saves the
call but costs two write units instead of one read unit, and does not cover the drive.

What the reuse bounds (the staleness, `NOT_PAUSED_REUSE_SECONDS`, counted from the check's own
read, which came before the pause's write): a pause holds for every process at most 5 s after its
write returns, at once in the process that wrote it (`pause` forgets its answers). Within those
5 s another process may still start a run of the function (instead of recording it Skipped) or
start one more step of a running run; after them, no step starts. Only "not paused" is reused: a
paused function is read every time, so a resume holds everywhere at once (a resumed run's drive
never parks it again on a stale answer) and `cancel_running` is always current.
"""

from __future__ import annotations

import dataclasses
import time
import weakref
from collections.abc import Iterator
from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.settings import TABLE_PK, TABLE_SK
from inngest_lambda.storage.codec import decode_item, encode_item, item_key
from inngest_lambda.storage.models import is_conflict
from inngest_lambda.storage.table import Table, query

PAUSE_SK = "P"
PARKED_PREFIX = "W#"
DELETE_BATCH = 25  # BatchWriteItem's limit
MAX_BATCH_ATTEMPTS = 6  # unprocessed deletes (throttling) are retried with backoff
NOT_PAUSED_REUSE_SECONDS = 5.0  # how long `check` reuses "not paused" (the staleness bound)

# Per Table object (the runtime's Store), by `id` until it is collected: function id -> when
# this process last read it "not paused". Per object, not per table name: a test's new runtime
# (a new moto, a virtual clock started afresh) inherits nothing from the one before.
_not_paused: dict[int, dict[str, float]] = {}


@dataclasses.dataclass(frozen=True)
class FunctionPause:
    function_id: str
    paused_at: float
    cancel_running: bool = False
    paused_by: str | None = None


def _pk(function_id: str) -> str:
    return f"FPAUSE#{function_id}"


def _from_item(function_id: str, item: dict[str, Any]) -> FunctionPause:
    p = decode_item(item)
    return FunctionPause(
        function_id=function_id,
        paused_at=float(p["paused_at"]),
        cancel_running=bool(p.get("cancel_running", False)),
        paused_by=p.get("paused_by"),
    )


def get_pause(db: Table, function_id: str) -> FunctionPause | None:
    """The function's pause, or None when it is not paused: one strongly consistent GetItem."""
    res = db.ddb.get_item(
        TableName=db.table, Key=item_key(_pk(function_id), PAUSE_SK), ConsistentRead=True
    )
    item = res.get("Item")
    return _from_item(function_id, item) if item else None


def check(db: Table, function_id: str) -> FunctionPause | None:
    """`get_pause` for the checks on every run's path: an answer "not paused" read by this
    process less than `NOT_PAUSED_REUSE_SECONDS` ago is reused (no call); otherwise one strongly
    consistent GetItem. See the module docstring for what that bounds."""
    now = clock.now()  # taken before the read: the reuse ends at most that long after it
    seen = _not_paused.get(id(db))
    if seen is None:
        seen = _not_paused[id(db)] = {}
        weakref.finalize(db, _not_paused.pop, id(db), None)
    read_at = seen.get(function_id)
    if read_at is not None and 0 <= now - read_at < NOT_PAUSED_REUSE_SECONDS:
        return None
    current = get_pause(db, function_id)
    if current is None:
        seen[function_id] = now
    else:
        seen.pop(function_id, None)
    return current


def pause(
    db: Table, function_id: str, *, cancel_running: bool, paused_by: str | None = None
) -> tuple[FunctionPause, bool]:
    """Pause the function: (the pause in force, True when this call paused it).

    One conditional PutItem (`attribute_not_exists`); when the function was paused already the
    refused write costs one more GetItem, and the stored pause is answered unchanged.
    """
    new = FunctionPause(function_id, clock.now(), cancel_running, paused_by)
    try:
        db.ddb.put_item(
            TableName=db.table,
            Item={
                **item_key(_pk(function_id), PAUSE_SK),
                **encode_item(
                    paused_at=new.paused_at, cancel_running=cancel_running, paused_by=paused_by
                ),
            },
            ConditionExpression="attribute_not_exists(#pk)",
            ExpressionAttributeNames={"#pk": TABLE_PK},
        )
    except Exception as err:
        if not is_conflict(err):
            raise
        current = get_pause(db, function_id)
        if current is None:  # resumed in between: pause again
            return pause(db, function_id, cancel_running=cancel_running, paused_by=paused_by)
        _forget_not_paused(db, function_id)
        return current, False
    _forget_not_paused(db, function_id)  # this process sees the pause at once
    return new, True


def _forget_not_paused(db: Table, function_id: str) -> None:
    """Drop the "not paused" answer `check` may reuse (after a write of the pause)."""
    _not_paused.get(id(db), {}).pop(function_id, None)


def resume(db: Table, function_id: str) -> FunctionPause | None:
    """Resume the function: the pause it removed, or None when it was not paused (a conditional
    DeleteItem returning the old item: one call either way)."""
    try:
        res = db.ddb.delete_item(
            TableName=db.table,
            Key=item_key(_pk(function_id), PAUSE_SK),
            ConditionExpression="attribute_exists(#pk)",
            ExpressionAttributeNames={"#pk": TABLE_PK},
            ReturnValues="ALL_OLD",
        )
    except Exception as err:
        if is_conflict(err):
            return None
        raise
    return _from_item(function_id, res["Attributes"])


def mark_parked(db: Table, function_id: str, run_id: str) -> None:
    """Remember that a pause parked this run (one PutItem; writing it twice is harmless)."""
    db.ddb.put_item(
        TableName=db.table,
        Item={
            **item_key(_pk(function_id), f"{PARKED_PREFIX}{run_id}"),
            **encode_item(parked_at=clock.now()),
        },
    )


def parked_runs(db: Table, function_id: str) -> Iterator[str]:
    """The runs a pause parked, oldest id first: one Query per 1 MB page (~20,000 entries)."""
    for item in query(db, _pk(function_id), PARKED_PREFIX):
        yield item[TABLE_SK]["S"][len(PARKED_PREFIX) :]


def forget_parked(db: Table, function_id: str, run_ids: list[str]) -> None:
    """Delete parked-run entries, one BatchWriteItem per 25 (unprocessed ones are retried)."""
    for start in range(0, len(run_ids), DELETE_BATCH):
        requests = [
            {"DeleteRequest": {"Key": item_key(_pk(function_id), f"{PARKED_PREFIX}{rid}")}}
            for rid in run_ids[start : start + DELETE_BATCH]
        ]
        pending: dict[str, Any] = {db.table: requests}
        for attempt in range(MAX_BATCH_ATTEMPTS):
            res = db.ddb.batch_write_item(RequestItems=pending)
            pending = res.get("UnprocessedItems") or {}
            if not pending:
                break
            time.sleep(0.05 * 2**attempt)
        else:
            raise RuntimeError(f"DynamoDB left {len(pending[db.table])} deletes unprocessed")


__all__ = [
    "NOT_PAUSED_REUSE_SECONDS",
    "FunctionPause",
    "check",
    "forget_parked",
    "get_pause",
    "mark_parked",
    "parked_runs",
    "pause",
    "resume",
]
