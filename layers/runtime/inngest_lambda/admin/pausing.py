"""Pausing and resuming a function (Inngest's `pauseFunction` / `unpauseFunction`).

Shared by the REST API, GraphQL and the dashboard (and so the CLI). What a pause does to new runs
is `events/paused.py`, to runs in flight `engine/paused.py`; the item is `storage/function_pauses`.

* `pause`: one conditional PutItem; idempotent (pausing a paused function changes nothing and
  answers the stored pause). With `cancel_running`, the function's Queued and Running runs are
  cancelled at once, up to `MAX_CANCEL_ON_PAUSE` per request (listing pages of the runs-by-status
  index, then per run one UpdateItem and one SQS SendMessage); any further run is cancelled by its
  next drive, which finds the pause's `cancelRunning`.
* `resume`: one conditional DeleteItem, then the runs the pause parked are re-driven at once: one
  Query per 1 MB page of entries, per run one UpdateItem (`Store.wake`: its park time is now, so
  the drive message is not taken for an early duplicate), one SendMessageBatch per 10 runs and
  one BatchWriteItem per 25 entries deleted, up to `MAX_REDRIVE_ON_RESUME` per request (a run
  beyond that continues on its own safety timer, within `engine.paused.RECHECK_SECONDS`; its
  entry goes at the next resume).
* Replaying the skipped runs after a resume is `operations.bulk_replay(..., status="Skipped",
  reason="FunctionPaused")`.
"""

from __future__ import annotations

import dataclasses

from inngest_lambda.admin.operations import Deployment, NotFound
from inngest_lambda.events import cancellation
from inngest_lambda.events.paused import CANCEL_REASON
from inngest_lambda.events.paused import REASON as SKIP_REASON
from inngest_lambda.scheduling import queue
from inngest_lambda.storage import function_pauses, listing
from inngest_lambda.storage.function_pauses import FunctionPause

MAX_CANCEL_ON_PAUSE = 1000
MAX_REDRIVE_ON_RESUME = 1000
PAGE = 200
__all__ = ["SKIP_REASON", "Paused", "Resumed", "pause", "resume"]


@dataclasses.dataclass
class Paused:
    pause: FunctionPause
    changed: bool  # False: it was paused already, nothing changed
    cancelled: list[str]  # runs cancelled by this request


@dataclasses.dataclass
class Resumed:
    was_paused: bool
    redriven: int  # parked runs woken and sent a drive message


def _check(deployment: Deployment, function_id: str) -> None:
    if deployment.registry.get(function_id) is None:
        raise NotFound(f"function {function_id} not found")


def pause(
    deployment: Deployment,
    function_id: str,
    *,
    cancel_running: bool = False,
    paused_by: str | None = None,
) -> Paused:
    _check(deployment, function_id)
    current, changed = function_pauses.pause(
        deployment.store, function_id, cancel_running=cancel_running, paused_by=paused_by
    )
    cancelled = _cancel_running(deployment, function_id) if changed and cancel_running else []
    return Paused(current, changed, cancelled)


def _cancel_running(deployment: Deployment, function_id: str) -> list[str]:
    store = deployment.store
    done: list[str] = []
    for status in ("Running", "Queued"):
        before: str | None = None
        while len(done) < MAX_CANCEL_ON_PAUSE:
            page = listing.list_runs(
                store,
                [function_id],
                status=status,
                before=before,
                limit=min(PAGE, MAX_CANCEL_ON_PAUSE - len(done)),
            )
            for run in page.items:
                if cancellation.cancel_run(store, run.run_id, CANCEL_REASON):
                    done.append(run.run_id)
            if not page.next_cursor:
                break
            before = page.next_cursor
    return done


def resume(deployment: Deployment, function_id: str) -> Resumed:
    _check(deployment, function_id)
    store = deployment.store
    was = function_pauses.resume(store, function_id)
    run_ids: list[str] = []
    for run_id in function_pauses.parked_runs(store, function_id):
        run_ids.append(run_id)
        if len(run_ids) >= MAX_REDRIVE_ON_RESUME:
            break
    woken = [rid for rid in run_ids if store.wake(rid)]  # ended runs need no message
    queue.send_many([{"kind": "run", "run_id": rid} for rid in woken])
    function_pauses.forget_parked(store, function_id, run_ids)
    return Resumed(was is not None, len(woken))
