"""boto3 clients, created once per process and only when first used (cold start stays small)."""

from __future__ import annotations

import functools
import threading
from typing import Any

from inngest_lambda.settings import get_settings

_lock = threading.Lock()


@functools.cache
def client(service: str) -> Any:
    """A shared client; boto3 clients are thread-safe once created, creation is not."""
    with _lock:
        import boto3
        from botocore.config import Config

        config = Config(retries={"mode": "standard", "max_attempts": 5})
        return boto3.session.Session().client(
            service, region_name=get_settings().region, config=config
        )


def reset() -> None:
    """Forget cached clients (tests that start a fresh moto backend call this)."""
    client.cache_clear()
