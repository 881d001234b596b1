"""Events as received (`E#<event_id> / E`), their by-name entries, and the runs they started.

Writes are BatchWriteItem calls of 25 items (an event and its `EN#` entry each); a large batch
runs a few calls at once (`PUT_EVENTS_PARALLEL`). Rewriting an event with the same id is
harmless: the content is the same.
"""

from __future__ import annotations

from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.settings import TABLE_PK, TABLE_SK, TABLE_TTL_ATTRIBUTE
from inngest_lambda.storage import index_keys, runs
from inngest_lambda.storage.codec import decode_item, encode_item, item_key
from inngest_lambda.storage.retention import EVENT_MIN_KEEP_SECONDS, expires_at, retention_seconds
from inngest_lambda.storage.table import Table, query
from inngest_lambda.storage.values import dump_value, load_value

PUT_EVENTS_PARALLEL = 8


def put_events(db: Table, events: list[dict[str, Any]]) -> None:
    """Store accepted events; rewriting one with the same id is harmless (same content)."""
    now = clock.now()
    keep_until = expires_at(max(retention_seconds(), EVENT_MIN_KEEP_SECONDS))
    requests = []
    for ev in events:
        value = dump_value(f"events/{ev['id']}", "event", "event", ev)
        item = {
            **item_key(f"E#{ev['id']}", "E"),
            **encode_item(
                received_at=now,
                **value,
                **index_keys.event_fields(ev, now),
                **{TABLE_TTL_ATTRIBUTE: keep_until},
            ),
        }
        requests.append({"PutRequest": {"Item": item}})
        # Beside it, its by-name entry, kept as long as the event (listing.py, pauses.py).
        entry = index_keys.recent_event_item(ev, now, keep_until)
        requests.append({"PutRequest": {"Item": entry}})
    chunks = [requests[i : i + 25] for i in range(0, len(requests), 25)]
    if len(chunks) <= 2:
        for chunk in chunks:
            write_batch(db, chunk)
        return
    # A large batch of events (up to 5,000: 400 BatchWriteItem calls) is bound by round
    # trips, not by DynamoDB: a few in flight at once keep it well inside API Gateway's
    # 30 s. boto3 clients are thread-safe.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=PUT_EVENTS_PARALLEL) as pool:
        list(pool.map(lambda chunk: write_batch(db, chunk), chunks))


def write_batch(db: Table, chunk: list[dict[str, Any]]) -> None:
    pending: dict[str, Any] = {db.table: chunk}
    while pending:
        res = db.ddb.batch_write_item(RequestItems=pending)
        pending = res.get("UnprocessedItems") or {}


def get_event(db: Table, event_id: str) -> dict[str, Any] | None:
    found = get_event_received(db, event_id)
    return found[0] if found else None


def get_event_received(db: Table, event_id: str) -> tuple[dict[str, Any], float] | None:
    """The event and when it was received (server time)."""
    res = db.ddb.get_item(
        TableName=db.table, Key=item_key(f"E#{event_id}", "E"), ConsistentRead=True
    )
    item = res.get("Item")
    if not item:
        return None
    plain = decode_item(item)
    return load_value(plain, "event"), float(plain["received_at"])  # type: ignore[return-value]


def get_event_or_copy(db: Table, event_id: str) -> dict[str, Any] | None:
    """The stored event or, once it has expired, the copy a run it started holds: the
    links that list its runs last as long as those runs (`end_items`), so a live run's
    event stays viewable (the run's dashboard page links to it)."""
    event = get_event(db, event_id)
    if event is not None:
        return event
    run_ids = run_ids_for_event(db, event_id)
    for run in runs.get_runs(db, run_ids[:1]):
        return next((ev for ev in run.events if ev.get("id") == event_id), None)
    return None


def run_ids_for_event(db: Table, event_id: str) -> list[str]:
    ids = []
    for item in query(db, f"E#{event_id}", "R#"):
        ids.append(item[TABLE_SK]["S"][2:])
    return ids


def name_entries_since(db: Table, pk: str, bound: str) -> list[str]:
    """Sort keys ("<received ms>#<event id>") of the by-name entries under one partition from
    `bound` on (`index_keys.recent_event_bound`), strongly consistent, one Query per page."""
    kwargs: dict[str, Any] = {
        "TableName": db.table,
        "KeyConditionExpression": "#pk = :pk AND #sk >= :since",
        "ExpressionAttributeNames": {"#pk": TABLE_PK, "#sk": TABLE_SK},
        "ExpressionAttributeValues": {":pk": {"S": pk}, ":since": {"S": bound}},
        "ConsistentRead": True,
    }
    out = []
    while True:
        res = db.ddb.query(**kwargs)
        out.extend(it[TABLE_SK]["S"] for it in res.get("Items", []))
        if "LastEvaluatedKey" not in res:
            return out
        kwargs["ExclusiveStartKey"] = res["LastEvaluatedKey"]
