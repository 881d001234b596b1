"""`cancel=` pauses written with the run: the race with an event accepted while the run's
transaction is in flight, a process that dies between the creation and the look-back, and a
fault at every AWS call from a delayed run's creation to its cancellation (`run_cancels`)."""

from __future__ import annotations

import contextlib
import datetime
import os
from collections.abc import Iterator
from typing import Any

import pytest

from inngest_lambda.core import aws
from inngest_lambda.testing import assert_completed
from tests.faults.injector import Injector
from tests.faults.sweep_support import check_nothing_left
from tests.support.apps.fault_functions import EXECUTIONS

pytestmark = pytest.mark.durable(functions="tests.support.apps.fault_functions")

FN = "faults-throttled-cancellable"
MINUTE = datetime.timedelta(minutes=1)
# 34 calls from the delayed run's event to its end: the first 6 (to the creation transaction)
# and every 3rd after (the look-back, its flag, the cancel, the drive), 32 cases; every one
# with FAULT_SWEEP_FULL=1, as for the main sweep.
DENSE_POSITIONS = 6
STRIDE = 1 if os.environ.get("FAULT_SWEEP_FULL") else 3


def _pause_items(durable) -> list[tuple[str, str]]:
    from inngest_lambda.local.aws_clients import client

    ddb, table = client("dynamodb", durable.stack.settings.region), durable.stack.settings.table
    found = []
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            if item["pk"]["S"].startswith("P#f/stop"):
                found.append((item["pk"]["S"], item["sk"]["S"]))
    return found


def _send(durable, name: str, data: dict[str, Any], event_id: str) -> None:
    """Post one event; like the SDK, once more with the same id when the API answered 500."""
    body = {"name": name, "data": data, "id": event_id}
    status, reply = durable.request("POST", "/e/test", body)
    if status == 500:
        status, reply = durable.request("POST", "/e/test", body)
    assert status == 200, reply
    durable.run_until_idle()


@contextlib.contextmanager
def stop_sent_during_creation(order: str) -> Iterator[list[str]]:
    """Accept a matching `f/stop` (stored and matched against pauses: none yet) just before the
    transaction that creates the run of `order` reaches DynamoDB: the event an Inngest-style
    look-back exists for. Yields the ids of the stop events sent so."""
    from inngest_lambda import runtime
    from inngest_lambda.events import ingest as events

    sent: list[str] = []

    def hook(params: dict[str, Any], **_: Any) -> None:
        if sent:
            return
        for item in params.get("TransactItems", []):
            put = item.get("Put", {}).get("Item", {})
            fields = put.get("events", {}).get("S", "")
            if put.get("function_id", {}).get("S") == FN and f'"{order}"' in fields:
                stop = events.normalise([{"name": "f/stop", "data": {"order": order}}])
                sent.append(stop[0]["id"])
                runtime.get_runtime().ingestor.ingest(stop)
                return

    events_ = aws.client("dynamodb").meta.events
    events_.register("before-parameter-build.dynamodb.TransactWriteItems", hook)
    try:
        yield sent
    finally:
        events_.unregister("before-parameter-build.dynamodb.TransactWriteItems", hook)


def _late_run(durable, tag: str) -> tuple[str, str]:
    """Two runs of one throttle key: the first takes the 2 h slot; returns (its event id, the
    second's order), the second not sent yet."""
    first = f"{tag}-first"
    _send(durable, "f/throttled-cancellable", {"tag": tag, "order": f"{tag}-a"}, first)
    assert_completed(durable.run(first), f"{tag}-a")
    return first, f"{tag}-b"


def test_an_event_accepted_while_the_run_is_created_still_cancels_it(durable):
    _, order = _late_run(durable, "race")
    with stop_sent_during_creation(order) as sent:
        _send(durable, "f/throttled-cancellable", {"tag": "race", "order": order}, "race-late")
    assert len(sent) == 1  # it found no pause: the run's transaction had not committed yet
    assert durable.run("race-late").status == "Cancelled"  # the look-back after the commit
    durable.advance(70 * MINUTE)
    durable.expire_items()
    durable.advance(60 * MINUTE)  # past the throttle slot
    run = durable.run("race-late")
    assert run.status == "Cancelled"
    assert sent[0] in run.error["message"]
    assert EXECUTIONS[f"{run.run_id}:work"] == 0
    assert _pause_items(durable) == []  # the run's end deleted its pause


