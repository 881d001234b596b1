"""Bulk cancellation (Inngest's `POST /v1/cancellations`): the rules and the queue worker.

`create` validates and stores a job (`storage/cancellations`), then sends its first page message;
the API answers at once, so 100,000 matching runs never meet API Gateway's 30 s. Each page
message (`{"kind": "bulk_cancel", "id": ...}`, dispatched from `Executor.handle`):

1. reads the job (one GetItem); a Done or Deleted job ends here (a DELETE stops it at this point);
2. lists one page of the function's runs created in [started_after, started_before] (both ends
   inclusive, as Inngest compares the run id's time), newest first, from the job's cursor, through
   the runs-by-function index (`storage/listing`): that index keeps every run in place whatever
   its status, so a page read again after a crash holds the same runs;
3. for each run still Queued or Running (and each one Cancelled since the job began, which an
   earlier attempt at this page may have cancelled): evaluates `if` against its trigger event and
   cancels it with `events.cancellation.cancel_run` (idempotent); a run whose cancel this call did
   not record counts as this job's only when its stored cancel reason names this job;
4. saves the next cursor and the counters with one conditional write (`save_page`: only from
   the cursor this page started at), then sends the next page message. A process that dies before
   the save leaves the cursor where it was: the redelivered message does the page again and counts
   each run once; one that dies after it sends a message whose save is refused (counted nothing).

AWS calls per page: GetItem (job), one Query per 1 MB of index entries, one UpdateItem (save),
one SendMessage. Per cancelled run: GetItem + UpdateItem (`request_cancel`) + SendMessage (its
drive records the end); with `if`, one GetItem more (the run, for its event). See docs/capacity.md.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from inngest_lambda.admin.operations import Deployment, NotFound
from inngest_lambda.core import clock
from inngest_lambda.events import cancellation
from inngest_lambda.scheduling import queue
from inngest_lambda.storage import cancellations as jobs
from inngest_lambda.storage import listing
from inngest_lambda.storage.cancellations import Cancellation
from inngest_lambda.storage.index_keys import ACTIVE_STATES

if TYPE_CHECKING:
    from inngest_lambda.storage.store import Store

KIND = "bulk_cancel"
PAGE = 200
FUTURE_SLACK = 5.0  # Inngest refuses a `started_before` later than now + 5 s
MAX_ESTIMATE = 10_000
MS = 0.001  # the listing's resolution: `started_before` is inclusive to the millisecond
__all__ = ["KIND", "BadRequest", "NotFound", "create", "delete", "estimate", "handle", "validate"]


class BadRequest(ValueError):
    """Input refused before anything is stored (a 400 naming the problem)."""


def reason_of(job_id: str) -> str:
    """The cancel reason stored on each run this job cancels (it names the job)."""
    return f"bulk cancellation {job_id}"


def resolve_function(deployment: Deployment, function_id: str, app_id: str | None) -> str:
    """The function's full id: Inngest's API names it by app id and slug (`app-slug` here)."""
    for candidate in ([f"{app_id}-{function_id}"] if app_id else []) + [function_id]:
        if deployment.registry.get(candidate) is not None:
            return candidate
    raise NotFound(f"function {function_id} not found" + (f" in app {app_id}" if app_id else ""))


@dataclasses.dataclass(frozen=True)
class Request:
    """A validated request: the function's full id and the range and `if` to match."""

    function_id: str
    app_id: str
    started_after: float | None
    started_before: float
    expression: str | None


