"""Pausing a function (issue 23, item 3), end to end through the `durable` fixture and the real
handler: skipped runs and a skipped cron tick while paused, an in-flight run that stops at its
next step and continues on resume, `cancelRunning`, and the replay of the skipped runs."""

from __future__ import annotations

import datetime

import pytest

from inngest_lambda.core import aws
from inngest_lambda.testing import assert_completed
from tests.support.apps import pause_functions

pytestmark = pytest.mark.durable(
    functions="tests.support.apps.pause_functions",
    start=datetime.datetime(2030, 1, 7, 8, 0, tzinfo=datetime.UTC),
)
FN, CRON_FN = "pause-app-pause-steps", "pause-app-pause-cron"
HOUR = datetime.timedelta(hours=1, seconds=1)


@pytest.fixture(autouse=True)
def _calls():
    pause_functions.CALLS.clear()


def _pause(durable, fn: str, **body):
    status, reply = durable.request("POST", f"/v1/functions/{fn}/pause", body)
    assert status == 200, reply
    return reply["data"]


def _unpause(durable, fn: str):
    status, reply = durable.request("POST", f"/v1/functions/{fn}/unpause", {})
    assert status == 200, reply
    return reply["data"]


def _paused_flags(durable) -> dict[str, bool]:
    status, reply = durable.request("GET", "/v1/functions")
    assert status == 200
    return {f["id"]: f["isPaused"] for f in reply["data"]}


def test_a_paused_function_skips_its_events_and_cron_then_replays_them(durable):
    first = _pause(durable, FN)
    assert first["isPaused"] and first["changed"] and first["cancelled"] == []
    again = _pause(durable, FN)  # idempotent: the stored pause, unchanged
    assert (again["changed"], again["pausedAt"]) == (False, first["pausedAt"])
    _pause(durable, CRON_FN)
    assert _paused_flags(durable) == {FN: True, CRON_FN: True}

    event_ids = [durable.send("pause/go", {"n": n}) for n in range(3)]
    skipped = [durable.run(e) for e in event_ids]
    assert [r.status for r in skipped] == ["Skipped"] * 3
    assert {r.output["reason"] for r in skipped} == {"FunctionPaused"}
    durable.advance(datetime.timedelta(hours=1, minutes=1))  # past 09:00: the cron tick
    (tick,) = durable.runs_of(CRON_FN)
    assert (tick.status, tick.output["reason"]) == ("Skipped", "FunctionPaused")
    assert pause_functions.CALLS == {}  # not one step body ran
    status, listed = durable.request("GET", f"/v1/runs?function_id={FN}&status=Skipped")
    assert status == 200 and len(listed["data"]) == 3

    assert _unpause(durable, FN)["wasPaused"] is True
    assert _unpause(durable, FN)["wasPaused"] is False  # resuming twice changes nothing
    assert _paused_flags(durable)[FN] is False
    status, reply = durable.request(
        "POST",
        "/v1/runs/replay",
        {"function_id": FN, "status": "Skipped", "reason": "FunctionPaused"},
    )
    assert status == 200, reply
    assert sorted(r["run_id"] for r in reply["data"]) == sorted(r.run_id for r in skipped)
    durable.advance(HOUR)
    for replayed in reply["data"]:
        run = durable.get_run(replayed["replay_run_id"])
        assert_completed(run)
    assert pause_functions.CALLS == {"first": 3, "second": 3}
    # The events themselves were stored and listed as usual.
    for event_id in event_ids:
        assert durable.request("GET", f"/v1/events/{event_id}")[0] == 200


def test_an_in_flight_run_stops_at_its_next_step_and_continues_on_resume(durable):
    event_id = durable.send("pause/go", {"n": 1})
    assert durable.run(event_id).status == "Running"  # sleeping after "first"
    _pause(durable, FN)
    durable.advance(HOUR)  # the sleep ends: the drive finds the pause and parks the run
    durable.advance(datetime.timedelta(minutes=20))  # safety timers fire: still parked
    assert (pause_functions.CALLS["first"], pause_functions.CALLS["second"]) == (1, 0)
    assert durable.run(event_id).status == "Running"

    assert _unpause(durable, FN)["redriven"] == 1
    durable.run_until_idle()
    assert_completed(durable.run(event_id), {"a": "one", "b": "two", "n": 1})
    assert (pause_functions.CALLS["first"], pause_functions.CALLS["second"]) == (1, 1)


def test_cancel_running_cancels_in_flight_runs_at_once(durable):
    event_id = durable.send("pause/go", {"n": 2})
    run = durable.run(event_id)
    assert run.status == "Running"
    paused = _pause(durable, FN, cancelRunning=True)
    assert paused["cancelRunning"] is True and paused["cancelled"] == [run.run_id]
    durable.run_until_idle()
    assert durable.run(event_id).status == "Cancelled"
    _unpause(durable, FN)
    durable.advance(HOUR)
    assert durable.run(event_id).status == "Cancelled"
    assert (pause_functions.CALLS["first"], pause_functions.CALLS["second"]) == (1, 0)


def test_bad_requests_name_the_problem_and_store_nothing(durable):
    status, reply = durable.request("POST", "/v1/functions/no-such-fn/pause", {})
    assert status == 404 and "no-such-fn" in str(reply)
    status, reply = durable.request("POST", "/v1/functions/no-such-fn/unpause", {})
    assert status == 404 and "no-such-fn" in str(reply)
    status, reply = durable.request("POST", f"/v1/functions/{FN}/pause", {"cancelRunning": "yes"})
    assert status == 400 and "cancelRunning" in str(reply)
    status, reply = durable.request("POST", f"/v1/functions/{FN}/pause", [1])
    assert status == 400
    assert _paused_flags(durable) == {FN: False, CRON_FN: False}
    items = aws.client("dynamodb").scan(TableName=durable.stack.settings.table)["Items"]
    assert not [i for i in items if i["pk"]["S"].startswith("FPAUSE#")]


def _gql(durable, query: str, **variables):
    status, reply = durable.request("POST", "/v0/gql", {"query": query, "variables": variables})
    assert status == 200, reply
    return reply


PAUSE = """mutation P($fnID: ID!, $cancelRunning: Boolean) {
  pauseFunction(fnID: $fnID, cancelRunning: $cancelRunning) { id name isPaused } }"""
UNPAUSE = "mutation U($fnID: ID!) { unpauseFunction(fnID: $fnID) { id isPaused } }"


def test_graphql_pause_and_unpause_mutations(durable):
    reply = _gql(durable, PAUSE, fnID=FN, cancelRunning=False)
    assert reply["data"]["pauseFunction"] == {"id": FN, "name": "pause-steps", "isPaused": True}
    assert durable.run(durable.send("pause/go", {})).status == "Skipped"
    reply = _gql(durable, UNPAUSE, fnID=FN)
    assert reply["data"]["unpauseFunction"] == {"id": FN, "isPaused": False}
    event_id = durable.send("pause/go", {})
    durable.advance(HOUR)
    assert_completed(durable.run(event_id), {"a": "one", "b": "two", "n": None})
    reply = _gql(durable, PAUSE, fnID="no-such-fn")
    assert reply["data"] is None
    assert "function no-such-fn not found" in reply["errors"][0]["message"]
    assert _paused_flags(durable) == {FN: False, CRON_FN: False}
