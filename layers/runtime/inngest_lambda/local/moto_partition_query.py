"""moto's DynamoDB `Query` on the table's own key at the cost of one partition, not the table.

moto answers every `Query` by collecting and sorting *every item of the table*
(`Table.all_items`) and then keeping those of the queried partition, so one Query costs
O(n log n) in the table's size, under the one moto lock the executor needs for every step. A
`make dev` user polling `GET /v1/events/{id}/runs` (a Query of the event's partition) twice a
second during a 1,000-step run made each poll scan the run's growing step items, and the run
waited for it; the longer the process lived, the larger the table and the slower every Query.

Here a Query without an index sees only its partition's items (`Table.items[hash_key]`, the
dictionary moto keeps per partition key) in the same sorted order, and everything else (key
conditions, filters, limits, pagination, consumed capacity) stays moto's. Index queries keep
moto's scan (a GSI has no per-partition dictionary in moto). Local stack only, like
`moto_transactions`; the MotoGuard lock serialises moto calls, so shadowing `all_items` on the
table for the length of one call is never seen by another.
"""

from __future__ import annotations

from typing import Any

_PATCHED = "_inngest_lambda_partition_query"


def install() -> None:
    from moto.dynamodb.models.table import Table

    current = Table.query
    if getattr(current, _PATCHED, False):
        return

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name or hash_key is None or "all_items" in vars(self):
            return current(self, hash_key, *args, **kwargs)
        partition = self.items.get(hash_key)
        if partition is None:
            items: list[Any] = []
        elif isinstance(partition, dict):
            items = sorted(partition.values(), key=lambda item: item.range_key)
        else:
            items = [partition]  # a table without a sort key keeps the item itself
        self.all_items = lambda: items
        try:
            return current(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    setattr(query, _PATCHED, True)
    query.__wrapped__ = current  # type: ignore[attr-defined]
    Table.query = query


def uninstall() -> None:
    from moto.dynamodb.models.table import Table

    current = Table.query
    if getattr(current, _PATCHED, False):
        Table.query = current.__wrapped__
