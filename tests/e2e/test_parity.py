"""Inngest's exact executor semantics, through the real handler on moto (issue 9).

The figures asserted here are the ones Inngest's executor produces and the SDK's own integration
suite checks (request counts per run, step order in race mode, errors never retried).
"""

from __future__ import annotations

import pytest

from inngest_lambda import aws, runtime
from inngest_lambda.local.stack import LocalStack
from tests.e2e.conftest import _free_port, step


@pytest.fixture(scope="module")
def stack():
    port = _free_port()
    env = {
        "INNGEST_DEV": f"http://127.0.0.1:{port}",
        "INNGEST_LAMBDA_FUNCTIONS": "tests.e2e.parity_workflows",
        "INNGEST_LAMBDA_RETRY_SCALE": "0.01",
        "INNGEST_LAMBDA_LOG_LEVEL": "WARNING",
    }
    runtime.get_runtime.cache_clear()
    aws.reset()
    with LocalStack(port=port, env=env, concurrency=4) as st:
        yield st
    runtime.get_runtime.cache_clear()
    aws.reset()


@pytest.fixture()
def fns():
    from tests.e2e import parity_workflows

    return parity_workflows


def test_parallel_group_then_a_step_takes_inngests_six_requests(api, fns):
    """1 discovery planning the group, 3 targeted steps (the invoke is not a request), 1 discovery
    after the group that runs `after` at once (immediate execution is back on), 1 that ends."""
    event_id = api.send("parity/parallel")
    run = api.wait_run(event_id)
    assert run["status"] == "Completed", run
    assert run["output"] == {"group": ["done", 1, 2, 1], "after": "after"}
    assert fns.REQUESTS[run["run_id"]] == 6
    assert fns.CALLS[f"after:{run['run_id']}"] == 1
    assert step(run, "after")["status"] == "Completed"


def test_race_mode_runs_each_branch_on_as_its_steps_finish(api, fns):
    """A discovery follows each finished step while the other branch still runs: the fast branch
    finishes both steps before the slow branch's first one ends. 1 + 4 steps + 4 discoveries."""
    event_id = api.send("parity/race")
    run = api.wait_run(event_id)
    assert run["status"] == "Completed", run
    assert run["output"] == ["a.1", "a.2", "b.1", "b.2"]
    assert fns.REQUESTS[run["run_id"]] == 9


def test_nested_step_fails_the_run_at_once_without_retries(api, fns):
    event_id = api.send("parity/nested")
    run = api.wait_run(event_id)
    run_id = run["run_id"]
    assert run["status"] == "Failed"
    assert run["output"]["message"] == "Nested steps are not supported."
    assert run["output"]["code"] == "step_errored"
    assert fns.CALLS[f"outer:{run_id}"] == 1  # retries=5, yet never retried
    assert fns.CALLS[f"inner:{run_id}"] == 0
    assert fns.CALLS[f"caught:{run_id}"] == 0
    assert fns.CALLS[f"after:{run_id}"] == 0
    assert step(run, "outer")["status"] == "Failed"


def test_no_retry_header_on_a_function_error_fails_the_run_at_once(api, fns):
    event_id = api.send("parity/nonretry-fn")
    run = api.wait_run(event_id)
    assert run["status"] == "Failed"
    assert run["output"]["message"] == "card declined"
    assert fns.CALLS[f"nonretry-fn:{run['run_id']}"] == 1
