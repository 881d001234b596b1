"""Apps registered from a URL through `/fn/register` (`APPS / A#<app_id>`)."""

from __future__ import annotations

import json
from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.settings import TABLE_SK
from inngest_lambda.storage.codec import encode_item, item_key
from inngest_lambda.storage.table import Table, query


def put_app(db: Table, app_id: str, url: str, functions: list[dict[str, Any]]) -> None:
    db.ddb.put_item(
        TableName=db.table,
        Item={
            **item_key("APPS", f"A#{app_id}"),
            **encode_item(url=url, functions=json.dumps(functions), updated_at=clock.now()),
        },
    )


def list_apps(db: Table) -> list[dict[str, Any]]:
    """Stored apps; one whose item cannot be decoded comes back with `functions: None`
    (the registry skips it) rather than failing the read of every app."""
    out = []
    for it in query(db, "APPS", "A#"):
        try:
            functions = json.loads(it["functions"]["S"])
        except (KeyError, ValueError):
            functions = None
        url = it.get("url", {}).get("S")
        out.append({"app_id": it[TABLE_SK]["S"][2:], "url": url, "functions": functions})
    return out
