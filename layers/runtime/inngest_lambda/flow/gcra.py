"""GCRA (generic cell rate algorithm): one number per key, the theoretical arrival time (TAT).

Both throttle and rate limit are GCRA over run starts, as in Inngest. With `interval` = period /
limit, an arrival at `now` conforms when `now >= tat - tolerance`; each accepted arrival pushes
the TAT to `max(tat, now) + interval`. The tolerance sets the burst: `(burst - 1) * interval`
lets `burst` arrivals through at once, then one per interval.

* Rate limit (lossy): non-conforming arrivals are dropped; tolerance `(limit - 1) * interval`,
  so `limit` runs may start at once and then one per `period / limit`.
* Throttle (lossless): every arrival reserves the next conforming time, `max(now, tat -
  tolerance)`, and starts then; reservations are FIFO because each one pushes the TAT.

Pure functions: the callers read the TAT, compute, and write it back with a condition on the
value they read, so concurrent invocations serialise on the state item.
"""

from __future__ import annotations


def rate_limit(tat: float, now: float, period: float, limit: int) -> tuple[bool, float]:
    """(allowed, new TAT) for one arrival under a lossy limit of `limit` per `period`."""
    interval = period / limit
    tolerance = (limit - 1) * interval
    if now < tat - tolerance:
        return False, tat
    return True, max(tat, now) + interval


def throttle(tat: float, now: float, period: float, limit: int, burst: int) -> tuple[float, float]:
    """(start time, new TAT) reserved by one arrival under a lossless throttle."""
    interval = period / limit
    tolerance = (max(burst, 1) - 1) * interval
    start = max(now, tat - tolerance)
    return start, max(tat, now) + interval
