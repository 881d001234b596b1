"""Inngest's retry schedule, so a function retries here exactly as it would on Inngest."""

from __future__ import annotations

import random

# Delay after the attempt that just failed (0-based): 15s, 30s, 1m, 2m, 5m, 10m, 20m, 40m, 1h, 2h.
BACKOFF_SECONDS = (15, 30, 60, 120, 300, 600, 1200, 2400, 3600, 7200)
MAX_JITTER_SECONDS = 30
DEFAULT_RETRIES = 4
MIN_RETRY_AFTER = 1.0
MAX_RETRY_AFTER = 24 * 3600.0


def backoff(failed_attempt: int, rng: random.Random | None = None) -> float:
    base = BACKOFF_SECONDS[min(max(failed_attempt, 0), len(BACKOFF_SECONDS) - 1)]
    return (base + (rng or random).uniform(0, MAX_JITTER_SECONDS)) * scale()


def clamp_retry_after(seconds: float) -> float:
    return min(max(seconds, MIN_RETRY_AFTER), MAX_RETRY_AFTER)


def scale() -> float:
    """`INNGEST_LAMBDA_RETRY_SCALE` shrinks every retry delay (tests and local demos only)."""
    import os

    return float(os.environ.get("INNGEST_LAMBDA_RETRY_SCALE", "1"))


# Redelivery of a message whose handling failed (a throttled write, an unreachable app): 2 s,
# doubling with each receive, at most 5 minutes (plus up to 10% jitter, so a burst of failures
# does not come back in lockstep).
FIRST_ERROR_BACKOFF_SECONDS = 2.0
MAX_ERROR_BACKOFF_SECONDS = 300.0


def error_backoff(receive_count: int, rng: random.Random | None = None) -> float:
    base = min(
        MAX_ERROR_BACKOFF_SECONDS, FIRST_ERROR_BACKOFF_SECONDS * 2 ** max(receive_count - 1, 0)
    )
    return base * (1 + (rng or random).uniform(0, 0.1))
