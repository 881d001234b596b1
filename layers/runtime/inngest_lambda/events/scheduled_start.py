"""Scheduled starts: an event whose `ts` is in the future starts its runs at `ts`, not now.

Inngest: "If the ts time is in the future, function runs will be scheduled to start at the
given time. This has the same effect as sleeping at the start of the function." Its server
creates the run (state, `cancel=` pauses) at once and enqueues the first drive at
`max(now, ts)` (`executor.go`, schedule); batched runs ignore `ts`.

Here the run is created Queued at once, with its `cancel=` pauses, and carries the time in two
attributes: `starts_at` (new, optional; set only on a run whose event was in the future, and
never changed: what the API, the dashboard and the CLI show) and `next_at` (the existing "not
before" of a Queued run, which throttle uses too). The lease refuses a drive before `next_at`
and before `starts_at` (`storage/leases.acquire_lease`), so an early message is a no-op; the
first drive is a durable timer (`scheduling/timers.py`: an SQS delay up to 15 minutes, an
EventBridge Scheduler schedule beyond), armed by flow control's admission (`flow/admission.py`),
and the sweep index holds the run until `starts_at` plus the grace, so a process that dies
between creating the run and arming the timer leaves the run to the sweeper, on time.

Validation (the event API, `http/event_input.py`): `ts` must fall between 1980 and 2100, as
on Inngest's server, and at most `MAX_DELAY_SECONDS` (a year, Inngest Cloud's cap) ahead.
Only `core.clock` is imported: the event API imports this on the Lambda's request path.
"""

from __future__ import annotations

from typing import Any

from inngest_lambda.core import clock

# A year: Inngest Cloud's cap on delayed functions (its docs: guides/delayed-functions).
MAX_DELAY_SECONDS = 365 * 24 * 3600
# Inngest's server refuses a `ts` outside 1980-01-01 .. 2100-01-01 (pkg/event/event.go).
MIN_TS_MS = 315_532_800_000
MAX_TS_MS = 4_102_444_800_000
# A `ts` less than this ahead starts the run now (the lease's own tolerance for early messages).
EARLY_SECONDS = 0.5


def ts_problem(ts: int, now_ms: int | None = None) -> str | None:
    """Why an event's `ts` (milliseconds since the epoch) is refused, or None if it is fine."""
    if not MIN_TS_MS <= ts < MAX_TS_MS:
        return (
            f"'ts' {ts} is outside 1980-01-01 to 2100-01-01 "
            "(milliseconds since the epoch, as Inngest accepts)"
        )
    now_ms = clock.now_ms() if now_ms is None else now_ms
    if ts - now_ms > MAX_DELAY_SECONDS * 1000:
        return (
            f"'ts' {ts} ({clock.iso(ts / 1000)}) is more than a year ahead: a future 'ts' "
            "schedules the run for that time, at most 365 days from now"
        )
    return None


def starts_at(event: dict[str, Any]) -> float | None:
    """When the runs of `event` start (seconds since the epoch) if that is later than now;
    None for an event without a `ts`, with one in the past, or one less than a moment ahead."""
    ts = event.get("ts")
    if isinstance(ts, bool) or not isinstance(ts, int | float):
        return None
    at = ts / 1000
    return at if at > clock.now() + EARLY_SECONDS else None


__all__ = ["MAX_DELAY_SECONDS", "starts_at", "ts_problem"]
