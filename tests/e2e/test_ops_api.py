"""The operator's JSON API: listing runs and functions, replay (one and bulk), invoke."""

from __future__ import annotations

import time

from tests.support.waiting import TERMINAL, wait_for


def _wait_ended(api, run_id: str, timeout: float = 30) -> dict:
    def ended() -> dict | None:
        run = api.run(run_id)
        return run if run["status"] in TERMINAL else None

    return wait_for(ended, timeout, what=lambda: f"the end of run {api.run(run_id)}")


def test_runs_list_filters_by_function_status_and_time(api):
    ok = api.wait_run(api.send("e2e/three", {"n": 1}))
    failed = api.wait_run(api.send("e2e/nonretry"))
    res = api.http.get("/v1/runs", params={"function_id": "e2e-non-retriable", "status": "failed"})
    assert res.status_code == 200, res.text
    ids = [r["run_id"] for r in res.json()["data"]]
    assert failed["run_id"] in ids and ok["run_id"] not in ids
    assert all(r["status"] == "Failed" for r in res.json()["data"])

    every = api.http.get("/v1/runs", params={"since": "1h", "limit": 500}).json()["data"]
    listed = [r["run_id"] for r in every]
    assert listed.index(failed["run_id"]) < listed.index(ok["run_id"])  # newest first
    later = api.http.get("/v1/runs", params={"since": "2099-01-01T00:00:00Z"}).json()
    assert later["data"] == [] and later["metadata"]["next_cursor"] is None

    page = api.http.get("/v1/runs", params={"limit": 1}).json()
    assert len(page["data"]) == 1 and page["metadata"]["next_cursor"]
    nxt = api.http.get("/v1/runs", params={"limit": 1, "cursor": page["metadata"]["next_cursor"]})
    assert nxt.json()["data"][0]["run_id"] < page["data"][0]["run_id"]


def test_runs_list_names_bad_parameters(api):
    bad = api.http.get("/v1/runs", params={"status": "Done"})
    assert bad.status_code == 400 and "unknown status 'Done'" in bad.json()["error"]
    bad = api.http.get("/v1/runs", params={"since": "yesterday"})
    assert bad.status_code == 400 and "'since'" in bad.json()["error"]
    bad = api.http.get("/v1/runs", params={"limit": "0"})
    assert bad.status_code == 400 and "'limit'" in bad.json()["error"]
    missing = api.http.get("/v1/runs", params={"function_id": "nope"})
    assert missing.status_code == 404 and "function nope not found" in missing.json()["error"]


def test_replay_starts_a_new_run_from_the_same_event(api):
    event_id = api.send("e2e/three", {"n": 2})
    original = api.wait_run(event_id)
    res = api.http.post(f"/v1/runs/{original['run_id']}/replay")
    assert res.status_code == 201, res.text
    new_id = res.json()["data"]["run_id"]
    assert new_id != original["run_id"]
    replayed = _wait_ended(api, new_id)
    assert replayed["status"] == "Completed"
    assert replayed["output"] == original["output"]
    assert replayed["replay_of"] == original["run_id"]
    assert replayed["event_id"] == event_id
    # The event lists both runs.
    assert {r["run_id"] for r in api.runs(event_id)} == {original["run_id"], new_id}
    assert api.http.post("/v1/runs/01NOPE/replay").status_code == 404


def test_bulk_replay_replays_the_failed_runs_of_a_function_in_a_window(api):
    failed = [api.wait_run(api.send("e2e/nonretry"))["run_id"] for _ in range(2)]
    res = api.http.post(
        "/v1/runs/replay",
        json={"function_id": "e2e-non-retriable", "status": "Failed", "since": "1h"},
    )
    assert res.status_code == 200, res.text
    pairs = res.json()["data"]
    assert set(failed) <= {p["run_id"] for p in pairs}
    for p in pairs:
        assert _wait_ended(api, p["replay_run_id"])["replay_of"] == p["run_id"]
    none = api.http.post(
        "/v1/runs/replay", json={"function_id": "e2e-non-retriable", "since": "2099-01-01T00:00Z"}
    )
    assert none.json()["data"] == []
    assert api.http.post("/v1/runs/replay", json={}).status_code == 400
    assert api.http.post("/v1/runs/replay", json={"function_id": "nope"}).status_code == 404


def test_invoke_runs_a_function_with_a_payload(api):
    res = api.http.post("/v1/functions/e2e-three-steps/invoke", json={"data": {"n": 10}})
    assert res.status_code == 201, res.text
    run = _wait_ended(api, res.json()["data"]["run_id"])
    assert run["status"] == "Completed"
    assert run["output"]["c"] == "10->11->22"
    assert api.http.post("/v1/functions/nope/invoke", json={}).status_code == 404
    bad = api.http.post("/v1/functions/e2e-three-steps/invoke", json={"data": [1]})
    assert bad.status_code == 400 and "'data'" in bad.json()["error"]


def test_functions_show_triggers_cron_next_fire_flow_control_and_counts(api):
    api.wait_run(api.send("e2e/nonretry"))
    fns = {f["id"]: f for f in api.http.get("/v1/functions").json()["data"]}
    assert fns["e2e-three-steps"]["triggers"][0]["event"] == "e2e/three"
    assert fns["e2e-non-retriable"]["counts"]["Failed"] >= 1
    cron = fns["e2e-flow-cron"]["triggers"][0]
    assert cron["cron"] and cron["next_fire"] > time.strftime("%Y-%m-%dT%H:%M", time.gmtime())
    assert "rateLimit" in fns["e2e-flow-rate-limit"]["flow"]
