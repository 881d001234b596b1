"""A run's concurrency shard choices: one fenced UpdateItem, read back from the run."""

from __future__ import annotations

import pytest

from inngest_lambda.storage import concurrency, leases, runs
from inngest_lambda.storage.models import Conflict
from tests.unit.storage.conftest import NOW, Calls, Db, new_run


def test_the_shard_choice_is_recorded_by_the_lease_holder(db: Db, calls: Calls):
    runs.create_run(db, new_run("01K"), "k")
    run, _ = leases.acquire_lease(db, "01K", "a", NOW + 60)
    assert run is not None
    calls.take()
    concurrency.record_conc_shards(db, run, "a", {"F#x#conc0#d": 3})
    assert calls.take() == {"UpdateItem": 1}
    assert runs.get_run(db, "01K").conc_shards == {"F#x#conc0#d": 3}
    with pytest.raises(Conflict):
        concurrency.record_conc_shards(db, run, "b", {})
