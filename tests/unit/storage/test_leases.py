"""The lease and the writes it fences: one conditional UpdateItem each, refusals as designed."""

from __future__ import annotations

import pytest

from inngest_lambda.settings import SWEEP_GRACE_SECONDS
from inngest_lambda.storage import cancel_flags, leases, runs, steps
from inngest_lambda.storage.models import NEVER, CancelRequested, Conflict
from inngest_lambda.storage.run_blobs import RunBlobs
from tests.unit.storage.conftest import NOW, Calls, Db, new_run


@pytest.fixture
def run_id(db: Db, calls: Calls) -> str:
    runs.create_run(db, new_run("01L"), "k")
    calls.take()
    return "01L"


def test_a_second_acquire_is_refused_while_the_lease_lives(db: Db, calls: Calls, run_id: str):
    got, refused = leases.acquire_lease(db, run_id, "a", NOW + 60)
    assert got is not None and got.status == "Running" and got.lease_owner == "a"
    assert refused is None
    assert calls.take() == {"UpdateItem": 1}
    got, refused = leases.acquire_lease(db, run_id, "b", NOW + 60)
    # Refused: the run as it was comes back with the refusal, no second read.
    assert got is None and refused is not None and refused.lease_owner == "a"
    assert calls.take() == {"UpdateItem": 1}
    assert db.item("R#01L", "R")["sweep_at"] == NOW + 60 + SWEEP_GRACE_SECONDS


def test_an_expired_lease_can_be_taken_over(db: Db, calls: Calls, clock_at, run_id: str):
    leases.acquire_lease(db, run_id, "a", NOW + 60)
    clock_at[0] = NOW + 61
    got, _ = leases.acquire_lease(db, run_id, "b", NOW + 120)
    assert got is not None and got.lease_owner == "b"
    assert leases.renew_lease(db, run_id, "a", NOW + 200) is False
    assert leases.renew_lease(db, run_id, "b", NOW + 200) is True
    assert db.item("R#01L", "R")["lease_until"] == NOW + 200


def test_acquiring_a_missing_run_reads_it_once(db: Db, calls: Calls):
    assert leases.acquire_lease(db, "01NONE", "a", NOW + 60) == (None, None)
    assert calls.take() == {"UpdateItem": 1, "GetItem": 1}


def test_a_parked_run_is_not_taken_before_its_time(db: Db, calls: Calls, clock_at, run_id: str):
    run, _ = leases.acquire_lease(db, run_id, "a", NOW + 60)
    assert run is not None
    assert leases.park(db, run, "a", NOW + 300) is True
    assert calls.take() == {"UpdateItem": 2}
    assert leases.acquire_lease(db, run_id, "b", NOW + 60)[0] is None  # an early duplicate
    clock_at[0] = NOW + 300
    assert leases.acquire_lease(db, run_id, "b", NOW + 360)[0] is not None


def test_a_wake_during_the_drive_makes_its_park_fail(db: Db, calls: Calls, run_id: str):
    run, _ = leases.acquire_lease(db, run_id, "a", NOW + 60)
    assert run is not None
    assert leases.wake(db, run_id) is True
    assert leases.park(db, run, "a", NEVER) is False
    assert calls.take() == {"UpdateItem": 3}
    assert db.item("R#01L", "R")["lease_owner"] == "a"
    assert leases.wake(db, "01NONE") is False


def test_a_park_until_never_leaves_the_sweep_index(db: Db, calls: Calls, run_id: str):
    run, _ = leases.acquire_lease(db, run_id, "a", NOW + 60)
    assert run is not None
    step = steps.step_put(db, RunBlobs(), run_id, _step(), only_if_absent=True)
    calls.take()
    assert leases.park(db, run, "a", NEVER, deferred=[step]) is True
    assert calls.take() == {"TransactWriteItems": 1}  # the deferred step rides along
    item = db.item("R#01L", "R")
    assert "sweep_at" not in item and "lease_owner" not in item
    assert db.item("R#01L", "S#s1") is not None


def test_release_hands_the_run_to_the_next_message(db: Db, calls: Calls, run_id: str):
    leases.acquire_lease(db, run_id, "a", NOW + 60)
    leases.release(db, run_id, "b")  # not the holder: nothing happens, nothing raised
    assert db.item("R#01L", "R")["lease_owner"] == "a"
    leases.release(db, run_id, "a", retry_in=30)
    assert calls.take() == {"UpdateItem": 3}
    item = db.item("R#01L", "R")
    assert "lease_owner" not in item and item["sweep_at"] == NOW + 30 + SWEEP_GRACE_SECONDS


def test_an_owned_write_says_whether_a_cancel_or_a_lost_lease_refused_it(db: Db, run_id: str):
    leases.acquire_lease(db, run_id, "a", NOW + 60)
    with pytest.raises(Conflict) as lost:
        leases.update_owned(db, run_id, "b", {"x": 1})
    assert not isinstance(lost.value, CancelRequested)
    cancel_flags.request_cancel(db, run_id, "user")
    leases.update_owned(db, run_id, "a", {"x": 1})  # not conditioned on the cancel
    with pytest.raises(CancelRequested) as cancelled:
        leases.update_owned(db, run_id, "a", {"x": 2}, unless_cancelled=True)
    assert cancelled.value.reason == "user"
    assert db.item("R#01L", "R")["x"] == 1


def test_keep_fields_are_written_only_where_missing(db: Db, calls: Calls, run_id: str):
    leases.acquire_lease(db, run_id, "a", NOW + 60)
    calls.take()
    item = leases.update_owned(db, run_id, "a", {"y": 1, "z": 2}, keep=("y",), returns=True)
    leases.update_owned(db, run_id, "a", {"y": 5, "z": 6}, keep=("y",))
    assert calls.take() == {"UpdateItem": 2}
    assert item is not None and item["y"] == {"N": "1"}
    stored = db.item("R#01L", "R")
    assert (stored["y"], stored["z"]) == (1, 6)


def _step():
    from inngest_lambda.storage.models import SCHEDULED, Step

    return Step("s1", "sleep", "Sleep", SCHEDULED, 1, due_at=NOW + 300)
