"""Bulk cancellation jobs as table items (Inngest's `POST /v1/cancellations`).

Layout: every job in one partition, newest first by its ULID sort key (jobs are made by people,
a few a day, so one partition never heats up):
    BCANCEL / C#<id>    function_id, started_after, started_before, if, status, counters, cursor

A new item kind: nothing older reads or writes it, so adding it changes the meaning of no stored
item. No TTL: the history is what an operator looks back at.

Status: Pending (created, its first page message sent) -> Running (a page done) -> Done (the
listing ended); Deleted (`DELETE /v1/cancellations/{id}`) stops it at its next page. Every
transition is a conditional write: `save_page` writes the next cursor and the counters only if
the stored cursor is still the one the page started from and the job is not Deleted, so a
redelivered page message (whose page was saved already) changes nothing and counts nothing.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from inngest_lambda.core import clock, ids
from inngest_lambda.settings import TABLE_PK, TABLE_SK
from inngest_lambda.storage.codec import decode_item, encode_attr, encode_item, item_key
from inngest_lambda.storage.models import is_conflict
from inngest_lambda.storage.table import Table

PK = "BCANCEL"
PREFIX = "C#"
PENDING, RUNNING, DONE, DELETED = "Pending", "Running", "Done", "Deleted"
START = ""  # the cursor of a job that has read no page yet


@dataclasses.dataclass(frozen=True)
class Cancellation:
    id: str
    function_id: str
    app_id: str
    started_after: float | None
    started_before: float
    expression: str | None  # the CEL `if`, over `event`
    created_at: float
    status: str = PENDING
    cursor: str = START  # the listing position the next page starts after
    examined: int = 0  # runs of the range read
    cancelled: int = 0  # runs this job cancelled
    pages: int = 0
    finished_at: float | None = None


def _key(job_id: str) -> dict[str, Any]:
    return item_key(PK, f"{PREFIX}{job_id}")


def _from_item(item: dict[str, Any]) -> Cancellation:
    p = decode_item(item)
    return Cancellation(
        id=str(p["id"]),
        function_id=str(p["function_id"]),
        app_id=str(p["app_id"]),
        started_after=p.get("started_after"),
        started_before=float(p["started_before"]),
        expression=p.get("if"),
        created_at=float(p["created_at"]),
        status=str(p["status"]),
        cursor=str(p.get("cursor", START)),
        examined=int(p.get("examined", 0)),
        cancelled=int(p.get("cancelled", 0)),
        pages=int(p.get("pages", 0)),
        finished_at=p.get("finished_at"),
    )


def create(
    db: Table,
    *,
    function_id: str,
    app_id: str,
    started_after: float | None,
    started_before: float,
    expression: str | None,
) -> Cancellation:
    """Store a new Pending job (one conditional PutItem: a fresh ULID is never overwritten)."""
    job = Cancellation(
        id=ids.new_id(),
        function_id=function_id,
        app_id=app_id,
        started_after=started_after,
        started_before=started_before,
        expression=expression,
        created_at=clock.now(),
    )
    fields = dataclasses.asdict(job)
    fields["if"] = fields.pop("expression")
    db.ddb.put_item(
        TableName=db.table,
        Item={**_key(job.id), **encode_item(**{k: v for k, v in fields.items() if v is not None})},
        ConditionExpression="attribute_not_exists(#pk)",
        ExpressionAttributeNames={"#pk": TABLE_PK},
    )
    return job


def get(db: Table, job_id: str) -> Cancellation | None:
    """One strongly consistent GetItem."""
    res = db.ddb.get_item(TableName=db.table, Key=_key(job_id), ConsistentRead=True)
    item = res.get("Item")
    return _from_item(item) if item else None


def list_jobs(db: Table, limit: int = 50) -> list[Cancellation]:
    """The newest `limit` jobs: one Query (items are under 1 KB, so 50 fit in one page)."""
    res = db.ddb.query(
        TableName=db.table,
        KeyConditionExpression="#pk = :pk AND begins_with(#sk, :prefix)",
        ExpressionAttributeNames={"#pk": TABLE_PK, "#sk": TABLE_SK},
        ExpressionAttributeValues={":pk": encode_attr(PK), ":prefix": encode_attr(PREFIX)},
        ScanIndexForward=False,
        Limit=max(1, min(500, limit)),
    )
    return [_from_item(it) for it in res.get("Items", [])]


def save_page(
    db: Table,
    job: Cancellation,
    *,
    next_cursor: str | None,
    examined: int,
    cancelled: int,
) -> bool:
    """Record one page: the next cursor (None: the listing ended, the job is Done) and the
    counters added. One conditional UpdateItem; False (nothing written) when the stored cursor
    moved on (this page was saved already: a redelivery) or the job was deleted."""
    done = next_cursor is None
    try:
        db.ddb.update_item(
            TableName=db.table,
            Key=_key(job.id),
            UpdateExpression="SET #c = :next, #st = :st"
            + (", finished_at = :fin" if done else "")
            + " ADD examined :e, cancelled :n, pages :one",
            ConditionExpression="attribute_exists(#pk) AND #c = :cursor AND #st IN (:p, :r)",
            ExpressionAttributeNames={"#pk": TABLE_PK, "#c": "cursor", "#st": "status"},
            ExpressionAttributeValues={
                ":next": encode_attr(next_cursor or job.cursor),
                ":st": encode_attr(DONE if done else RUNNING),
                **({":fin": encode_attr(clock.now())} if done else {}),
                ":e": encode_attr(examined),
                ":n": encode_attr(cancelled),
                ":one": encode_attr(1),
                ":cursor": encode_attr(job.cursor),
                ":p": encode_attr(PENDING),
                ":r": encode_attr(RUNNING),
            },
        )
    except Exception as err:
        if is_conflict(err):
            return False
        raise
    return True


def delete(db: Table, job_id: str) -> Cancellation | None:
    """Mark the job Deleted (kept for the history; its next page stops it). One UpdateItem
    returning the new item; None when no such job exists."""
    try:
        res = db.ddb.update_item(
            TableName=db.table,
            Key=_key(job_id),
            UpdateExpression="SET #st = :deleted, finished_at = if_not_exists(finished_at, :now)",
            ConditionExpression="attribute_exists(#pk)",
            ExpressionAttributeNames={"#pk": TABLE_PK, "#st": "status"},
            ExpressionAttributeValues={
                ":deleted": encode_attr(DELETED),
                ":now": encode_attr(clock.now()),
            },
            ReturnValues="ALL_NEW",
        )
    except Exception as err:
        if is_conflict(err):
            return None
        raise
    return _from_item(res["Attributes"])
