"""`batch_events=Batch(max_size, timeout, key, if_exp)`: one run receives `ctx.events`.

Layout:

    F#<fn>#batch#<key digest> / B       the open batch: batch_id, count, opened_at
    FB#<batch_id> / E#<event id>        one event of that batch (inline, or a pointer to E#)
    FB#<batch_id> / O                   the batch has no run yet: in the sweep index at its
                                        timeout plus the grace, deleted once the run exists
    FE#<fn>#<event id> / B              the batch the event joined (batch_id), for a day

An event joins the open batch in one transaction: the pointer's `count` goes up (condition:
same batch, not full), the event's entry is written and the event claims its place (condition:
no claim, or a claim of this batch). A client's retry of an event whose batch has closed in the
meantime finds the claim of that batch and makes sure its run exists instead of putting the
event in a second batch. The batch closes when it is full (the
event that filled it starts the run at once) or when its `timeout` message arrives (armed
before the batch opened, so a crash cannot leave a batch without one). Closing deletes the
pointer first (condition: still this batch), so any later event opens a new batch, and then
reads the entries: every event whose transaction committed is in the run. The run's id is the
batch id and its idempotency key `<fn>#batch#<batch id>`, so a full-batch start racing the
timeout, or a duplicate timeout message, creates one run.

If the invocation handling the timeout message dies, SQS would return the message only after
its visibility timeout (6 Lambda timeouts); the `O` marker, written with the pointer in one
transaction when the batch opens, puts the batch in the sweep index, so the sweeper sends the
timeout message again within about a minute. Closing deletes the marker last, so a crash
anywhere in between leaves it for the sweeper.

Events that fail `if_exp` are not batched: each starts a run of its own at once, as in Inngest.

DynamoDB per event: 2 GetItems + 1 three-item transaction (+1 two-item transaction and 1 SQS
message per batch).
Per run start: 1 GetItem (run exists?) + 1 Delete + 1 Query + the creation transaction + 1
BatchWriteItem linking the other events to the run + 1 Delete of the marker.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from inngest_lambda import expressions
from inngest_lambda.core import clock, ids
from inngest_lambda.flow import admission, state
from inngest_lambda.flow.config import Batch
from inngest_lambda.scheduling import timers
from inngest_lambda.settings import (
    SWEEP_AT_ATTRIBUTE,
    SWEEP_GRACE_SECONDS,
    SWEEP_SHARD_ATTRIBUTE,
    TABLE_TTL_ATTRIBUTE,
)
from inngest_lambda.storage import flow_items
from inngest_lambda.storage.store import Conflict, sweep_shard

if TYPE_CHECKING:
    from inngest_lambda.apps.registry import FunctionEntry
    from inngest_lambda.flow.seams import Executor, Ingestor
    from inngest_lambda.storage.store import Store


KIND = "batch"
SK = "B"
MAX_TRIES = 20
INLINE_EVENT_BYTES = 100_000
ENTRY_TTL_SECONDS = 86400
ADDED, PRESENT = "added", "present"  # what _append found
MARKER_SK = "O"  # FB#<batch_id> / O: the batch is open or closing (in the sweep index)


def add(
    ingestor: Ingestor,
    fn: FunctionEntry,
    cfg: Batch,
    event: dict[str, Any],
    messages: list[dict[str, Any]] | None = None,
) -> str | None:
    """Add one matching event; returns the run id when this event completed a batch."""
    if cfg.if_exp and not _matches(cfg.if_exp, event):
        return admission.create(
            ingestor, fn, [event], dedupe=f"{fn.id}#{event['id']}", messages=messages
        )
    store = ingestor.store
    pk = state.pk(fn.id, "batch", state.key_value(cfg.key, event))
    for _ in range(MAX_TRIES):
        now = clock.now()
        pointer = state.get(store, pk, SK)
        if pointer is None or int(pointer.get("count", 0)) >= cfg.max_size:
            pointer = _open(store, fn.id, pk, pointer, cfg, now)
            if pointer is None:
                continue
        batch_id = pointer["batch_id"]
        appended = _append(store, fn.id, pk, batch_id, cfg.max_size, event, now)
        if appended is None:
            continue
        if isinstance(appended, Joined):
            # A retry of an event that another batch already holds (its request failed after
            # the append committed): that batch's run is what the event starts.
            return close(ingestor, fn, pk, appended.batch_id, messages)
        # A retry that finds its entry already there (the first try's transaction committed,
        # then that try failed) is already counted in the pointer it read: it must not count
        # itself again, or it would close the batch one event early.
        count = int(pointer.get("count", 0)) + (1 if appended == ADDED else 0)
        if count < cfg.max_size:
            # Others may have joined since we read the pointer: is the batch full now?
            pointer = state.get(store, pk, SK)
            if pointer is None or pointer.get("batch_id") != batch_id:
                return None  # closed by someone else
            if int(pointer.get("count", 0)) < cfg.max_size:
                return None
        return close(ingestor, fn, pk, batch_id, messages)
    raise Conflict(f"batch {pk} kept changing")


def _matches(source: str, event: dict[str, Any]) -> bool:
    try:
        return expressions.matches(source, {"event": event})
    except expressions.ExpressionError:
        return False


def _open(
    store: Store, fn_id: str, pk: str, old: dict[str, Any] | None, cfg: Batch, now: float
) -> dict[str, Any] | None:
    batch_id = ids.new_id()
    timers.send_at(
        timeout_message(fn_id, pk, batch_id),
        now + cfg.timeout,
        f"{pk}:{batch_id}",
    )
    values: dict[str, Any] = {
        ":b": state.enc(batch_id),
        ":zero": state.enc(0),
        ":now": state.enc(now),
        ":ttl": state.enc(int(now + ENTRY_TTL_SECONDS)),
    }
    names = {"#ttl": TABLE_TTL_ATTRIBUTE}
    if old is None:
        condition = "attribute_not_exists(#pk)"
        names["#pk"] = state.TABLE_PK
    else:
        condition = "batch_id = :old"
        values[":old"] = state.enc(old["batch_id"])
    marker = {
        **state.key(f"FB#{batch_id}", MARKER_SK),
        "function_id": state.enc(fn_id),
        "batch_pk": state.enc(pk),
        SWEEP_SHARD_ATTRIBUTE: state.enc(sweep_shard(batch_id)),
        SWEEP_AT_ATTRIBUTE: state.enc(now + cfg.timeout + SWEEP_GRACE_SECONDS),
        TABLE_TTL_ATTRIBUTE: state.enc(int(now + ENTRY_TTL_SECONDS)),
    }
    try:
        flow_items.transact(
            store,
            [
                {
                    "Update": {
                        "TableName": store.table,
                        "Key": state.key(pk, SK),
                        "UpdateExpression": (
                            "SET batch_id = :b, #c = :zero, opened_at = :now, #ttl = :ttl"
                        ),
                        "ConditionExpression": condition,
                        "ExpressionAttributeNames": {**names, "#c": "count"},
                        "ExpressionAttributeValues": values,
                    }
                },
                {"Put": {"TableName": store.table, "Item": marker}},
            ],
        )
    except Exception as err:
        if state.is_conflict(err):
            return None
        raise
    return {"batch_id": batch_id, "count": 0}


@dataclasses.dataclass(frozen=True)
class Joined:
    """The event is in another batch already (an earlier try of this event joined it)."""

    batch_id: str


def _append(
    store: Store,
    fn_id: str,
    pk: str,
    batch_id: str,
    max_size: int,
    event: dict[str, Any],
    now: float,
) -> str | Joined | None:
    """ADDED (counted now), PRESENT (this batch holds the event already), Joined (another
    batch does) or None (the batch changed or is full: read the pointer again)."""
    text = json.dumps(event, separators=(",", ":"))
    ttl = state.enc(int(now + ENTRY_TTL_SECONDS))
    entry: dict[str, Any] = {
        **state.key(f"FB#{batch_id}", f"E#{event['id']}"),
        "at": state.enc(now),
        TABLE_TTL_ATTRIBUTE: ttl,
    }
    claim = {
        **state.claim_key(fn_id, event["id"], SK),
        "batch_id": state.enc(batch_id),
        TABLE_TTL_ATTRIBUTE: ttl,
    }
    if len(text.encode()) <= INLINE_EVENT_BYTES:
        entry["event"] = state.enc(text)
    else:
        entry["event_id"] = state.enc(event["id"])
    try:
        flow_items.transact(
            store,
            [
                {
                    "Update": {
                        "TableName": store.table,
                        "Key": state.key(pk, SK),
                        "UpdateExpression": "ADD #c :one",
                        "ConditionExpression": "batch_id = :b AND #c < :max",
                        "ExpressionAttributeNames": {"#c": "count"},
                        "ExpressionAttributeValues": {
                            ":one": state.enc(1),
                            ":b": state.enc(batch_id),
                            ":max": state.enc(max_size),
                        },
                    }
                },
                {
                    "Put": {
                        "TableName": store.table,
                        "Item": entry,
                        "ConditionExpression": "attribute_not_exists(#pk)",
                        "ExpressionAttributeNames": {"#pk": state.TABLE_PK},
                    }
                },
                {
                    "Put": {
                        "TableName": store.table,
                        "Item": claim,
                        "ConditionExpression": "attribute_not_exists(#pk) OR batch_id = :b",
                        "ExpressionAttributeNames": {"#pk": state.TABLE_PK},
                        "ExpressionAttributeValues": {":b": state.enc(batch_id)},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ],
        )
        return ADDED
    except Exception as err:
        if not state.is_conflict(err):
            raise
        reasons = getattr(err, "response", {}).get("CancellationReasons") or []
        failed = [r.get("Code") == "ConditionalCheckFailed" for r in reasons]
        if len(failed) > 2 and failed[2]:  # claimed by another batch
            other = state.plain(reasons[2].get("Item") or {}).get("batch_id")
            if isinstance(other, str) and other != batch_id:
                return Joined(other)
        # The entry exists already: a duplicate delivery of an event this batch holds.
        if len(failed) > 1 and failed[1]:
            return PRESENT
        return None


def close(
    ingestor: Ingestor,
    fn: FunctionEntry,
    pk: str,
    batch_id: str,
    messages: list[dict[str, Any]] | None = None,
) -> str | None:
    """Close a batch and start its run (idempotent: a second close finds the run)."""
    store = ingestor.store
    if store.get_run(batch_id) is not None:
        # Closed already; queue the run in case whoever closed it died before doing so.
        admission.resume(ingestor, batch_id, messages)
        _forget(store, batch_id)
        return None
    state.delete_if(store, pk, SK, "batch_id", batch_id)
    events = _events(store, batch_id)
    if not events:
        _forget(store, batch_id)
        return None
    run_id = admission.create(
        ingestor,
        fn,
        events,
        dedupe=f"{fn.id}#batch#{batch_id}",
        run_id=batch_id,
        messages=messages,
        honour_ts=False,  # a batch's run ignores its events' `ts`, as on Inngest
    )
    if run_id == batch_id:
        _link(store, fn.id, run_id, events[1:])
    _forget(store, batch_id)
    return run_id


def _forget(store: Store, batch_id: str) -> None:
    """Take the batch out of the sweep index: it has its run (or nothing to run)."""
    flow_items.delete(store, f"FB#{batch_id}", MARKER_SK)


def timeout_message(fn_id: str, pk: str, batch_id: str) -> dict[str, Any]:
    """The message that closes a batch at its timeout (also sent by the sweeper when the
    batch is overdue)."""
    return {"kind": KIND, "function_id": fn_id, "pk": pk, "batch_id": batch_id}


def _events(store: Store, batch_id: str) -> list[dict[str, Any]]:
    entries: list[tuple[float, str, dict[str, Any]]] = []
    for item in store.query(f"FB#{batch_id}"):
        plain = state.plain(item)
        if plain[state.TABLE_SK] == MARKER_SK:
            continue
        if "event" in plain:
            event = json.loads(plain["event"])
        else:
            event = store.get_event(plain["event_id"])
            if event is None:
                continue
        entries.append((float(plain["at"]), plain[state.TABLE_SK], event))
    return [event for _, _, event in sorted(entries, key=lambda e: (e[0], e[1]))]


def _link(store: Store, fn_id: str, run_id: str, events: list[dict[str, Any]]) -> None:
    """`GET /v1/events/{id}/runs` of every event in the batch lists the run (no TTL while
    the run lives: its end starts the clock, `Store.end_items`)."""
    requests = [
        {
            "PutRequest": {
                "Item": {
                    **state.key(f"E#{ev['id']}", f"R#{run_id}"),
                    "function_id": state.enc(fn_id),
                }
            }
        }
        for ev in events
    ]
    flow_items.batch_write(store, requests)


def handle(executor: Executor, message: dict[str, Any]) -> float | None:
    """A batch's `timeout` message: close it (if the full batch did not close it already)."""
    fn = executor.registry.get(message.get("function_id") or "")
    pk, batch_id = message.get("pk"), message.get("batch_id")
    if fn is None or not isinstance(pk, str) or not isinstance(batch_id, str):
        return None
    try:
        close(executor.ingestor, fn, pk, batch_id)
    except Conflict:
        return 1.0
    return None
