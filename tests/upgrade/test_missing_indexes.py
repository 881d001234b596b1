"""Part way through the index upgrade (docs/upgrading.md) a listing index or the sweep index may
be missing: listings answer 503 naming the index (never an empty list), the sweeper skips with
a warning, and runs still run."""

from __future__ import annotations

import datetime
import logging

import boto3
import pytest

from inngest_lambda import settings as s
from inngest_lambda.testing import Durable
from tests.upgrade.golden_state import FUNCTIONS

pytestmark = pytest.mark.durable(functions=FUNCTIONS)


def _drop_index(durable: Durable, name: str) -> None:
    boto3.client("dynamodb").update_table(
        TableName=durable.stack.settings.table,
        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": name}}],
    )


def test_a_listing_whose_index_is_missing_answers_503_naming_it(durable: Durable) -> None:
    event_id = durable.send("golden/short", {"n": 1})
    status, reply = durable.request("GET", "/v1/runs")
    assert status == 200 and len(reply["data"]) == 1

    _drop_index(durable, s.INDEX_RUNS_BY_FUNCTION)
    status, reply = durable.request("GET", "/v1/runs")
    assert status == 503
    assert f"index '{s.INDEX_RUNS_BY_FUNCTION}' is not ready" in reply["error"]
    assert "docs/upgrading.md" in reply["error"]
    # Reads by id need no index; the run itself goes on.
    durable.advance(datetime.timedelta(minutes=10))
    assert durable.run(event_id).status == "Completed"


def test_the_sweeper_skips_while_its_index_is_missing(
    durable: Durable, caplog: pytest.LogCaptureFixture
) -> None:
    from inngest_lambda import runtime
    from inngest_lambda.engine import sweeper

    event_id = durable.send("golden/sleep", {"n": 1})  # parked for 2 hours
    _drop_index(durable, s.SWEEP_INDEX)
    with caplog.at_level(logging.WARNING, logger="inngest_lambda"):
        assert sweeper.sweep(runtime.get_runtime().store) == sweeper.Sweep()  # nothing done
    assert any("sweeper: skipped" in r.getMessage() for r in caplog.records)
    assert any(s.SWEEP_INDEX in str(getattr(r, "status", "")) for r in caplog.records)
    assert durable.run(event_id).status == "Running"  # parked, untouched
