"""Debounce (last event after a quiet period) and batching (`ctx.events`), end to end."""

from __future__ import annotations

import time

import pytest

from tests.e2e.flow_support import send_concurrently, tag, wait_runs
from tests.support.waiting import wait_for


def test_debounce_keeps_keys_apart_and_ignores_duplicate_deliveries(api):
    t = tag()
    a = api.send("flow/debounce", {"k": f"a-{t}", "n": 1}, id=f"deb-{t}")
    api.send("flow/debounce", {"k": f"a-{t}", "n": 1}, id=f"deb-{t}")
    b = api.send("flow/debounce", {"k": f"b-{t}", "n": 2})
    runs = wait_runs(api, [a, b], timeout=20, expect=2)  # one run per key
    assert sorted(r["output"]["n"] for r in runs) == [1, 2]


def test_racing_events_fill_batches_without_losing_or_repeating_any(api):
    t = tag()
    ids = send_concurrently(api, [("flow/batch", {"k": t, "n": n}) for n in range(7)])

    def all_batched():
        runs = {r["run_id"]: r for i in ids for r in api.runs(i)}
        if len(runs) == 3 and all(r["status"] == "Completed" for r in runs.values()):
            return [api.run(rid) for rid in runs]
        return None

    runs = wait_for(all_batched, timeout=20, what="all 7 events in 3 batches")
    batched = sorted(n for r in runs for n in r["output"])
    assert batched == list(range(7))
    assert sorted(len(r["output"]) for r in runs) == [1, 3, 3]


def _epoch(iso: str) -> float:
    from inngest_lambda.core import clock

    return clock.parse_iso(iso)


def test_a_debounce_fire_that_died_before_queueing_its_run_is_finished_by_the_redelivery(
    api, stack, monkeypatch
):
    from inngest_lambda.flow import admission, debounce, state
    from inngest_lambda.flow import messages as flow_messages
    from inngest_lambda.runtime import get_runtime

    rt = get_runtime()
    t = tag()
    monkeypatch.setattr(stack.pump.delivery, "receive", lambda: [])  # we deliver the messages now
    event_id = api.send("flow/debounce", {"k": t, "n": 1})
    pk = state.pk("e2e-flow-debounce", "debounce", t)
    item = state.get(rt.store, pk, debounce.SK)
    message = {"kind": "debounce", "function_id": "e2e-flow-debounce", "pk": pk}
    message["run_id"] = item["run_id"]
    time.sleep(max(0.0, float(item["due_at"]) - time.time()) + 0.1)

    def crash(*_args, **_kwargs):
        raise RuntimeError("invocation died")

    with monkeypatch.context() as patch, pytest.raises(RuntimeError):
        patch.setattr(admission, "_send_start", crash)
        flow_messages.handle(rt.executor, message)
    run = rt.store.get_run(item["run_id"])
    assert run is not None and run.status == "Queued"  # created, but nobody will drive it
    assert state.get(rt.store, pk, debounce.SK) is None
    assert flow_messages.handle(rt.executor, message) is None  # the redelivery
    monkeypatch.undo()
    (done,) = wait_runs(api, [event_id], timeout=20)
    assert done["status"] == "Completed" and done["output"] == {"n": 1, "events": 1}
