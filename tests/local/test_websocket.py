"""The local WebSocket API (realtime) over real sockets: API Gateway's `$connect`, `$default`
and `$disconnect` events to the handler, its answer deciding the handshake, the `@connections`
management endpoint (as boto3's `apigatewaymanagementapi` client sees it), API Gateway's idle
limit."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config
from local_fakes import NO_FUNCTIONS, FakeHandler, request
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from inngest_lambda.local import LocalStack
from tests.support.waiting import wait_for

handler = FakeHandler()


@pytest.fixture(scope="module")
def stack():
    """The stack around a recording handler, reset before each test (`fresh`)."""
    with LocalStack(handler=handler, env=NO_FUNCTIONS, poll_interval=0.05) as s:
        yield s


@pytest.fixture()
def fresh(stack):
    handler.reset()
    return stack


def _ws(stack: LocalStack, query: str = "token=abc") -> str:
    return stack.url.replace("http://", "ws://") + f"/v1/realtime/connect?{query}"


def _events(kind: str) -> list[dict]:
    return [e for e in handler.http_events if e["requestContext"].get("eventType") == kind]


def _management(stack: LocalStack):
    return boto3.session.Session().client(
        "apigatewaymanagementapi",
        endpoint_url=stack.url,
        region_name=stack.settings.region,
        config=Config(retries={"max_attempts": 1}),
    )


def test_connect_default_and_disconnect_reach_the_handler_as_api_gateway_sends_them(fresh):
    with connect(_ws(fresh, "token=abc&x=1"), additional_headers={"Origin": "http://app"}) as ws:
        (connected,) = _events("CONNECT")
        context = connected["requestContext"]
        assert (context["routeKey"], context["stage"]) == ("$connect", "realtime")
        assert connected["queryStringParameters"] == {"token": "abc", "x": "1"}
        assert connected["headers"]["origin"] == "http://app"
        connection_id = context["connectionId"]
        ws.send('{"kind": "sub"}')
        (message,) = wait_for(lambda: _events("MESSAGE"))
        assert message["requestContext"]["routeKey"] == "$default"
        assert message["requestContext"]["connectionId"] == connection_id
        assert message["body"] == '{"kind": "sub"}'
    (gone,) = wait_for(lambda: _events("DISCONNECT"))
    assert gone["requestContext"]["connectionId"] == connection_id


def test_a_refused_connect_is_an_http_response_before_the_upgrade(fresh, caplog):
    handler.on_http = lambda event: {
        "statusCode": 401,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"error": "invalid token", "status": 401}),
    }
    with pytest.raises(InvalidStatus) as refused:
        connect(_ws(fresh))
    assert refused.value.response.status_code == 401
    assert json.loads(refused.value.response.body) == {"error": "invalid token", "status": 401}
    assert _events("DISCONNECT") == []  # never connected
    assert "without completing handshake" not in caplog.text  # uvicorn's spurious error line
    assert fresh.websocket_api.open_connections == 0


def test_post_to_connection_writes_frames_in_order_and_410s_a_gone_connection(fresh):
    management = _management(fresh)
    with connect(_ws(fresh)) as ws:
        connection_id = _events("CONNECT")[0]["requestContext"]["connectionId"]
        for n in range(3):
            management.post_to_connection(ConnectionId=connection_id, Data=f'{{"n":{n}}}'.encode())
        assert [ws.recv(timeout=5) for _ in range(3)] == ['{"n":0}', '{"n":1}', '{"n":2}']
        with pytest.raises(management.exceptions.PayloadTooLargeException):
            management.post_to_connection(ConnectionId=connection_id, Data=b"x" * (128 * 1024 + 1))
    wait_for(lambda: _events("DISCONNECT"))
    with pytest.raises(management.exceptions.GoneException) as gone:
        management.post_to_connection(ConnectionId=connection_id, Data=b"late")
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410
    status, _, _ = request(fresh.url, "GET", f"/@connections/{connection_id}")
    assert status == 405
    status, _, body = request(fresh.url, "GET", "/v1/realtime/connect")  # not an upgrade
    assert status == 426, body


def test_an_idle_connection_is_closed_as_api_gateway_does(fresh, monkeypatch):
    monkeypatch.setattr(fresh.websocket_api, "idle_timeout_seconds", 0.3)
    with connect(_ws(fresh)) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    wait_for(lambda: _events("DISCONNECT"))
