"""boto3 clients for the local stack itself (the runtime makes its own: `inngest_lambda.core.aws`).

Creating a client from a fresh session re-reads the service model from disk (~0.1-0.2 s for
DynamoDB); tests start many stacks, so clients are made once per (service, region) and reused.
They keep working across moto restarts: moto intercepts every client's requests while active.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_lock = threading.Lock()


@functools.cache
def client(service: str, region: str) -> Any:
    """A shared client (boto3 clients are thread-safe once made; making them is not)."""
    with _lock:
        import boto3

        return boto3.session.Session(region_name=region).client(service)
