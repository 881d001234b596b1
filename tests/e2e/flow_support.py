"""Helpers for the flow-control end-to-end tests (test_flow_*.py)."""

from __future__ import annotations

import concurrent.futures
import uuid
from typing import Any

from tests.support.waiting import wait_for

TERMINAL = {"Completed", "Failed", "Cancelled", "Skipped"}


def tag() -> str:
    """A fresh key per test, so tests never share flow-control state."""
    return uuid.uuid4().hex[:10]


def wait_runs(
    api, event_ids: list[str], timeout: float = 30, expect: int = 1
) -> list[dict[str, Any]]:
    """All runs of these events once at least `expect` exist and every one has ended (events
    without runs are skipped: a debounced or batched event may share another event's run)."""
    runs: list[dict[str, Any]] = []

    def ended() -> bool:
        runs[:] = [r for eid in event_ids for r in api.runs(eid)]
        return len(runs) >= expect and all(r["status"] in TERMINAL for r in runs)

    wait_for(ended, timeout, what=lambda: f"the end of runs {runs}")
    return [api.run(r["run_id"]) for r in runs]


def send_concurrently(api, events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Send events from as many threads at once: each HTTP request is its own handler call."""
    with concurrent.futures.ThreadPoolExecutor(len(events)) as pool:
        return list(pool.map(lambda e: api.send(e[0], e[1]), events))


def overlaps(intervals: list[tuple[str, float, float]]) -> list[tuple[str, str]]:
    """Pairs of labels whose (start, end) intervals overlap."""
    out = []
    for i, (a, a0, a1) in enumerate(intervals):
        for b, b0, b1 in intervals[i + 1 :]:
            if a0 < b1 and b0 < a1:
                out.append((a, b))
    return out
