"""The local stack a benchmark measures: one builder for the benches that need one.

A development-mode stack on a free port serving one of the bench's functions modules through the
real Lambda handler on moto. By default the caller's environment wins over the bench's own
variables (so `make bench` can be run with another log level or runtime setting); a bench that
must pin them passes `environ_wins=False`. The stack module is imported on the first call, after
the bench has set up its environment, as a cold start would.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inngest_lambda.local.stack import LocalStack


@contextlib.contextmanager
def bench_stack(
    functions: str, *, log_level: str = "WARNING", environ_wins: bool = True, **options: Any
) -> Iterator[LocalStack]:
    """A started local stack serving `functions` until the block ends; `options` go to
    `LocalStack` (`concurrency`, ...)."""
    from inngest_lambda.local.ports import free_port
    from inngest_lambda.local.stack import LocalStack

    port = free_port()
    env = {
        "INNGEST_DEV": f"http://127.0.0.1:{port}",
        "INNGEST_LAMBDA_FUNCTIONS": functions,
        "INNGEST_LAMBDA_LOG_LEVEL": log_level,
    }
    with LocalStack(port=port, env={**env, **os.environ} if environ_wins else env, **options) as s:
        yield s
