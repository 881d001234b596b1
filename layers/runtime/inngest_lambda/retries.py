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
