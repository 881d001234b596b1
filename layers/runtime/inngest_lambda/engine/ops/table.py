"""The opcode table: the SDK's opcode -> the op that handles it.

Adding an opcode is one module under `engine/ops/` (an `Op`), its test, and one line here.
The `kind` a pending step stores maps back to its op through the same table (`for_step`).
"""

from __future__ import annotations

from inngest_lambda.engine.ops.ai_infer import AiInfer
from inngest_lambda.engine.ops.base import Op
from inngest_lambda.engine.ops.invoke import InvokeFunction
from inngest_lambda.engine.ops.retry import StepError
from inngest_lambda.engine.ops.sleep import Sleep
from inngest_lambda.engine.ops.step import StepFailed, StepPlanned, StepRun
from inngest_lambda.engine.ops.wait_for_event import WaitForEvent
from inngest_lambda.storage.store import Step

OPS: dict[str, Op] = {
    op.opcode: op
    for op in (
        StepRun(),
        StepFailed(),
        StepPlanned(),
        StepError(),
        Sleep(),
        WaitForEvent(),
        InvokeFunction(),
        AiInfer(),
    )
}
KINDS: dict[str, Op] = {op.kind: op for op in OPS.values() if op.kind is not None}


def for_opcode(opcode: object) -> Op | None:
    """The op for an opcode the SDK sent; None for one this runtime does not know."""
    return OPS.get(opcode) if isinstance(opcode, str) else None


def for_step(step: Step) -> Op | None:
    """The op a pending step belongs to, by the `kind` its info stores (None: no kind)."""
    kind = step.info.get("kind")
    return KINDS.get(kind) if isinstance(kind, str) else None
