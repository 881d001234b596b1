"""Run, step and event state in the one DynamoDB table.

Layout (all strings; `pk`/`sk` from settings):
    E#<event_id> / E            the event as received
    E#<event_id> / R#<run_id>   which runs the event started (for GET /v1/events/{id}/runs);
                                no TTL until the run ends (`end_items`)
    I#<fn_id>#<event_id> / I    "this event already started this function" (24 h TTL)
    R#<run_id> / R              the run: status, lease, output, timers
    R#<run_id> / S#<step_id>    one step: status, attempt, memo (or an S3 pointer)
    R#<run_id> / X#<run_id>     a replay of this run (the new run has `replay_of`); no TTL
                                while this run lives (`replay_link`, `end_items`)
    APPS / A#<app_id>           an app registered from a URL through /fn/register
    RS#<function_id> / H#<hour> the charts' counters of a function's runs in an hour (`run_stats`)

Run and event items also carry the `lst_*` attributes of the listing indexes (`listing.py`
reads them, `index_keys.py` shapes them), written when the item is created and when a run's
status changes, never per step; each event also gets an `EN#` entry, kept as long as the event:
the events of a name by time, for the pause index and `GET /v1/events?name=`.
    LAYOUT / events-by-name     since when every event has its lasting `EN#` entry

Every state change is a conditional write, so two Lambda invocations racing on one run (a
duplicate SQS delivery, a timer and an event at once, a lease that expired mid-step) cannot
both win: the loser sees `ConditionalCheckFailedException` and backs off.

This module is the facade the rest of the runtime calls: `Store` holds the client (made on
first use) and the S3 keys this process wrote, and delegates each method to the module of its
concern: `models` (Run, Step, statuses, errors), `runs` (creation, idempotency, replay links),
`leases` (the lease and the writes it fences), `cancel_flags`, `finishing` (the end and
retention), `steps`, `sweep_index`, `stored_events`, `registered_apps`, `concurrency`,
`run_stats` (the dashboard charts' counters: `RS#<function_id> / H#<hour>`); values
too large for an item go through `values` to S3 (`blobs`). The names other packages import
from here (Run, Step, the statuses, Conflict, is_conflict, MISSING, ...) are re-exported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from inngest_lambda.core import aws
from inngest_lambda.settings import get_settings
from inngest_lambda.storage import (
    cancel_flags,
    concurrency,
    data_format,
    leases,
    registered_apps,
    runs,
    steps,
    stored_events,
)
from inngest_lambda.storage import finishing as run_end
from inngest_lambda.storage.codec import item_key
from inngest_lambda.storage.models import (
    COMPLETED,
    DONE_STEP_STATES,
    FAILED,
    MISSING,
    NEVER,
    PLANNED,
    RUNNING_STATES,
    SCHEDULED,
    TERMINAL_STATES,
    WAITING,
    CancelRequested,
    Conflict,
    Run,
    Stale,
    Step,
    is_conflict,
)
from inngest_lambda.storage.retention import EVENT_MIN_KEEP_SECONDS, IDEMPOTENCY_SECONDS
from inngest_lambda.storage.run_blobs import RunBlobs
from inngest_lambda.storage.stored_events import PUT_EVENTS_PARALLEL
from inngest_lambda.storage.sweep_index import sweep_fields, sweep_shard
from inngest_lambda.storage.table import query as query_partition

if TYPE_CHECKING:
    from inngest_lambda.storage import run_stats

__all__ = [
    "COMPLETED",
    "DONE_STEP_STATES",
    "EVENT_MIN_KEEP_SECONDS",
    "FAILED",
    "IDEMPOTENCY_SECONDS",
    "MISSING",
    "NEVER",
    "PLANNED",
    "PUT_EVENTS_PARALLEL",
    "RUNNING_STATES",
    "SCHEDULED",
    "TERMINAL_STATES",
    "WAITING",
    "CancelRequested",
    "Conflict",
    "Run",
    "Stale",
    "Step",
    "Store",
    "is_conflict",
    "item_key",
    "sweep_fields",
    "sweep_shard",
]


class Store:
    """The table (and S3) as the runtime uses it; a `table.Table` for the storage modules."""

    def __init__(self) -> None:
        self.table = get_settings().table
        self._ddb: Any = None
        self._blobs = RunBlobs()  # run -> S3 keys written by this process

    @property
    def ddb(self) -> Any:
        """Made on first use: a cold start that makes no DynamoDB call (the SDK's introspection,
        a dashboard asset, a dropped message) skips the client's ~0.1 s of model loading."""
        if self._ddb is None:
            ddb = aws.client("dynamodb")
            # Once per process: never on data of a newer format (data_format.py).
            data_format.ensure(ddb, self.table)
            self._ddb = ddb
        return self._ddb

    def end_blobs(self, run: Run) -> None:
        """Re-tag the run's S3 values as ended (before its final write: a crash in between
        re-tags them on the retry, a copy in place being harmless)."""
        self._blobs.end(run)

    def query(self, pk: str, sk_prefix: str | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a partition (optionally those whose sort key starts with a prefix)."""
        return query_partition(self, pk, sk_prefix)

    # --- events (stored_events) -----------------------------------------------------------
    def put_events(self, events: list[dict[str, Any]]) -> None:
        """Store accepted events; rewriting one with the same id is harmless (same content)."""
        stored_events.put_events(self, events)

    def get_event(self, event_id: str) -> dict[str, Any] | None:
        return stored_events.get_event(self, event_id)

    def get_event_received(self, event_id: str) -> tuple[dict[str, Any], float] | None:
        """The event and when it was received (server time)."""
        return stored_events.get_event_received(self, event_id)

    def get_event_or_copy(self, event_id: str) -> dict[str, Any] | None:
        """The stored event or, once it has expired, the copy a run it started holds."""
        return stored_events.get_event_or_copy(self, event_id)

    def run_ids_for_event(self, event_id: str) -> list[str]:
        return stored_events.run_ids_for_event(self, event_id)

    # --- runs (runs) ------------------------------------------------------------------------
    def create_run(
        self, run: Run, idempotency_key: str, extra: list[dict[str, Any]] | None = None
    ) -> tuple[str, bool]:
        """Create a run unless `idempotency_key` already started one; returns (run_id, created).

        A run created Skipped is counted for the charts (`run_stats`: one UpdateItem, after the
        transaction, so a second creation of the key, refused, counts nothing); one created
        Queued is counted by its first drive."""
        run_id, created = runs.create_run(self, run, idempotency_key, extra)
        if created and run.status in TERMINAL_STATES:
            from inngest_lambda.storage import run_stats

            tally = run_stats.created_tally(run.status, run.created_at)
            run_stats.record(self, run.function_id, tally, run.created_at)
        return run_id, created

    def get_run(self, run_id: str) -> Run | None:
        return runs.get_run(self, run_id)

    def get_runs(self, run_ids: list[str]) -> list[Run]:
        return runs.get_runs(self, run_ids)

    def replay_link(self, original: Run, replay_id: str, *, live: bool) -> list[dict[str, Any]]:
        """The transaction items that record a replay on the original run (`create_run` extra)."""
        return runs.replay_link(self, original, replay_id, live=live)

    def replays_of(self, run_id: str) -> list[str]:
        """Ids of the runs that replay this one, oldest first."""
        return runs.replays_of(self, run_id)

    # --- the lease (leases) -----------------------------------------------------------------
    def acquire_lease(self, run_id: str, owner: str, until: float) -> tuple[Run | None, Run | None]:
        """Take the run for this invocation; returns (run if acquired, run as it was if refused)."""
        return leases.acquire_lease(self, run_id, owner, until)

    def park(
        self,
        run: Run,
        owner: str,
        next_at: float,
        deferred: list[dict[str, Any]] | None = None,
    ) -> bool:
        """Release the lease until `next_at`; refused if somebody resumed the run meanwhile."""
        return leases.park(self, run, owner, next_at, deferred)

    def renew_lease(self, run_id: str, owner: str, until: float) -> bool:
        """Extend a lease this invocation holds (the drive's heartbeat); False if it was lost."""
        return leases.renew_lease(self, run_id, owner, until)

    def release(self, run_id: str, owner: str, retry_in: float = 0.0) -> None:
        """Give the lease back after an error, so the retried message need not wait it out."""
        leases.release(self, run_id, owner, retry_in)

    def wake(self, run_id: str) -> bool:
        """Mark a run runnable now (a waited-for thing happened); parking after this is refused."""
        return leases.wake(self, run_id)

    # --- cancellation (cancel_flags) --------------------------------------------------------
    def request_cancel(self, run_id: str, reason: str) -> bool:
        """Flag a running run for cancellation and wake it; False if it has ended already."""
        return cancel_flags.request_cancel(self, run_id, reason)

    def mark_cancels_checked(self, run_id: str, next_at: float) -> bool:
        return cancel_flags.mark_cancels_checked(self, run_id, next_at)

    def mark_cancels_opened(self, run: Run, owner: str, keys: list[tuple[str, str]]) -> None:
        """`keys`: the pauses written, for the run's end to delete (they carry no TTL)."""
        cancel_flags.mark_cancels_opened(self, run, owner, keys)

    # --- concurrency shards (concurrency) ---------------------------------------------------
    def record_conc_shards(self, run: Run, owner: str, shards: dict[str, int]) -> None:
        """Which shard of each sharded concurrency key the run is about to take."""
        concurrency.record_conc_shards(self, run, owner, shards)

    # --- the end of a run (finishing) -------------------------------------------------------
    def set_finishing(self, run: Run, owner: str, finishing: dict[str, Any]) -> None:
        """Record the outcome before emitting its events, so a crash in between can resume."""
        run_end.set_finishing(self, self._blobs, run, owner, finishing)

    def load_finishing(self, run: Run) -> dict[str, Any] | None:
        return run_end.load_finishing(run)

    def finish(self, run: Run, owner: str, status: str, output: object, error: object) -> None:
        run_end.finish(self, run, owner, status, output, error)

    def end_items(
        self, run: Run, step_ids: Iterable[str], pause_keys: Iterable[tuple[str, str]] = ()
    ) -> None:
        """Start the retention clock of everything an ended run owns."""
        run_end.end_items(self, run, step_ids, pause_keys)

    # --- steps (steps) ----------------------------------------------------------------------
    def put_step(
        self,
        run_id: str,
        step: Step,
        *,
        only_if_absent: bool,
        owner: str | None = None,
        deferred: list[dict[str, Any]] | None = None,
    ) -> Step | None:
        """Write a new step; with only_if_absent returns the existing one instead of replacing."""
        return steps.put_step(
            self,
            self._blobs,
            run_id,
            step,
            only_if_absent=only_if_absent,
            owner=owner,
            deferred=deferred,
        )

    def write_steps(self, run_id: str, owner: str, deferred: list[dict[str, Any]]) -> None:
        """Write deferred step puts now, fenced like `put_step`."""
        steps.write_steps(self, run_id, owner, deferred)

    def step_put(self, run_id: str, step: Step, *, only_if_absent: bool) -> dict[str, Any]:
        """The PutItem request that records `step` (written now, or deferred)."""
        return steps.step_put(self, self._blobs, run_id, step, only_if_absent=only_if_absent)

    def resolve_waiting(
        self, run_id: str, step_id: str, status: str, memo: object, error: object = None
    ) -> bool:
        """Finish a step that waits on something outside the run; only the first resolver wins."""
        return steps.resolve_waiting(self, self._blobs, run_id, step_id, status, memo, error)

    def load_steps(self, run_id: str) -> dict[str, Step]:
        return steps.load_steps(self, run_id)

    # --- the charts' counters (run_stats; imported on first use: not on a cold start's path) --
    def record_run_stats(self, function_id: str, tally: run_stats.Tally, now: float) -> bool:
        """Add counts to the function's counters (an UpdateItem per hour item; best effort)."""
        from inngest_lambda.storage import run_stats

        return run_stats.record(self, function_id, tally, now)

    def read_run_stats(
        self, function_id: str, first: float, last: float, *, slots: bool
    ) -> list[run_stats.Bucket]:
        """The function's counters of the buckets starting from `first` to `last`."""
        from inngest_lambda.storage import run_stats

        return run_stats.read(self, function_id, first, last, slots=slots)

    def active_runs(self, function_id: str) -> run_stats.Active:
        """The function's Queued and Running runs now (runs-by-status index, capped)."""
        from inngest_lambda.storage import run_stats

        return run_stats.active_runs(self, function_id)

    # --- apps registered from a URL (registered_apps) ---------------------------------------
    def put_app(self, app_id: str, url: str, functions: list[dict[str, Any]]) -> None:
        registered_apps.put_app(self, app_id, url, functions)

    def list_apps(self) -> list[dict[str, Any]]:
        """Stored apps; one whose item cannot be decoded comes back with `functions: None`."""
        return registered_apps.list_apps(self)
