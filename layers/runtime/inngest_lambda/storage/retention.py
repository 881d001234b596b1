"""How long ended things are kept: the table's TTL attribute, counted from now."""

from __future__ import annotations

from inngest_lambda.core import clock
from inngest_lambda.settings import get_settings

IDEMPOTENCY_SECONDS = 24 * 3600
# A stored event outlives every flow-control item that may still read it: a debounce burst
# fires at most 7 days (Inngest's longest period) after its last event and is kept 7 days past
# that (flow/debounce.py); a batch entry a day. Only a retention under 14 days is raised.
EVENT_MIN_KEEP_SECONDS = 14 * 86400


def retention_seconds() -> float:
    """The configured retention (`retention_days`)."""
    return get_settings().retention_days * 86400.0


def expires_at(seconds: float | None = None) -> int:
    """The TTL value of an item that may go `seconds` (default: the retention) from now."""
    return int(clock.now() + (seconds if seconds is not None else retention_seconds()))
