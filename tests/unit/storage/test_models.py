"""Run and Step as stored: what `from_item` reads back, and what counts as a conflict."""

from __future__ import annotations

from botocore.exceptions import ClientError

from inngest_lambda.storage import runs, steps
from inngest_lambda.storage.models import (
    COMPLETED,
    FAILED,
    MISSING,
    PLANNED,
    Conflict,
    Run,
    Step,
    is_conflict,
)
from inngest_lambda.storage.run_blobs import RunBlobs
from tests.unit.storage.conftest import Calls, Db, new_run


def _error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": ""}}, "UpdateItem")


def test_only_refused_conditions_are_conflicts():
    assert is_conflict(_error("ConditionalCheckFailedException"))
    assert is_conflict(_error("TransactionCanceledException"))
    assert not is_conflict(_error("ProvisionedThroughputExceededException"))
    assert not is_conflict(Conflict("plain"))


def test_a_run_reads_back_as_it_was_created(db: Db, calls: Calls):
    run = new_run("01M", parent={"run_id": "01P"}, cancel_pauses=[("P#a", "b")])
    runs.create_run(db, run, "k")
    loaded = runs.get_run(db, "01M")
    assert isinstance(loaded, Run)
    assert (loaded.parent, loaded.cancel_pauses, loaded.events) == (
        {"run_id": "01P"},
        [("P#a", "b")],
        run.events,
    )
    assert loaded.inline_bytes == len(b'[{"id":"ev1","name":"app/test","data":{"n":1},"ts":1}]')
    assert loaded.visible_status == "Queued"


def test_a_step_without_a_memo_reads_back_missing_and_null_stays_null(db: Db, calls: Calls):
    steps.put_step(
        db, RunBlobs(), "01M", Step("a", "a", "StepRun", PLANNED, 1), only_if_absent=True
    )
    steps.put_step(
        db,
        RunBlobs(),
        "01M",
        Step("b", "b", "StepRun", COMPLETED, 2, memo=None),
        only_if_absent=True,
    )
    loaded = steps.load_steps(db, "01M")
    assert loaded["a"].memo is MISSING and not loaded["a"].done
    assert loaded["b"].memo is None and loaded["b"].done
    assert Step("c", "c", "StepRun", FAILED, 3).done
