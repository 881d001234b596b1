"""GCRA: rate limits and throttles as theoretical arrival times (flow/gcra.py)."""

from __future__ import annotations

from inngest_lambda.flow import gcra


def test_rate_limit_lets_limit_through_then_one_per_interval():
    tat, allowed = 0.0, []
    for now in (100.0, 100.0, 100.0, 104.0, 105.0, 110.0):
        ok, new = gcra.rate_limit(tat, now, period=10, limit=2)
        allowed.append(ok)
        tat = new if ok else tat
    assert allowed == [True, True, False, False, True, True]


def test_throttle_reserves_fifo_starts_and_never_drops():
    tat, starts = 0.0, []
    for _ in range(4):
        start, tat = gcra.throttle(tat, 100.0, period=10, limit=2, burst=1)
        starts.append(start)
    assert starts == [100.0, 105.0, 110.0, 115.0]
    tat, starts = 0.0, []
    for _ in range(4):
        start, tat = gcra.throttle(tat, 100.0, period=10, limit=2, burst=2)
        starts.append(start)
    assert starts == [100.0, 100.0, 105.0, 110.0]
