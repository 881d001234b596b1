"""Publish bodies turned into frames the way Inngest's server does, and where we do better."""

from __future__ import annotations

import json

import pytest

from inngest_lambda.realtime import protocol, publish
from inngest_lambda.realtime.protocol import ProtocolError

NOW = 1_700_000_000.123456


def _frames(body: bytes, content_type: str = "application/json", **params: str):
    params = {"channel": "user:1", "topic": "ai", **params}
    return [json.loads(f) for f in publish.parse(params, body, content_type, NOW).frames]


def test_a_json_body_becomes_one_data_message_without_empty_fields():
    (frame,) = _frames(b'{"msg": "hi", "n": [1, 2.5]}')
    assert frame == {
        "kind": "data",
        "data": {"msg": "hi", "n": [1, 2.5]},
        "created_at": "2023-11-14T22:13:20.123456Z",
        "channel": "user:1",
        "topic": "ai",
    }
    (with_run,) = _frames(b"1", run_id="01JD3F5Q2B6T6ZQ7E8RKV2M9XW")
    assert with_run["run_id"] == "01JD3F5Q2B6T6ZQ7E8RKV2M9XW" and with_run["data"] == 1


def test_a_body_that_is_not_json_arrives_as_a_string():
    assert _frames(b"hello there", "text/plain")[0]["data"] == "hello there"
    assert _frames(b"NaN")[0]["data"] == "NaN"  # Python's json would have taken it


def test_a_text_stream_is_start_chunks_end_and_every_chunk_keeps_channel_and_topic():
    text = "é" * (protocol.STREAM_CHUNK_CHARS + 10)
    frames = _frames(text.encode(), "text/stream")
    assert [f["kind"] for f in frames] == ["datastream-start", "chunk", "chunk", "datastream-end"]
    stream_id = frames[0]["data"]
    assert frames[-1]["data"] == stream_id and stream_id
    for chunk in frames[1:3]:
        assert (chunk["stream_id"], chunk["channel"], chunk["topic"]) == (stream_id, "user:1", "ai")
    assert "".join(f["data"] for f in frames[1:3]) == text


@pytest.mark.parametrize(
    ("params", "body", "status", "message"),
    [
        ({"topic": "t"}, b"{}", 400, "channel is required"),
        ({"channel": "c"}, b"{}", 400, "topic is required"),
        ({"channel": "c", "topic": "t"}, b"x" * (512 * 1024 + 1), 413, "524288-byte"),
        ({"channel": "c", "topic": "t"}, json.dumps("x" * 140_000).encode(), 413, "131072"),
    ],
)
def test_a_publish_that_cannot_be_delivered_is_refused_naming_why(params, body, status, message):
    with pytest.raises(ProtocolError, match=message) as caught:
        publish.parse(params, body, "application/json", NOW)
    assert caught.value.status == status
