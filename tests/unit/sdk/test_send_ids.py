"""Send ids are keyed on the sending step itself (send_ids.py): however a request reaches a
`step.send_event` (or a `client.send` in a `step.run`), it sends the same ids; a send in the
function body outside every step sends the same ids on every request that re-runs it."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import fastapi
import httpx
import inngest
import inngest.fast_api
from ulid import ULID

from inngest_lambda.sdk import asgi_call, send_ids

RUN_ID = str(ULID())


def _hashed(step_id: str) -> str:
    return hashlib.sha1(step_id.encode()).hexdigest()


class App:
    """A served client whose event API is a spy recording the ids of each send."""

    def __init__(self, handler: Any) -> None:
        self.sent: list[list[str | None]] = []
        self.client = inngest.Inngest(
            app_id="ids", is_production=False, event_api_base_url="http://events.test"
        )
        self.client._http_client._http_client_sync._transport = httpx.MockTransport(self._answer)
        send_ids.install(self.client)
        self.fn = self.client.create_function(
            fn_id="fn", trigger=inngest.TriggerEvent(event="t/go"), retries=0
        )(handler)
        self.app = fastapi.FastAPI()
        inngest.fast_api.serve(self.app, self.client, [self.fn])

    def _answer(self, request: httpx.Request) -> httpx.Response:
        ids = [event.get("id") for event in json.loads(request.content)]
        self.sent.append(ids)
        return httpx.Response(200, json={"ids": [i or "sdk-id" for i in ids], "status": 200})

    def call(self, memos: dict[str, Any], step_id: str = "step") -> Any:
        """One SDK request of the run: `step_id="step"` is a discovery request."""
        body = {
            "ctx": {
                "attempt": 0,
                "disable_immediate_execution": False,
                "max_attempts": 1,
                "run_id": RUN_ID,
                "stack": {"current": len(memos), "stack": list(memos)},
            },
            "event": {"name": "t/go", "data": {}},
            "events": [{"name": "t/go", "data": {}}],
            "steps": memos,
            "use_api": False,
            "version": 1,
        }
        url = f"http://lambda.local/api/inngest?fnId=ids-fn&stepId={step_id}"
        res = asyncio.run(
            asgi_call.post(
                self.app, url, json.dumps(body).encode(), {"content-type": "application/json"}
            )
        )
        assert res.status in (200, 206), res.content
        return json.loads(res.content)


def _announce(ctx: inngest.ContextSync) -> list[str]:
    ctx.step.run("first", lambda: 1)
    told = [inngest.Event(name="t/told", data={"n": n}) for n in range(2)]
    return ctx.step.send_event("tell", told)


def test_a_send_event_step_reached_by_discovery_or_by_target_sends_the_same_ids() -> None:
    app = App(_announce)
    memos = {_hashed("first"): {"data": 1}}
    app.call(memos)  # discovery: "tell" is the next new step
    app.call(memos, step_id=_hashed("tell"))  # the same step, targeted (a retried drive)
    discovered, targeted = app.sent
    assert discovered == targeted
    assert len(set(discovered)) == 2
    assert all(i[:10] == RUN_ID[:10] for i in discovered)  # ULIDs with the run's time part


def test_sends_inside_a_step_run_are_keyed_on_that_step() -> None:
    def fn(ctx: inngest.ContextSync) -> object:
        ctx.step.run("first", lambda: 1)
        return ctx.step.run("notify", lambda: app.client.send_sync(inngest.Event(name="t/told")))

    app = App(fn)
    memos = {_hashed("first"): {"data": 1}}
    app.call(memos)
    app.call(memos, step_id=_hashed("notify"))
    assert len(app.sent) == 2 and app.sent[0] == app.sent[1]
    assert None not in app.sent[0]  # filled in, not left to the SDK's fresh seed per send


def test_a_send_in_the_body_repeats_its_ids_on_every_request_and_differs_per_place() -> None:
    def fn(ctx: inngest.ContextSync) -> object:
        ctx.step.run("first", lambda: 1)
        app.client.send_sync(inngest.Event(name="t/body"))  # outside every step
        ctx.step.run("second", lambda: 2)
        app.client.send_sync(inngest.Event(name="t/body"))  # again, at another place
        return None

    app = App(fn)
    app.call({_hashed("first"): {"data": 1}})  # sends once, runs "second"
    app.call({_hashed("first"): {"data": 1}, _hashed("second"): {"data": 2}})  # sends twice
    first, again, last = app.sent
    assert first == again  # the event API drops the repeat: one listener run
    assert last != first and None not in first + last


def test_a_send_outside_any_request_keeps_the_sdks_ids() -> None:
    app = App(_announce)
    app.call({_hashed("first"): {"data": 1}})
    app.client.send_sync(inngest.Event(name="t/later"))
    assert app.sent[-1] == [None]  # no id filled in: the SDK's seed header makes them
