"""A run's end: the pending outcome (`finishing`), the final write, and the retention clock
of everything the run owns.

The end is recorded in steps that a crash may interrupt anywhere: `set_finishing` records the
outcome (so its events can be emitted and the end resumed), `end_items` gives the run's steps,
event links and replay links their TTL and deletes its cancel pauses, the run's S3 values are
re-tagged ended (`RunBlobs.end`), and `finish` writes the final status with the run's own TTL.
Each step is idempotent, so a retry repeats what the crash cut short.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.settings import (
    RUN_ITEM_INLINE_BUDGET_BYTES,
    SWEEP_AT_ATTRIBUTE,
    SWEEP_SHARD_ATTRIBUTE,
    TABLE_TTL_ATTRIBUTE,
)
from inngest_lambda.storage import blobs, index_keys
from inngest_lambda.storage.codec import encode_attr, item_key
from inngest_lambda.storage.leases import update_owned
from inngest_lambda.storage.models import Run
from inngest_lambda.storage.retention import expires_at
from inngest_lambda.storage.run_blobs import RunBlobs
from inngest_lambda.storage.table import Table
from inngest_lambda.storage.values import dump_value


def outcome_budget(run: Run) -> int:
    """What the run item has left for its outcome once its event(s) are counted, halved: the
    final write lands the output while the pending record still holds it."""
    return max(0, RUN_ITEM_INLINE_BUDGET_BYTES - run.inline_bytes) // 2


def set_finishing(
    db: Table, written: RunBlobs, run: Run, owner: str, finishing: dict[str, Any]
) -> None:
    """Record the outcome before emitting its events, so a crash in between can resume.

    Any outcome but Cancelled is refused once a cancel was requested (CancelRequested)."""
    values = dump_value(run.run_id, "finishing", "finishing", finishing, outcome_budget(run))
    written.track(db, run.run_id, values)
    if "finishing_ref" in values:  # large outputs live in S3; keep the pointer inline
        values = {"finishing": json.dumps({"ref": values["finishing_ref"]})}
    item = update_owned(
        db,
        run.run_id,
        owner,
        {"finishing": values["finishing"]},
        unless_cancelled=finishing.get("status") != "Cancelled",
        returns=True,
    )
    # From this write on no replay is listed on the run any more (`replay_link`): the item
    # as written names every replay whose link waits for the end to get its TTL.
    run.replays = sorted((item or {}).get("replays", {}).get("SS", []))


def load_finishing(run: Run) -> dict[str, Any] | None:
    if run.finishing and set(run.finishing) == {"ref"}:
        return json.loads(blobs.get(run.finishing["ref"]))
    return run.finishing


def finish(db: Table, run: Run, owner: str, status: str, output: object, error: object) -> None:
    fields: dict[str, Any] = {
        "status": status,
        "ended_at": clock.now(),
        **index_keys.status_fields(run.function_id, status),
    }
    # A cancelled run ended when the cancel was recorded (request_cancel set `ended_at`).
    keep = ("ended_at",) if status == "Cancelled" else ()
    # The pending record goes as the outcome lands: the item never holds the output twice.
    if error is not None:
        fields.update(
            dump_value(run.run_id, "error", "error", error, outcome_budget(run), ended=True)
        )
    else:
        fields.update(
            dump_value(run.run_id, "output", "output", output, outcome_budget(run), ended=True)
        )
    fields[TABLE_TTL_ATTRIBUTE] = expires_at()  # retention counts from the end of the run
    update_owned(
        db,
        run.run_id,
        owner,
        fields,
        remove=(
            "lease_owner",
            "lease_until",
            "next_at",
            "sweeps",
            "finishing",
            SWEEP_SHARD_ATTRIBUTE,
            SWEEP_AT_ATTRIBUTE,
        ),
        keep=keep,
    )


def end_items(
    db: Table, run: Run, step_ids: Iterable[str], pause_keys: Iterable[tuple[str, str]] = ()
) -> None:
    """Start the retention clock of everything an ended run owns, which carries no TTL
    while the run may still need it: its steps, the links from its events and to the
    replays made while it lived (TTL from now), its `cancel=` pauses (deleted). Before the
    run's final write, so a crash in between repeats this on the retry; 100 items per
    TransactWriteItems call."""
    ttl = encode_attr(expires_at())
    owned = [f"S#{step_id}" for step_id in sorted(set(step_ids))]
    owned += [f"X#{replay_id}" for replay_id in sorted(set(run.replays))]
    writes: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": db.table,
                "Key": item_key(f"R#{run.run_id}", sk),
                "UpdateExpression": "SET #ttl = :ttl",
                "ExpressionAttributeNames": {"#ttl": TABLE_TTL_ATTRIBUTE},
                "ExpressionAttributeValues": {":ttl": ttl},
            }
        }
        for sk in owned
    ]
    event_ids = {run.event_id, *(ev.get("id") for ev in run.events)} - {None, ""}
    writes += [
        {
            "Put": {
                "TableName": db.table,
                "Item": {
                    **item_key(f"E#{event_id}", f"R#{run.run_id}"),
                    "function_id": encode_attr(run.function_id),
                    TABLE_TTL_ATTRIBUTE: ttl,
                },
            }
        }
        for event_id in sorted(event_ids)  # type: ignore[type-var]
    ]
    writes += [
        {"Delete": {"TableName": db.table, "Key": item_key(pk, sk)}}
        for pk, sk in sorted(set(pause_keys))
    ]
    for i in range(0, len(writes), 100):
        db.ddb.transact_write_items(TransactItems=writes[i : i + 100])
