"""Idempotency keys and singleton runs, end to end."""

from __future__ import annotations

from tests.e2e.flow_support import send_concurrently, tag, wait_runs
from tests.support.waiting import wait_for


def test_idempotency_key_allows_one_run_per_key(api):
    t = tag()
    first = api.send("flow/order", {"orderId": f"o-{t}", "n": 1})
    second = api.send("flow/order", {"orderId": f"o-{t}", "n": 2})
    other = api.send("flow/order", {"orderId": f"p-{t}", "n": 3})
    runs = wait_runs(api, [first, second, other], expect=2)  # second is a duplicate key
    assert sorted(r["output"] for r in runs) == [f"charged o-{t} (1)", f"charged p-{t} (3)"]
    assert api.runs(second) == []


def test_idempotency_key_holds_when_events_race(api):
    t = tag()
    ids = send_concurrently(api, [("flow/order", {"orderId": f"r-{t}", "n": n}) for n in range(5)])
    runs = wait_runs(api, ids)
    assert len(runs) == 1 and runs[0]["status"] == "Completed"


def test_singleton_skip_drops_new_runs_while_one_is_active(api):
    t = tag()
    ids = send_concurrently(
        api, [("flow/single-skip", {"tag": t, "k": t, "name": f"r{i}"}) for i in range(4)]
    )
    runs = wait_runs(api, ids, timeout=20)
    assert sorted(r["status"] for r in runs) == ["Completed", "Skipped", "Skipped", "Skipped"]
    skipped = [r for r in runs if r["status"] == "Skipped"]
    assert all(r["output"]["reason"] == "singleton" for r in skipped)
    # Once the active run has ended, the key is free again.
    later = api.send("flow/single-skip", {"tag": t, "k": t, "name": "later", "hold": 0})
    (run,) = wait_runs(api, [later])
    assert run["status"] == "Completed"


def test_singleton_cancel_replaces_the_active_run(api):
    t = tag()
    first = api.send("flow/single-cancel", {"k": t, "name": "first", "nap": 3})
    wait_for(
        lambda: any(
            s["name"] == "nap" for r in api.runs(first) for s in api.run(r["run_id"])["steps"]
        ),
        what="first run sleeping",
    )
    second = api.send("flow/single-cancel", {"k": t, "name": "second", "nap": 0})
    (old,) = wait_runs(api, [first], timeout=20)
    (new,) = wait_runs(api, [second], timeout=20)
    assert old["status"] == "Cancelled"
    assert new["status"] == "Completed" and new["output"] == "done second"


def test_an_invoked_run_skipped_by_singleton_answers_its_caller(api):
    t = tag()
    active = api.send("flow/single-skip", {"tag": t, "k": t, "name": "active", "hold": 1.5})
    wait_for(lambda: api.runs(active), what="the active run")
    caller = api.send("flow/invoke", {"tag": t, "k": t, "name": "invoked"})
    (run,) = wait_runs(api, [caller], timeout=20)
    assert run["status"] == "Completed"
    assert "still active" in run["output"]["child_error"]
    wait_runs(api, [active])
