"""The drive's seams that flow control uses: `park` releases the run, `reload` reads it again
and refuses once the lease is someone else's; `gate` is None where no flow control applies."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from inngest_lambda import runtime
from inngest_lambda.core import clock, ids
from inngest_lambda.engine.driver import Driver
from inngest_lambda.storage.store import NEVER, Conflict

pytestmark = pytest.mark.durable(functions="tests.support.apps.engine_ops_functions")


@pytest.fixture()
def waiting_run(durable) -> str:
    """A run parked on its wait (no lease held)."""
    return durable.run(durable.send("ops/wait", {"k": "a"})).run_id


def _driver(run_id: str) -> Iterator[Driver]:
    rt = runtime.get_runtime()
    owner = ids.new_id()
    assert rt.store.wake(run_id)  # leasable now, as an event that resolves its wait makes it
    run, _ = rt.store.acquire_lease(run_id, owner, clock.now() + 30)
    assert run is not None
    sdk = rt.executor.sdk_factory()
    try:
        yield Driver(
            rt.store,
            rt.registry,
            rt.ingestor,
            rt.log,
            run,
            rt.registry.get(run.function_id),
            owner,
            sdk,
            clock.now() + 900,
        )
    finally:
        asyncio.run(sdk.aclose())


def test_park_gives_the_run_back_and_reload_then_refuses(waiting_run, aws_calls):
    for driver in _driver(waiting_run):
        aws_calls.reset()
        assert driver.gate is None  # no concurrency, no timeouts: no gate
        assert sum(aws_calls.values()) == 0  # and no AWS calls for it
        driver.state.load()
        assert driver.park(NEVER)
        stored = runtime.get_runtime().store.get_run(waiting_run)
        assert stored is not None and stored.lease_owner != driver.owner
        with pytest.raises(Conflict, match="lease on run .* lost"):
            driver.reload()


def test_reload_reads_the_run_and_its_steps_again(waiting_run):
    for driver in _driver(waiting_run):
        driver.reload()
        assert driver.run.lease_owner == driver.owner
        assert [s.name for s in driver.state.open.values()] == ["payment"]
        assert driver.lease_end == driver.deadline + 5.0
