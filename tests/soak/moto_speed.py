"""moto's DynamoDB Query on the base table, made to cost its partition instead of the table.

moto answers a base-table Query by sorting every item of the table, then keeping the queried
partition (`Table.all_items()` in `Table.query`): each Query costs O(n log n) in the table's
size, so a soak of thousands of runs, whose table holds tens of thousands of items, spends most
of its time sorting. Inside `partition_queries()`, such a Query reads only its partition's items
(moto keeps them in `Table.items[hash key]`); the rest of moto's Query (the range key order,
conditions, filters, pagination, projections) runs unchanged on them, so the answer is the same.
Index queries and scans are left as they are.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def partition_queries() -> Iterator[None]:
    from moto.dynamodb.models.table import Table

    original = Table.query

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or hash_key is None or not self.range_key_attr:
            return original(self, hash_key, *args, **kwargs)
        partition = list(self.items.get(hash_key, {}).values())
        self.all_items = lambda: partition  # read by the base-table branch of Table.query only
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    if not hasattr(Table, "all_items"):
        raise RuntimeError("moto's Table changed: the soak's Query patch needs a look")
    Table.query = query  # type: ignore[method-assign]
    try:
        yield
    finally:
        Table.query = original  # type: ignore[method-assign]


@contextlib.contextmanager
def direct_schedules(pump: Any) -> Iterator[None]:
    """The Scheduler emulation reads its group's schedules from moto's backend directly.

    At every moment the virtual clock stops, the pump lists the group and gets every schedule
    in it over the Scheduler API (`Pump._schedules`): with thousands of sleeps pending, that is
    thousands of botocore round trips per stop. moto builds GetSchedule's answer with
    `Schedule.to_dict()`; this hands the pump those same descriptions without the round trips.
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.scheduler.models import scheduler_backends

    settings = pump.settings

    def schedules() -> list[dict[str, Any]]:
        backend = scheduler_backends[DEFAULT_ACCOUNT_ID][settings.region]
        group = backend.schedule_groups.get(settings.schedule_group)
        if group is None:
            return []
        return [s.to_dict() for s in list(group.schedules.values())]

    pump._schedules = schedules
    try:
        yield
    finally:
        del pump._schedules
