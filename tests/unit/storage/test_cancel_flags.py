"""Cancel flags: the cancel is one read (the function id) and one conditional UpdateItem."""

from __future__ import annotations

import pytest

from inngest_lambda.settings import SWEEP_GRACE_SECONDS
from inngest_lambda.storage import cancel_flags, leases, runs
from inngest_lambda.storage.models import CancelRequested
from tests.unit.storage.conftest import NOW, Calls, Db, new_run


def test_a_cancel_ends_the_run_for_readers_at_once(db: Db, calls: Calls):
    runs.create_run(db, new_run("01C"), "k")
    calls.take()
    assert cancel_flags.request_cancel(db, "01C", "user") is True
    assert calls.take() == {"GetItem": 1, "UpdateItem": 1}
    item = db.item("R#01C", "R")
    assert (item["cancel"], item["cancel_at"], item["ended_at"]) == ("user", NOW, NOW)
    assert item["lst_fs"] == "app-fn#Cancelled" and item["wake_seq"] == 1
    run = runs.get_run(db, "01C")
    assert run is not None and run.visible_status == "Cancelled" and run.status == "Queued"


def test_a_second_cancel_keeps_the_first_reason(db: Db, calls: Calls, clock_at):
    runs.create_run(db, new_run("01C"), "k")
    cancel_flags.request_cancel(db, "01C", "first")
    clock_at[0] = NOW + 5
    assert cancel_flags.request_cancel(db, "01C", "second") is True
    item = db.item("R#01C", "R")
    assert (item["cancel"], item["cancel_at"]) == ("first", NOW)


def test_a_missing_or_finishing_run_is_not_cancelled(db: Db, calls: Calls):
    assert cancel_flags.request_cancel(db, "01NONE", "user") is False
    assert calls.take() == {"GetItem": 1}  # nothing to write
    runs.create_run(db, new_run("01F"), "k")
    run, _ = leases.acquire_lease(db, "01F", "a", NOW + 60)
    leases.update_owned(db, "01F", "a", {"finishing": "{}"})
    assert cancel_flags.request_cancel(db, "01F", "user") is False
    assert "cancel" not in db.item("R#01F", "R")


def test_cancels_checked_only_while_queued_and_not_cancelled(db: Db, calls: Calls):
    runs.create_run(db, new_run("01Q", cancel_pauses=[("P#x", "s")], next_at=NOW + 3600), "k")
    # Written with its pauses: due to the sweeper at once, for their look-back.
    assert db.item("R#01Q", "R")["sweep_at"] == NOW + SWEEP_GRACE_SECONDS
    calls.take()
    assert cancel_flags.mark_cancels_checked(db, "01Q", NOW + 3600) is True
    assert calls.take() == {"UpdateItem": 1}
    item = db.item("R#01Q", "R")
    assert item["cancels_opened"] is True
    assert item["sweep_at"] == NOW + 3600 + SWEEP_GRACE_SECONDS
    cancel_flags.request_cancel(db, "01Q", "user")
    assert cancel_flags.mark_cancels_checked(db, "01Q", NOW + 3600) is False


def test_cancels_opened_is_written_by_the_lease_holder_only(db: Db, calls: Calls):
    runs.create_run(db, new_run("01O"), "k")
    run, _ = leases.acquire_lease(db, "01O", "a", NOW + 60)
    assert run is not None
    calls.take()
    cancel_flags.mark_cancels_opened(db, run, "a", [("P#e", "s1")])
    assert calls.take() == {"UpdateItem": 1}
    assert run.cancel_pauses == [("P#e", "s1")]
    assert runs.get_run(db, "01O").cancel_pauses == [("P#e", "s1")]
    with pytest.raises(CancelRequested.__mro__[1]):  # Conflict: the lease is not "b"'s
        cancel_flags.mark_cancels_opened(db, run, "b", [])