def validate(
    deployment: Deployment,
    function_id: str,
    *,
    app_id: str | None,
    started_after: float | None,
    started_before: float | None,
    expression: str | None,
) -> Request:
    """Check a request (no AWS call): NotFound for an unknown function, BadRequest otherwise."""
    from inngest_lambda import expressions

    full_id = resolve_function(deployment, function_id, app_id)
    if started_before is None:
        raise BadRequest("'started_before' is required")
    if started_before > clock.now() + FUTURE_SLACK:
        raise BadRequest("'started_before' must be in the past")
    if started_after is not None and started_after > started_before:
        raise BadRequest("'started_after' must not be after 'started_before'")
    if expression is not None:
        try:
            expressions.validate(expression, {"event"})
        except expressions.ExpressionError as err:
            raise BadRequest(f"invalid expression: {err}") from err
    entry = deployment.registry.get(full_id)
    return Request(
        full_id, entry.app_id if entry else "", started_after, started_before, expression
    )


def create(deployment: Deployment, request: Request) -> Cancellation:
    """Store the job (one PutItem) and send its first page message (one SendMessage)."""
    job = jobs.create(deployment.store, **dataclasses.asdict(request))
    queue.send({"kind": KIND, "id": job.id})
    return job


@dataclasses.dataclass(frozen=True)
class Estimate:
    matched: int  # runs the job would cancel now
    complete: bool  # False: counting stopped after MAX_ESTIMATE runs examined (a lower bound)


def estimate(deployment: Deployment, request: Request) -> Estimate:
    """A dry run: how many runs a job would cancel now, reading what the job would read, up to
    MAX_ESTIMATE runs examined (so the answer stays within an API request's time)."""
    draft = Cancellation(id="", created_at=clock.now(), **dataclasses.asdict(request))
    total, examined, before = 0, 0, None
    while True:
        page = _page(deployment.store, draft, before)
        examined += len(page.items)
        active = [run.run_id for run in page.items if run.status in ACTIVE_STATES]
        total += sum(1 for run_id in active if _wanted(deployment.store, draft, run_id))
        if page.next_cursor is None:
            return Estimate(total, True)
        if examined >= MAX_ESTIMATE:
            return Estimate(total, False)
        before = page.next_cursor


def delete(deployment: Deployment, job_id: str) -> Cancellation:
    found = jobs.delete(deployment.store, job_id)
    if found is None:
        raise NotFound(f"cancellation {job_id} not found")
    return found


def handle(store: Store, message: dict[str, Any]) -> None:
    """Process one page of a job (see the module docstring); every delivery may be a repeat."""
    job = jobs.get(store, str(message.get("id", "")))
    if job is None or job.status in (jobs.DONE, jobs.DELETED):
        return
    page = _page(store, job, job.cursor or None)
    reason = reason_of(job.id)
    cancelled = 0
    for run in page.items:
        fresh_cancel = run.status == "Cancelled" and (run.ended_at or 0) >= job.created_at
        if run.status not in ACTIVE_STATES and not fresh_cancel:
            continue
        if not _wanted(store, job, run.run_id):
            continue
        if cancellation.cancel_run(store, run.run_id, reason):
            cancelled += 1
            continue
        stored = store.get_run(run.run_id)  # ended meanwhile: by this job's earlier attempt?
        if stored is not None and stored.cancel == reason:
            cancelled += 1
    saved = jobs.save_page(
        store,
        job,
        next_cursor=page.next_cursor,
        examined=len(page.items),
        cancelled=cancelled,
    )
    if saved and page.next_cursor is not None:
        queue.send({"kind": KIND, "id": job.id})


def _page(store: Store, job: Cancellation, before: str | None) -> listing.Page[listing.RunSummary]:
    return listing.list_runs(
        store,
        [job.function_id],
        since=job.started_after,
        until=job.started_before + MS,
        before=before,
        limit=PAGE,
    )


def _wanted(store: Store, job: Cancellation, run_id: str) -> bool:
    """Whether `if` holds for the run's trigger event (always, without one)."""
    if job.expression is None:
        return True
    from inngest_lambda import expressions

    run = store.get_run(run_id)
    if run is None:
        return False
    try:
        return expressions.matches(job.expression, {"event": run.event})
    except expressions.ExpressionError:
        return False  # a type error on this event's data: not a match (validated at create)
