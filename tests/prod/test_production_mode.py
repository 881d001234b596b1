"""Production mode end to end: signed SDK requests, event key and API auth enforced."""

from __future__ import annotations

import httpx
import pytest

from inngest_lambda import runtime
from tests.prod.conftest import EVENT_KEY, SIGNING_KEY
from tests.support.waiting import finished_run


def _wait(http: httpx.Client, event_id: str) -> dict:
    return finished_run(http, event_id, ended={"Completed", "Failed"})


def test_signed_requests_run_functions_and_send_event_uses_the_event_key(prod):
    res = prod.post(f"/e/{EVENT_KEY}", json={"name": "prod/greet", "data": {"name": "ada"}})
    assert res.status_code == 200, res.text
    run = _wait(prod, res.json()["ids"][0])
    assert run["status"] == "Completed", run
    assert run["output"] == "hello Ada"
    # step.send_event went through the event API with the event key, and started `heard`.
    detail = prod.get(f"/v1/runs/{run['run_id']}").json()["data"]
    (sent_id,) = next(s for s in detail["steps"] if s["name"] == "tell")["output"]
    assert _wait(prod, sent_id)["output"] == "heard Ada"


def test_wrong_event_key_is_refused(prod):
    res = prod.post("/e/not-the-key", json={"name": "prod/greet", "data": {"name": "x"}})
    assert res.status_code == 401


def test_run_api_needs_the_signing_key(prod):
    url = str(prod.base_url).rstrip("/") + "/v1/runs/01JAAAAAAAAAAAAAAAAAAAAAAA"
    assert httpx.get(url).status_code == 401
    wrong = {"Authorization": "Bearer signkey-prod-" + "00" * 32}
    assert httpx.get(url, headers=wrong).status_code == 401
    assert prod.get("/v1/runs/01JAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404


def test_redrive_needs_the_signing_key(prod):
    path = "/v1/runs/01JAAAAAAAAAAAAAAAAAAAAAAA/redrive"
    assert httpx.post(str(prod.base_url).rstrip("/") + path).status_code == 401
    assert prod.post(path).status_code == 404


def test_rerun_needs_the_signing_key(prod):
    path = "/v2/runs/01JAAAAAAAAAAAAAAAAAAAAAAA/rerun"
    body = {"fromStep": {"stepId": "step"}}
    assert httpx.post(str(prod.base_url).rstrip("/") + path, json=body).status_code == 401
    res = prod.post(path, json=body)
    assert res.status_code == 404 and "not found" in res.json()["error"]


def test_unsigned_execution_request_is_refused_by_the_sdk(prod):
    res = prod.post("/api/inngest?fnId=prod-greet&stepId=step", json={"event": {}})
    assert res.status_code == 401


def test_non_ascii_keys_are_401_not_500(prod):
    bearer = {"Authorization": "Bearer clé-ünïcødé".encode()}
    assert prod.get("/v1/runs/01JAAAAAAAAAAAAAAAAAAAAAAA", headers=bearer).status_code == 401
    res = prod.post("/e/cl%C3%A9", json={"name": "prod/greet", "id": "non-ascii-key-1"})
    assert res.status_code == 401
    assert runtime.get_runtime().store.get_event("non-ascii-key-1") is None


@pytest.mark.parametrize("tail", ["actions", "batch"])
def test_run_state_for_use_api_needs_the_signing_key_or_its_hash(prod, tail):
    from inngest_lambda.http import auth

    path = f"/v0/runs/01JAAAAAAAAAAAAAAAAAAAAAAA/{tail}"
    url = str(prod.base_url).rstrip("/") + path
    assert httpx.get(url).status_code == 401
    hashed = {"Authorization": f"Bearer {auth.hashed_key(SIGNING_KEY)}"}  # as the SDK sends it
    assert httpx.get(url, headers=hashed).status_code == 404


def test_graphql_needs_the_signing_key(prod):
    url = str(prod.base_url).rstrip("/") + "/v0/gql"
    query = {"query": '{ run(runID: "01JAAAAAAAAAAAAAAAAAAAAAAA") { status } }'}
    assert httpx.post(url, json=query).status_code == 401
    assert prod.post("/v0/gql", json=query).json() == {"data": {"run": None}}


def test_operator_api_needs_the_signing_key(prod):
    base = str(prod.base_url).rstrip("/")
    run_id = "01JAAAAAAAAAAAAAAAAAAAAAAA"
    unsigned = [
        httpx.get(f"{base}/v1/runs"),
        httpx.get(f"{base}/v1/functions"),
        httpx.post(f"{base}/v1/runs/{run_id}/replay"),
        httpx.post(f"{base}/v1/runs/replay", json={"function_id": "prod-greet"}),
        httpx.post(f"{base}/v1/functions/prod-greet/invoke", json={"data": {}}),
    ]
    assert [r.status_code for r in unsigned] == [401] * 5
    assert prod.get("/v1/runs").status_code == 200
    assert prod.get("/v1/functions").status_code == 200
    assert prod.post(f"/v1/runs/{run_id}/replay").status_code == 404


def test_cli_needs_the_signing_key(prod, capsys, monkeypatch):
    from inngest_lambda.cli.main import main as cli

    url = str(prod.base_url).rstrip("/")
    # The stack runs in this process and reads its signing key from the environment on its first
    # request: make one before taking the key away from the CLI, or the stack, left without a key,
    # would run in dev mode and let the unsigned CLI in (this test passed only after others).
    assert prod.get("/v1/runs").status_code == 200
    monkeypatch.delenv("INNGEST_SIGNING_KEY", raising=False)
    assert cli(["--url", url, "runs", "list"]) == 4
    assert "refused the signing key (401)" in capsys.readouterr().err
    monkeypatch.setenv("INNGEST_SIGNING_KEY", SIGNING_KEY)
    assert cli(["--url", url, "runs", "list"]) == 0
