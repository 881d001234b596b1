"""settings.py: what the runtime reads from its environment, and what it refuses."""

from __future__ import annotations

import pytest

from inngest_lambda import settings


def test_retention_days_default_and_a_given_value():
    assert settings.Settings.from_env({}).retention_days == settings.DEFAULT_RETENTION_DAYS
    env = {settings.ENV_RETENTION_DAYS: "7"}
    assert settings.Settings.from_env(env).retention_days == 7
    empty = {settings.ENV_RETENTION_DAYS: ""}  # set but empty: unset, like the other settings
    assert settings.Settings.from_env(empty).retention_days == settings.DEFAULT_RETENTION_DAYS


@pytest.mark.parametrize("bad", ["0", "-3", " ", "1.5", "forever", str(2**31 - 1)])
def test_a_retention_the_runtime_cannot_honour_is_refused_at_start(bad):
    # 0 or less would give every ended run a TTL in the past; past 2**31 - 2 days the bucket's
    # lifecycle rule (retention + 1 days) cannot be written.
    with pytest.raises(ValueError, match=rf"{settings.ENV_RETENTION_DAYS} must be .* 1 to"):
        settings.Settings.from_env({settings.ENV_RETENTION_DAYS: bad})
