"""A publish delivered: every frame posted to every subscribed connection with API Gateway's
management API (`POST @connections/{id}`, `execute-api:ManageConnections`).

The same code runs on every host: on AWS the client's endpoint is the WebSocket API's stage URL,
locally the local server, which serves `@connections` the way API Gateway does (410 for a
connection that is gone).

Cost of one publish with n subscribers (frames: 1 for a message, 2 + chunks for a text stream):
one DynamoDB Query per 1 MB page of connection ids, frames x n PostToConnection calls, and one
DeleteItem per connection found gone. Connections are posted to in parallel, each one's frames
in order; a publish returns when every frame is delivered or its connection found gone.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
import logging
import threading
from collections.abc import Sequence
from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.realtime.subscriptions import Subscriber, Subscriptions

MAX_PARALLEL_POSTS = 16
# API Gateway answers 410 to posts to a connection whose handshake has not completed yet, and a
# connection is subscribed during its $connect, before that: a 410 from a connection younger
# than this keeps its subscription (the frame is lost, but the client has not seen `open` yet).
HANDSHAKE_GRACE_SECONDS = 60
log = logging.getLogger("inngest_lambda.realtime")
_lock = threading.Lock()


@dataclasses.dataclass
class Delivery:
    """What a publish did: connections reached, found gone, still connecting (410 within the
    handshake grace: kept), that failed otherwise (throttled
    past the client's retries: logged, the publish still succeeds so that a retried step does
    not repeat the message to everyone else), frames posted."""

    delivered: int = 0
    gone: int = 0
    connecting: int = 0
    failed: int = 0
    posts: int = 0


@functools.cache
def management_client(endpoint_url: str, region: str) -> Any:
    """The management API client for one endpoint (boto3 clients are thread-safe once made)."""
    with _lock:
        import boto3
        from botocore.config import Config

        config = Config(retries={"mode": "standard", "max_attempts": 3})
        return boto3.session.Session().client(
            "apigatewaymanagementapi", endpoint_url=endpoint_url, region_name=region, config=config
        )


def is_gone(err: Exception) -> bool:
    response = getattr(err, "response", None)
    if not isinstance(response, dict):
        return False
    code = response.get("Error", {}).get("Code")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code == "GoneException" or status == 410


def deliver(
    subscriptions: Subscriptions,
    client: Any,
    channel: str,
    topic: str,
    frames: Sequence[bytes],
) -> Delivery:
    """Post `frames` to every connection subscribed to (channel, topic)."""
    result = Delivery()
    counted = threading.Lock()

    def one(subscriber: Subscriber) -> None:
        connection_id = subscriber.connection_id
        for frame in frames:
            try:
                client.post_to_connection(ConnectionId=connection_id, Data=frame)
            except Exception as err:
                if is_gone(err) and clock.now() - subscriber.connected_at < HANDSHAKE_GRACE_SECONDS:
                    with counted:
                        result.connecting += 1
                elif is_gone(err):
                    subscriptions.drop(channel, topic, connection_id)
                    with counted:
                        result.gone += 1
                else:
                    log.warning("realtime: posting to %s failed: %s", connection_id, err)
                    with counted:
                        result.failed += 1
                return
            with counted:
                result.posts += 1
        with counted:
            result.delivered += 1

    with concurrent.futures.ThreadPoolExecutor(MAX_PARALLEL_POSTS) as pool:
        for page in subscriptions.connections(channel, topic):
            for future in [pool.submit(one, c) for c in page]:
                future.result()
    if result.failed:
        from inngest_lambda.core import metrics

        metrics.count(metrics.REALTIME_POST_FAILURES, result.failed)
    return result
