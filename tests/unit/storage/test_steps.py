"""Step writes: plain, only-if-absent, fenced by the lease, deferred; the waiting resolver."""

from __future__ import annotations

import pytest

from inngest_lambda.storage import cancel_flags, leases, runs, steps
from inngest_lambda.storage.models import (
    COMPLETED,
    MISSING,
    SCHEDULED,
    WAITING,
    CancelRequested,
    Conflict,
    Stale,
    Step,
)
from inngest_lambda.storage.run_blobs import RunBlobs
from tests.unit.storage.conftest import NOW, Calls, Db, new_run


@pytest.fixture
def driven(db: Db, calls: Calls) -> str:
    runs.create_run(db, new_run("01S"), "k")
    leases.acquire_lease(db, "01S", "a", NOW + 60)
    calls.take()
    return "01S"


def _step(step_id: str = "s1", status: str = COMPLETED, memo: object = MISSING) -> Step:
    return Step(step_id, "name", "StepRun", status, 1, memo=memo)


def test_a_step_and_its_memo_round_trip_in_one_put(db: Db, calls: Calls, driven: str):
    assert steps.put_step(db, RunBlobs(), driven, _step(memo={"a": 1}), only_if_absent=True) is None
    assert calls.take() == {"PutItem": 1}
    loaded = steps.load_steps(db, driven)
    assert calls.take() == {"Query": 1}
    assert loaded["s1"].memo == {"a": 1} and loaded["s1"].memo_text == '{"a":1}'


def test_only_if_absent_returns_the_existing_step(db: Db, calls: Calls, driven: str):
    steps.put_step(db, RunBlobs(), driven, _step(memo=1), only_if_absent=True)
    calls.take()
    existing = steps.put_step(db, RunBlobs(), driven, _step(memo=2), only_if_absent=True)
    assert existing is not None and existing.memo == 1
    assert calls.take() == {"PutItem": 1}  # the refusal carries the item: no read


def test_a_finished_step_is_never_overwritten(db: Db, calls: Calls, driven: str):
    steps.put_step(db, RunBlobs(), driven, _step(memo=1), only_if_absent=False)
    again = steps.put_step(db, RunBlobs(), driven, _step(memo=2), only_if_absent=False)
    assert again is not None and again.memo == 1
    assert steps.load_steps(db, driven)["s1"].memo == 1


def test_a_fenced_write_is_one_transaction_refused_after_a_cancel(db: Db, calls: Calls, driven):
    steps.put_step(db, RunBlobs(), driven, _step("s1"), only_if_absent=True, owner="a")
    assert calls.take() == {"TransactWriteItems": 1}
    with pytest.raises(Conflict) as lost:
        steps.put_step(db, RunBlobs(), driven, _step("s2"), only_if_absent=True, owner="b")
    assert not isinstance(lost.value, CancelRequested)
    cancel_flags.request_cancel(db, driven, "user")
    with pytest.raises(CancelRequested):
        steps.put_step(db, RunBlobs(), driven, _step("s3"), only_if_absent=True, owner="a")
    assert set(steps.load_steps(db, driven)) == {"s1"}


def test_a_deferred_step_that_changed_meanwhile_is_stale(db: Db, calls: Calls, driven: str):
    written = RunBlobs()
    sleep = Step("z", "zz", "Sleep", SCHEDULED, 1, due_at=NOW + 10)
    deferred = steps.step_put(db, written, driven, sleep, only_if_absent=True)
    assert calls.take() == {}  # a request, not a write
    steps.write_steps(db, driven, "a", [deferred])
    assert calls.take() == {"TransactWriteItems": 1}
    with pytest.raises(Stale):
        steps.write_steps(db, driven, "a", [deferred])  # the step exists now
    with pytest.raises(Stale):
        steps.put_step(
            db, written, driven, _step("s9"), only_if_absent=True, owner="a", deferred=[deferred]
        )
    assert "s9" not in steps.load_steps(db, driven)


def test_only_the_first_resolver_of_a_waiting_step_wins(db: Db, calls: Calls, driven: str):
    steps.put_step(db, RunBlobs(), driven, _step("w", WAITING), only_if_absent=True)
    calls.take()
    assert steps.resolve_waiting(db, RunBlobs(), driven, "w", COMPLETED, {"e": 1}) is True
    assert steps.resolve_waiting(db, RunBlobs(), driven, "w", COMPLETED, None) is False
    assert calls.take() == {"UpdateItem": 2}
    step = steps.load_steps(db, driven)["w"]
    assert (step.status, step.memo, step.ended_at) == (COMPLETED, {"e": 1}, NOW)


def test_a_large_memo_goes_to_s3_and_onto_the_run(db: Db, calls: Calls, driven: str):
    big = "y" * 400_000
    steps.put_step(db, RunBlobs(), driven, _step(memo=big), only_if_absent=True)
    assert calls.take() == {"PutObject": 1, "UpdateItem": 1, "PutItem": 1}
    assert db.item("R#01S", "R")["blobs"] == ["runs/01S/s1.json"]
    assert steps.load_steps(db, driven)["s1"].memo == big


def test_a_failed_step_with_a_huge_error_is_stored_with_the_error_clipped(
    db: Db, calls: Calls, driven: str
):
    """A step failing with a 300 KB message (its memo, the SDK's copy, holds it whole): the
    item's own `error` is clipped, so the item stays under DynamoDB's 400 KB and the fenced
    write goes through; before, every drive failed on it and the run never ended."""
    from inngest_lambda.storage.models import FAILED
    from inngest_lambda.storage.values import ERROR_BUDGET_BYTES, ERROR_FIELD_CHARS

    error = {"name": "RuntimeError", "message": "x" * 300_000, "stack": "s" * 50_000}
    failed = Step("s1", "name", "StepFailed", FAILED, 1, memo={"error": error}, error=error)
    steps.put_step(db, RunBlobs(), driven, failed, only_if_absent=False, owner="a")
    stored = steps.load_steps(db, driven)["s1"]
    assert stored.memo == {"error": error}  # the SDK's copy, whole (in S3)
    assert stored.error is not None and stored.error["name"] == "RuntimeError"
    assert stored.error["message"].startswith("x" * ERROR_FIELD_CHARS + "... [297952 more")
    assert len(str(stored.error).encode()) <= ERROR_BUDGET_BYTES
    small = {"name": "E", "message": "short", "data": {"k": 1}}
    assert (
        steps.put_step(
            db,
            RunBlobs(),
            driven,
            Step("s2", "n", "StepFailed", FAILED, 2, error=small),
            only_if_absent=True,
        )
        is None
    )
    assert steps.load_steps(db, driven)["s2"].error == small  # kept whole, nested data too