def test_a_process_that_dies_before_the_look_back_is_followed_by_the_sweeper(durable):
    faults = Injector()
    faults.install(durable.stack)
    _, order = _late_run(durable, "crash")
    # The look-back's first read of the recent-events index, in the invocation that created
    # the run: that process dies there (the run and its pauses are committed; the stop event,
    # accepted during the transaction, was not matched by anything).
    faults.fail(
        "dynamodb.Query",
        lambda p: (
            p.get("ExpressionAttributeValues", {}).get(":pk", {}).get("S", "") == "EN#f/stop#0"
        ),
        crash=True,
    )
    with stop_sent_during_creation(order) as sent:
        status, _ = durable.request(
            "POST",
            "/e/test",
            {"name": "f/throttled-cancellable", "data": {"tag": "crash", "order": order}},
        )
    assert status == 500 and len(sent) == 1
    faults.clear()
    durable.run_until_idle()  # no retry from the client: only the sweeper knows of the run
    (late,) = [r for r in durable.runs_of(FN) if r.status != "Completed"]
    assert late.status == "Queued"
    durable.advance(3 * MINUTE)  # the sweeper's next ticks
    assert durable.get_run(late.run_id).status == "Cancelled"
    durable.advance(70 * MINUTE)
    durable.expire_items()
    durable.advance(60 * MINUTE)
    run = durable.get_run(late.run_id)
    assert run.status == "Cancelled" and EXECUTIONS[f"{run.run_id}:work"] == 0


def _positions(total: int) -> list[int]:
    return list(range(min(total, DENSE_POSITIONS))) + list(range(DENSE_POSITIONS, total, STRIDE))


def _case(durable, faults: Injector, tag: str, position: int | None, crash: bool) -> int:
    """A delayed run created, then cancelled by an event 10 min later; a fault at `position`
    (counted from the delayed run's event). Returns the AWS calls the case made."""
    _, order = _late_run(durable, tag)
    faults.clear()
    before = len(faults.calls)
    if position is not None:
        faults.fail_at(position, crash=crash)
    _send(durable, "f/throttled-cancellable", {"tag": tag, "order": order}, f"{tag}-late")
    durable.advance(10 * MINUTE)
    _send(durable, "f/stop", {"order": order}, f"{tag}-stop")
    durable.advance(5 * MINUTE)  # a crashed drive's lease, the sweep grace, the sweeper's tick
    calls = len(faults.calls) - before
    faults.clear()
    where = f"case {tag} (fault at call {position}, crash={crash})"
    with faults.observing():
        runs = [r for r in durable.runs_of(FN) if r.event_id == f"{tag}-late"]
        assert len(runs) == 1, f"{where}: {len(runs)} runs"
        assert runs[0].status == "Cancelled", f"{where}\n{durable.describe()}"
        assert f"{tag}-stop" in runs[0].error["message"], where
        assert EXECUTIONS[f"{runs[0].run_id}:work"] == 0, where
        assert _pause_items(durable) == [], where
    return calls


def test_a_fault_at_any_call_from_creation_to_cancel_loses_no_cancel(durable):
    faults = Injector()
    faults.install(durable.stack)
    total = _case(durable, faults, "clean", None, False)
    tested = 0
    for mode in ("once", "crash"):
        for position in _positions(total):
            _case(durable, faults, f"{mode}-{position}", position, mode == "crash")
            tested += 1
    assert tested >= 2 * DENSE_POSITIONS
    durable.advance(datetime.timedelta(hours=3))  # the throttle timers fire: no-ops now
    check_nothing_left(durable)


@pytest.mark.durable(duplicate_deliveries=True)
def test_every_message_delivered_twice_cancels_the_delayed_run_once(durable):
    faults = Injector()
    faults.install(durable.stack)
    _case(durable, faults, "twice", None, False)
    durable.advance(datetime.timedelta(hours=3))
    check_nothing_left(durable)
    counters = durable.stack.pump.counters
    assert counters.messages_delivered == 2 * counters.messages_received > 0
