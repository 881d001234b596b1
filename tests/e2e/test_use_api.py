"""`use_api`: a remote app whose run state is over the inline limit fetches it from the API
(`/v0/runs/{id}/actions` and `/batch`), as the SDK does on Inngest."""

from __future__ import annotations

import datetime
import json

import fastapi
import httpx
import inngest
import inngest.fast_api
import pytest

from inngest_lambda.settings import get_settings
from tests.support.servers import serve_asgi

PAD = 40_000  # bytes per step output / event: three of them exceed the test's inline limit
RECEIVED: list[dict] = []  # what the remote app was sent: use_api flag and state sizes
BODIES: dict[str, int] = {}
BATCHES: list[int] = []


@pytest.fixture()
def small_inline_limit(monkeypatch):
    monkeypatch.setenv("INNGEST_LAMBDA_SDK_INLINE_STATE_BYTES", "100000")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("INNGEST_LAMBDA_SDK_INLINE_STATE_BYTES", raising=False)
    get_settings.cache_clear()


@pytest.fixture()
def remote_app(stack, small_inline_limit):
    client = inngest.Inngest(
        app_id="bigstate", is_production=False, api_base_url=stack.url, event_api_base_url=stack.url
    )

    @client.create_function(
        fn_id="steps", retries=0, trigger=inngest.TriggerEvent(event="big/steps")
    )
    async def steps(ctx: inngest.Context) -> int:
        total = 0
        for i in range(4):

            def body(i: int = i) -> str:
                BODIES[f"{ctx.run_id}:{i}"] = BODIES.get(f"{ctx.run_id}:{i}", 0) + 1
                return str(i) * PAD

            total += len(await ctx.step.run(f"step-{i}", body))
        return total

    @client.create_function(
        fn_id="batch",
        retries=0,
        batch_events=inngest.Batch(max_size=3, timeout=datetime.timedelta(seconds=2)),
        trigger=inngest.TriggerEvent(event="big/batch"),
    )
    async def batch(ctx: inngest.Context) -> list[int]:
        BATCHES.append(len(ctx.events))
        return [len(e.data["pad"]) for e in ctx.events]

    app = fastapi.FastAPI()

    @app.middleware("http")
    async def record(request: fastapi.Request, call_next):  # noqa: ANN001, ANN202
        if request.method == "POST":
            body = json.loads(await request.body())
            RECEIVED.append(
                {
                    "use_api": body["use_api"],
                    "steps": len(body["steps"]),
                    "run": body["ctx"]["run_id"],
                }
            )
        return await call_next(request)

    @client.create_function(fn_id="huge", retries=0, trigger=inngest.TriggerEvent(event="big/huge"))
    async def huge(ctx: inngest.Context) -> None:
        for i in range(10):  # 10 MB of state, as the SDK's own test_steps_that_needs_api

            def body(i: int = i) -> str:
                BODIES[f"{ctx.run_id}:{i}"] = BODIES.get(f"{ctx.run_id}:{i}", 0) + 1
                return "a" * 1024 * 1024

            await ctx.step.run(f"step_{i}", body)

    inngest.fast_api.serve(app, client, [steps, batch, huge])
    with serve_asgi(app) as url:
        assert httpx.put(f"{url}/api/inngest", timeout=10).status_code == 200
        yield url


def test_steps_over_the_inline_limit_are_fetched_from_the_api(api, remote_app):
    event_id = api.send("big/steps")
    run = api.wait_run(event_id)
    assert run["status"] == "Completed", run
    assert run["output"] == 4 * PAD
    mine = [r for r in RECEIVED if r["run"] == run["run_id"]]
    # Small state travels inline; once over the limit the SDK is told to fetch it.
    assert mine[0] == {"use_api": False, "steps": 0, "run": run["run_id"]}
    assert any(r["use_api"] and r["steps"] == 0 for r in mine)
    # Every step body ran exactly once: the fetched memos were the real ones.
    assert [BODIES[f"{run['run_id']}:{i}"] for i in range(4)] == [1, 1, 1, 1]


def test_a_batch_over_the_inline_limit_is_fetched_from_the_api(api, remote_app):
    res = api.http.post("/e/key", json=[{"name": "big/batch", "data": {"pad": "b" * PAD}}] * 3)
    assert res.status_code == 200
    run = api.wait_run(res.json()["ids"][0])
    assert run["status"] == "Completed", run
    assert run["output"] == [PAD, PAD, PAD]
    assert any(r["use_api"] for r in RECEIVED if r["run"] == run["run_id"])


def test_run_state_endpoints_answer_the_sdk_shapes(api, remote_app):
    event_id = api.send("big/steps")
    run = api.wait_run(event_id)
    actions = api.http.get(f"/v0/runs/{run['run_id']}/actions").json()
    assert actions == {s["id"]: {"data": str(i) * PAD} for i, s in enumerate(run["steps"])}
    batch = api.http.get(f"/v0/runs/{run['run_id']}/batch").json()
    assert [e["id"] for e in batch] == [event_id]
    assert api.http.get("/v0/runs/01JAAAAAAAAAAAAAAAAAAAAAAA/actions").status_code == 404


def test_ten_megabytes_of_state_reach_the_sdk_through_the_lambda_limit(
    api, remote_app, monkeypatch
):
    """At the default 4 MB inline limit the state goes over `use_api`; its 10 MB answer fits
    in Lambda's 6 MB response (reproduced by the local API Gateway) because it is gzipped."""
    monkeypatch.delenv("INNGEST_LAMBDA_SDK_INLINE_STATE_BYTES")
    get_settings.cache_clear()
    event_id = api.send("big/huge")
    run = api.wait_run(event_id, timeout=120)
    assert run["status"] == "Completed", run
    assert [BODIES[f"{run['run_id']}:{i}"] for i in range(10)] == [1] * 10
    mine = [r for r in RECEIVED if r["run"] == run["run_id"]]
    assert any(r["use_api"] for r in mine) and not mine[0]["use_api"]
    raw = httpx.get(f"{api.stack.url}/v0/runs/{run['run_id']}/actions", timeout=30)
    assert raw.headers["content-encoding"] == "gzip" and len(raw.json()) == 10
