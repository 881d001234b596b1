"""API Gateway WebSocket events, as the API function receives them from the WebSocket API (and
locally from the local server, which sends the same events).

- `$connect` (`?token=` in the query): the token is checked and the connection subscribed to
  its topics *before* the handler returns, and API Gateway completes the handshake (the
  browser's `open`) only after that, so no message published after `open` is missed. A bad or
  expired token is answered 401 and API Gateway refuses the upgrade with that status: the
  client sees a failed connection, never an open-then-closed one.
- `$disconnect`: the connection's subscriptions are deleted.
- `$default` (a frame from the client): nothing is needed from the client; frames are ignored.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from inngest_lambda.realtime import service, tokens

if TYPE_CHECKING:
    from inngest_lambda.realtime.service import Host

CONNECT = "CONNECT"
DISCONNECT = "DISCONNECT"
MESSAGE = "MESSAGE"
EVENT_TYPES = frozenset({CONNECT, DISCONNECT, MESSAGE})


def is_websocket_event(event: dict[str, Any]) -> bool:
    context = event.get("requestContext")
    return isinstance(context, dict) and context.get("eventType") in EVENT_TYPES


def handle(rt: Host, event: dict[str, Any]) -> dict[str, Any]:
    context = event["requestContext"]
    connection_id = str(context["connectionId"])
    engine = service.for_runtime(rt)
    kind = context["eventType"]
    if kind == CONNECT:
        token = (event.get("queryStringParameters") or {}).get("token", "")
        try:
            topics = engine.connect(connection_id, token)
        except tokens.TokenError as err:
            return _answer(401, str(err))
        rt.log.info(
            "realtime connect",
            extra={"connection_id": connection_id, "topics": len(topics)},
        )
        return {"statusCode": 200}
    if kind == DISCONNECT:
        topics = engine.disconnect(connection_id)
        rt.log.info("realtime disconnect", extra={"connection_id": connection_id, "topics": topics})
        return {"statusCode": 200}
    return {"statusCode": 200}  # frames from the client are not part of the protocol


def _answer(status: int, message: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"error": message, "status": status}),
    }
