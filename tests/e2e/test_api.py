"""The HTTP API: Inngest's shapes, and bad input refused without storing anything."""

from __future__ import annotations

import json

import pytest

from inngest_lambda.runtime import get_runtime
from tests.support.registration import NOWHERE, app_sync, one_step_function


def _stored(event_id: str) -> bool:
    return get_runtime().store.get_event(event_id) is not None


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"{not json", 400, "not valid JSON"),
        (json.dumps({"data": {}}).encode(), 400, "'name' is required"),
        (json.dumps({"name": ""}).encode(), 400, "'name' is required"),
        (json.dumps({"name": "inngest/function.failed"}).encode(), 400, "reserved"),
        (json.dumps({"name": "a", "data": [1, 2]}).encode(), 400, "'data' must be a JSON object"),
        (json.dumps({"name": "a", "data": {"x": "y" * 3_200_000}}).encode(), 413, "larger than"),
        (json.dumps([{"name": "a"}] * 5001).encode(), 413, "too many events"),
    ],
)
def test_bad_input_gets_a_4xx_naming_the_problem(api, body, status, fragment):
    res = api.http.post("/e/key", content=body, headers={"content-type": "application/json"})
    assert res.status_code == status
    assert fragment in res.json()["error"]


def test_batch_of_events_gets_one_id_each(api):
    res = api.http.post("/e/key", json=[{"name": "e2e/none"}, {"name": "e2e/none"}])
    body = res.json()
    assert res.status_code == 200 and body["status"] == 200
    assert len(body["ids"]) == 2 and len(set(body["ids"])) == 2
    assert all(_stored(i) for i in body["ids"])


def test_event_id_starts_each_function_at_most_once(api):
    first = api.send("e2e/three", {"n": 2}, id="dedupe-me-1")
    second = api.send("e2e/three", {"n": 2}, id="dedupe-me-1")
    assert first == second == "dedupe-me-1"
    run = api.wait_run(first)
    assert run["status"] == "Completed"
    assert len(api.runs(first)) == 1


def test_sdk_seed_header_makes_a_retried_send_idempotent(api):
    import base64

    seed = f"1700000000000,{base64.b64encode(b'abcdefghij').decode()}"
    headers = {"x-inngest-event-id-seed": seed}
    one = api.http.post("/e/key", json={"name": "e2e/three", "data": {"n": 3}}, headers=headers)
    two = api.http.post("/e/key", json={"name": "e2e/three", "data": {"n": 3}}, headers=headers)
    assert one.json()["ids"] == two.json()["ids"]
    api.wait_run(one.json()["ids"][0])
    assert len(api.runs(one.json()["ids"][0])) == 1


def test_event_with_no_matching_function_is_stored_with_no_runs(api):
    event_id = api.send("e2e/nobody-listens")
    assert _stored(event_id)
    assert api.runs(event_id) == []


def test_unknown_run_is_404(api):
    res = api.http.get("/v1/runs/01JAAAAAAAAAAAAAAAAAAAAAAA")
    assert res.status_code == 404
    assert "not found" in res.json()["error"]


def test_run_shape_matches_inngest_rest_api(api):
    event_id = api.send("e2e/three", {"n": 0})
    run = api.wait_run(event_id)
    for field in (
        "run_id",
        "function_id",
        "status",
        "event_id",
        "output",
        "run_started_at",
        "ended_at",
    ):
        assert field in run
    assert run["function_id"] == "e2e-three-steps"
    assert run["event_id"] == event_id
    assert run["run_started_at"].endswith("Z") and run["ended_at"] >= run["run_started_at"]
    for s in run["steps"]:
        assert {"name", "status", "attempts", "started_at", "ended_at"} <= set(s)


def test_sdk_serve_endpoint_is_mounted(api):
    res = api.http.get("/api/inngest")
    assert res.status_code == 200
    assert res.json()["function_count"] == len(get_runtime().functions)


def test_client_send_from_the_official_sdk(api, stack):
    import inngest

    client = inngest.Inngest(app_id="sender", is_production=False, event_api_base_url=stack.url)
    ids = client.send_sync(inngest.Event(name="e2e/three", data={"n": 5}))
    run = api.wait_run(ids[0])
    assert run["output"]["c"] == "5->6->12"


def test_register_an_app_served_elsewhere(api):
    step_url = f"{NOWHERE}?fnId=remote-app-hello&stepId=step"
    fn = one_step_function("remote-app-hello", [{"event": "remote/never"}], step_url, name="hello")
    body = app_sync("remote-app", [fn], as_sdk=True)
    assert api.http.post("/fn/register", json=body).json() == {"ok": True, "modified": True}
    assert get_runtime().registry.get("remote-app-hello") is not None
    bad = api.http.post("/fn/register", json={"appname": "x", "url": "ftp://nope", "functions": []})
    assert bad.status_code == 400 and "url" in bad.json()["error"]
