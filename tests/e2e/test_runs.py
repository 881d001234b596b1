"""End to end through the Lambda handler on moto: functions written with the official SDK."""

from __future__ import annotations

import time

from tests.e2e.conftest import step


def test_multi_step_function_completes_with_each_step_memoized(api, calls):
    event_id = api.send("e2e/three", {"n": 4})
    run = api.wait_run(event_id)
    assert run["status"] == "Completed"
    assert run["output"] == {"a": 5, "b": 10, "c": "4->5->10"}
    assert [s["name"] for s in run["steps"]] == ["add-one", "double", "describe"]
    assert all(s["status"] == "Completed" and s["attempts"] == 1 for s in run["steps"])
    assert step(run, "double")["output"] == 10
    rid = run["run_id"]
    # Replays never re-ran a finished step's body.
    assert [calls[f"three:{rid}:{k}"] for k in "abc"] == [1, 1, 1]


def test_sleep_wakes_the_run_after_the_duration(api):
    sent = time.time()
    event_id = api.send("e2e/sleep", {"seconds": 2})
    run = api.wait_run(event_id, timeout=30)
    assert run["status"] == "Completed"
    assert run["output"] == {"before": "before", "after": "after"}
    nap = step(run, "nap")
    assert nap["status"] == "Completed"
    assert time.time() - sent >= 2
    assert step(run, "after")["started_at"] >= nap["ended_at"]


def test_non_retriable_error_fails_the_run_at_once(api, calls):
    event_id = api.send("e2e/nonretry")
    run = api.wait_run(event_id)
    assert run["status"] == "Failed"
    assert run["output"]["message"] == "card declined"
    assert run["output"]["name"] == "NonRetriableError"
    assert calls[f"nonretry:{run['run_id']}"] == 1


def test_on_failure_handler_runs_with_the_error(api):
    event_id = api.send("e2e/doomed", {"order": 7})
    run = api.wait_run(event_id)
    assert run["status"] == "Failed"
    assert run["output"]["message"] == "boom in step"
    # The failure handler is triggered by inngest/function.failed.
    failure_runs = _wait_for_function_run(api, "e2e-doomed-failure", run["run_id"])
    assert failure_runs["status"] == "Completed"
    assert failure_runs["output"] == {
        "failed_function": "e2e-doomed",
        "error": "boom in step",
        "original": {"order": 7},
    }


def _wait_for_function_run(api, function_id, failed_run_id, timeout=20):
    from inngest_lambda.core.ids import deterministic_id

    failed_event = deterministic_id(failed_run_id, "failed")
    run = api.wait_run(failed_event, timeout=timeout)
    assert run["function_id"] == function_id
    return run


def test_parallel_steps_each_run_once_then_join(api, calls):
    event_id = api.send("e2e/parallel")
    run = api.wait_run(event_id)
    assert run["status"] == "Completed"
    assert run["output"] == {"results": [0, 10, 20], "total": 30}
    names = [s["name"] for s in run["steps"]]
    assert sorted(names[:3]) == ["branch-0", "branch-1", "branch-2"]
    assert names[-1] == "sum"
    assert [calls[f"par:{run['run_id']}:{i}"] for i in range(3)] == [1, 1, 1]


def test_invoke_returns_the_child_result(api):
    event_id = api.send("e2e/parent", {"value": 21})
    run = api.wait_run(event_id)
    assert run["status"] == "Completed"
    assert run["output"] == {"from_child": {"doubled": 42}}
    assert step(run, "call-child")["status"] == "Completed"


def test_invoke_of_a_failing_child_raises_step_error_in_the_parent(api):
    event_id = api.send("e2e/parent", {"value": 1, "fail": True})
    run = api.wait_run(event_id)
    assert run["status"] == "Completed"
    assert run["output"] == {"child_error": "child refused"}


def test_send_event_step_starts_another_function(api):
    event_id = api.send("e2e/announce", {"tag": "hello"})
    run = api.wait_run(event_id)
    assert run["status"] == "Completed"
    (sent_id,) = run["output"]
    listener = api.wait_run(sent_id)
    assert listener["function_id"] == "e2e-listener"
    assert listener["output"] == "heard hello"


def test_one_megabyte_step_output_round_trips(api):
    size = 1024 * 1024
    event_id = api.send("e2e/big", {"size": size})
    run = api.wait_run(event_id)
    assert run["status"] == "Completed"
    assert run["output"] == {"length": size, "tail": "xxxxx"}
    assert len(step(run, "make-blob")["output"]) == size


def test_duplicate_delivery_of_every_message_gives_one_result_per_step(api, stack, calls):
    stack.pump.duplicate_deliveries = True
    try:
        event_id = api.send("e2e/three", {"n": 1})
        sleep_id = api.send("e2e/sleep", {"seconds": 1})
        run = api.wait_run(event_id)
        slept = api.wait_run(sleep_id)
    finally:
        stack.pump.duplicate_deliveries = False
    assert run["output"] == {"a": 2, "b": 4, "c": "1->2->4"}
    assert [calls[f"three:{run['run_id']}:{k}"] for k in "abc"] == [1, 1, 1]
    assert slept["status"] == "Completed"
    assert [s["name"] for s in slept["steps"]] == ["before", "nap", "after"]
    assert all(s["attempts"] == 1 for s in run["steps"] + slept["steps"])


def test_invoke_of_a_missing_function_or_past_its_timeout_raises_in_the_caller(api):
    event_id = api.send("e2e/invoke-edge")
    run = api.wait_run(event_id, timeout=20)
    assert run["status"] == "Completed"
    assert "no-such-function" in run["output"]["missing"]
    assert "Timed out" in run["output"]["slow"]
    assert step(run, "slow")["status"] == "Failed"
