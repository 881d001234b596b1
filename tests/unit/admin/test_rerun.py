"""Rerun from a step: which steps of the original are copied in as memoized (started before the
chosen one, finished), which run again, what is written and what it costs in AWS calls."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from inngest_lambda.admin import operations, rerun
from inngest_lambda.storage.models import COMPLETED, FAILED, WAITING, Step
from inngest_lambda.storage.store import Store
from tests.unit.storage.conftest import NOW, Calls, Db, new_run


@dataclasses.dataclass
class Registry:
    def get(self, function_id: str) -> object | None:
        return object() if function_id == "app-fn" else None


@dataclasses.dataclass
class Deployment:
    store: Store
    registry: Registry
    ingestor: Any = None


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The start messages sent (the SQS queue is not part of this package's stack)."""
    out: list[dict[str, Any]] = []
    monkeypatch.setattr(operations.queue, "send", out.append)
    return out


def _step(step_id: str, seq: int, started: float | None, status: str = COMPLETED, **kw: Any):
    return Step(
        step_id=step_id,
        name=kw.pop("name", step_id),
        op=kw.pop("op", "StepRun"),
        status=status,
        seq=seq,
        started_at=started,
        **kw,
    )


ORIGINAL = [
    _step("h-first", 0, NOW + 1, memo={"data": 1}),
    _step("h-nap", 1, NOW + 2, op="Sleep", memo=None),
    _step("h-wait", 2, NOW + 3, op="WaitForEvent", memo={"name": "x/y", "data": {}}),
    # A parallel group of three, planned together: two started before the chosen step.
    _step("h-par-a", 3, NOW + 4, memo={"data": "a"}),
    _step("h-par-b", 4, NOW + 4, status=FAILED, memo={"error": {"name": "E"}}, error={"name": "E"}),
    _step("h-chosen", 6, NOW + 5, memo={"data": "old"}),
    _step("h-par-c", 5, NOW + 6, memo={"data": "c"}),
    _step("h-later", 7, NOW + 7, memo={"data": "later"}),
    # Started earlier but never finished: runs again (a wait is re-armed by the new run).
    _step("h-open-wait", 8, NOW + 3.5, status=WAITING, op="WaitForEvent"),
    _step("h-dup-1", 9, NOW + 8, name="dup", memo={"data": 0}),
    _step("h-dup-2", 10, NOW + 9, name="dup", memo={"data": 0}),
]


@pytest.fixture
def deployment(db: Db, calls: Calls) -> Deployment:
    store = Store()
    store.create_run(new_run("01ORIG", status="Running"), "k-orig")
    for step in ORIGINAL:
        store.put_step("01ORIG", dataclasses.replace(step), only_if_absent=True)
    calls.take()
    return Deployment(store, Registry())


def test_copies_the_finished_steps_started_before_the_chosen_one(deployment, calls, sent):
    new = rerun.rerun(deployment, "01ORIG", "h-chosen")
    assert calls.take() == {"GetItem": 1, "Query": 1, "TransactWriteItems": 1}
    assert sent == [{"kind": "run", "run_id": new.run_id}]
    copied = deployment.store.load_steps(new.run_id)
    assert sorted(copied) == ["h-first", "h-nap", "h-par-a", "h-par-b", "h-wait"]
    original = deployment.store.load_steps("01ORIG")
    for step_id, step in copied.items():
        assert (step.status, step.memo, step.error, step.seq) == (
            original[step_id].status,
            original[step_id].memo,
            original[step_id].error,
            original[step_id].seq,
        )
    stored = deployment.store.get_run(new.run_id)
    assert (stored.status, stored.replay_of, stored.rerun_from) == ("Queued", "01ORIG", "h-chosen")
    assert deployment.store.replays_of("01ORIG") == [new.run_id]
    assert deployment.store.get_run("01ORIG").replays == [new.run_id]


def test_a_step_is_found_by_id_then_by_a_unique_name(deployment, sent):
    assert rerun.find_step(list(deployment.store.load_steps("01ORIG").values()), "h-nap").op == (
        "Sleep"
    )
    with pytest.raises(rerun.BadRequest, match=r"step name 'dup' matches 2 steps"):
        rerun.rerun(deployment, "01ORIG", "dup")
    new = rerun.rerun(deployment, "01ORIG", "h-dup-2")
    assert "h-dup-1" in deployment.store.load_steps(new.run_id)


@pytest.mark.parametrize(
    ("run_id", "step", "step_input", "error", "message"),
    [
        ("01NONE", "h-first", None, operations.NotFound, "run 01NONE not found"),
        ("01ORIG", "nope", None, rerun.BadRequest, "step 'nope' not found"),
        ("01ORIG", "h-first", [{"a": 1}], rerun.BadRequest, "input is not supported"),
    ],
)
def test_a_refused_rerun_writes_nothing(
    deployment, calls, sent, run_id, step, step_input, error, message
):
    with pytest.raises(error, match=message):
        rerun.rerun(deployment, run_id, step, step_input)
    written = {k: v for k, v in calls.take().items() if k not in ("GetItem", "Query")}
    assert written == {} and sent == []
    assert deployment.store.replays_of("01ORIG") == []


def test_a_full_rerun_copies_nothing(deployment, calls, sent):
    new = rerun.rerun(deployment, "01ORIG")
    assert calls.take() == {"GetItem": 1, "TransactWriteItems": 1}
    assert deployment.store.load_steps(new.run_id) == {}
    assert deployment.store.get_run(new.run_id).rerun_from is None


def test_more_copies_than_a_transaction_holds_are_written_first(db, calls, sent):
    store = Store()
    store.create_run(new_run("01LONG", status="Failed"), "k-long")
    for n in range(101):
        store.put_step("01LONG", _step(f"h-{n}", n, NOW + n, memo={"data": n}), only_if_absent=True)
    calls.take()
    new = rerun.rerun(Deployment(store, Registry()), "01LONG", "h-100")
    assert calls.take() == {"GetItem": 1, "Query": 1, "PutItem": 5, "TransactWriteItems": 1}
    copied = store.load_steps(new.run_id)
    assert sorted(s.memo["data"] for s in copied.values()) == list(range(100))


def test_large_copies_leave_the_transaction_under_its_4_mb(db, calls, sent):
    store = Store()
    store.create_run(new_run("01BIG", status="Failed"), "k-big")
    big = "x" * 250_000  # inline (under 300 KB) each; 20 of them are 5 MB
    for n in range(21):
        store.put_step(
            "01BIG", _step(f"h-{n}", n, NOW + n, memo={"data": big}), only_if_absent=True
        )
    calls.take()
    new = rerun.rerun(Deployment(store, Registry()), "01BIG", "h-20")
    # The steps' Query reads 1 MB a page: 7 pages of 5 MB; 12 copies (3 MB) in the transaction.
    assert calls.take() == {"GetItem": 1, "Query": 7, "PutItem": 9, "TransactWriteItems": 1}
    assert len(store.load_steps(new.run_id)) == 20
