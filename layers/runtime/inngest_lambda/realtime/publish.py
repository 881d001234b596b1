"""A publish request (`POST /v1/realtime/publish?channel=&topic=[&run_id=]`, the body is the
payload) turned into the frames every subscriber receives.

Unlike Inngest, which ignores a missing channel or topic and silently truncates a body over
512 KiB, both are refused with a 4xx naming the problem, and so is a message that would not
fit API Gateway's 128 KB WebSocket message (413): a publish either reaches the subscribers
whole or fails where the caller sees it.
"""

from __future__ import annotations

import dataclasses

from inngest_lambda.realtime import protocol
from inngest_lambda.realtime.protocol import ProtocolError, check_name

MAX_RUN_ID_CHARS = 64


@dataclasses.dataclass(frozen=True)
class Publication:
    channel: str
    topic: str
    frames: list[bytes]


def parse(params: dict[str, str], body: bytes, content_type: str, now: float) -> Publication:
    channel = check_name("channel", params.get("channel"))
    topic = check_name("topic", params.get("topic"))
    run_id = params.get("run_id") or None
    if run_id is not None and len(run_id) > MAX_RUN_ID_CHARS:
        raise ProtocolError(f"run_id is longer than {MAX_RUN_ID_CHARS} characters")
    if len(body) > protocol.MAX_PUBLISH_BYTES:
        raise ProtocolError(
            f"the body is {len(body)} bytes, over the {protocol.MAX_PUBLISH_BYTES}-byte limit",
            status=413,
        )
    created_at = protocol.timestamp(now)
    media = content_type.split(";", 1)[0].strip().lower()
    if media == protocol.TEXT_STREAM:
        text = body.decode("utf-8", errors="replace")
        frames = list(protocol.stream_frames(channel, topic, text, created_at, run_id))
    else:
        data = protocol.data_value(body)
        frames = [protocol.data_frame(channel, topic, data, created_at, run_id)]
    return Publication(channel, topic, frames)
