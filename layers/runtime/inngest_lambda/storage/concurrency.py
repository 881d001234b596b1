"""What a run records about the concurrency slots it takes (flow/concurrency.py has the slots)."""

from __future__ import annotations

import json

from inngest_lambda.storage.leases import update_owned
from inngest_lambda.storage.models import Run
from inngest_lambda.storage.table import Table


def record_conc_shards(db: Table, run: Run, owner: str, shards: dict[str, int]) -> None:
    """Which shard of each sharded concurrency key the run is about to take: written before
    the slot, so a drive after a crash renews that entry instead of taking a second one."""
    update_owned(db, run.run_id, owner, {"conc_shards": json.dumps(shards, sort_keys=True)})
    run.conc_shards = dict(shards)
