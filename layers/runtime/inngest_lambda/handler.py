"""The Lambda entry point: API Gateway requests go to the FastAPI app, WebSocket API events to
realtime, SQS batches to the executor. The local stack calls this same function."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from typing import Any

from inngest_lambda import snapstart
from inngest_lambda.runtime import get_runtime

_thread = threading.local()
snapstart.prepare()  # SnapStart / provisioned concurrency: build the runtime during init


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    rt = get_runtime()
    loop = _event_loop()
    if "Records" in event:
        return loop.run_until_complete(_sqs(rt, event["Records"], context))
    if "requestContext" in event:
        if "connectionId" in event["requestContext"]:  # the WebSocket API (realtime)
            from inngest_lambda.realtime import websocket

            if websocket.is_websocket_event(event):
                return websocket.handle(rt, event)
        return rt.http(event, context)
    raise ValueError("unsupported Lambda event: expected an API Gateway or SQS event")


def _event_loop() -> asyncio.AbstractEventLoop:
    """One loop per thread, kept across invocations (Mangum expects a current loop)."""
    loop = getattr(_thread, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _thread.loop = loop
    asyncio.set_event_loop(loop)
    return loop


async def _sqs(rt: Any, records: list[dict[str, Any]], context: Any) -> dict[str, Any]:
    """Handle a batch; report only the records to retry (partial batch failure)."""
    from inngest_lambda.core import clock, retries
    from inngest_lambda.scheduling import queue

    deadline = clock.now() + context.get_remaining_time_in_millis() / 1000
    outcomes: list[Any] = []

    async def one(record: dict[str, Any]) -> str | None:
        try:
            message = json.loads(record["body"])
        except (ValueError, TypeError):
            rt.log.error("dropping malformed message", extra={"request_id": record["messageId"]})
            return None
        try:
            outcome = await rt.executor.handle(message, deadline, _receives(record))
        except Exception:
            # Say when to come back (seconds, growing with each receive), not the queue's
            # 16-minute visibility timeout; if even that call fails, the timeout it is.
            rt.log.exception("message failed", extra={"run_id": message.get("run_id")})
            from inngest_lambda.core import metrics

            metrics.count(metrics.DRIVE_FAILURES)
            with contextlib.suppress(Exception):
                queue.retry_in(record["receiptHandle"], retries.error_backoff(_receives(record)))
            return record["messageId"]
        outcomes.append(outcome)
        if outcome.retry_in is not None:  # a failed drive: its backoff, as its release said
            queue.retry_in(record["receiptHandle"], outcome.retry_in)
            return record["messageId"]
        if outcome.failed:
            queue.retry_in(record["receiptHandle"], retries.error_backoff(_receives(record)))
            return record["messageId"]
        return None

    _queue_age(records)
    failed = await asyncio.gather(*(one(r) for r in records))
    rt.executor.record_counts(outcomes)  # the dashboard charts' counters, once per batch
    from inngest_lambda import tracing

    tracing.flush()  # before Lambda freezes the process: nothing batched is left behind
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failed if m]}


def _queue_age(records: list[dict[str, Any]]) -> None:
    """QueueAge: how long each message waited past the moment it was due (sent, or `due_at`)."""
    from inngest_lambda.core import clock, metrics

    if not metrics.enabled():
        return
    batch = metrics.Batch()
    now = clock.now()
    for record in records:
        try:
            sent = int(record.get("attributes", {}).get("SentTimestamp", 0)) / 1000
            due = json.loads(record["body"]).get("due_at") or 0
        except (ValueError, TypeError, AttributeError):
            continue
        if sent:
            batch.add("QueueAge", max(0.0, now - max(sent, float(due))) * 1000)
    batch.flush()


def _receives(record: dict[str, Any]) -> int:
    try:
        return max(1, int(record.get("attributes", {}).get("ApproximateReceiveCount", 1)))
    except (TypeError, ValueError):
        return 1
