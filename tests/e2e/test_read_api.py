"""Reading events and runs back: `GET /v1/events`, `/v1/events/{id}`, and responses that never
exceed AWS Lambda's 6 MB limit (large values come as references, read in pages)."""

from __future__ import annotations

import json
import time

import pytest

from inngest_lambda.core import clock


def _read_all_pages(api, url: str) -> object:
    text, offset = "", 0
    while offset is not None:
        page = api.http.get(url, params={"offset": offset}).json()
        text += page["data"]
        offset = page["next_offset"]
    return json.loads(text)


def test_events_list_newest_first_with_name_filter_and_cursor(api):
    start = clock.iso(clock.now() - 1)
    sent = [api.send("e2e/listed", {"i": i}) for i in range(5)]
    api.send("e2e/other-name")
    page = api.http.get("/v1/events", params={"name": "e2e/listed", "limit": 3}).json()
    assert [e["id"] for e in page["data"]] == sent[::-1][:3]
    first = page["data"][0]
    assert first["name"] == "e2e/listed" and first["data"] == {"i": 4}
    assert first["receivedAt"].endswith("Z") and isinstance(first["ts"], int)
    rest = api.http.get(
        "/v1/events", params={"name": "e2e/listed", "limit": 3, "cursor": page["cursor"]}
    ).json()
    assert [e["id"] for e in rest["data"]] == sent[::-1][3:]
    recent = api.http.get("/v1/events", params={"received_after": start, "limit": 100}).json()
    assert set(sent) <= {e["id"] for e in recent["data"]}
    future = clock.iso(clock.now() + 3600)
    assert api.http.get("/v1/events", params={"received_after": future}).json()["data"] == []


def test_one_event_and_a_runs_trigger_are_readable(api):
    event_id = api.send("e2e/three", {"n": 7})
    run = api.wait_run(event_id)
    got = api.http.get(f"/v1/events/{run['event_id']}").json()["data"]
    assert got["id"] == event_id and got["data"] == {"n": 7} and got["name"] == "e2e/three"
    assert api.http.get("/v1/events/no-such-event").status_code == 404


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"received_after": "yesterday"}, "'received_after' must be an ISO 8601 time"),
        ({"limit": "0"}, "'limit' must be an integer from 1 to 100"),
        ({"limit": "many"}, "'limit'"),
        ({"cursor": "garbage"}, "'cursor'"),
    ],
)
def test_bad_list_parameters_are_400(api, params, fragment):
    res = api.http.get("/v1/events", params=params)
    assert res.status_code == 400 and fragment in res.json()["error"]


def test_a_page_of_large_events_ends_early_instead_of_exceeding_6_mb(api):
    name = f"e2e/large-{time.time_ns()}"
    sent = [api.send(name, {"pad": str(i) * 2_500_000}) for i in range(3)]
    page = api.http.get("/v1/events", params={"name": name}).json()
    assert [e["id"] for e in page["data"]] == sent[::-1][:2]
    rest = api.http.get("/v1/events", params={"name": name, "cursor": page["cursor"]}).json()
    assert [e["id"] for e in rest["data"]] == sent[:1]


def test_a_run_whose_outputs_exceed_6_mb_answers_with_references(api):
    size = 2_500_000
    event_id = api.send("e2e/big-steps", {"steps": 3, "size": size, "return_size": size})
    run = api.wait_run(event_id, timeout=60)  # wait_run itself reads GET /v1/runs/{id}
    assert run["status"] == "Completed"
    refs = [s for s in run["steps"] if s["output"] is None]
    assert refs, "some step outputs must have been replaced by references"
    for step in refs:
        assert step["output_ref"]["bytes"] > size
        assert _read_all_pages(api, step["output_ref"]["url"]) == step["name"][-1] * size
    kept = [s for s in run["steps"] if s["output"] is not None]
    assert all(s["output"] == s["name"][-1] * size for s in kept)
    runs = api.runs(event_id)  # /v1/events/{id}/runs: within the limit too
    assert runs[0]["output"] == "r" * size or runs[0]["output_ref"]
    assert _read_all_pages(api, f"/v1/runs/{run['run_id']}/output") == "r" * size


def test_graphql_leaves_out_values_that_would_exceed_6_mb_with_an_error(api):
    size = 2_500_000
    event_id = api.send("e2e/big-steps", {"steps": 3, "size": size})
    run = api.wait_run(event_id, timeout=60)
    spans = api.http.post(
        "/v0/gql",
        json={
            "query": "query($r: String!) "
            "{ run(runID: $r) { trace { childrenSpans { outputID } } } }",
            "variables": {"r": run["run_id"]},
        },
    ).json()["data"]["run"]["trace"]["childrenSpans"]
    fields = " ".join(
        f'o{i}: runTraceSpanOutputByID(outputID: "{s["outputID"]}") {{ data }}'
        for i, s in enumerate(spans)
    )
    res = api.http.post("/v0/gql", json={"query": "{ " + fields + " }"})
    assert res.status_code == 200
    body = res.json()
    left_out = [e for e in body["errors"] if "6 MB" in e["message"]]
    assert left_out and all(e["path"][-1] == "data" for e in left_out)
    kept = [v["data"] for v in body["data"].values() if v["data"] is not None]
    assert kept and all(len(json.loads(d)) == size for d in kept)
