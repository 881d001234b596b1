"""Compact times: relative within the hour, a clock time today, a date otherwise."""

from __future__ import annotations

import datetime
import time

import pytest

from inngest_lambda.cli import times

AT = datetime.datetime(2026, 12, 5, 12, 0, 0, tzinfo=datetime.UTC)


@pytest.fixture()
def utc(monkeypatch):
    """Local time is UTC (a table shows local times)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_compact_times(utc) -> None:
    assert times.compact("2026-12-05T11:59:15.000Z", AT) == "45s ago"
    assert times.compact("2026-12-05T11:57:00.000Z", AT) == "3m ago"
    assert times.compact("2026-12-05T12:03:00.000Z", AT) == "in 3m"
    assert times.compact("2026-12-05T09:04:05.123Z", AT) == "09:04:05"
    assert times.compact("2026-03-01T09:04:05.123Z", AT) == "Mar 01"
    assert times.compact("2025-12-04T09:04:05.123Z", AT) == "2025-12-04"
    assert times.compact(None, AT) == ""
    assert all(len(times.compact(v, AT)) <= 10 for v in ("2025-12-04T09:04:05.123Z",))


def test_durations() -> None:
    assert times.duration("2026-12-05T12:00:00.000Z", "2026-12-05T12:00:00.850Z") == "850ms"
    assert times.duration("2026-12-05T12:00:00.000Z", "2026-12-05T12:00:02.140Z") == "2.1s"
    assert times.duration("2026-12-05T12:00:00.000Z", "2026-12-05T12:03:04.000Z") == "3m04s"
    assert times.duration("2026-12-05T12:00:00.000Z", "2026-12-05T13:02:00.000Z") == "1h02m"
    assert times.duration("2026-12-01T08:00:00.000Z", "2026-12-05T12:00:00.000Z") == "4d04h"
    assert times.duration("2026-12-05T12:00:00.000Z", None) == ""
