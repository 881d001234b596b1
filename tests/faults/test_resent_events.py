"""An event sent again with the same id (the client's retry of a send whose answer was lost,
after the first send did everything) starts nothing new, as Inngest deduplicates event ids."""

from __future__ import annotations

import pytest

from inngest_lambda.testing import assert_completed

pytestmark = pytest.mark.durable(functions="tests.support.apps.fault_functions")


def _post(durable, name, data, event_id):
    status, reply = durable.request("POST", "/e/test", {"name": name, "data": data, "id": event_id})
    assert status == 200, reply
    durable.run_until_idle()


def test_an_event_sent_again_after_its_debounce_fired_starts_no_second_run(durable):
    _post(durable, "f/debounce", {"n": 1}, "deb-1")
    durable.advance(10)  # past the 5 s period: the burst's run starts with deb-1
    assert_completed(durable.run("deb-1"), 1)
    _post(durable, "f/debounce", {"n": 1}, "deb-1")  # the same event again
    durable.advance(10)
    runs = durable.runs_of("faults-debounced")
    assert [r.output for r in runs] == [1], "\n".join(r.table() for r in runs)


def test_an_event_sent_again_into_its_pending_burst_does_not_replace_a_later_one(durable):
    _post(durable, "f/debounce", {"n": 1}, "burst-1")
    durable.advance(1)
    _post(durable, "f/debounce", {"n": 2}, "burst-2")
    durable.advance(1)
    _post(durable, "f/debounce", {"n": 1}, "burst-1")  # resent: burst-2 is still the last
    durable.advance(10)
    runs = durable.runs_of("faults-debounced")
    assert [r.output for r in runs] == [2], "\n".join(r.table() for r in runs)
    assert durable.run("burst-2").run_id == runs[0].run_id


def test_an_event_sent_again_after_its_batch_ran_starts_no_second_batch(durable):
    _post(durable, "f/batch", {"n": 1}, "bat-1")
    _post(durable, "f/batch", {"n": 2}, "bat-2")  # fills the batch of 2: its run starts
    assert_completed(durable.run("bat-1"), [1, 2])
    _post(durable, "f/batch", {"n": 2}, "bat-2")  # the same event again
    durable.advance(10)  # past the 5 s batch timeout
    runs = durable.runs_of("faults-batched")
    assert [r.output for r in runs] == [[1, 2]], "\n".join(r.table() for r in runs)
