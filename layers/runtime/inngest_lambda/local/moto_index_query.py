"""moto's DynamoDB `Query` of a global secondary index at the cost of one index partition.

moto answers a Query of an index by sorting *every item of the table* (`Table.all_items`) and
keeping those whose index key matches, so each page of `GET /v1/runs?function_id=...` (a Query
of the runs-by-function index) cost O(n log n) in the table's size under the one moto lock the
executor needs too. With 10,000 sleeping runs (about 50,000 items) one page of 500 took 34 s
and `make dev`'s gateway answered 503, as API Gateway would after 30 s; the dashboard's run
lists and the bulk-cancel job's own listing were as slow.

Here each table keeps, for each single-attribute-hash GSI, which item keys carry which index
hash value, and a Query of an index sees only the items of the partition it names; everything
else (key conditions, filters, sorting, limits, pagination, projection) stays moto's. The map is
built by one scan on a table's first index Query, then kept up to date by the writes that can
give an item an index value: `Table.put_item` (moto's puts, batch writes and transactions all
end there) and `DynamoDBBackend.update_item` (which changes the stored item in place). An item
deleted, or whose index value changed, leaves a stale entry behind: each read checks every
entry against the table and drops those that no longer match, so an answer never holds an item
that is not in the partition, and never misses one that is.

Local stack only, like `moto_partition_query` (which does the same for the table's own key);
the MotoGuard lock serialises moto calls, so shadowing `all_items` on the table for the length
of one call is never seen by another. Indexes with a multi-attribute hash key, and queries
whose hash condition is not one equality on the index's hash attribute, keep moto's scan.
"""

from __future__ import annotations

from typing import Any

_PATCHED = "_inngest_lambda_index_query"
_ENTRIES = "_inngest_lambda_index_entries"  # on a Table: {index: {hash value: {item key: None}}}

Key = tuple[Any, Any]  # (hash key, range key or None) as moto keys `Table.items`
Entries = dict[str, dict[Any, dict[Key, None]]]


def install() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    if getattr(Table.query, _PATCHED, False):
        return
    query, put_item = Table.query, Table.put_item
    update_item = models.DynamoDBBackend.update_item

    def indexed_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        attr = _hash_attrs(self).get(index_name) if index_name else None
        conditions = kwargs.get("hash_key_conditions") or []
        if (
            attr is None
            or "all_items" in vars(self)
            or len(conditions) != 1
            or conditions[0][0] != attr
        ):
            return query(self, hash_key, *args, **kwargs)
        items = partition_items(self, index_name, conditions[0][1])
        self.all_items = lambda: items
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    def indexed_put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = put_item(self, *args, **kwargs)
        _note(self, item)
        return item

    def indexed_update_item(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        item = update_item(self, table_name, *args, **kwargs)
        _note(self.get_table(table_name), item)
        return item

    for patched, original in (
        (indexed_query, query),
        (indexed_put_item, put_item),
        (indexed_update_item, update_item),
    ):
        setattr(patched, _PATCHED, True)
        patched.__wrapped__ = original  # type: ignore[attr-defined]
    Table.query = indexed_query
    Table.put_item = indexed_put_item
    models.DynamoDBBackend.update_item = indexed_update_item


def uninstall() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    for owner, name in (
        (Table, "query"),
        (Table, "put_item"),
        (models.DynamoDBBackend, "update_item"),
    ):
        current = getattr(owner, name)
        if getattr(current, _PATCHED, False):
            setattr(owner, name, current.__wrapped__)


def partition_items(table: Any, index_name: str, value: Any) -> list[Any]:
    """The table's items whose `index_name` hash attribute equals `value` (in no order),
    dropping the stale entries met on the way: O(entries of that partition)."""
    attr = _hash_attrs(table)[index_name]
    bucket = _entries(table)[index_name].get(value)
    if not bucket:
        return []
    items = []
    for key in list(bucket):
        item = _stored(table, key)
        found = item.attrs.get(attr) if item is not None else None
        if found is None or found != value:
            del bucket[key]
        else:
            items.append(item)
    if not bucket:
        del _entries(table)[index_name][value]
    return items


def _hash_attrs(table: Any) -> dict[str, str]:
    """Index name -> its hash attribute, for the table's GSIs with a one-attribute hash key."""
    found = {}
    for index in table.global_indexes or []:
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        if len(hashes) == 1:
            found[index.name] = hashes[0]
    return found


def _entries(table: Any) -> Entries:
    """The table's map, built by one scan of the table the first time it is needed."""
    entries: Entries | None = vars(table).get(_ENTRIES)
    if entries is None:
        entries = {name: {} for name in _hash_attrs(table)}
        setattr(table, _ENTRIES, entries)
        for partition in table.items.values():
            for item in partition.values() if isinstance(partition, dict) else [partition]:
                _add(table, entries, item)
    return entries


def _note(table: Any, item: Any) -> None:
    entries: Entries | None = vars(table).get(_ENTRIES)
    if entries is not None and item is not None:  # not built yet: the first read scans
        _add(table, entries, item)


def _add(table: Any, entries: Entries, item: Any) -> None:
    for name, attr in _hash_attrs(table).items():
        value = item.attrs.get(attr)
        if value is not None:
            entries.setdefault(name, {}).setdefault(value, {})[(item.hash_key, item.range_key)] = (
                None
            )


def _stored(table: Any, key: Key) -> Any:
    partition = table.items.get(key[0])
    if isinstance(partition, dict):
        return partition.get(key[1])
    return partition
