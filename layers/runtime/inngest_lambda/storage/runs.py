"""Runs: creation (once per idempotency key), reads, and the links to their replays.

`create_run` writes, in one transaction, the idempotency item `I#<key> / I` (conditioned on
not existing, or having expired), the run item and the link from its event (`E#<event_id> /
R#<run_id>`), plus any flow-control items the caller adds; a duplicate creation finds the
idempotency item and returns the run it names. A replay of a run is linked from the original
(`R#<original> / X#<replay>`); the link lives as long as the original does.
"""

from __future__ import annotations

import json
from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.settings import TABLE_PK, TABLE_SK, TABLE_TTL_ATTRIBUTE
from inngest_lambda.storage import index_keys, sweep_index
from inngest_lambda.storage.codec import encode_attr, encode_item, item_key
from inngest_lambda.storage.models import TERMINAL_STATES, Conflict, Run, is_conflict
from inngest_lambda.storage.retention import IDEMPOTENCY_SECONDS, expires_at
from inngest_lambda.storage.table import Table, query
from inngest_lambda.storage.values import dump_value


def create_run(
    db: Table, run: Run, idempotency_key: str, extra: list[dict[str, Any]] | None = None
) -> tuple[str, bool]:
    """Create a run unless `idempotency_key` already started one; returns (run_id, created).

    `extra` transaction items (flow-control state, see `flow/`) commit with the run or not
    at all; when one of their conditions fails, Conflict is raised and nothing was written.
    """
    now = clock.now()
    events_value = dump_value(
        run.run_id, "events", "events", run.events, ended=run.status in TERMINAL_STATES
    )
    run.inline_bytes = len(events_value.get("events", "").encode())
    run_item = {
        **item_key(f"R#{run.run_id}", "R"),
        **encode_item(
            function_id=run.function_id,
            status=run.status,
            event_id=run.event_id,
            **events_value,
            created_at=run.created_at,
            next_at=run.next_at,
            starts_at=run.starts_at,
            parent=json.dumps(run.parent) if run.parent else None,
            output=json.dumps(run.output) if run.output is not None else None,
            ended_at=run.ended_at,
            replay_of=run.replay_of,
            rerun_from=run.rerun_from,
            cancel_pauses=json.dumps(run.cancel_pauses) if run.cancel_pauses else None,
            **index_keys.run_fields(run.run_id, run.function_id, run.status, run.created_at),
            **(
                {TABLE_TTL_ATTRIBUTE: expires_at()}
                if run.status in TERMINAL_STATES
                else sweep_index.sweep_fields(run.run_id, sweep_index.first_sweep(run))
            ),
        ),
    }
    if run.status not in TERMINAL_STATES:
        # The S3 values the run starts with: its events, and the memos a rerun copies in.
        events_ref = [events_value["events_ref"]] if "events_ref" in events_value else []
        blobs = sorted({*run.blobs, *events_ref})
        if blobs:
            run_item["blobs"] = {"SS": blobs}
    try:
        db.ddb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": db.table,
                        "Item": {
                            **item_key(f"I#{idempotency_key}", "I"),
                            **encode_item(
                                run_id=run.run_id,
                                **{TABLE_TTL_ATTRIBUTE: int(now + IDEMPOTENCY_SECONDS)},
                            ),
                        },
                        "ConditionExpression": "attribute_not_exists(#pk) OR #ttl < :now",
                        "ExpressionAttributeNames": {
                            "#pk": TABLE_PK,
                            "#ttl": TABLE_TTL_ATTRIBUTE,
                        },
                        "ExpressionAttributeValues": {":now": encode_attr(int(now))},
                    }
                },
                {"Put": {"TableName": db.table, "Item": run_item}},
                {
                    "Put": {
                        "TableName": db.table,
                        "Item": {
                            **item_key(f"E#{run.event_id}", f"R#{run.run_id}"),
                            **encode_item(
                                function_id=run.function_id,
                                # No TTL while the run lives: its end starts the clock.
                                **(
                                    {TABLE_TTL_ATTRIBUTE: expires_at()}
                                    if run.status in TERMINAL_STATES
                                    else {}
                                ),
                            ),
                        },
                    }
                },
                *(extra or []),
            ]
        )
        return run.run_id, True
    except Exception as err:
        if not is_conflict(err):
            raise
        reasons = getattr(err, "response", {}).get("CancellationReasons") or []
        if len(reasons) > 3 and reasons[0].get("Code") != "ConditionalCheckFailed":
            raise Conflict("flow-control state changed while creating the run") from err
    res = db.ddb.get_item(
        TableName=db.table, Key=item_key(f"I#{idempotency_key}", "I"), ConsistentRead=True
    )
    return res["Item"]["run_id"]["S"], False


def get_run(db: Table, run_id: str) -> Run | None:
    res = db.ddb.get_item(TableName=db.table, Key=item_key(f"R#{run_id}", "R"), ConsistentRead=True)
    return Run.from_item(res["Item"]) if "Item" in res else None


def get_runs(db: Table, run_ids: list[str]) -> list[Run]:
    runs: list[Run] = []
    for i in range(0, len(run_ids), 100):
        keys = [item_key(f"R#{rid}", "R") for rid in run_ids[i : i + 100]]
        pending: dict[str, Any] = {db.table: {"Keys": keys, "ConsistentRead": True}}
        while pending:
            res = db.ddb.batch_get_item(RequestItems=pending)
            runs.extend(Run.from_item(it) for it in res["Responses"].get(db.table, []))
            pending = res.get("UnprocessedKeys") or {}
    return sorted(runs, key=lambda r: r.run_id)


def replay_link(db: Table, original: Run, replay_id: str, *, live: bool) -> list[dict[str, Any]]:
    """The transaction items that record a replay on the original run (`create_run` extra).

    The link is listed with the original, so it lives as long as the original: `live` (the
    original has not begun to end), it has no TTL and the original's item lists the replay,
    on condition that it still has not begun to end (else Conflict: try again with `live`
    False); its end gives the link its TTL (`end_items`). Once the original is ending or
    has ended, the link expires the retention from now, after the original."""
    link = {
        **item_key(f"R#{original.run_id}", f"X#{replay_id}"),
        **encode_item(
            created_at=clock.now(), **({} if live else {TABLE_TTL_ATTRIBUTE: expires_at()})
        ),
    }
    items: list[dict[str, Any]] = [{"Put": {"TableName": db.table, "Item": link}}]
    if live:
        items.append(
            {
                "Update": {
                    "TableName": db.table,
                    "Key": item_key(f"R#{original.run_id}", "R"),
                    "UpdateExpression": "ADD replays :r",
                    "ConditionExpression": "#st IN (:q, :run) AND attribute_not_exists(finishing)",
                    "ExpressionAttributeNames": {"#st": "status"},
                    "ExpressionAttributeValues": {
                        ":r": {"SS": [replay_id]},
                        ":q": encode_attr("Queued"),
                        ":run": encode_attr("Running"),
                    },
                }
            }
        )
    return items


def replays_of(db: Table, run_id: str) -> list[str]:
    """Ids of the runs that replay this one, oldest first."""
    return sorted(item[TABLE_SK]["S"][2:] for item in query(db, f"R#{run_id}", "X#"))
