"""The charts' figures: a function's (or all functions') runs over the last hour, day or week.

Built from the counters `storage/run_stats.py` keeps (one item per function and hour) and, for
the backlog, the runs active now (the runs-by-status index). Per bucket (5 minutes over an hour,
an hour over a day or a week):

* runs that ended, by status (Completed, Failed, Cancelled; Skipped when created skipped);
* the failure rate: Failed out of Completed + Failed (cancellations are an operator's choice);
* p50 and p95 of run duration (runs that completed or failed, first start to end) and of step
  duration (each step attempt that ended), estimated from histograms: within 19% (`run_stats`);
* the backlog at the bucket's end: runs Queued (created, not yet started) and Running (started,
  not ended: driven, asleep, or waiting for an event or an invoke). It is the count now, walked
  back bucket by bucket through what was created, started and ended in each (the creation of a
  run still Queued is read from the index with the count); where the walk would go below zero
  (a lost count) it goes on from zero. Runs that started before the counters existed are in
  the Running count now but in no bucket: a walk back shows them as running since.

Cost of a page view, per function: one Query of its counters (one item per hour shown: 2 for
an hour, 25 for a day, 169 for a week; a second call only past 1 MB) and one Query of its
active index entries (at most `run_stats.ACTIVE_CAP`: past that the backlog is a lower bound).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from inngest_lambda.core import clock
from inngest_lambda.storage.run_stats import (
    RUN_BIN,
    SLOT_SECONDS,
    STEP_BIN,
    Active,
    Bucket,
    percentile,
)

if TYPE_CHECKING:
    from inngest_lambda.storage.store import Store

STATUSES = ("Completed", "Failed", "Cancelled", "Skipped")


@dataclasses.dataclass(frozen=True)
class Range:
    name: str
    label: str
    bucket_seconds: int
    buckets: int

    @property
    def slots(self) -> bool:
        """Buckets are 5-minute slots (else hours)."""
        return self.bucket_seconds == SLOT_SECONDS


RANGES = {
    "hour": Range("hour", "Last hour", SLOT_SECONDS, 12),
    "day": Range("day", "Last day", 3600, 24),
    "week": Range("week", "Last week", 3600, 168),
}
DEFAULT_RANGE = "day"


def parse_range(value: str | None) -> Range:
    """The `range` query parameter: hour, day (the default) or week."""
    if not value:
        return RANGES[DEFAULT_RANGE]
    if value not in RANGES:
        raise ValueError(f"range must be one of {', '.join(RANGES)}, not {value[:40]!r}")
    return RANGES[value]


@dataclasses.dataclass
class Point:
    """One bucket's figures (durations in milliseconds; None: nothing to measure)."""

    start: float
    counts: dict[str, int]  # runs that ended, by status
    failure_rate: float | None
    run_p50: float | None
    run_p95: float | None
    step_p50: float | None
    step_p95: float | None
    queued: int = 0
    running: int = 0


@dataclasses.dataclass
class Charts:
    range: Range
    points: list[Point]
    backlog_at_least: bool  # more active runs than were counted (`run_stats.ACTIVE_CAP`)


def bucket_starts(r: Range, now: float) -> list[float]:
    """The starts of the range's buckets, oldest first; the last holds `now`."""
    last = now // r.bucket_seconds * r.bucket_seconds
    return [last - (r.buckets - 1 - k) * r.bucket_seconds for k in range(r.buckets)]


def build(r: Range, now: float, buckets: Iterable[Bucket], active: Active) -> Charts:
    """The figures of each bucket from its counters, and the backlog walked back from now."""
    by_start: dict[float, Counter[str]] = {}
    for b in buckets:
        by_start.setdefault(b.start, Counter()).update(b.counts)
    for created in active.queued_created:  # not counted yet: their first drive will
        start = created // r.bucket_seconds * r.bucket_seconds
        by_start.setdefault(start, Counter())["created"] += 1
    points = []
    for start in bucket_starts(r, now):
        c = by_start.get(start, Counter())
        done = c["Completed"] + c["Failed"]
        runs = _histogram(c, RUN_BIN)
        steps = _histogram(c, STEP_BIN)
        points.append(
            Point(
                start=start,
                counts={s: c[s] for s in STATUSES},
                failure_rate=c["Failed"] / done if done else None,
                run_p50=percentile(runs, 0.5),
                run_p95=percentile(runs, 0.95),
                step_p50=percentile(steps, 0.5),
                step_p95=percentile(steps, 0.95),
            )
        )
    queued, running = active.queued, active.running
    for p in reversed(points):
        p.queued, p.running = queued, running
        c = by_start.get(p.start, Counter())
        queued = max(0, queued - (c["created"] - c["started"]))
        running = max(0, running - (c["started"] - c["ended"]))
    return Charts(r, points, active.at_least)


def _histogram(counts: Counter[str], prefix: str) -> dict[int, int]:
    return {
        int(name[len(prefix) :]): n
        for name, n in counts.items()
        if name.startswith(prefix) and name[len(prefix) :].isdigit() and n > 0
    }


def function_charts(
    store: Store, function_ids: list[str], r: Range, now: float | None = None
) -> Charts:
    """The figures of these functions' runs together (one function's, or every function's for
    the overview): two Queries per function (see the module's docstring)."""
    at = clock.now() if now is None else now
    starts = bucket_starts(r, at)
    buckets: list[Bucket] = []
    active = Active([], 0)
    for fn in function_ids:
        buckets += store.read_run_stats(fn, starts[0], starts[-1], slots=r.slots)
        now_active = store.active_runs(fn)
        active.queued_created += now_active.queued_created
        active.running += now_active.running
        active.at_least = active.at_least or now_active.at_least
    return build(r, at, buckets, active)
