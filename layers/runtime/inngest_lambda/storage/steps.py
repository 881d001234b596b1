"""Step items (`R#<run_id> / S#<step_id>`): written by the driving invocation, fenced by its
lease, or resolved once by whatever a waiting step waits for.

A finished step (Completed, Failed) is never overwritten: its memo is what every later replay
of the function relies on. A memo over the inline limit goes to S3 (`values`), its key
recorded on the run (`RunBlobs`).
"""

from __future__ import annotations

import json
from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.settings import TABLE_PK
from inngest_lambda.storage.codec import encode_attr, encode_item, item_key
from inngest_lambda.storage.leases import refusal, write_fenced
from inngest_lambda.storage.models import (
    COMPLETED,
    FAILED,
    MISSING,
    WAITING,
    Stale,
    Step,
    is_conflict,
)
from inngest_lambda.storage.run_blobs import RunBlobs
from inngest_lambda.storage.table import Table, query
from inngest_lambda.storage.values import clipped_error, dump_text, dump_value


def put_step(
    db: Table,
    written: RunBlobs,
    run_id: str,
    step: Step,
    *,
    only_if_absent: bool,
    owner: str | None = None,
    deferred: list[dict[str, Any]] | None = None,
) -> Step | None:
    """Write a new step; with only_if_absent returns the existing one instead of replacing.

    With `owner` (the driving invocation) the write is one transaction with a check that
    the invocation still holds the run's lease and no cancel was requested: the step
    boundary sees a cancel without a read of its own. Refused: Conflict / CancelRequested.
    `deferred` step puts (see `step_put`) are written in the same transaction.
    """
    kwargs = step_put(db, written, run_id, step, only_if_absent=only_if_absent)
    deferred = deferred or []
    try:
        if owner is None:
            db.ddb.put_item(**kwargs)
        else:
            write_fenced(db, run_id, owner, [*deferred, kwargs])
        return None
    except Exception as err:
        if not is_conflict(err):
            raise
        response = getattr(err, "response", {})
        reasons = response.get("CancellationReasons") or []
        if reasons and reasons[-1].get("Code") == "ConditionalCheckFailed":
            raise refusal(run_id, owner or "", reasons[-1].get("Item")) from err
        if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons[: len(deferred)]):
            raise Stale(f"run {run_id}: a step changed under its driving invocation") from err
        old = reasons[-2].get("Item") if reasons else response.get("Item")
        if old:
            return Step.from_item(old)
        existing = load_steps(db, run_id).get(step.step_id)
        if existing is None:
            raise
        return existing


def write_steps(db: Table, run_id: str, owner: str, deferred: list[dict[str, Any]]) -> None:
    """Write deferred step puts now, fenced like `put_step`."""
    try:
        write_fenced(db, run_id, owner, deferred)
    except Exception as err:
        if not is_conflict(err):
            raise
        reasons = getattr(err, "response", {}).get("CancellationReasons") or []
        if reasons and reasons[-1].get("Code") == "ConditionalCheckFailed":
            raise refusal(run_id, owner, reasons[-1].get("Item")) from err
        raise Stale(f"run {run_id}: a step changed under its driving invocation") from err


def step_put(
    db: Table, written: RunBlobs, run_id: str, step: Step, *, only_if_absent: bool
) -> dict[str, Any]:
    """The PutItem request that records `step` (written now, or deferred into the run's
    next write: see the executor's sleeps)."""
    item = {
        **item_key(f"R#{run_id}", f"S#{step.step_id}"),
        **encode_item(
            name=step.name,
            op=step.op,
            status=step.status,
            seq=step.seq,
            attempt=step.attempt,
            due_at=step.due_at,
            error=json.dumps(clipped_error(step.error)) if step.error else None,
            started_at=step.started_at,
            ended_at=step.ended_at,
            info=json.dumps(step.info) if step.info else None,
        ),
    }
    if step.memo is not MISSING:
        if step.memo_text is None:  # serialized once, here; requests reuse the text
            step.memo_text = json.dumps(step.memo, separators=(",", ":"))
        memo = dump_text(run_id, step.step_id, "memo", step.memo_text)
        written.track(db, run_id, memo)
        for k, v in memo.items():
            item[k] = encode_attr(v)
    kwargs: dict[str, Any] = {"TableName": db.table, "Item": item}
    if only_if_absent:
        kwargs["ConditionExpression"] = "attribute_not_exists(#pk)"
        kwargs["ExpressionAttributeNames"] = {"#pk": TABLE_PK}
        kwargs["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    else:
        # Never overwrite a finished step: its memo is what every later replay relies on.
        kwargs["ConditionExpression"] = "attribute_not_exists(#pk) OR NOT #st IN (:c, :f)"
        kwargs["ExpressionAttributeNames"] = {"#pk": TABLE_PK, "#st": "status"}
        kwargs["ExpressionAttributeValues"] = {
            ":c": encode_attr(COMPLETED),
            ":f": encode_attr(FAILED),
        }
    return kwargs


def resolve_waiting(
    db: Table,
    written: RunBlobs,
    run_id: str,
    step_id: str,
    status: str,
    memo: object,
    error: object = None,
) -> bool:
    """Finish a step that waits on something outside the run; only the first resolver wins."""
    fields: dict[str, Any] = {"status": status, "ended_at": clock.now()}
    stored = dump_value(run_id, step_id, "memo", memo)
    written.track(db, run_id, stored)
    fields.update(stored)
    if isinstance(error, dict):
        fields["error"] = json.dumps(clipped_error(error))
    elif error is not None:
        fields["error"] = json.dumps(error)
    names = {f"#f{i}": k for i, k in enumerate(fields)}
    values = {f":v{i}": encode_attr(v) for i, v in enumerate(fields.values())}
    try:
        db.ddb.update_item(
            TableName=db.table,
            Key=item_key(f"R#{run_id}", f"S#{step_id}"),
            UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))),
            ConditionExpression="#st = :waiting",
            ExpressionAttributeNames={**names, "#st": "status"},
            ExpressionAttributeValues={**values, ":waiting": encode_attr(WAITING)},
        )
        return True
    except Exception as err:
        if is_conflict(err):
            return False
        raise


def load_steps(db: Table, run_id: str) -> dict[str, Step]:
    return {
        step.step_id: step for step in (Step.from_item(it) for it in query(db, f"R#{run_id}", "S#"))
    }
