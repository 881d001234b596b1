"""TTL values: the retention from now, or a given span."""

from __future__ import annotations

from inngest_lambda.storage import retention
from tests.unit.storage.conftest import NOW


def test_expiry_counts_from_the_clock(clock_at):
    assert retention.retention_seconds() == 30 * 86400  # the default retention_days
    assert retention.expires_at() == int(NOW + 30 * 86400)
    clock_at[0] = NOW + 0.9
    assert retention.expires_at(10) == int(NOW + 10.9)
