"""`timeouts=Timeouts(start, finish)`: runs that wait or run too long are cancelled."""

from __future__ import annotations

from tests.e2e.flow_support import tag, wait_runs


def test_start_timeout_cancels_a_run_that_waited_too_long(api):
    t = tag()
    first = api.send("flow/timeout-start", {"k": t, "name": "first"})
    # Throttled to one start per 3 s: the second would start 3 s late, past its 1 s budget.
    second = api.send("flow/timeout-start", {"k": t, "name": "second"})
    (ran,) = wait_runs(api, [first], timeout=20)
    (late,) = wait_runs(api, [second], timeout=20)
    assert ran["status"] == "Completed"
    assert late["status"] == "Cancelled"
    assert "timeouts.start" in late["output"]["message"]
    assert late["steps"] == []


def test_finish_timeout_cancels_a_run_that_runs_too_long(api):
    event_id = api.send("flow/timeout-finish", {"nap": 3})
    (run,) = wait_runs(api, [event_id], timeout=20)
    assert run["status"] == "Cancelled"
    assert "timeouts.finish" in run["output"]["message"]
    assert [s["name"] for s in run["steps"]] == ["first", "nap"]  # "last" never ran
