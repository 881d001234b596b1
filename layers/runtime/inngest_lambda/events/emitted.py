"""The events the runtime emits about its own runs: Inngest's names and the finished payload.

Both the executor (a run that ends) and flow control (a run skipped before it started, whose
`step.invoke` caller still waits for an answer) emit `inngest/function.finished`; the payload is
built here once so the caller's correlation always reads the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_lambda.events import invocations

if TYPE_CHECKING:
    from inngest_lambda.storage.store import Run

FUNCTION_FINISHED = "inngest/function.finished"
FUNCTION_FAILED = "inngest/function.failed"
FUNCTION_INVOKED = "inngest/function.invoked"
FUNCTION_CANCELLED = "inngest/function.cancelled"


def run_data(run: Run) -> dict[str, Any]:
    """What every lifecycle event of a run carries."""
    return {"function_id": run.function_id, "run_id": run.run_id, "event": run.event}


def finished_data(run: Run, *, result: object = None, error: object = None) -> dict[str, Any]:
    """`inngest/function.finished`'s data: the result, or the error when there is one, and the
    correlation id an invoking run waits on."""
    data = run_data(run)
    if error is not None:
        data["error"] = error
    else:
        data["result"] = result
    if run.parent:
        data["correlation_id"] = invocations.correlation_id(
            run.parent["run_id"], run.parent["step_id"]
        )
    return data
