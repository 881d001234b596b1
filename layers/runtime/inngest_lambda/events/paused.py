"""New runs of a paused function: recorded as Skipped (`FunctionPaused`), never started.

`Ingestor.start_run` asks `skip_if_paused` first, so every way a run starts from an event goes
through it: an event sent to the API, an event the runtime emits, a cron tick (`flow/scheduled.py`
starts its run through `start_run`), `step.invoke` and an invoke from the API. The event itself is
stored as usual (before this is asked). The skipped run is a real run item, Skipped with the
output `{"skipped": true, "reason": "FunctionPaused", ...}` (the shape rate limit and singleton
give their skipped runs), so listings, the dashboard and the CLI show it, and replay can start it
again after the resume (`admin/pausing.py`). Its key is the normal one, (function, event id): a
duplicate delivery, even after the resume, finds it and starts nothing.

Cost: `function_pauses.check` per (event, matched function): a strongly consistent GetItem,
except that this process reuses an answer "not paused" for 5 s (`NOT_PAUSED_REUSE_SECONDS`), so a
burst of events of one function pays one read per 5 s; a paused function's skipped run is then
one TransactWriteItems, as any run's creation. A pause reaches intake at once in the process that
wrote it and within 5 s everywhere else: an event ingested meanwhile by another process, or while
the pause is being written, may start its run. That run is created Queued, and its drive parks
it at its next step boundary once the pause is seen (`engine/paused.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_lambda.core import clock, ids
from inngest_lambda.storage import function_pauses
from inngest_lambda.storage.store import Run

if TYPE_CHECKING:
    from inngest_lambda.apps.registry import FunctionEntry
    from inngest_lambda.flow.seams import Ingestor

REASON = "FunctionPaused"
CANCEL_REASON = "function paused with cancelRunning"  # the runs `cancelRunning` cancels


class NotPaused:
    """`skip_if_paused`'s answer when the function is not paused: start the run as usual."""


NOT_PAUSED = NotPaused()


def skipped_output(function_id: str) -> dict[str, Any]:
    return {
        "skipped": True,
        "reason": REASON,
        "message": f"function {function_id} is paused",
    }


def skip_if_paused(
    ingestor: Ingestor, fn: FunctionEntry, event: dict[str, Any], parent: dict[str, Any] | None
) -> str | None | NotPaused:
    """NOT_PAUSED, or (the function is paused) the id of the Skipped run recorded for this
    event, None when a duplicate delivery found it recorded already."""
    if function_pauses.check(ingestor.store, fn.id) is None:
        return NOT_PAUSED
    now = clock.now()
    run = Run(
        run_id=ids.new_id(),
        function_id=fn.id,
        status="Skipped",
        event_id=event["id"],
        event=event,
        events=[event],
        created_at=now,
        ended_at=now,
        parent=parent,
        output=skipped_output(fn.id),
    )
    _, created = ingestor.store.create_run(run, f"{fn.id}#{event['id']}", [])
    if not created:
        return None
    from inngest_lambda.flow import admission

    admission.answer_invoker(ingestor, run)  # a `step.invoke` caller gets its error now
    return run.run_id
