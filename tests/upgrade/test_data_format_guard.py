"""A runtime meeting a table of a newer data format (a downgrade) touches nothing: the HTTP API
answers 503 naming the cause, queued work waits; once the newer version is back, it all runs."""

from __future__ import annotations

import datetime

import boto3
import pytest

from inngest_lambda import runtime
from inngest_lambda import settings as s
from inngest_lambda.storage import data_format
from inngest_lambda.testing import Durable
from tests.upgrade.golden_state import FUNCTIONS

pytestmark = pytest.mark.durable(functions=FUNCTIONS)


def _set_format(durable: Durable, version: int) -> None:
    boto3.client("dynamodb").put_item(
        TableName=durable.stack.settings.table,
        Item={
            s.TABLE_PK: {"S": data_format.MARKER_PK},
            s.TABLE_SK: {"S": data_format.MARKER_SK},
            data_format.FORMAT_ATTRIBUTE: {"N": str(version)},
        },
    )
    runtime.get_runtime.cache_clear()  # the next invocation is a new cold start


def test_a_newer_format_stops_the_runtime_until_it_is_back(durable: Durable) -> None:
    event_id = durable.send("golden/short", {"n": 7})  # sleeps 5 minutes
    _set_format(durable, s.DATA_FORMAT_VERSION + 1)

    status, reply = durable.request("POST", "/e/test", {"name": "golden/queued", "data": {}})
    assert status == 503
    assert "newer than this version's" in reply["error"]
    durable.advance(datetime.timedelta(minutes=10))  # the wake-up comes and is refused
    assert durable.stack.pump.counters.handler_errors == 0  # failed records, not crashes
    assert durable.stack.pump.counters.messages_failed >= 1

    _set_format(durable, s.DATA_FORMAT_VERSION)
    durable.advance(datetime.timedelta(hours=1))
    run = durable.run(event_id)
    assert run.status == "Completed" and run.output == {"blinked": 7}
