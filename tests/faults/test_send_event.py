"""Issue 12 item 8: a `step.send_event` re-run after its step record failed to write sends the
same event ids, so the listener starts once."""

from __future__ import annotations

import pytest

from inngest_lambda.testing import assert_completed
from tests.faults.injector import step_write

pytestmark = pytest.mark.durable(functions="tests.support.apps.fault_functions")


def test_a_send_event_whose_step_record_failed_starts_the_listener_once(durable, faults):
    faults.fail(None, step_write)
    event_id = durable.send("f/announce", {"tag": "hello"})
    durable.advance(60)
    assert len(faults.failed) == 1
    assert_completed(durable.run(event_id), 1)
    listeners = durable.runs_of("listener")
    assert [r.output for r in listeners] == ["hello"]


def test_send_event_ids_are_derived_from_the_run_and_the_step(durable):
    from inngest_lambda.core.ids import deterministic_id

    event_id = durable.send("f/announce", {"tag": "x"})
    run = assert_completed(durable.run(event_id), 1)
    (sent,) = run.step("tell").output
    (listener,) = durable.runs_of("listener")
    assert listener.event_id == sent
    assert sent != deterministic_id(run.run_id, "finished")
    assert sent[:10] == run.run_id[:10]  # the run's time prefix: listings stay in order
