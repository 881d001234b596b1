"""Fixtures shared by the top-level tests."""

from __future__ import annotations

import pytest

from inngest_lambda import runtime, settings


@pytest.fixture()
def fresh_runtime(monkeypatch):
    """A runtime built from scratch, as in a new Lambda process (bench functions, no AWS)."""
    monkeypatch.setenv(settings.ENV_FUNCTIONS, "bench.workflows")
    monkeypatch.setenv(settings.ENV_DEV, "http://127.0.0.1:9")
    monkeypatch.setenv(settings.ENV_TABLE, "snapstart-test")
    for name in (settings.ENV_SIGNING_KEY_SECRET_ARN, settings.ENV_EVENT_KEY_SECRET_ARN):
        monkeypatch.delenv(name, raising=False)
    settings.get_settings.cache_clear()
    runtime.get_runtime.cache_clear()
    yield
    runtime.get_runtime.cache_clear()
    settings.get_settings.cache_clear()
