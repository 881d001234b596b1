"""moto's `TransactWriteItems` at the cost of the items it names, not of the whole table.

To roll back a failed transaction, moto deep-copies every table the transaction touches before
running it, so each transaction costs time proportional to the table: the executor records each
step with a transaction, and a local run of N steps became quadratic. Here only the items the
transaction names are copied and put back on failure, which is what a rollback needs. The
results (written items, cancellation reasons) are moto's own; the MotoGuard lock makes the
snapshot, the transaction and the restore one atomic call, as on DynamoDB.
"""

from __future__ import annotations

import copy
from typing import Any

_PATCHED = "_inngest_lambda_item_level"


class _KeepTables:
    """Stands in for the `copy` module inside moto's DynamoDB models: tables are not copied
    (the patched call restores items itself); everything else is copied as before."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def install() -> None:
    from moto.dynamodb import models

    backend = models.DynamoDBBackend
    original = backend.transact_write_items
    if getattr(original, _PATCHED, False):
        return

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = _snapshot(self, transact_items)
        models.copy = _KeepTables()  # type: ignore[assignment]
        try:
            original(self, transact_items)
        except Exception:
            _restore(self, saved)
            raise
        finally:
            models.copy = copy

    setattr(transact_write_items, _PATCHED, True)
    transact_write_items.__wrapped__ = original  # type: ignore[attr-defined]
    backend.transact_write_items = transact_write_items


def uninstall() -> None:
    from moto.dynamodb import models

    current = models.DynamoDBBackend.transact_write_items
    if getattr(current, _PATCHED, False):
        models.DynamoDBBackend.transact_write_items = current.__wrapped__


def _snapshot(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[str, Any, Any]]:
    saved = []
    for entry in transact_items:
        if len(entry) != 1:
            continue  # moto refuses it before writing anything
        op_type, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None or op_type == "ConditionCheck":
            continue
        if op_type == "Put":
            attrs = op.get("Item") or {}
            key = {table.hash_key_attr: attrs.get(table.hash_key_attr)}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = attrs.get(table.range_key_attr)
        else:
            key = op.get("Key") or {}
        try:
            item = backend.get_item(table.name, key)
        except Exception:
            continue  # a malformed key: moto fails the transaction before writing this item
        attrs_before = copy.deepcopy(item.to_json()["Attributes"]) if item is not None else None
        saved.append((table.name, key, attrs_before))
    return saved


def _restore(backend: Any, saved: list[tuple[str, Any, Any]]) -> None:
    for table_name, key, attrs in reversed(saved):
        if attrs is None:
            if backend.get_item(table_name, key) is not None:
                backend.delete_item(table_name, key)
        else:
            backend.put_item(table_name, attrs)
