"""`RunState`: the steps of a run in memory, and deferred puts (a sleep's, merged into one)."""

from __future__ import annotations

import dataclasses

import pytest

from inngest_lambda import runtime
from inngest_lambda.engine.run_state import RunState
from inngest_lambda.sdk.body import RequestBody
from inngest_lambda.storage.store import COMPLETED, SCHEDULED, Step

pytestmark = pytest.mark.durable(functions="tests.support.apps.engine_ops_functions")


def _state() -> RunState:
    body = RequestBody({"name": "e"}, [{"name": "e"}], "01RUN", canonical=False)
    return RunState(runtime.get_runtime().store, "01RUN", "owner", body)


def test_a_sleep_deferred_then_ended_is_one_put_with_the_first_condition(durable, aws_calls):
    state = _state()
    nap = Step("nap", "nap", "Sleep", SCHEDULED, 0, 0, due_at=10.0, info={"kind": "sleep"})
    state.defer(nap)
    assert state.open == {"nap": nap} and state.next_seq == 1
    ended = dataclasses.replace(nap, status=COMPLETED, memo=None, ended_at=11.0)
    state.defer(ended, only_if_absent=False)
    assert state.open == {} and state.steps["nap"] is ended and state.last_ended == 11.0
    (put,) = state.take_deferred()
    assert put["ConditionExpression"] == "attribute_not_exists(#pk)"  # the first put's
    assert put["Item"]["status"] == {"S": COMPLETED}  # the latest state
    assert state.deferred == {}
    assert sum(aws_calls.values()) == 0  # deferring writes nothing by itself
