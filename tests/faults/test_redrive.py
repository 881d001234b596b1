"""POST /v1/runs/{id}/redrive: the operator's (and the CLI's) way to re-drive one run."""

from __future__ import annotations

import pytest

from inngest_lambda.testing import assert_completed

pytestmark = pytest.mark.durable(functions="tests.support.apps.fault_functions")


def test_redrive_starts_a_run_whose_start_message_was_lost(durable, faults):
    faults.fail("sqs.SendMessageBatch")
    status, _ = durable.request(
        "POST", "/e/test", {"name": "f/steps", "data": {"n": 3}, "id": "rd"}
    )
    assert status == 500
    run_id = durable.run("rd").run_id
    status, reply = durable.request("POST", f"/v1/runs/{run_id}/redrive")
    assert status == 202 and reply["data"]["run_id"] == run_id
    durable.run_until_idle()  # no time passes: the redrive, not the sweeper, started it
    assert_completed(durable.run("rd"), {"a": 4, "b": 8})


def test_redrive_of_an_ended_run_is_409_and_of_an_unknown_run_404(durable):
    event_id = durable.send("f/steps", {"n": 1})
    run = assert_completed(durable.run(event_id))
    status, reply = durable.request("POST", f"/v1/runs/{run.run_id}/redrive")
    assert status == 409 and "Completed" in reply["error"]
    status, _ = durable.request("POST", "/v1/runs/01JAAAAAAAAAAAAAAAAAAAAAAA/redrive")
    assert status == 404


def test_redrive_of_a_sleeping_run_does_not_wake_it_early(durable):
    event_id = durable.send("f/short-sleep")
    run = durable.run(event_id)
    status, _ = durable.request("POST", f"/v1/runs/{run.run_id}/redrive")
    assert status == 202
    durable.run_until_idle()
    assert durable.run(event_id).step("nap").status == "Scheduled"
    durable.advance(31)
    assert_completed(durable.run(event_id), "woke")
