"""The AWS side of realtime on moto: subscriptions in DynamoDB, delivery with the API Gateway
management API (calls counted), a gone connection (410) removed, `$connect`/`$disconnect`
through the Lambda handler as API Gateway's WebSocket API sends them."""

from __future__ import annotations

import collections
import json
import logging

import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from inngest_lambda import settings
from inngest_lambda.core import aws, clock
from inngest_lambda.core.log import JsonFormatter
from inngest_lambda.local import aws_clients, resources
from inngest_lambda.realtime import fanout, publish, tokens
from inngest_lambda.realtime.subscriptions import Subscriptions

ENDPOINT = "https://abc123.execute-api.us-east-1.amazonaws.com/realtime"
REGION = "us-east-1"


class _Calls:
    """Counts the AWS operations a client makes (before they are sent)."""

    def __init__(self, *clients) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        for client in clients:
            client.meta.events.register("before-call.*.*", self._count)

    def _count(self, model, **_) -> None:
        self.counts[model.name] += 1

    def close(self, *clients) -> None:
        for client in clients:
            client.meta.events.unregister("before-call.*.*", self._count)


@pytest.fixture()
def aws_env(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        config = settings.Settings.from_env({})
        resources.create_resources(config)
        ddb = aws_clients.client("dynamodb", REGION)
        management = fanout.management_client(ENDPOINT, REGION)
        calls = _Calls(ddb, management)
        yield Subscriptions(lambda: ddb, config.table), management, calls
        calls.close(ddb, management)


def _received(connection_id: str) -> bytes:
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

    backend = apigatewaymanagementapi_backends["123456789012"][REGION]
    return backend.connections[connection_id].data if connection_id in backend.connections else b""


def _frames(channel: str, topic: str, body: bytes, content_type: str = "application/json"):
    params = {"channel": channel, "topic": topic}
    return publish.parse(params, body, content_type, 1_700_000_000).frames


def test_a_publish_reaches_exactly_the_subscribers_of_its_channel_and_topic(aws_env):
    subs, management, calls = aws_env
    subs.add("a", [tokens.Topic("user:1", "ai")])
    subs.add("b", [tokens.Topic("user:1", "ai"), tokens.Topic("user:1", "other")])
    subs.add("c", [tokens.Topic("user:2", "ai")])
    subs.add("d", [tokens.Topic("user:1", "other")])
    calls.counts.clear()
    frames = _frames("user:1", "ai", b'{"n": 1}')
    delivery = fanout.deliver(subs, management, "user:1", "ai", frames)
    assert (delivery.delivered, delivery.gone, delivery.posts) == (2, 0, 2)
    # One Query for the subscribers, one PostToConnection per subscriber, nothing else.
    assert calls.counts == {"Query": 1, "PostToConnection": 2}
    assert _received("a") == _received("b") == frames[0]
    assert _received("c") == _received("d") == b""


def test_a_text_stream_costs_its_frames_per_subscriber(aws_env):
    subs, management, calls = aws_env
    subs.add("a", [tokens.Topic("c", "t")])
    subs.add("b", [tokens.Topic("c", "t")])
    calls.counts.clear()
    frames = _frames("c", "t", b"x" * 40_000, "text/stream")
    assert len(frames) == 5  # start, 3 chunks of 16 Ki characters, end
    fanout.deliver(subs, management, "c", "t", frames)
    assert calls.counts == {"Query": 1, "PostToConnection": 10}
    assert _received("a") == b"".join(frames)


def _ids(subs: Subscriptions, channel: str, topic: str) -> list[list[str]]:
    return [[s.connection_id for s in page] for page in subs.connections(channel, topic)]


def _answer_410_for(management, connection_id: str):
    """Make API Gateway's management API answer 410 GoneException for one connection."""

    def api_gateway_410(request, **_):
        if request.url.endswith(f"/@connections/{connection_id}"):
            body = json.dumps({"message": "Gone"}).encode()
            headers = {"x-amzn-ErrorType": "GoneException"}
            return AWSResponse(request.url, 410, headers, _Raw(body))
        return None

    event = "before-send.apigatewaymanagementapi.PostToConnection"
    management.meta.events.register_first(event, api_gateway_410)
    return lambda: management.meta.events.unregister(event, api_gateway_410)


@pytest.fixture()
def later():
    """Move the runtime's clock past the handshake grace."""
    now = clock.now()
    yield lambda: clock.set_clock(lambda: now + fanout.HANDSHAKE_GRACE_SECONDS + 1)
    clock.set_clock(None)


def test_a_410_while_the_handshake_may_still_be_running_keeps_the_subscription(aws_env, later):
    subs, management, calls = aws_env
    subs.add("new", [tokens.Topic("c", "t")])  # its $connect has just run
    undo = _answer_410_for(management, "new")
    try:
        calls.counts.clear()
        delivery = fanout.deliver(subs, management, "c", "t", _frames("c", "t", b"1"))
        assert (delivery.connecting, delivery.gone, delivery.delivered) == (1, 0, 0)
        assert calls.counts == {"Query": 1, "PostToConnection": 1}  # nothing deleted
        assert _ids(subs, "c", "t") == [["new"]]
        later()  # a connection still answering 410 this long after $connect is gone
        delivery = fanout.deliver(subs, management, "c", "t", _frames("c", "t", b"2"))
        assert (delivery.connecting, delivery.gone) == (0, 1)
        assert _ids(subs, "c", "t") == [[]]
    finally:
        undo()


def test_a_gone_connection_is_answered_410_and_its_subscription_removed(aws_env, later):
    subs, management, calls = aws_env
    for connection in ("live", "gone"):
        subs.add(connection, [tokens.Topic("c", "t")])
    later()

    undo = _answer_410_for(management, "gone")  # what API Gateway answers for a closed one
    try:
        calls.counts.clear()
        delivery = fanout.deliver(subs, management, "c", "t", _frames("c", "t", b"1"))
        assert (delivery.delivered, delivery.gone) == (1, 1)
        assert calls.counts == {"Query": 1, "PostToConnection": 2, "DeleteItem": 1}
        assert _ids(subs, "c", "t") == [["live"]]
        calls.counts.clear()
        again = fanout.deliver(subs, management, "c", "t", _frames("c", "t", b"2"))
        assert (again.delivered, again.gone) == (1, 0)
        assert calls.counts == {"Query": 1, "PostToConnection": 1}
    finally:
        undo()


def test_disconnect_removes_every_subscription_of_the_connection(aws_env):
    subs, _, calls = aws_env
    topics = [tokens.Topic("c", "t1"), tokens.Topic("c", "t2")]
    subs.add("x", topics)
    subs.add("y", topics[:1])
    calls.counts.clear()
    assert subs.remove("x") == 2
    assert calls.counts == {"GetItem": 1, "BatchWriteItem": 1}
    assert _ids(subs, "c", "t1") == [["y"]]
    assert _ids(subs, "c", "t2") == [[]]
    assert subs.remove("x") == 0  # a second $disconnect changes nothing


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_):
        yield self._body


