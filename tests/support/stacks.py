"""The local stack a test module runs its functions on: one builder for every suite.

A stack serves one functions module (`INNGEST_LAMBDA_FUNCTIONS`) through the real Lambda handler
on moto, in real time. Only one local stack can run in a process at a time, and the runtime and
AWS clients are per process: the builder drops both before and after, so a stack never sees the
previous one's runtime, table or clients.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator, Mapping
from typing import Any

from inngest_lambda import runtime
from inngest_lambda.core import aws
from inngest_lambda.local.ports import free_port
from inngest_lambda.local.stack import LocalStack


def fresh_process() -> None:
    """Forget the runtime and the AWS clients, as a new Lambda process would."""
    runtime.get_runtime.cache_clear()
    aws.reset()


@contextlib.contextmanager
def clients_pointed_at(stack: LocalStack, functions: str) -> Iterator[None]:
    """Point the served functions' inngest client at this stack (so `step.send_event` reaches
    it), and back afterwards. The client is built once, when its module is first imported, by
    whichever module's stack (or `durable` fixture) came first: without this its URL, and the
    connections it keeps open, belong to that earlier stack."""
    from inngest_lambda.testing import sdk_client

    module = importlib.import_module(functions)
    restore = sdk_client.point_at(module.client, stack.url)
    try:
        yield
    finally:
        restore()


def stack_env(functions: str, port: int, **overrides: str | None) -> dict[str, str | None]:
    """The environment of a development-mode stack on `port` serving `functions`: retries
    scaled to 1% of their delays, WARNING logs; `overrides` (variable names) win, None unsets."""
    return {
        "INNGEST_DEV": f"http://127.0.0.1:{port}",
        "INNGEST_LAMBDA_FUNCTIONS": functions,
        "INNGEST_LAMBDA_RETRY_SCALE": "0.01",
        "INNGEST_LAMBDA_LOG_LEVEL": "WARNING",
        **overrides,
    }


@contextlib.contextmanager
def local_stack(
    functions: str,
    env: Mapping[str, str | None] | None = None,
    *,
    port: int | None = None,
    point_clients: bool = True,
    **options: Any,
) -> Iterator[LocalStack]:
    """A started local stack serving `functions` until the block ends.

    `env` adds to (or replaces) `stack_env`'s variables; `port` defaults to a free one;
    `point_clients` points the module's inngest client at the stack (`clients_pointed_at`);
    `options` go to `LocalStack` (`concurrency`, `handler`, ...)."""
    port = port or free_port()
    fresh_process()
    try:
        with (
            LocalStack(port=port, env=stack_env(functions, port, **(env or {})), **options) as st,
            clients_pointed_at(st, functions) if point_clients else contextlib.nullcontext(),
        ):
            yield st
    finally:
        fresh_process()
