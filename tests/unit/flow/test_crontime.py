"""Cron fire times and the event ids of fires (flow/crontime.py)."""

from __future__ import annotations

import datetime

import pytest

from inngest_lambda.flow import crontime


def _ts(text: str) -> float:
    return datetime.datetime.fromisoformat(text).timestamp()


@pytest.mark.parametrize(
    ("cron", "at", "fire"),
    [
        ("* * * * *", "2025-03-05T10:17:42+00:00", "2025-03-05T10:17:00+00:00"),
        ("*/15 * * * *", "2025-03-05T10:17:42+00:00", "2025-03-05T10:15:00+00:00"),
        ("TZ=Europe/Paris 0 9 * * 1", "2025-03-05T10:00:00+00:00", "2025-03-03T08:00:00+00:00"),
        ("TZ=Europe/Paris 0 9 * * 1", "2025-07-07T07:00:01+00:00", "2025-07-07T07:00:00+00:00"),
        ("0 0 29 2 *", "2025-03-01T00:00:00+00:00", "2024-02-29T00:00:00+00:00"),
        # Both day fields restricted: either matches (1st of the month OR a Monday).
        ("0 12 1 * 1", "2025-03-02T13:00:00+00:00", "2025-03-01T12:00:00+00:00"),
        ("@daily", "2025-03-05T10:00:00+00:00", "2025-03-05T00:00:00+00:00"),
    ],
)
def test_latest_fire(cron, at, fire):
    assert crontime.latest_fire(cron, _ts(at)) == _ts(fire)


def test_a_local_time_skipped_by_dst_never_fires():
    # 02:30 did not exist in Paris on 2025-03-30 (clocks jumped 02:00 -> 03:00).
    fire = crontime.latest_fire("TZ=Europe/Paris 30 2 * * *", _ts("2025-03-30T12:00:00+00:00"))
    assert fire == _ts("2025-03-29T01:30:00+00:00")


def test_event_ids_are_stable_per_fire_and_distinct_across_fires():
    a = crontime.event_id("app-fn", "* * * * *", 1_700_000_000.0)
    assert a == crontime.event_id("app-fn", "* * * * *", 1_700_000_000.0)
    assert a != crontime.event_id("app-fn", "* * * * *", 1_700_000_060.0)
    assert a != crontime.event_id("app-other", "* * * * *", 1_700_000_000.0)