@pytest.fixture()
def deployed(aws_env, fresh_runtime, monkeypatch):
    """The real handler with a signing key, its WebSocket endpoint on moto."""
    monkeypatch.setenv(settings.ENV_REALTIME_ENDPOINT, ENDPOINT)
    monkeypatch.setenv(settings.ENV_SIGNING_KEY, "signkey-prod-" + "cd" * 32)
    monkeypatch.setenv(settings.ENV_TABLE, settings.DEFAULT_TABLE)
    aws.reset()
    yield aws_env
    aws.reset()


def _ws_event(kind: str, connection_id: str, query: dict[str, str] | None = None) -> dict:
    route = {"CONNECT": "$connect", "DISCONNECT": "$disconnect", "MESSAGE": "$default"}[kind]
    event = {
        "requestContext": {
            "routeKey": route,
            "eventType": kind,
            "connectionId": connection_id,
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "stage": "realtime",
            "apiId": "abc123",
            "requestId": "r",
            "connectedAt": 1,
        },
        "isBase64Encoded": False,
    }
    if query is not None:
        event["queryStringParameters"] = query
    return event


def _http(method: str, path: str, body: bytes, headers: dict[str, str]) -> dict:
    from inngest_lambda import handler as entry
    from inngest_lambda.local.apigw import build_event, split_target
    from inngest_lambda.local.invoke import LambdaContext

    path, query = split_target(path)
    event = build_event(method, path, query, list(headers.items()), body, "127.0.0.1")
    return entry.handler(event, LambdaContext())


