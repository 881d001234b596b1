"""The pause index's items: pauses, and the path list of each event name.

What a pause means, how its keys are chosen and the race the index closes are in
`events/pauses.py`; this module only reads and writes the items:

    PP#<event name> / PP      `paths`: the attribute paths pauses on this name are keyed by
    <pause pk> / <pause sk>   `pause`: the pause as JSON; TTL an hour after a dated pause's date

Costs: `put`, `delete`, `add_paths`: one write each; `listed_paths`: one GetItem (eventually
consistent: paths are only ever added); `paths_by_name`: one BatchGetItem per 100 names;
`pauses_at`: one Query per page of the partition.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from inngest_lambda.settings import TABLE_PK, TABLE_TTL_ATTRIBUTE
from inngest_lambda.storage.codec import encode_attr, item_key
from inngest_lambda.storage.table import Table, query

# A dated pause outlives its date by this much, so a late reader still finds it closed.
EXPIRED_KEEP_SECONDS = 3600


def paths_key(event_name: str) -> dict[str, Any]:
    return item_key(f"PP#{event_name}", "PP")


def item(pk: str, sk: str, pause_json: str, expires_at: float | None) -> dict[str, Any]:
    """The item of one pause (also for a caller's transaction: events/cancel_pauses.py)."""
    out = {**item_key(pk, sk), "pause": encode_attr(pause_json)}
    if expires_at is not None:
        out[TABLE_TTL_ATTRIBUTE] = encode_attr(int(expires_at) + EXPIRED_KEEP_SECONDS)
    return out


def put(db: Table, pause_item: dict[str, Any]) -> None:
    """Write one pause item (`item`); rewriting the same pause is harmless."""
    db.ddb.put_item(TableName=db.table, Item=pause_item)


def delete(db: Table, pk: str, sk: str) -> None:
    db.ddb.delete_item(TableName=db.table, Key=item_key(pk, sk))


def pauses_at(db: Table, pk: str) -> list[str]:
    """The pauses (their JSON) stored under one partition, strongly consistent."""
    return [it["pause"]["S"] for it in query(db, pk)]


def listed_paths(db: Table, event_name: str) -> set[str]:
    """The paths listed for this name. Paths are only ever added, so a stale (eventually
    consistent, half-price) read can only miss one: then it is added again, harmlessly."""
    res = db.ddb.get_item(TableName=db.table, Key=paths_key(event_name))
    return set((res.get("Item") or {}).get("paths", {}).get("SS", []))


def add_paths(db: Table, event_name: str, paths: Iterable[str]) -> None:
    db.ddb.update_item(
        TableName=db.table,
        Key=paths_key(event_name),
        UpdateExpression="ADD paths :p",
        ExpressionAttributeValues={":p": {"SS": sorted(paths)}},
    )


def paths_by_name(db: Table, names: Iterable[str]) -> dict[str, list[str]]:
    """The listed paths of each name (empty for a name with none), strongly consistent."""
    unique = sorted(set(names))
    out: dict[str, list[str]] = {n: [] for n in unique}
    for i in range(0, len(unique), 100):
        keys = [paths_key(n) for n in unique[i : i + 100]]
        pending: dict[str, Any] = {db.table: {"Keys": keys, "ConsistentRead": True}}
        while pending:
            res = db.ddb.batch_get_item(RequestItems=pending)
            for found in res["Responses"].get(db.table, []):
                out[found[TABLE_PK]["S"][3:]] = sorted(found.get("paths", {}).get("SS", []))
            pending = res.get("UnprocessedKeys") or {}
    return out
