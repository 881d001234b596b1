"""The sweep index: runs that the sweeper re-drives if nothing happens to them by a time.

A live run carries `SWEEP_SHARD_ATTRIBUTE` (a stable spread over SWEEP_SHARDS partitions) and
`SWEEP_AT_ATTRIBUTE` (when it is due, plus the grace); every write that moves the run's next
moment (a lease, a park until a time, a wake, a cancel) moves it too, in the same write. A run
that waits for something other than a time leaves the index; its end removes it.
"""

from __future__ import annotations

from typing import Any

from inngest_lambda.settings import (
    SWEEP_AT_ATTRIBUTE,
    SWEEP_GRACE_SECONDS,
    SWEEP_SHARD_ATTRIBUTE,
    SWEEP_SHARDS,
)
from inngest_lambda.storage.codec import encode_attr
from inngest_lambda.storage.models import Run

# Expression names of the two attributes, for update expressions that write `:shard`/`:sweep`.
NAMES = {"#shard": SWEEP_SHARD_ATTRIBUTE, "#sweep": SWEEP_AT_ATTRIBUTE}


def sweep_shard(run_id: str) -> str:
    """The sweep-index partition of a run (a stable spread over SWEEP_SHARDS partitions)."""
    return str(int.from_bytes(run_id[-4:].encode(), "big") % SWEEP_SHARDS)


def sweep_fields(run_id: str, at: float) -> dict[str, object]:
    """Put the run in the sweep index: if nothing has happened to it by `at` (plus the grace),
    the sweeper re-drives it."""
    return {
        SWEEP_SHARD_ATTRIBUTE: sweep_shard(run_id),
        SWEEP_AT_ATTRIBUTE: at + SWEEP_GRACE_SECONDS,
    }


def values(run_id: str, at: float) -> dict[str, Any]:
    """`:shard` and `:sweep` of an update expression that puts the run in the index (`NAMES`)."""
    fields = sweep_fields(run_id, at)
    return {
        ":shard": encode_attr(fields[SWEEP_SHARD_ATTRIBUTE]),
        ":sweep": encode_attr(fields[SWEEP_AT_ATTRIBUTE]),
    }


def first_sweep(run: Run) -> float:
    """When a new run is due to the sweeper (plus the grace): when it starts, or at once while
    the look-back of its cancel pauses is still to do (`run_cancels`), which must not wait for
    a start hours away."""
    if run.cancel_pauses and not run.cancels_opened:
        return run.created_at
    return max(run.created_at, run.next_at)
