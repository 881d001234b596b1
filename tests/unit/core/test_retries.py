import random

import pytest

from inngest_lambda.core import retries


@pytest.mark.parametrize(
    ("attempt", "base"),
    [(0, 15), (1, 30), (2, 60), (3, 120), (4, 300), (8, 3600), (9, 7200), (15, 7200)],
)
def test_backoff_follows_inngest_table_with_jitter(attempt, base, monkeypatch):
    monkeypatch.delenv("INNGEST_LAMBDA_RETRY_SCALE", raising=False)
    rng = random.Random(1)
    for _ in range(20):
        delay = retries.backoff(attempt, rng)
        assert base <= delay <= base + retries.MAX_JITTER_SECONDS


def test_retry_after_is_clamped():
    assert retries.clamp_retry_after(0.1) == 1.0
    assert retries.clamp_retry_after(10) == 10
    assert retries.clamp_retry_after(10**9) == 24 * 3600
