"""A drive that fails (a throttled call mid-drive) gives its run back with the error backoff of
its message's receive count: the message comes back after that delay, and the run's `sweep_at`
(the sweeper's fallback, should bringing the message back fail too) is that same delay on, not a
fixed 5 minutes."""

from __future__ import annotations

import math
from typing import Any

import pytest
from botocore.exceptions import ClientError

from inngest_lambda import runtime
from inngest_lambda.core import aws, clock, retries
from inngest_lambda.settings import SWEEP_GRACE_SECONDS
from tests.support.apps import pause_functions

pytestmark = pytest.mark.durable(functions="tests.support.apps.pause_functions")
FAILURES = 4


def test_a_failed_drive_comes_back_after_the_receive_counts_backoff(durable):
    pause_functions.CALLS.clear()
    ddb, sqs = aws.client("dynamodb"), aws.client("sqs")
    table = runtime.get_runtime().store.table
    failed = {"n": 0}
    released: list[tuple[int, float]] = []  # (VisibilityTimeout, sweep_at - now) per failure

    def fail_step_reads(params: dict[str, Any], **_: Any) -> None:
        pk = params.get("ExpressionAttributeValues", {}).get(":pk", {}).get("S", "")
        if pk.startswith("R#") and failed["n"] < FAILURES:
            failed["n"] += 1
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "injected"}}, "Query"
            )

    def visibility(params: dict[str, Any], **_: Any) -> None:
        (item,) = ddb.scan(
            TableName=table,
            FilterExpression="sk = :r AND begins_with(pk, :p)",
            ExpressionAttributeValues={":r": {"S": "R"}, ":p": {"S": "R#"}},
        )["Items"]
        released.append((params["VisibilityTimeout"], float(item["sweep_at"]["N"]) - clock.now()))

    ddb.meta.events.register("before-parameter-build.dynamodb.Query", fail_step_reads)
    sqs.meta.events.register("before-parameter-build.sqs.ChangeMessageVisibility", visibility)
    try:
        durable.send("pause/go", {})
        durable.advance(60)  # the retries: 2 + 4 + 8 + 16 s, each up to 10% later
    finally:
        ddb.meta.events.unregister("before-parameter-build.dynamodb.Query", fail_step_reads)
        sqs.meta.events.unregister("before-parameter-build.sqs.ChangeMessageVisibility", visibility)
    assert failed["n"] == FAILURES and len(released) == FAILURES
    for receives, (timeout, sweep_in) in enumerate(released, start=1):
        base = retries.FIRST_ERROR_BACKOFF_SECONDS * 2 ** (receives - 1)
        delay = sweep_in - SWEEP_GRACE_SECONDS  # what the release gave the sweeper
        assert base <= delay <= base * 1.1 + 1e-6, (receives, released)  # jitter: up to 10%
        assert timeout == math.ceil(delay), (receives, released)  # the message: the same delay
    assert pause_functions.CALLS["first"] == 1  # then the drive went through


def test_job_messages_go_to_the_handler_the_executor_was_given():
    """The engine runs jobs of the layers above it (a bulk cancellation's pages) through the
    handlers it is built with; a kind nobody handles is dropped, not retried."""
    import asyncio
    import logging

    from inngest_lambda.engine.executor import Executor, Outcome

    seen: list[tuple[object, dict[str, Any]]] = []
    store: Any = object()
    executor = Executor(
        store, Any, Any, Any, logging.getLogger("test"), jobs={"page": lambda *a: seen.append(a)}
    )
    assert asyncio.run(executor.handle({"kind": "page", "id": "j1"}, 0)) == Outcome()
    assert seen == [(store, {"kind": "page", "id": "j1"})]
    assert asyncio.run(executor.handle({"kind": "bulk_cancel", "id": "j2"}, 0)) == Outcome()
    assert len(seen) == 1  # not given to this executor: dropped


def test_the_engine_imports_nothing_from_the_layers_above_it():
    import ast
    import pathlib

    import inngest_lambda

    package = pathlib.Path(inngest_lambda.__file__).parent
    above = ("inngest_lambda.admin", "inngest_lambda.http", "inngest_lambda.runtime")
    importers = []
    for path in sorted((package / "engine").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            if any(m == a or m.startswith(a + ".") for m in modules for a in above):
                importers.append(str(path.relative_to(package)))
    assert importers == []
