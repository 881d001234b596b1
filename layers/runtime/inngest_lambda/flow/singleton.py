"""`singleton=Singleton(mode, key)`: at most one active (Queued or Running) run per key.

State `F#<fn>#singleton#<key digest>` / `L`: `run_id` of the run holding the key. The lock is
taken in the run-creation transaction, conditioned on the holder read, so two events racing for
a free key cannot both win. It is never released explicitly: a holder that has ended (completed,
failed, cancelled by anyone) simply loses it to the next run, which checks the holder's status.
That also covers runs cancelled by other code paths and crashes between a run ending and any
cleanup.

* `skip`: while the holder is active, new runs are created as Skipped.
* `cancel`: the new run takes the lock and the holder is cancelled (`cancellation.cancel_run`).

DynamoDB per run start: 1 GetItem (+1 GetItem of the holder run, if any) + 1 Put or
ConditionCheck inside the creation transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_lambda.flow import state
from inngest_lambda.flow.config import Singleton
from inngest_lambda.flow.decision import Decision

if TYPE_CHECKING:
    from inngest_lambda.storage.store import Store


SK = "L"
ACTIVE = ("Queued", "Running")


def decide(store: Store, fn_id: str, cfg: Singleton, event: dict[str, Any], d: Decision) -> None:
    value = state.key_value(cfg.key, event)
    pk = state.pk(fn_id, "singleton", value)
    item = state.get(store, pk, SK)
    holder = item.get("run_id") if item else None
    active = False
    if holder:
        run = store.get_run(holder)
        active = run is not None and run.status in ACTIVE
    if active and cfg.mode == "skip":
        key_text = f" for key {value!r}" if cfg.key else ""
        d.skip("singleton", f"run {holder} is still active{key_text}; event skipped")
        d.extra.append(_holder_check(store, pk, holder))
        return
    values = {":run": state.enc(d.run_id)}
    if holder:
        condition = "run_id = :holder"
        values[":holder"] = state.enc(holder)
        names = {}
    else:
        condition = "attribute_not_exists(#pk)"
        names = {"#pk": state.TABLE_PK}
    update: dict[str, Any] = {
        "TableName": store.table,
        "Key": state.key(pk, SK),
        "UpdateExpression": "SET run_id = :run",
        "ConditionExpression": condition,
        "ExpressionAttributeValues": values,
    }
    if names:
        update["ExpressionAttributeNames"] = names
    d.extra.append({"Update": update})
    if active:
        d.cancel_run_id = holder


def _holder_check(store: Store, pk: str, holder: str | None) -> dict[str, Any]:
    """Skip only if the holder we saw still holds the key when the run is created."""
    return {
        "ConditionCheck": {
            "TableName": store.table,
            "Key": state.key(pk, SK),
            "ConditionExpression": "run_id = :holder",
            "ExpressionAttributeValues": {":holder": state.enc(holder)},
        }
    }
