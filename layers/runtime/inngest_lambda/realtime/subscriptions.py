"""Who listens to what: one DynamoDB item per (channel, topic, connection), in the runtime's table.

    pk "rt#<sha256 of [channel, topic]>"   sk <connection id>   at, expires_at
    pk "rtc#<connection id>"               sk "conn"            topics [pk, ...], expires_at

A publish queries the first kind by its key (one Query per 1 MB page of connection ids); the
second lets `$disconnect`, which carries no token, find what the connection subscribed to.
Both expire (table TTL) a little after API Gateway's 2-hour connection limit, so a connection
whose `$disconnect` never ran leaves nothing behind for long; a publish meanwhile meets the
dead connection (410) and deletes its item at once.

Writes are plain puts and deletes: a `$connect` or `$disconnect` delivered twice writes the same.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

from inngest_lambda.core import clock
from inngest_lambda.realtime.tokens import Topic
from inngest_lambda.settings import TABLE_PK, TABLE_SK, TABLE_TTL_ATTRIBUTE
from inngest_lambda.storage import subscriptions as stored

TOPIC_PREFIX = "rt#"
CONNECTION_PREFIX = "rtc#"
CONNECTION_SK = "conn"
# API Gateway closes every WebSocket connection after 2 hours; items outlive that a little.
MAX_CONNECTION_SECONDS = 2 * 3600
TTL_SECONDS = MAX_CONNECTION_SECONDS + 600
CONNECTED_AT = "at"  # epoch seconds of the $connect


class Subscriber(NamedTuple):
    connection_id: str
    connected_at: float


def topic_key(channel: str, topic: str) -> str:
    """The partition of a (channel, topic): fixed length whatever the names hold."""
    named = json.dumps([channel, topic], separators=(",", ":"), ensure_ascii=False)
    return TOPIC_PREFIX + hashlib.sha256(named.encode()).hexdigest()


class Subscriptions:
    """Reads and writes of subscription items; `client()` gives the boto3 DynamoDB client,
    asked for at the first read or write only (a token request touches no table: the runtime's
    client makes its data-format check on first use)."""

    def __init__(self, client: Callable[[], Any], table: str) -> None:
        self._client = client
        self.table = table

    @property
    def ddb(self) -> Any:
        return self._client()

    def add(self, connection_id: str, topics: Sequence[Topic]) -> None:
        """Subscribe a connection (at `$connect`, before API Gateway completes the handshake)."""
        now = int(clock.now())
        expires = str(now + TTL_SECONDS)
        keys = sorted({topic_key(t.channel, t.name) for t in topics})
        items: list[dict[str, Any]] = [
            {
                TABLE_PK: {"S": CONNECTION_PREFIX + connection_id},
                TABLE_SK: {"S": CONNECTION_SK},
                "topics": {"L": [{"S": k} for k in keys]},
                TABLE_TTL_ATTRIBUTE: {"N": expires},
            }
        ]
        items += [
            {
                TABLE_PK: {"S": k},
                TABLE_SK: {"S": connection_id},
                CONNECTED_AT: {"N": str(now)},
                TABLE_TTL_ATTRIBUTE: {"N": expires},
            }
            for k in keys
        ]
        self._write([{"PutRequest": {"Item": item}} for item in items])

    def remove(self, connection_id: str) -> int:
        """Unsubscribe a connection (at `$disconnect`); the number of topics it had."""
        found = stored.get(self, CONNECTION_PREFIX + connection_id, CONNECTION_SK)
        if found is None:
            return 0
        keys = [k["S"] for k in found.get("topics", {}).get("L", [])]
        deletes = [(k, connection_id) for k in keys]
        deletes.append((CONNECTION_PREFIX + connection_id, CONNECTION_SK))
        self._write(
            [
                {"DeleteRequest": {"Key": {TABLE_PK: {"S": pk}, TABLE_SK: {"S": sk}}}}
                for pk, sk in deletes
            ]
        )
        return len(keys)

    def drop(self, channel: str, topic: str, connection_id: str) -> None:
        """Forget one subscription of a connection that is gone (a 410 on posting to it)."""
        stored.delete(self, topic_key(channel, topic), connection_id)

    def connections(self, channel: str, topic: str) -> Iterator[list[Subscriber]]:
        """The connections subscribed to (channel, topic), one list per Query page."""
        projection = {"#sk": TABLE_SK, "#at": CONNECTED_AT}
        for page in stored.pages(self, topic_key(channel, topic), projection):
            yield [
                Subscriber(item[TABLE_SK]["S"], float(item.get(CONNECTED_AT, {}).get("N", 0)))
                for item in page
            ]

    def _write(self, requests: list[dict[str, Any]]) -> None:
        stored.write(self, requests)
