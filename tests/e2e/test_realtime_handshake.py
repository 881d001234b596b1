"""A publish that races a subscriber's handshake: API Gateway (and the local server) answer 410
to a post to a connection whose `$connect` has subscribed it but whose handshake has not
completed. That must not cost the subscription: everything published once the client is open
arrives."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from inngest_lambda.local.stack import LocalStack
from tests.e2e.realtime_support import realtime_stack

RACES: list[dict[str, int]] = []


def _racing_handler(event: dict[str, Any], context: Any) -> Any:
    """The real handler; right after a successful $connect, before API Gateway would complete
    the handshake, a publish to the channel the connection just subscribed to."""
    from inngest_lambda import handler as entry

    result = entry.handler(event, context)
    kind = event.get("requestContext", {}).get("eventType")
    if kind == "CONNECT" and result.get("statusCode") == 200:
        url = os.environ["INNGEST_DEV"]
        res = httpx.post(f"{url}/v1/realtime/publish?channel=race&topic=t", json={"n": 0})
        RACES.append(res.json())
    return result


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with realtime_stack(_racing_handler) as st:
        yield st


def test_a_publish_during_the_handshake_does_not_cost_the_subscription(stack):
    with httpx.Client(base_url=stack.url, timeout=30) as http:
        token = http.post("/v1/realtime/token", json=[{"channel": "race", "name": "t"}])
        url = stack.url.replace("http://", "ws://") + "/v1/realtime/connect?token="
        with connect(url + token.json()["jwt"]) as ws:
            # The racing publish met a connection not open yet: 410, subscription kept.
            assert RACES == [{"delivered": 0, "gone": 0, "connecting": 1, "failed": 0}]
            res = http.post("/v1/realtime/publish?channel=race&topic=t", json={"n": 1})
            assert res.json()["delivered"] == 1
            assert json.loads(ws.recv(timeout=10))["data"] == {"n": 1}
