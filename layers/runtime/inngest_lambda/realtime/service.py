"""The realtime engine of one runtime: tokens, publishes, connections, on every host alike."""

from __future__ import annotations

import json
import weakref
from collections.abc import Sequence
from typing import Any, Protocol

from inngest_lambda.core import clock
from inngest_lambda.realtime import fanout, publish, tokens
from inngest_lambda.realtime.protocol import ProtocolError
from inngest_lambda.realtime.subscriptions import Subscriptions
from inngest_lambda.settings import Settings


class _Store(Protocol):
    @property
    def ddb(self) -> Any: ...


class Host(Protocol):
    """What realtime needs of the runtime that serves it (`inngest_lambda.runtime.Runtime`)."""

    settings: Settings
    store: _Store
    signing_key: str | None
    signing_key_fallback: str | None
    log: Any


MAX_TOKEN_REQUEST_BYTES = 64 * 1024
_engines: weakref.WeakKeyDictionary[Host, Realtime] = weakref.WeakKeyDictionary()


class NotConfigured(Exception):
    """No WebSocket API to deliver to (INNGEST_LAMBDA_REALTIME_ENDPOINT is unset)."""


class Realtime:
    def __init__(
        self,
        subscriptions: Subscriptions,
        signing_keys: Sequence[str | None],
        endpoint: str,
        region: str,
    ) -> None:
        self.subscriptions = subscriptions
        self.secrets = tokens.secrets_for(signing_keys)
        self.endpoint = endpoint
        self.region = region

    def token(self, body: bytes) -> str:
        """A subscription token for the topics the request names (ProtocolError: 4xx)."""
        if len(body) > MAX_TOKEN_REQUEST_BYTES:
            raise ProtocolError(f"body over {MAX_TOKEN_REQUEST_BYTES} bytes", status=413)
        try:
            requested = json.loads(body or b"null")
        except ValueError as err:
            raise ProtocolError(f"body is not JSON: {err}") from None
        return tokens.issue(tokens.parse_request(requested), self.secrets[0])

    def publish(self, params: dict[str, str], body: bytes, content_type: str) -> fanout.Delivery:
        publication = publish.parse(params, body, content_type, clock.now())
        if not self.endpoint:
            raise NotConfigured(
                "realtime has no WebSocket endpoint (INNGEST_LAMBDA_REALTIME_ENDPOINT is unset)"
            )
        client = fanout.management_client(self.endpoint, self.region)
        return fanout.deliver(
            self.subscriptions, client, publication.channel, publication.topic, publication.frames
        )

    def connect(self, connection_id: str, token: str) -> list[tokens.Topic]:
        """Check the token and subscribe (tokens.TokenError when it lets no one in)."""
        topics = tokens.verify(token, self.secrets)
        self.subscriptions.add(connection_id, topics)
        return topics

    def disconnect(self, connection_id: str) -> int:
        return self.subscriptions.remove(connection_id)


def for_runtime(rt: Host) -> Realtime:
    """The runtime's engine, made on first use (no client or import at cold start)."""
    engine = _engines.get(rt)
    if engine is None:
        store = rt.store  # not `rt` itself in the closure: the engine must not keep it alive
        engine = Realtime(
            Subscriptions(lambda: store.ddb, rt.settings.table),
            [rt.signing_key, rt.signing_key_fallback],
            rt.settings.realtime_endpoint,
            rt.settings.region,
        )
        _engines[rt] = engine
    return engine
