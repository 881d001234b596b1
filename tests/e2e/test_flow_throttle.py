"""Throttle (delayed, never dropped) and rate limit (skipped), through the Lambda handler."""

from __future__ import annotations

import time

from tests.e2e.flow_support import send_concurrently, tag, wait_runs


def _log(name):
    from tests.support.apps import workflows

    return workflows.FLOW_LOG[name]


def test_throttle_delays_excess_runs_without_dropping_any(api):
    t = tag()
    sent_at = time.time()
    ids = send_concurrently(
        api, [("flow/throttle", {"tag": t, "k": t, "name": f"r{i}"}) for i in range(3)]
    )
    other = api.send("flow/throttle", {"tag": t, "k": f"other-{t}", "name": "other"})
    runs = wait_runs(api, [*ids, other], timeout=30, expect=4)
    assert [r["status"] for r in runs] == ["Completed"] * 4
    starts = sorted(start for label, start, _ in _log(t) if label != "other")
    assert len(starts) == 3
    # One start per 2 s for the key (burst 1): the three racing events got distinct slots,
    # the second no earlier than 2 s and the third 4 s after the first could start. (A start
    # may be later than its slot, so gaps between actual starts can be shorter.)
    assert starts[1] >= sent_at + 1.9
    assert starts[2] >= sent_at + 3.9
    # That another key has its own budget (not queued behind these three) is asserted on the
    # virtual clock, in test_flow_throttle_virtual.py: in real time, load can delay any start.


def test_rate_limit_skips_excess_events_and_shows_them(api):
    t = tag()
    ids = send_concurrently(api, [("flow/rate", {"k": t, "name": f"r{i}"}) for i in range(4)])
    runs = wait_runs(api, ids, timeout=20)
    statuses = sorted(r["status"] for r in runs)
    assert statuses == ["Completed", "Skipped", "Skipped", "Skipped"]
    skipped = [r for r in runs if r["status"] == "Skipped"]
    assert all(r["output"]["reason"] == "rate_limit" for r in skipped)
    assert all(r["ended_at"] for r in skipped)
    # Every event has exactly one run record: the skipped ones say why.
    assert sorted(len(api.runs(i)) for i in ids) == [1, 1, 1, 1]
    # A different key is not limited.
    other = api.send("flow/rate", {"k": f"other-{t}", "name": "other"})
    (run,) = wait_runs(api, [other])
    assert run["status"] == "Completed"


def test_rate_limit_counts_a_duplicate_delivery_once(api):
    t = tag()
    first = api.send("flow/rate", {"k": t, "name": "a"}, id=f"dup-{t}")
    again = api.send("flow/rate", {"k": t, "name": "a"}, id=f"dup-{t}")
    assert first == again
    (run,) = wait_runs(api, [first])
    assert run["status"] == "Completed"  # the duplicate neither ran nor used up the limit


def test_rate_limit_lets_events_through_again_after_the_period(api):
    import time

    t = tag()
    first = api.send("flow/rate", {"k": t, "name": "a"})
    (run,) = wait_runs(api, [first])
    assert run["status"] == "Completed"
    time.sleep(3.1)
    later = api.send("flow/rate", {"k": t, "name": "b"})
    (run,) = wait_runs(api, [later])
    assert run["status"] == "Completed"
