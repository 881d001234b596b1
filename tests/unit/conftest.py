"""Fixtures the unit tests share: the AWS calls the runtime makes during a `durable` test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from inngest_lambda.core import aws
from tests.unit.engine.support import SERVICES, AwsCalls


@pytest.fixture()
def aws_calls(durable: Any) -> Iterator[AwsCalls]:
    """Every call the runtime's DynamoDB, SQS and Scheduler clients make during the test."""
    calls = AwsCalls()
    clients = [aws.client(service) for service in SERVICES]
    for c in clients:
        c.meta.events.register("before-call", calls.hook)
    try:
        yield calls
    finally:
        for c in clients:
            c.meta.events.unregister("before-call", calls.hook)
