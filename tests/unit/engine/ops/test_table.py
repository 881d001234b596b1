"""The opcode table: every opcode the SDK sends has its op, and stored kinds map back."""

from __future__ import annotations

import pytest
from inngest._internal.server_lib.consts import Opcode

from inngest_lambda.engine.ops import table
from inngest_lambda.engine.ops.base import Op
from inngest_lambda.storage.store import PLANNED, SCHEDULED, WAITING, Step


def test_every_sdk_opcode_has_an_op_under_its_own_name():
    assert set(table.OPS) == {opcode.value for opcode in Opcode}
    for opcode, op in table.OPS.items():
        assert isinstance(op, Op) and op.opcode == opcode
        assert table.for_opcode(opcode) is op
    assert table.for_opcode("Teleport") is None
    assert table.for_opcode(None) is None


@pytest.mark.parametrize(
    ("kind", "opcode"),
    [
        ("sleep", "Sleep"),
        ("wait", "WaitForEvent"),
        ("invoke", "InvokeFunction"),
        ("retry", "StepError"),
    ],
)
def test_the_kinds_stored_in_steps_map_to_their_ops(kind, opcode):
    """The stored `info["kind"]` values are the data format: they never change."""
    step = Step("s", "s", "StepRun", SCHEDULED, 0, 0, info={"kind": kind})
    assert table.for_step(step) is table.OPS[opcode]


def test_a_step_without_a_kind_has_no_op():
    assert table.for_step(Step("s", "s", "StepRun", PLANNED, 0, 0)) is None
    assert table.for_step(Step("s", "s", "X", WAITING, 0, 0, info={"kind": "gone"})) is None


def test_only_a_retry_that_is_due_is_runnable():
    retry = table.KINDS["retry"]
    step = Step("s", "s", "StepRun", SCHEDULED, 0, 1, due_at=100.0, info={"kind": "retry"})
    assert not retry.runnable(step, 99.0)
    assert retry.runnable(step, 100.0)
    assert not table.KINDS["sleep"].runnable(step, 100.0)
