"""Rerun from a step (issue 23, item 4), end to end through the `durable` fixture and the real
handler: the steps before the chosen one are memoized (not executed again), the chosen one and
the rest run fresh, both runs link each other, and a refused rerun stores nothing."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from inngest_lambda import runtime
from inngest_lambda.core import aws
from inngest_lambda.settings import get_settings
from tests.support.apps import rerun_functions

pytestmark = pytest.mark.durable(functions="tests.support.apps.rerun_functions")
FN = "rerun-app-five-steps"


@pytest.fixture(autouse=True)
def _reset():
    rerun_functions.CALLS.clear()
    rerun_functions.FAIL["step-5"] = False
    yield
    rerun_functions.FAIL["step-5"] = False


def _rerun(durable, run_id: str, body: dict) -> tuple[int, dict]:
    return durable.request("POST", f"/v2/runs/{run_id}/rerun", body)


def _item_count() -> int:
    ddb = aws.client("dynamodb")
    return ddb.scan(TableName=get_settings().table, Select="COUNT")["Count"]


def _failed_run(durable):
    rerun_functions.FAIL["step-5"] = True
    original = durable.run(durable.send("rerun/go", {"n": 7}))
    assert original.status == "Failed"
    rerun_functions.FAIL["step-5"] = False
    assert dict(rerun_functions.CALLS) == {f"step-{n}": 1 for n in range(1, 6)}
    rerun_functions.CALLS.clear()
    return original


def test_rerun_from_step_3_runs_steps_3_to_5_only_and_links_both_ways(durable):
    original = _failed_run(durable)
    status, reply = _rerun(durable, original.run_id, {"fromStep": {"stepId": "step-3"}})
    assert status == 200, reply
    new_id = reply["data"]["runId"]
    durable.run_until_idle()

    rerun = durable.get_run(new_id)
    assert rerun.status == "Completed", durable.describe()
    assert rerun.output == {"total": 15, "n": 7}
    assert dict(rerun_functions.CALLS) == {"step-3": 1, "step-4": 1, "step-5": 1}
    # Steps 1-2 are there, with the original's outputs, as done steps of the new run.
    assert [rerun.step(f"step-{n}").output for n in range(1, 6)] == [1, 2, 3, 4, 5]

    step_3_id = original.step("step-3").id
    _, view = durable.request("GET", f"/v1/runs/{new_id}")
    assert view["data"]["replay_of"] == original.run_id
    assert view["data"]["rerun_from"] == step_3_id
    store = runtime.get_runtime().store
    assert store.replays_of(original.run_id) == [new_id]


def test_rerun_by_step_id_and_full_rerun(durable):
    original = _failed_run(durable)
    step_4_id = original.step("step-4").id
    status, reply = _rerun(durable, original.run_id, {"fromStep": {"stepId": step_4_id}})
    assert status == 200, reply
    durable.run_until_idle()
    assert durable.get_run(reply["data"]["runId"]).status == "Completed"
    assert dict(rerun_functions.CALLS) == {"step-4": 1, "step-5": 1}

    rerun_functions.CALLS.clear()
    status, reply = _rerun(durable, original.run_id, {})
    assert status == 200, reply
    durable.run_until_idle()
    assert durable.get_run(reply["data"]["runId"]).status == "Completed"
    assert dict(rerun_functions.CALLS) == {f"step-{n}": 1 for n in range(1, 6)}


def test_refused_reruns_name_the_problem_and_store_nothing(durable):
    original = _failed_run(durable)
    same = durable.run(durable.send("rerun/same"))
    assert same.status == "Completed"
    before = _item_count()
    cases = [
        (original.run_id, {"fromStep": {"stepId": "step-9"}}, 400, "step 'step-9' not found"),
        (same.run_id, {"fromStep": {"stepId": "again"}}, 400, "matches 2 steps"),
        ("01NOSUCHRUN", {"fromStep": {"stepId": "step-3"}}, 404, "run 01NOSUCHRUN not found"),
        ("not-a-run-id", {}, 404, "run not-a-run-id not found"),
        (original.run_id, {"fromStep": {}}, 400, "fromStep.stepId is required"),
        (original.run_id, {"fromStep": {"stepId": "step-3", "input": [1]}}, 400, "not supported"),
        (original.run_id, {"fromStep": {"stepId": "step-3", "input": "x"}}, 400, "an array"),
    ]
    for run_id, body, code, message in cases:
        status, reply = _rerun(durable, run_id, body)
        assert status == code, (run_id, body, reply)
        assert message in reply["error"], (run_id, body, reply)
    assert _item_count() == before
    assert runtime.get_runtime().store.replays_of(original.run_id) == []


def _page(durable, method: str, path: str, form: dict[str, str] | None = None):
    body = urllib.parse.urlencode(form or {}).encode()
    headers = [("content-type", "application/x-www-form-urlencoded")] if form else []
    return durable.stack.server.respond(method, path, headers, body, "127.0.0.1")


def test_the_dashboard_reruns_from_the_step_whose_button_was_pressed(durable):
    original = _failed_run(durable)
    step_3 = original.step("step-3").id
    html = _page(durable, "GET", f"/runs/{original.run_id}").body.decode()
    # One "Rerun from here" per step, each posting its step's id.
    forms = re.findall(
        rf'action="/runs/{original.run_id}/rerun"><input type=hidden name=csrf value="([^"]+)">'
        r'<input type=hidden name=step value="([^"]+)">',
        html,
    )
    assert [step for _, step in forms] == [original.step(f"step-{n}").id for n in range(1, 5)]
    csrf = forms[0][0]

    res = _page(durable, "POST", f"/runs/{original.run_id}/rerun", {"csrf": csrf, "step": step_3})
    assert res.status == 303
    new_id = dict(res.headers)["location"].rsplit("/", 1)[-1]
    durable.run_until_idle()
    assert durable.get_run(new_id).output == {"total": 15, "n": 7}
    assert dict(rerun_functions.CALLS) == {"step-3": 1, "step-4": 1, "step-5": 1}
    page = _page(durable, "GET", f"/runs/{new_id}").body.decode()
    assert f'Rerun of</dt><dd><a href="/runs/{original.run_id}"' in page
    assert "from step step-3" in page
    page = _page(durable, "GET", f"/runs/{original.run_id}").body.decode()
    assert f'Replayed as</dt><dd><a href="/runs/{new_id}"' in page

    before = _item_count()
    bad = _page(durable, "POST", f"/runs/{original.run_id}/rerun", {"csrf": csrf, "step": "nope"})
    assert bad.status == 400 and "step &#x27;nope&#x27; not found" in bad.body.decode()
    assert _item_count() == before
