"""Items a released version wrote mid-run still run to completion with the current code.

Each `golden/format-N.json` is what a deployed version left in AWS with runs in flight (see
golden_state.py, which regenerates them: `make golden-items`). The test loads one into a fresh
local stack, as if the table, bucket, schedules and queue had been there before this code was
deployed over them, and drives every run to its end. Keep the old files when the layout changes:
a failure here means an upgrade would strand the runs of users on that version.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from inngest_lambda import settings as s
from inngest_lambda.core import aws
from inngest_lambda.storage import data_format
from inngest_lambda.testing import Durable
from tests.upgrade.golden_state import FUNCTIONS, GOLDEN_DIR, load

GOLDEN_FILES = sorted(GOLDEN_DIR.glob("format-*.json"))

# What each run was doing when the old version's state was taken.
MID_STATES = {
    ("golden-sleeper", "Running"),  # slept 2 h (a schedule)
    ("golden-short-sleeper", "Running"),  # slept 5 min (a delayed message)
    ("golden-waiter", "Running"),  # waits for golden/paid
    ("golden-parent", "Running"),  # invoked golden-child
    ("golden-child", "Running"),  # sleeps 1 h
    ("golden-flaky", "Running"),  # its step's retry is scheduled
    ("golden-throttled", "Completed"),  # the first of two in the throttle's period
    ("golden-throttled", "Queued"),  # the second waits for the next slot
    ("golden-big", "Running"),  # a step output in S3, then a sleep
    ("golden-queued", "Queued"),  # its message is on the queue
    # golden-debounced has no run yet: its burst (two events) waits out the debounce period.
}
OUTPUTS = [
    ("golden-big", {"size": 400_000}),
    ("golden-child", {"child_of": 3}),
    ("golden-debounced", {"last": 2}),
    ("golden-flaky", {"succeeded_on_attempt": 1}),
    ("golden-parent", {"child": {"child_of": 3}}),
    ("golden-queued", {"ran": 4}),
    ("golden-short-sleeper", {"blinked": 2}),
    ("golden-sleeper", {"slept": True, "after": 2}),
    ("golden-throttled", {"n": 1}),
    ("golden-throttled", {"n": 2}),
    ("golden-waiter", {"paid": 42}),
]


def test_there_are_golden_items() -> None:
    assert [p.name for p in GOLDEN_FILES][:1] == ["format-1.json"]


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=lambda p: p.stem)
def test_runs_of_an_older_layout_run_to_completion(path: Path) -> None:
    state = json.loads(path.read_text())
    with Durable(FUNCTIONS, start=state["now"]) as durable:
        load(durable, state)
        before = {(r.function_id, r.status) for r in durable.all_runs()}
        assert before == MID_STATES, durable.describe()

        durable.send("golden/paid", {"order": "o-1", "amount": 42})
        durable.advance(datetime.timedelta(days=2))

        runs = durable.all_runs()
        assert all(r.status == "Completed" for r in runs), durable.describe()
        outputs = sorted(
            ((r.function_id, r.output) for r in runs), key=lambda x: json.dumps(x, sort_keys=True)
        )
        assert outputs == sorted(OUTPUTS, key=lambda x: json.dumps(x, sort_keys=True))
        # The table now says which format it holds (a version-1 table had no marker).
        ddb = durable.stack.settings.table
        assert data_format.stored_format(aws.client("dynamodb"), ddb) == s.DATA_FORMAT_VERSION
