"""Production mode: the SDK verifies our request signatures and refuses unsigned requests."""

from __future__ import annotations

import asyncio

import fastapi
import inngest
import inngest.fast_api

from inngest_lambda.sdk import client as sdk
from inngest_lambda.sdk.body import RequestBody

KEY = "signkey-prod-" + "12" * 32


def _app() -> fastapi.FastAPI:
    client = inngest.Inngest(app_id="prod", is_production=True, signing_key=KEY)

    @client.create_function(fn_id="hello", trigger=inngest.TriggerEvent(event="x"))
    def hello(ctx: inngest.ContextSync) -> str:
        return ctx.step.run("greet", lambda: "hi " + ctx.event.data["who"])

    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, [hello])
    return app


def _body(canonical: bool) -> bytes:
    event = {"name": "x", "data": {"who": "ann"}, "id": "e1", "ts": 1}
    body = RequestBody(event, [event], "r1", canonical=canonical)
    return body.build(attempt=0, max_attempts=5, disable_immediate=False)


def _call(signing_key: str | None) -> sdk.SdkResponse:
    async def go() -> sdk.SdkResponse:
        client = sdk.SdkClient(_app(), signing_key)
        try:
            return await client.call(
                "http://lambda.local/api/inngest?fnId=prod-hello&stepId=step",
                True,
                "prod-hello",
                "step",
                _body(canonical=signing_key is not None),
            )
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_signed_request_is_executed_by_a_production_sdk():
    res = _call(KEY)
    assert res.status == 206
    (op,) = res.body
    assert op["op"] == "StepRun" and op["data"] == "hi ann"
    assert "x-inngest-signature" in res.headers  # the SDK signs its answer too


def test_unsigned_or_wrongly_signed_request_is_refused():
    assert _call(None).status == 401
    assert _call("signkey-prod-" + "34" * 32).status == 401
