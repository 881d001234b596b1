"""A function's pause item and its parked-run entries: what each call writes and costs."""

from __future__ import annotations

from inngest_lambda.storage import function_pauses
from tests.unit.storage.conftest import NOW, Calls, Db


def test_pausing_writes_one_item_conditionally_and_a_second_pause_changes_nothing(
    db: Db, calls: Calls, clock_at
):
    assert function_pauses.get_pause(db, "app-fn") is None
    assert calls.take() == {"GetItem": 1}
    pause, changed = function_pauses.pause(db, "app-fn", cancel_running=True, paused_by="ops")
    assert changed and calls.take() == {"PutItem": 1}
    assert pause == function_pauses.FunctionPause("app-fn", NOW, True, "ops")
    item = db.item("FPAUSE#app-fn", "P")
    assert (item["paused_at"], item["cancel_running"], item["paused_by"]) == (NOW, True, "ops")

    clock_at[0] = NOW + 60
    again, changed = function_pauses.pause(db, "app-fn", cancel_running=False)
    assert not changed and again == pause  # the stored pause answers, unchanged
    assert calls.take() == {"PutItem": 1, "GetItem": 1}  # the refused write, then the read
    assert db.item("FPAUSE#app-fn", "P")["paused_at"] == NOW
    assert function_pauses.get_pause(db, "app-fn") == pause
    assert function_pauses.get_pause(db, "app-other") is None  # one function's pause only


def test_resume_deletes_the_pause_once(db: Db, calls: Calls):
    function_pauses.pause(db, "app-fn", cancel_running=False)
    calls.take()
    removed = function_pauses.resume(db, "app-fn")
    assert removed is not None and removed.paused_at == NOW
    assert calls.take() == {"DeleteItem": 1}
    assert db.item("FPAUSE#app-fn", "P") is None
    assert function_pauses.resume(db, "app-fn") is None  # not paused: a refused delete
    assert calls.take() == {"DeleteItem": 1}


def test_parked_runs_are_listed_by_one_query_and_forgotten_in_batches(db: Db, calls: Calls):
    run_ids = [f"01R{n:03d}" for n in range(30)]
    for rid in run_ids:
        function_pauses.mark_parked(db, "app-fn", rid)
    function_pauses.mark_parked(db, "app-fn", run_ids[0])  # twice: still one entry
    function_pauses.pause(db, "app-fn", cancel_running=False)  # not listed as a parked run
    calls.take()
    assert list(function_pauses.parked_runs(db, "app-fn")) == run_ids
    assert calls.take() == {"Query": 1}
    function_pauses.forget_parked(db, "app-fn", run_ids)
    assert calls.take() == {"BatchWriteItem": 2}  # 25 a call
    assert list(function_pauses.parked_runs(db, "app-fn")) == []
    assert db.item("FPAUSE#app-fn", "P") is not None  # the pause itself stays


def test_check_reuses_not_paused_for_5_seconds_and_a_pause_at_once(db: Db, calls: Calls, clock_at):
    assert function_pauses.check(db, "app-fn") is None
    assert calls.take() == {"GetItem": 1}
    clock_at[0] = NOW + function_pauses.NOT_PAUSED_REUSE_SECONDS - 0.1
    assert function_pauses.check(db, "app-fn") is None
    assert calls.take() == {}  # reused: no call
    assert function_pauses.check(db, "app-other") is None  # per function
    assert calls.take() == {"GetItem": 1}
    clock_at[0] = NOW + function_pauses.NOT_PAUSED_REUSE_SECONDS
    assert function_pauses.check(db, "app-fn") is None
    assert calls.take() == {"GetItem": 1}  # 5 s on: read again

    pause, _ = function_pauses.pause(db, "app-fn", cancel_running=False)
    calls.take()
    assert function_pauses.check(db, "app-fn") == pause  # this process: at once
    assert function_pauses.check(db, "app-fn") == pause
    assert calls.take() == {"GetItem": 2}  # "paused" is never reused
    function_pauses.resume(db, "app-fn")
    calls.take()
    assert function_pauses.check(db, "app-fn") is None  # a resume holds at once
    assert calls.take() == {"GetItem": 1}


def test_check_may_miss_a_pause_another_process_wrote_for_at_most_5_seconds(
    db: Db, calls: Calls, clock_at
):
    assert function_pauses.check(db, "app-fn") is None
    other = Db(db.table)  # another process's runtime: its own Table object
    function_pauses.pause(other, "app-fn", cancel_running=False)
    clock_at[0] = NOW + 4.9
    assert function_pauses.check(db, "app-fn") is None  # stale, within the bound
    assert function_pauses.check(other, "app-fn") is not None
    clock_at[0] = NOW + 5.0
    assert function_pauses.check(db, "app-fn") is not None
