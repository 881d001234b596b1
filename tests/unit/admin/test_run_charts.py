"""The charts' figures from counters: buckets, failure rate, percentiles and the backlog walked
back from the runs active now (pure: no AWS call), and the range parameter."""

from __future__ import annotations

import pytest

from inngest_lambda.admin import run_charts
from inngest_lambda.storage import run_stats
from inngest_lambda.storage.run_stats import Active, Bucket

HOUR = 3600.0
NOW = 1_800_000_000.0 // HOUR * HOUR + 1234  # 20 minutes into an hour
DAY = run_charts.RANGES["day"]
LAST_HOUR = run_charts.RANGES["hour"]


def test_buckets_end_with_the_one_holding_now():
    starts = run_charts.bucket_starts(DAY, NOW)
    assert len(starts) == 24 and starts[-1] <= NOW < starts[-1] + HOUR
    assert starts[0] == starts[-1] - 23 * HOUR
    slots = run_charts.bucket_starts(LAST_HOUR, NOW)
    assert len(slots) == 12 and slots[-1] <= NOW < slots[-1] + 300
    assert len(run_charts.bucket_starts(run_charts.RANGES["week"], NOW)) == 168


def test_counts_failure_rate_and_percentiles_per_bucket():
    starts = run_charts.bucket_starts(DAY, NOW)
    durations = run_stats.Tally()
    for ms in [100.0] * 19 + [5000.0]:
        durations.run_duration(ms, starts[-2])
    hour = {k: n for k, n in durations.items[int(starts[-2])].items() if "@" not in k}
    counts = {"Completed": 3, "Failed": 1, "Cancelled": 2, **hour}
    charts = run_charts.build(DAY, NOW, [Bucket(starts[-2], counts)], Active([], 0))
    p = charts.points[-2]
    assert p.counts == {"Completed": 3, "Failed": 1, "Cancelled": 2, "Skipped": 0}
    assert p.failure_rate == 0.25  # cancellations are neither
    assert p.run_p50 == pytest.approx(100, rel=0.19)
    assert p.run_p95 == pytest.approx(100, rel=0.19)  # the 19th of 20
    assert p.step_p50 is None
    empty = charts.points[-1]
    assert empty.failure_rate is None and empty.run_p95 is None
    assert sum(empty.counts.values()) == 0


def test_buckets_of_several_functions_add_up():
    start = run_charts.bucket_starts(DAY, NOW)[-1]
    charts = run_charts.build(
        DAY,
        NOW,
        [Bucket(start, {"Completed": 1}), Bucket(start, {"Completed": 2, "Failed": 1})],
        Active([], 0),
    )
    assert charts.points[-1].counts["Completed"] == 3


def test_the_backlog_is_walked_back_from_the_runs_active_now():
    starts = run_charts.bucket_starts(DAY, NOW)
    buckets = [
        Bucket(starts[-3], {"created": 4}),  # four created (counted when they started)
        Bucket(starts[-2], {"started": 4, "ended": 1}),  # they start, one ends
        Bucket(starts[-1], {"created": 1, "started": 1, "ended": 2}),
    ]
    # Now: one run Queued, created in the second bucket shown here (the index says when).
    active = Active(queued_created=[starts[-2] + 60], running=2)
    charts = run_charts.build(DAY, NOW, buckets, active)
    backlog = [(p.queued, p.running) for p in charts.points[-4:]]
    assert backlog == [(0, 0), (4, 0), (1, 3), (1, 2)]


def test_a_walk_below_zero_goes_on_from_zero():
    """Three runs counted as created in the last bucket but none queued now (their starts'
    counts were lost): the walk stops at zero, and goes on from there."""
    starts = run_charts.bucket_starts(DAY, NOW)
    buckets = [Bucket(starts[-2], {"started": 2}), Bucket(starts[-1], {"created": 3})]
    charts = run_charts.build(DAY, NOW, buckets, Active([], 0))
    assert [p.queued for p in charts.points[-4:]] == [2, 2, 0, 0]


def test_the_cap_of_the_active_count_is_passed_on():
    assert run_charts.build(DAY, NOW, [], Active([NOW] * 1000, 0, at_least=True)).backlog_at_least


@pytest.mark.parametrize("value", [None, ""])
def test_the_range_defaults_to_a_day(value):
    assert run_charts.parse_range(value) is DAY


def test_a_range_that_is_not_one_names_the_choices():
    with pytest.raises(ValueError, match="range must be one of hour, day, week, not 'month'"):
        run_charts.parse_range("month")
