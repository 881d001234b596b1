"""`POST /v0/gql`: the queries Inngest's SDK test helpers send, answered with Inngest's shapes."""

from __future__ import annotations

import json

import pytest

RUNS_OF_EVENT = """
query GetRunFromEventID($event_id: ID!) {
  event(query: {eventId: $event_id}) { functionRuns { id } }
}"""
RUN_STATUS = """
query GetRun($run_id: String!) {
  run(runID: $run_id) { output status }
  runTrigger(runID: $run_id) { payloads }
}"""
SPANS = """
query GetHistory($run_id: String!) {
  run(runID: $run_id) { trace { childrenSpans { name outputID } } }
}"""
SPAN_OUTPUT = """
query GetOutput($output_id: String!) {
  runTraceSpanOutputByID(outputID: $output_id) { data error { message name stack } }
}"""


def gql(api, query: str, **variables) -> dict:
    res = api.http.post("/v0/gql", json={"query": query, "variables": variables})
    assert res.status_code == 200, res.text
    return res.json()


def test_event_runs_status_output_and_trigger(api):
    event_id = api.send("e2e/three", {"n": 4})
    rest = api.wait_run(event_id)
    runs = gql(api, RUNS_OF_EVENT, event_id=event_id)["data"]["event"]["functionRuns"]
    assert runs == [{"id": rest["run_id"]}]
    data = gql(api, RUN_STATUS, run_id=rest["run_id"])["data"]
    assert data["run"]["status"] == "COMPLETED"
    assert json.loads(data["run"]["output"]) == rest["output"] == {"a": 5, "b": 10, "c": "4->5->10"}
    trigger = json.loads(data["runTrigger"]["payloads"][0])
    assert trigger["id"] == event_id and trigger["data"] == {"n": 4}


def test_one_span_per_step_in_order_with_its_output(api):
    event_id = api.send("e2e/three", {"n": 1})
    rest = api.wait_run(event_id)
    spans = gql(api, SPANS, run_id=rest["run_id"])["data"]["run"]["trace"]["childrenSpans"]
    assert [s["name"] for s in spans] == ["add-one", "double", "describe"]
    outputs = [
        gql(api, SPAN_OUTPUT, output_id=s["outputID"])["data"]["runTraceSpanOutputByID"]
        for s in spans
    ]
    assert [json.loads(o["data"]) for o in outputs] == [2, 4, "1->2->4"]
    assert all(o["error"] is None for o in outputs)


def test_a_failed_step_and_run_show_inngest_error_shapes(api):
    event_id = api.send("e2e/doomed")
    rest = api.wait_run(event_id, count=1)
    data = gql(api, RUN_STATUS, run_id=rest["run_id"])["data"]
    assert data["run"]["status"] == "FAILED"
    assert json.loads(data["run"]["output"])["message"] == "boom in step"
    spans = gql(api, SPANS, run_id=rest["run_id"])["data"]["run"]["trace"]["childrenSpans"]
    explode = [s for s in spans if s["name"] == "explode"][0]
    out = gql(api, SPAN_OUTPUT, output_id=explode["outputID"])["data"]["runTraceSpanOutputByID"]
    assert out["data"] is None
    assert out["error"]["message"] == "boom in step" and out["error"]["name"] == "ValueError"


def test_a_running_run_is_running_and_a_missing_one_is_null(api):
    event_id = api.send("e2e/sleep", {"seconds": 30})
    run = api.wait_step(event_id, "nap", "Scheduled")
    assert gql(api, RUN_STATUS, run_id=run["run_id"])["data"]["run"]["status"] == "RUNNING"
    api.http.delete(f"/v1/runs/{run['run_id']}")
    missing = gql(api, RUN_STATUS, run_id="01JAAAAAAAAAAAAAAAAAAAAAAA")
    assert missing["data"] is None or missing["data"].get("run") is None
    assert "not found" in missing["errors"][0]["message"]
    assert gql(api, RUNS_OF_EVENT, event_id="no-such-event")["data"] == {"event": None}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"query": '{ run(runID: "x") { noSuchField } }'}, "noSuchField"),
        ({"query": "{ nope }"}, "nope"),
        ({"query": "{ run { status } }"}, "runID"),
        ({"query": "query Q($r: String!) { run(runID: $r) { status } }"}, "$r"),
        ({"query": '{ run(runID: "x") { status '}, "Syntax Error"),
        ({"query": "{" * 20_000 + "}" * 20_000}, ""),
        ({"query": '{ runTraceSpanOutputByID(outputID: "garbage") { data } }'}, "not found"),
    ],
)
def test_bad_queries_get_graphql_errors_not_500s(api, body, fragment):
    res = api.http.post("/v0/gql", json=body)
    assert res.status_code in (200, 400), res.text
    errors = res.json()["errors"]
    assert errors and fragment in errors[0]["message"]


@pytest.mark.parametrize(
    "raw", [b"{not json", b"[]", b'{"query": 5}', b'{"query": "{x}", "variables": 3}']
)
def test_unreadable_requests_are_400(api, raw):
    res = api.http.post("/v0/gql", content=raw, headers={"content-type": "application/json"})
    assert res.status_code == 400 and res.json()["errors"]
