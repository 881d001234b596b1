"""The frames a subscriber receives, exactly as `@inngest/realtime` 0.4.x parses them.

One JSON object per WebSocket text frame (Inngest's `Message` and `Chunk`,
pkg/execution/realtime/streamingtypes): fields that have no value are left out, never sent as
null (the client's zod schema drops a message whose optional string field is null).

- `data`: `{"kind","data","created_at","channel","topic"[,"run_id"]}`.
- a text stream: `datastream-start` (`data` = the stream id), `chunk`s (`stream_id`, `data` =
  a piece of the text), `datastream-end`. Unlike Inngest's server, every chunk carries
  `channel` and `topic`: the 0.4.7 client requires both and drops chunks without them.

Every frame must fit API Gateway's WebSocket message limit (128 KB), on every host, so what works
locally works deployed.
"""

from __future__ import annotations

import datetime
import json
import secrets
from collections.abc import Iterator

# Inngest reads at most 512 KiB of a publish body (pkg/consts); we refuse more instead of
# truncating it into invalid JSON.
MAX_PUBLISH_BYTES = 512 * 1024
# API Gateway WebSocket APIs: a message posted to a connection is at most 128 KB.
MAX_FRAME_BYTES = 128 * 1024
# Text of a stream goes in chunks of this many characters (UTF-8 can make one up to 4x as many
# bytes: still under MAX_FRAME_BYTES). Inngest uses 1 KiB; the body has fully arrived before the
# first frame is sent, so smaller chunks would only cost more API calls per subscriber.
STREAM_CHUNK_CHARS = 16 * 1024
# Channel and topic names: bounded so a subscription's key stays far below DynamoDB's limits.
MAX_NAME_CHARS = 256
TEXT_STREAM = "text/stream"


class ProtocolError(ValueError):
    """Input the protocol cannot carry; `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def check_name(kind: str, value: object) -> str:
    """A channel or topic name: a non-empty string of at most MAX_NAME_CHARS characters."""
    if not isinstance(value, str) or not value:
        raise ProtocolError(f"{kind} is required (a non-empty string)")
    if len(value) > MAX_NAME_CHARS:
        raise ProtocolError(f"{kind} is longer than {MAX_NAME_CHARS} characters")
    return value


def timestamp(now: float) -> str:
    """RFC 3339 in UTC with microseconds, as the client passes `created_at` to `new Date()`."""
    moment = datetime.datetime.fromtimestamp(now, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def data_value(body: bytes) -> object:
    """The `data` of a publish body: its JSON value, or for anything else the JSON string of its
    text (so a JS string `123`, sent raw, arrives as the number 123, as on Inngest)."""
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text, parse_constant=_not_json)
    except ValueError:
        return text


def data_frame(
    channel: str, topic: str, data: object, created_at: str, run_id: str | None = None
) -> bytes:
    """One `data` message, refused (413) when it would not fit one API Gateway message."""
    message: dict[str, object] = {"kind": "data", "data": data, "created_at": created_at}
    message |= {"channel": channel, "topic": topic}
    if run_id:
        message["run_id"] = run_id
    frame = _frame(message)
    if len(frame) > MAX_FRAME_BYTES:
        raise ProtocolError(
            f"the message is {len(frame)} bytes as a WebSocket frame, over API Gateway's"
            f" {MAX_FRAME_BYTES}-byte message limit",
            status=413,
        )
    return frame


def stream_frames(
    channel: str, topic: str, text: str, created_at: str, run_id: str | None = None
) -> Iterator[bytes]:
    """`datastream-start`, the text in `chunk`s, `datastream-end` (one stream id)."""
    stream_id = secrets.token_hex(8)
    common: dict[str, object] = {"channel": channel, "topic": topic}
    if run_id:
        common["run_id"] = run_id
    yield _frame(
        {"kind": "datastream-start", "data": stream_id, "created_at": created_at, **common}
    )
    for start in range(0, len(text), STREAM_CHUNK_CHARS):
        piece = text[start : start + STREAM_CHUNK_CHARS]
        yield _frame({"kind": "chunk", "stream_id": stream_id, "data": piece, **common})
    yield _frame({"kind": "datastream-end", "data": stream_id, "created_at": created_at, **common})


def _frame(value: dict[str, object]) -> bytes:
    return _dumps(value).encode()


def _not_json(name: str) -> object:
    raise ValueError(f"{name} is not JSON")  # Python's json would take NaN and Infinity


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