def test_the_handler_connects_with_a_token_publishes_and_disconnects(deployed):
    from inngest_lambda import handler as entry
    from inngest_lambda.local.invoke import LambdaContext

    subs, _, calls = deployed
    bearer = {"authorization": "Bearer signkey-prod-" + "cd" * 32}
    unsigned = _http("POST", "/v1/realtime/token", b'[{"channel":"c","name":"t"}]', {})
    assert unsigned["statusCode"] == 401
    issued = _http(
        "POST", "/v1/realtime/token", b'[{"channel":"c","name":"t","kind":"run"}]', bearer
    )
    assert issued["statusCode"] == 201
    jwt = json.loads(issued["body"])["jwt"]

    refused = entry.handler(_ws_event("CONNECT", "bad", {"token": jwt + "x"}), LambdaContext())
    assert refused["statusCode"] == 401
    assert "signature" in json.loads(refused["body"])["error"]
    missing = entry.handler(_ws_event("CONNECT", "none"), LambdaContext())
    assert missing["statusCode"] == 401
    logged = _Records()
    logging.getLogger("inngest_lambda").addHandler(logged)
    try:
        ok = entry.handler(_ws_event("CONNECT", "conn-1", {"token": jwt}), LambdaContext())
    finally:
        logging.getLogger("inngest_lambda").removeHandler(logged)
    assert ok == {"statusCode": 200}
    (line,) = [json.loads(JsonFormatter().format(r)) for r in logged.records]
    assert (line["message"], line["connection_id"], line["topics"]) == (
        "realtime connect",
        "conn-1",
        1,
    )
    assert _ids(subs, "c", "t") == [["conn-1"]]
    assert entry.handler(_ws_event("MESSAGE", "conn-1"), LambdaContext()) == {"statusCode": 200}

    published = _http(
        "POST", "/v1/realtime/publish?channel=c&topic=t", b'{"hello":"world"}', bearer
    )
    assert published["statusCode"] == 200, published
    assert json.loads(published["body"]) == {
        "delivered": 1,
        "gone": 0,
        "connecting": 0,
        "failed": 0,
    }
    frame = json.loads(_received("conn-1"))
    assert frame["data"] == {"hello": "world"} and (frame["channel"], frame["topic"]) == ("c", "t")

    assert entry.handler(_ws_event("DISCONNECT", "conn-1"), LambdaContext()) == {"statusCode": 200}
    assert _ids(subs, "c", "t") == [[]]
    # A plain HTTP GET of the WebSocket's path (on the HTTP API) says what it is.
    assert _http("GET", "/v1/realtime/connect", b"", {})["statusCode"] == 426


def test_publish_without_a_websocket_endpoint_says_so(deployed, monkeypatch):
    monkeypatch.delenv(settings.ENV_REALTIME_ENDPOINT)
    settings.get_settings.cache_clear()
    from inngest_lambda import runtime

    runtime.get_runtime.cache_clear()
    bearer = {"authorization": "Bearer signkey-prod-" + "cd" * 32}
    res = _http("POST", "/v1/realtime/publish?channel=c&topic=t", b"{}", bearer)
    assert res["statusCode"] == 503
    assert "INNGEST_LAMBDA_REALTIME_ENDPOINT" in json.loads(res["body"])["error"]
