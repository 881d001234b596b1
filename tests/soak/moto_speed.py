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


@contextlib.contextmanager
def direct_sweep_index(delivery: Any, table_name: str, region: str) -> Iterator[None]:
    """The harness's emulation of the sweeper's schedule reads the earliest `sweep_at` from
    moto's table directly, and again only after a DynamoDB call of the runtime.

    At every stop of the clock (twice) the harness scans the sparse sweep index for its earliest
    `sweep_at` (`VirtualDelivery._earliest_sweep_at`); with thousands of runs in flight, each
    scan serialises all of them through moto and botocore. The items are the same either way:
    those with both index key attributes, read from moto's memory; the answer is kept until the
    runtime's DynamoDB client makes its next call (nothing else writes the table).
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from inngest_lambda import aws
    from inngest_lambda.settings import SWEEP_AT_ATTRIBUTE, SWEEP_SHARD_ATTRIBUTE

    state: dict[str, Any] = {"version": 0, "cached": None}

    def changed(**_: Any) -> None:
        state["version"] += 1

    def earliest() -> float | None:
        if state["cached"] is not None and state["cached"][0] == state["version"]:
            return state["cached"][1]
        table = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].tables[table_name]
        found: float | None = None
        for partition in list(table.items.values()):
            for item in list(partition.values()):
                at = item.attrs.get(SWEEP_AT_ATTRIBUTE)
                if at is not None and SWEEP_SHARD_ATTRIBUTE in item.attrs:
                    value = float(at.value)
                    found = value if found is None else min(found, value)
        state["cached"] = (state["version"], found)
        return found

    events = aws.client("dynamodb").meta.events
    events.register("before-call.dynamodb", changed)
    delivery._earliest_sweep_at = earliest
    try:
        yield
    finally:
        del delivery._earliest_sweep_at
        events.unregister("before-call.dynamodb", changed)
