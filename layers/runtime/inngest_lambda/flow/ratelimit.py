"""`rate_limit=RateLimit(limit, period, key)`: lossy GCRA over run starts.

State `F#<fn>#rate#<key digest>` / `G`: `tat`. An event over the limit still creates a run
record, with status Skipped, so `GET /v1/events/{id}/runs` shows why nothing ran. The TAT is
written in the run-creation transaction, conditioned on the value read, so two invocations
racing for the last token cannot both take it, and a duplicate delivery (its run exists
already) takes none.

DynamoDB per run start: 1 GetItem + 1 Update inside the creation transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_lambda.flow import gcra, state
from inngest_lambda.flow.config import RateLimit
from inngest_lambda.flow.decision import Decision

if TYPE_CHECKING:
    from inngest_lambda.storage.store import Store


SK = "G"


def decide(store: Store, fn_id: str, cfg: RateLimit, event: dict[str, Any], d: Decision) -> None:
    value = state.key_value(cfg.key, event)
    pk = state.pk(fn_id, "rate", value)
    item = state.get(store, pk, SK)
    tat = float(item["tat"]) if item else 0.0
    allowed, new_tat = gcra.rate_limit(tat, d.now, cfg.period, cfg.limit)
    if not allowed:
        key_text = f" for key {value!r}" if cfg.key else ""
        d.skip(
            "rate_limit",
            f"rate limit of {cfg.limit} per {cfg.period:g}s reached{key_text}; event skipped",
        )
        return
    d.extra.append(tat_update(store, pk, item is not None, tat, new_tat, cfg.period, d.now))


def tat_update(
    store: Store, pk: str, exists: bool, old: float, new: float, period: float, now: float
) -> dict[str, Any]:
    """The transaction item moving a GCRA state from `old` to `new` (fails if it moved)."""
    values = {":new": state.enc(new), ":ttl": state.enc(int(max(new, now) + period + 60))}
    if exists:
        condition = "tat = :old"
        values[":old"] = state.enc(old)
    else:
        condition = "attribute_not_exists(#pk)"
    return {
        "Update": {
            "TableName": store.table,
            "Key": state.key(pk, SK),
            "UpdateExpression": "SET tat = :new, #ttl = :ttl",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#ttl": state.TABLE_TTL_ATTRIBUTE}
            | ({} if exists else {"#pk": state.TABLE_PK}),
            "ExpressionAttributeValues": values,
        }
    }
