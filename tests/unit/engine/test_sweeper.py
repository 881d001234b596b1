"""The sweeper goes on when one shard's index Query fails: the other shards' overdue runs are
re-driven, the failed shard is logged, counted (`SweepShardFailures`) and named, and its runs
are swept by the next sweep."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from botocore.exceptions import ClientError

from inngest_lambda import runtime
from inngest_lambda.core import aws, clock
from inngest_lambda.engine import sweeper
from inngest_lambda.settings import SWEEP_AT_ATTRIBUTE
from inngest_lambda.storage import sweep_index
from tests.support.apps import pause_functions

pytestmark = pytest.mark.durable(functions="tests.support.apps.pause_functions")


def _sleeping_runs(durable: Any, n: int) -> list[str]:
    """`n` runs asleep for an hour, made overdue as if their wake-ups had been lost."""
    pause_functions.CALLS.clear()
    event_ids = durable.send_many([{"name": "pause/go", "data": {"n": i}} for i in range(n)])
    run_ids = [durable.run(e).run_id for e in event_ids]
    ddb, table = aws.client("dynamodb"), runtime.get_runtime().store.table
    for run_id in run_ids:
        ddb.update_item(
            TableName=table,
            Key={"pk": {"S": f"R#{run_id}"}, "sk": {"S": "R"}},
            UpdateExpression="SET #at = :at",
            ExpressionAttributeNames={"#at": SWEEP_AT_ATTRIBUTE},
            ExpressionAttributeValues={":at": {"N": str(clock.now() - 1)}},
        )
    return run_ids


def test_a_shard_whose_query_fails_is_reported_and_the_others_are_swept(durable, capsys, caplog):
    run_ids = _sleeping_runs(durable, 16)
    shard_of = {rid: int(sweep_index.sweep_shard(rid)) for rid in run_ids}
    bad = shard_of[run_ids[0]]
    assert len(set(shard_of.values())) > 1  # runs in the failing shard and in others
    ddb = aws.client("dynamodb")

    def fail_one_shard(params: dict[str, Any], **_: Any) -> None:
        shard = params.get("ExpressionAttributeValues", {}).get(":shard", {}).get("S")
        if params.get("IndexName") == "sweep" and shard == str(bad):
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}},
                "Query",
            )

    ddb.meta.events.register("before-parameter-build.dynamodb.Query", fail_one_shard)
    capsys.readouterr()
    try:
        with caplog.at_level(logging.WARNING, logger="inngest_lambda"):
            swept = sweeper.sweep(runtime.get_runtime().store)
    finally:
        ddb.meta.events.unregister("before-parameter-build.dynamodb.Query", fail_one_shard)
    assert swept.failed_shards == [bad]
    assert sorted(swept.redriven) == sorted(r for r in run_ids if shard_of[r] != bad)
    assert any(f"shard {bad} could not be read" in r.getMessage() for r in caplog.records)
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if "_aws" in x]
    assert [x.get("SweepShardFailures") for x in lines if "SweepShardFailures" in x] == [1]

    again = sweeper.sweep(runtime.get_runtime().store)  # the shard answers again
    assert again.failed_shards == []
    assert sorted(again.redriven) == sorted(r for r in run_ids if shard_of[r] == bad)
    durable.run_until_idle()  # the re-drives find the runs asleep: nothing runs early
    assert pause_functions.CALLS == {"first": 16}
