"""The sweep index fields: a stable shard per run, due at a time plus the grace."""

from __future__ import annotations

from inngest_lambda.settings import SWEEP_GRACE_SECONDS, SWEEP_SHARDS
from inngest_lambda.storage import sweep_index
from tests.unit.storage.conftest import NOW, new_run


def test_a_run_keeps_its_shard_and_runs_spread_over_all():
    shards = {sweep_index.sweep_shard(f"01RUN{i:05d}") for i in range(2000)}
    assert shards == {str(i) for i in range(SWEEP_SHARDS)}
    assert sweep_index.sweep_shard("01ABCD") == sweep_index.sweep_shard("99ABCD")


def test_fields_and_values_name_the_same_due_time():
    fields = sweep_index.sweep_fields("01R", NOW)
    assert fields == {
        "sweep_shard": sweep_index.sweep_shard("01R"),
        "sweep_at": NOW + SWEEP_GRACE_SECONDS,
    }
    assert sweep_index.values("01R", NOW) == {
        ":shard": {"S": fields["sweep_shard"]},
        ":sweep": {"N": repr(NOW + SWEEP_GRACE_SECONDS)},
    }


def test_a_new_run_is_due_at_its_start_or_at_once_for_its_cancel_look_back():
    assert sweep_index.first_sweep(new_run(next_at=NOW + 60)) == NOW + 60
    waiting = new_run(next_at=NOW + 60, cancel_pauses=[("P#e", "s")])
    assert sweep_index.first_sweep(waiting) == NOW
    waiting.cancels_opened = True
    assert sweep_index.first_sweep(waiting) == NOW + 60


def test_overdue_items_are_read_from_every_shard_and_postponed_once(db, calls, clock_at):
    from inngest_lambda.settings import SWEEP_SHARDS
    from inngest_lambda.storage import leases, runs

    for i in range(3):
        runs.create_run(db, new_run(f"01W{i}"), f"k{i}")
    calls.take()
    assert sweep_index.overdue(db, NOW, 1000) == []  # due only after the grace
    assert calls.take() == {"Query": SWEEP_SHARDS}
    due = sweep_index.overdue(db, NOW + SWEEP_GRACE_SECONDS, 1000)
    assert sorted(pk for pk, *_ in due) == ["R#01W0", "R#01W1", "R#01W2"]
    pk, sk, at, sweeps = sorted(due)[0]
    assert (sk, at, sweeps) == ("R", NOW + SWEEP_GRACE_SECONDS, 0)
    calls.take()
    item = sweep_index.postpone(db, pk, sk, at, NOW + 600)
    assert item is not None and item["sweeps"] == {"N": "1"}
    assert sweep_index.postpone(db, pk, sk, at, NOW + 600) is None  # it moved: nothing to do
    assert calls.take() == {"UpdateItem": 2}
    leases.acquire_lease(db, "01W1", "a", NOW + 60)  # a lease moves it on as well
    later = sweep_index.overdue(db, NOW + SWEEP_GRACE_SECONDS, 1000)
    assert [p for p, *_ in later] == ["R#01W2"]
