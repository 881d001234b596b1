"""Test doubles for the local stack: a recording Lambda handler and small HTTP/wait helpers."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

# Stacks in these tests run a fake handler: point the functions module at one that does not exist,
# so nothing from `functions/` (cron schedules, say) leaks into them.
NO_FUNCTIONS = {"INNGEST_LAMBDA_FUNCTIONS": "local_no_functions_module"}


class FakeHandler:
    """Records every (event, context); answers HTTP and SQS events with swappable functions."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[tuple[dict[str, Any], Any]] = []
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
        self.on_http: Callable[[dict[str, Any]], Any] = lambda event: {
            "statusCode": 200,
            "headers": {"content-type": "text/plain"},
            "body": "ok",
        }
        self.on_sqs: Callable[[dict[str, Any]], Any] = lambda event: {"batchItemFailures": []}

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        with self.lock:
            self.calls.append((event, context))
        if "Records" in event:
            return self.on_sqs(event)
        return self.on_http(event)

    @property
    def http_events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e, _ in self.calls if "Records" not in e]

    @property
    def sqs_events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e, _ in self.calls if "Records" in e]

    @property
    def records(self) -> list[dict[str, Any]]:
        return [r for e in self.sqs_events for r in e["Records"]]


def request(
    url: str,
    method: str = "GET",
    path: str = "/",
    body: bytes | None = None,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request on a fresh connection; returns status, raw header list, body."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        items = headers.items() if isinstance(headers, dict) else (headers or [])
        for name, value in items:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def pk_sk_table(name: str = "t") -> Any:
    """A moto DynamoDB client with an on-demand table keyed (pk, sk), inside a running mock."""
    import boto3

    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return client


def all_query_pages(ddb: Any, query: dict[str, Any]) -> list[tuple[Any, Any, Any]]:
    """Every page of a Query of table "t": (items, Count, ScannedCount) each."""
    pages, kwargs = [], {"TableName": "t", **query}
    while True:
        res = ddb.query(**kwargs)
        pages.append((res["Items"], res["Count"], res["ScannedCount"]))
        if "LastEvaluatedKey" not in res:
            return pages
        kwargs["ExclusiveStartKey"] = res["LastEvaluatedKey"]


def query_comparisons(ddb: Any, monkeypatch: Any, query: dict[str, Any]) -> int:
    """DynamoType comparisons one Query page of table "t" makes (how many items it looked at)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    count = [0]
    eq, lt = DynamoType.__eq__, DynamoType.__lt__

    def counting_eq(self: Any, other: Any) -> bool:
        count[0] += 1
        return eq(self, other)

    def counting_lt(self: Any, other: Any) -> bool:
        count[0] += 1
        return lt(self, other)

    with monkeypatch.context() as m:
        m.setattr(DynamoType, "__eq__", counting_eq)
        m.setattr(DynamoType, "__lt__", counting_lt)
        ddb.query(TableName="t", **query)
    return count[0]
