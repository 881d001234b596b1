"""The soak's shortcuts through moto's in-memory backends, where the local stack's emulation
would otherwise make thousands of API round trips per stop of the virtual clock.

moto's base-table Query is already answered per partition by the local stack itself
(`inngest_lambda.local.moto_partition_query`, installed with every stack); the two below are the
soak's own: each reads the same data from moto's memory instead of through its API.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def direct_schedules(pump: Any) -> Iterator[None]:
    """The Scheduler emulation reads its group's schedules from moto's backend directly.

    At every moment the virtual clock stops, the pump lists the group and gets every schedule
    in it over the Scheduler API (`pump.firing.schedules`): with thousands of sleeps pending, that
    is thousands of botocore round trips per stop. moto builds GetSchedule's answer with
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

    pump.firing.schedules = schedules
    try:
        yield
    finally:
        del pump.firing.schedules


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

    from inngest_lambda.core import aws
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
