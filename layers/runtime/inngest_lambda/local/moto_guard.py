"""Make moto behave like one AWS when several threads use it at once.

The local stack calls the handler from HTTP threads and from the pump at the same time, and
moto's in-memory backends are not written for that: a DynamoDB conditional write is a
check-then-set that two threads can both pass, and an SQS delete rebuilds the message list while
a concurrent send appends to it (the send is lost). Real AWS makes each call atomic, so we do
too: every mocked request is processed under one lock. A call takes microseconds to
milliseconds, so this costs nothing locally, but it means no caller may block *inside* moto: the
pump therefore never long-polls (WaitTimeSeconds=0) and instead waits on the wake-up this guard
gives it whenever an SQS request goes through.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

Listener = Callable[[str], None]
"""Called after each mocked request with its operation: the `X-Amz-Target` header of JSON
protocol calls (`AmazonSQS.SendMessage`), else `METHOD url` (REST services like Scheduler)."""


class MotoGuard:
    """Serialise moto's request processing; tell listeners about each request handled."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        self._stubber: Any = None
        self._previous: Any = None

    def install(self) -> MotoGuard:
        from moto.core.models import botocore_stubber  # moto only ever loads in the local stack

        if self._stubber is not None:
            return self
        original = botocore_stubber.process_request
        guard = self

        def process_request(request: Any) -> Any:
            with guard._lock:
                response = original(request)
            if guard._listeners:
                operation = _operation(request)
                for listener in list(guard._listeners):
                    with contextlib.suppress(Exception):  # never let a listener break a call
                        listener(operation)
            return response

        self._previous = botocore_stubber.__dict__.get("process_request")
        botocore_stubber.process_request = process_request
        self._stubber = botocore_stubber
        return self

    def uninstall(self) -> None:
        """Put back whatever process_request was before install()."""
        if self._stubber is not None:
            if self._previous is None:
                self._stubber.__dict__.pop("process_request", None)  # the class's method again
            else:
                self._stubber.process_request = self._previous
            self._stubber = self._previous = None
        self._listeners.clear()

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)


def _operation(request: Any) -> str:
    headers = getattr(request, "headers", None) or {}
    target = headers.get("X-Amz-Target") or headers.get("x-amz-target")
    if isinstance(target, bytes):
        target = target.decode("ascii", "replace")
    if target:
        return str(target)
    return f"{getattr(request, 'method', '')} {getattr(request, 'url', '')}"
