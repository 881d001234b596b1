"""Polling until something holds: the one wait loop of the suite.

Tests wait on behaviour that happens in other threads (the local stack's pump, a served app), so
they poll; a wait that runs out fails the test with an `AssertionError` saying what never came,
never a silent `None`. Counts are asserted after the wait, by the test: the wait only bounds time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

TERMINAL = {"Completed", "Failed", "Cancelled"}


def wait_for(
    condition: Callable[[], T],
    timeout: float = 20.0,
    interval: float = 0.05,
    what: str | Callable[[], str] = "condition",
) -> T:
    """The first truthy value `condition()` returns, checked at once and every `interval` seconds
    until `timeout`; past it, an AssertionError naming `what` (a callable is asked then, so the
    message can show the state that did not change)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = what() if callable(what) else what
            raise AssertionError(f"{detail} not reached in {timeout}s")
        time.sleep(interval)


def finished_run(
    http: httpx.Client, event_id: str, timeout: float = 20, ended: Collection[str] = TERMINAL
) -> dict[str, Any]:
    """The first run of `event_id` (as `GET /v1/events/{id}/runs` lists it) once its status is
    one of `ended`."""

    def first_ended() -> dict[str, Any] | None:
        runs = http.get(f"/v1/events/{event_id}/runs").json()["data"]
        return runs[0] if runs and runs[0]["status"] in ended else None

    return wait_for(first_ended, timeout, what=f"a finished run of event {event_id}")
