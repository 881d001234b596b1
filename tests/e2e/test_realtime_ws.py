"""Realtime on the local stack, with a plain WebSocket client (`websockets`): the frames are
checked byte for byte and run through @inngest/realtime's own parser; bad, expired and foreign
tokens are refused before the upgrade; a publish reaches only its channel and topic; a
publish in a memoized step is not repeated."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from inngest_lambda.local.stack import LocalStack
from inngest_lambda.realtime import protocol, tokens
from tests.e2e.realtime_support import js_parse, realtime_stack

RECV_TIMEOUT = 10


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with realtime_stack() as st:
        yield st


@pytest.fixture()
def http(stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url, timeout=30) as client:
        yield client


def _token(http: httpx.Client, channel: str, *topics: str) -> str:
    res = http.post(
        "/v1/realtime/token", json=[{"channel": channel, "name": t, "kind": "run"} for t in topics]
    )
    assert res.status_code == 201, res.text
    return res.json()["jwt"]


def _ws_url(stack: LocalStack, token: str) -> str:
    return stack.url.replace("http://", "ws://") + f"/v1/realtime/connect?token={token}"


def _publish(http: httpx.Client, channel: str, topic: str, body: bytes, **headers: str) -> dict:
    res = http.post(
        "/v1/realtime/publish",
        params={"channel": channel, "topic": topic},
        content=body,
        headers={"content-type": "application/json", **headers},
    )
    assert res.status_code == 200, res.text
    return res.json()


def _recv_all(ws: ClientConnection, count: int) -> list[str]:
    frames = [ws.recv(timeout=RECV_TIMEOUT) for _ in range(count)]
    assert all(isinstance(f, str) for f in frames), "frames are text frames"
    return frames  # type: ignore[return-value]


def _nothing_more(ws: ClientConnection) -> None:
    with pytest.raises(TimeoutError):
        ws.recv(timeout=0.3)


def test_frames_are_inngests_envelopes_byte_for_byte_and_the_js_client_accepts_them(stack, http):
    with connect(_ws_url(stack, _token(http, "user:1", "ai", "files"))) as ws:
        # Subscribed before the handshake completed: a publish right after open arrives.
        assert _publish(http, "user:1", "ai", b'{"msg": "hi", "n": [1, 2.5]}')["delivered"] == 1
        _publish(http, "user:1", "files", b"123")
        _publish(http, "user:1", "files", b"plain text", **{"content-type": "text/plain"})
        frames = _recv_all(ws, 3)
        _nothing_more(ws)
    parsed = [json.loads(f) for f in frames]
    expected = [
        protocol.data_frame("user:1", "ai", {"msg": "hi", "n": [1, 2.5]}, parsed[0]["created_at"]),
        protocol.data_frame("user:1", "files", 123, parsed[1]["created_at"]),
        protocol.data_frame("user:1", "files", "plain text", parsed[2]["created_at"]),
    ]
    assert [f.encode() for f in frames] == expected
    assert frames[0].startswith('{"kind":"data","data":{"msg":"hi","n":[1,2.5]},"created_at":"')
    assert frames[0].endswith('Z","channel":"user:1","topic":"ai"}')
    js = js_parse(frames)
    assert [(m["kind"], m["channel"], m["topic"], m["data"]) for m in js] == [
        ("data", "user:1", "ai", {"msg": "hi", "n": [1, 2.5]}),
        ("data", "user:1", "files", 123),
        ("data", "user:1", "files", "plain text"),
    ]
    assert all(m["created_at"].endswith("Z") for m in js)  # parsed into a Date


def test_a_text_stream_keeps_channel_and_topic_on_every_chunk(stack, http):
    text = "token " * 5000  # 30,000 characters: two chunks
    with connect(_ws_url(stack, _token(http, "user:2", "ai"))) as ws:
        _publish(http, "user:2", "ai", text.encode(), **{"content-type": "text/stream"})
        frames = _recv_all(ws, 4)
        _nothing_more(ws)
    js = js_parse(frames)
    assert [m["kind"] for m in js] == ["datastream-start", "chunk", "chunk", "datastream-end"]
    stream_id = js[0]["data"]
    assert all((m["channel"], m["topic"]) == ("user:2", "ai") for m in js)
    assert [m["stream_id"] for m in js[1:3]] == [stream_id, stream_id]
    assert "".join(m["data"] for m in js[1:3]) == text


def test_only_the_tokens_channel_and_topics_are_delivered(stack, http):
    token = _token(http, "room:a", "chat")
    with connect(_ws_url(stack, token)) as ws, connect(_ws_url(stack, token)) as twin:
        assert _publish(http, "room:a", "typing", b'{"x": 1}')["delivered"] == 0  # other topic
        assert _publish(http, "room:b", "chat", b'{"x": 2}')["delivered"] == 0  # other channel
        assert _publish(http, "room:a", "chat", b'{"x": 3}')["delivered"] == 2  # both sockets
        for socket in (ws, twin):
            (frame,) = _recv_all(socket, 1)
            assert json.loads(frame)["data"] == {"x": 3}
            _nothing_more(socket)


@pytest.mark.parametrize("kind", ["garbage", "tampered", "expired", "foreign", "missing"])
def test_bad_tokens_are_refused_with_401_before_the_upgrade(stack, http, kind):
    good = _token(http, "c", "t")
    tokens_by_kind = {
        "garbage": "not-a-token",
        "tampered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "expired": tokens.issue([tokens.Topic("c", "t")], tokens.DEV_SECRET, expiry=-1),
        "foreign": tokens.issue([tokens.Topic("c", "t")], b"another deployment's key, 32 bytes"),
        "missing": "",
    }
    with pytest.raises(InvalidStatus) as refused:
        connect(_ws_url(stack, tokens_by_kind[kind]), open_timeout=RECV_TIMEOUT)
    response = refused.value.response
    assert response.status_code == 401
    assert json.loads(response.body)["status"] == 401


def test_a_closed_connection_is_forgotten_at_disconnect(stack, http):
    token = _token(http, "gone", "t")
    with connect(_ws_url(stack, token)):
        assert _publish(http, "gone", "t", b"1")["delivered"] == 1
    deadline = time.monotonic() + RECV_TIMEOUT
    while time.monotonic() < deadline:  # $disconnect runs after the close handshake
        if _publish(http, "gone", "t", b"2")["delivered"] == 0:
            return
        time.sleep(0.05)
    raise AssertionError("the closed connection was still subscribed")


def test_a_publish_in_a_memoized_step_is_not_repeated_one_outside_a_step_is(stack, http):
    from tests.support.apps import realtime_functions

    channel = f"run:{time.monotonic_ns()}"
    with connect(_ws_url(stack, _token(http, channel, "t"))) as ws:
        res = http.post("/e/key", json={"name": "realtime/replayed", "data": {"channel": channel}})
        assert res.status_code == 200, res.text
        # Drive 1: the step (publishes), then the body goes on: outside, sleep. Drive 2 after
        # the sleep: the step is memoized (no publish), the publish outside runs again.
        frames = [json.loads(f)["data"]["where"] for f in _recv_all(ws, 3)]
        _nothing_more(ws)
    assert sorted(frames) == ["outside", "outside", "step"]
    assert frames[0] == "step"
    assert realtime_functions.CALLS[f"{channel}:step"] == 1
