"""The format of the stored data: one marker item says which layout the table holds, so a
runtime never works on data of a newer format than it knows (a downgrade), and a release that
changes the layout has a place to migrate it (docs/upgrading.md).

The marker (`pk` = MARKER_PK, `sk` = MARKER_SK) holds `format`, an integer. A table without it
was written before the marker existed, in format 1 (LEGACY_FORMAT); the first runtime to reach
it writes it with a conditional put (`attribute_not_exists`), so concurrent cold starts agree.

`ensure` runs once per process, on the Store's first DynamoDB call (the Store caches the
outcome): one GetItem per cold start that touches the table (plus one PutItem, once in a
table's life), never per request. Then:

* stored format > settings.DATA_FORMAT_VERSION: `DataFormatTooNew`; the runtime touches
  nothing (queue messages come back and wait, HTTP answers 503) until the newer code returns.
* stored format < current: each step N -> N+1 of MIGRATIONS runs, then the marker moves on
  with a conditional update (`format = N`). Migrations must be idempotent: processes may run
  one at once, or die half way; the marker only moves once a step is complete.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.settings import DATA_FORMAT_VERSION, TABLE_PK, TABLE_SK
from inngest_lambda.storage import index_keys

MARKER_PK = "M#data-format"
MARKER_SK = "M"
FORMAT_ATTRIBUTE = "format"
LEGACY_FORMAT = 1  # what a table without the marker holds

# A migration of the table from format N to N+1 (idempotent), keyed by N.
Migration = Callable[[Any, str], None]


def _record_lasting_name_entries(ddb: Any, table: str) -> None:
    """1 -> 2: from now on every event's `EN#` entry lives as long as the event. The by-name
    listing reads them for events from an hour after this time and the events-by-time index
    for older ones (`index_keys.name_index_complete_from`). Written once (a conditional put: a
    process that repeats the step after a crash, or races another, keeps the first time)."""
    try:
        ddb.put_item(
            TableName=table,
            Item=index_keys.name_index_marker(clock.now()),
            ConditionExpression="attribute_not_exists(#pk)",
            ExpressionAttributeNames={"#pk": TABLE_PK},
        )
    except Exception as exc:
        if not _conditional_failed(exc):
            raise


MIGRATIONS: Mapping[int, Migration] = {1: _record_lasting_name_entries}


class DataFormatTooNew(RuntimeError):
    """The table holds data written by a newer version than this runtime."""

    def __init__(self, stored: int) -> None:
        self.stored = stored
        super().__init__(
            f"the table holds data format {stored}, newer than this version's"
            f" {DATA_FORMAT_VERSION}: a newer inngest-lambda wrote it. This runtime touches"
            " nothing until that version is deployed again (docs/upgrading.md)"
        )


def _key() -> dict[str, Any]:
    return {TABLE_PK: {"S": MARKER_PK}, TABLE_SK: {"S": MARKER_SK}}


def _conditional_failed(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code")
    return code == "ConditionalCheckFailedException"


def stored_format(ddb: Any, table: str) -> int | None:
    """The marker's format, or None when the table has none (yet)."""
    item = ddb.get_item(TableName=table, Key=_key(), ConsistentRead=True).get("Item")
    return None if item is None else int(item[FORMAT_ATTRIBUTE]["N"])


def ensure(
    ddb: Any,
    table: str,
    current: int = DATA_FORMAT_VERSION,
    migrations: Mapping[int, Migration] = MIGRATIONS,
) -> int:
    """Check (and create, or migrate) the table's format; returns it (== `current`)."""
    stored = stored_format(ddb, table)
    if stored is None:
        stored = _create(ddb, table)
    if stored > current:
        raise DataFormatTooNew(stored)
    while stored < current:
        migrate = migrations.get(stored)
        if migrate is None:
            raise RuntimeError(f"no migration from data format {stored} to {stored + 1}")
        migrate(ddb, table)
        stored = _advance(ddb, table, stored)
        if stored > current:
            raise DataFormatTooNew(stored)
    return stored


def _create(ddb: Any, table: str) -> int:
    try:
        ddb.put_item(
            TableName=table,
            Item={**_key(), FORMAT_ATTRIBUTE: {"N": str(LEGACY_FORMAT)}},
            ConditionExpression="attribute_not_exists(#pk)",
            ExpressionAttributeNames={"#pk": TABLE_PK},
        )
    except Exception as exc:
        if not _conditional_failed(exc):
            raise
        return _reread(ddb, table)  # another process wrote it first
    return LEGACY_FORMAT


def _advance(ddb: Any, table: str, done: int) -> int:
    """Move the marker from `done` to `done + 1`; returns what it holds afterwards."""
    try:
        ddb.update_item(
            TableName=table,
            Key=_key(),
            UpdateExpression="SET #f = :next",
            ConditionExpression="#f = :done",
            ExpressionAttributeNames={"#f": FORMAT_ATTRIBUTE},
            ExpressionAttributeValues={":done": {"N": str(done)}, ":next": {"N": str(done + 1)}},
        )
    except Exception as exc:
        if not _conditional_failed(exc):
            raise
        return _reread(ddb, table)  # another process moved it on
    return done + 1


def _reread(ddb: Any, table: str) -> int:
    found = stored_format(ddb, table)
    if found is None:
        raise RuntimeError("the data format marker vanished while it was being written")
    return found
