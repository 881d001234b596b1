"""`scheduled_start`: which `ts` schedules a run, and which the event API refuses."""

from __future__ import annotations

import pytest

from inngest_lambda.core import clock
from inngest_lambda.events import scheduled_start

NOW_MS = 1_800_000_000_000
DAY_MS = 86_400_000


@pytest.mark.parametrize(
    ("ts", "problem"),
    [
        (NOW_MS, None),
        (NOW_MS - 30 * DAY_MS, None),
        (NOW_MS + 365 * DAY_MS, None),  # a year ahead: the longest delay
        (NOW_MS + 365 * DAY_MS + 1, "more than a year ahead"),
        (scheduled_start.MIN_TS_MS, None),
        (scheduled_start.MIN_TS_MS - 1, "outside 1980-01-01 to 2100-01-01"),
        (scheduled_start.MAX_TS_MS, "outside 1980-01-01 to 2100-01-01"),
    ],
)
def test_ts_bounds(ts, problem):
    found = scheduled_start.ts_problem(ts, NOW_MS)
    assert (found is None) if problem is None else (problem in found)


def test_only_a_ts_ahead_of_now_schedules_a_start():
    now = clock.now()
    assert scheduled_start.starts_at({"ts": int((now + 60) * 1000)}) == pytest.approx(now + 60)
    assert scheduled_start.starts_at({"ts": int((now - 60) * 1000)}) is None
    assert scheduled_start.starts_at({"ts": int(now * 1000)}) is None  # now: no timer
    assert scheduled_start.starts_at({}) is None
    assert scheduled_start.starts_at({"ts": True}) is None
