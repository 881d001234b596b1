"""The sweeper: re-drives runs that nothing is moving any more.

A run is moved by messages (a start, a timer, a wake-up), and each of them can be lost: the send
fails after the run was written, a driver dies holding the lease, a message exhausts its
receives and lands in the dead-letter queue, a Scheduler invocation is dropped. So every run
that something must still happen to carries `sweep_at` in the sparse `sweep` index: when it
should have moved by (its lease's end, its timer's due time, its creation or wake-up), plus a
grace. The writes that change a run's state set it (create, lease, heartbeat, park, wake,
cancel request, release after an error) and finishing removes it, so the index costs no write
per step.

Once a minute (a Scheduler rate schedule sending `{"kind": "sweep"}` to the work queue) the
sweeper reads the index up to now and sends each overdue run a `{"kind": "run"}` message; the
executor decides from DynamoDB what to do, so a run that was fine after all is a no-op. Each
re-drive pushes the run's `sweep_at` forward (1 min, doubling to 1 h), so a run that keeps
failing is retried at a falling rate instead of flooding the queue.

One shard's failure (a throttled or failed Query of its index partition) does not stop the
sweep: the other shards are swept, the failed shard is logged and counted (metric
`SweepShardFailures`, one per failed shard) and named in the `Sweep` answered; its runs wait for
the next sweep, a minute later. An item whose postponement fails is likewise logged and left
overdue for the next sweep. Only an index that is not there at all (an upgrade under way) skips
the whole sweep.

A debounce burst is moved by one message too (`flow/debounce.py`): its state item carries
`sweep_at` (the burst's due time plus the grace) in the same index, and an overdue burst is
sent its `debounce` message again, which fires it. Without this, an invocation that died while
handling that message would leave the burst to SQS's redelivery, 6 Lambda timeouts later.
A batch is in the index the same way until its run exists (`flow/batching.py`); an overdue
batch is sent its timeout message again, which closes it.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from inngest_lambda.core import clock, metrics
from inngest_lambda.scheduling import queue
from inngest_lambda.settings import (
    SWEEPER_MESSAGE,
    SWEEPER_RATE_MINUTES,
    SWEEPER_SCHEDULE,
)
from inngest_lambda.storage import index_query, sweep_index
from inngest_lambda.storage.store import TERMINAL_STATES, Run, Store

log = logging.getLogger("inngest_lambda")

MESSAGE = SWEEPER_MESSAGE
RATE_EXPRESSION = f"rate({SWEEPER_RATE_MINUTES} minute{'s' if SWEEPER_RATE_MINUTES > 1 else ''})"
FIRST_RETRY_SECONDS = 60.0
MAX_RETRY_SECONDS = 3600.0
MAX_PER_SWEEP = 1000  # per shard; the rest waits for the next sweep


@dataclasses.dataclass
class Sweep:
    """What one sweep did: the keys it re-drove (run ids, burst and batch state keys) and the
    shards whose index it could not read (swept again by the next sweep)."""

    redriven: list[str] = dataclasses.field(default_factory=list)
    failed_shards: list[int] = dataclasses.field(default_factory=list)


def overdue(store: Store, now: float, report: Sweep) -> list[tuple[str, str, float, int]]:
    """(pk, sk, sweep_at, sweeps) of every item (a run, a debounce burst) whose `sweep_at`
    has passed, shard by shard; a shard whose Query fails is logged, counted and noted in
    `report`, and the others are read all the same. Raises `index_query.IndexUnavailable`
    while the index is not ready."""
    due: list[tuple[str, str, float, int]] = []
    for shard in sweep_index.SHARDS:
        try:
            due.extend(sweep_index.overdue_in_shard(store, shard, now, MAX_PER_SWEEP))
        except index_query.IndexUnavailable:
            raise
        except Exception:
            log.exception(
                f"sweeper: shard {shard} could not be read; sweeping the other shards",
                extra={"status": f"shard {shard}"},
            )
            report.failed_shards.append(shard)
    if report.failed_shards:
        metrics.count(metrics.SWEEP_SHARD_FAILURES, len(report.failed_shards))
    return due


def sweep(store: Store) -> Sweep:
    """Re-drive every overdue run and burst (see the module docstring)."""
    now = clock.now()
    report = Sweep()
    redriven = report.redriven
    messages: list[dict[str, Any]] = []
    try:
        due = overdue(store, now, report)
    except index_query.IndexUnavailable as exc:
        # A stack part way through its index upgrade (docs/upgrading.md): nothing to sweep
        # until the index is built; the runs' own messages and timers still move them.
        log.warning("sweeper: skipped", extra={"status": str(exc)})
        return report
    for pk, sk, sweep_at, sweeps in due:
        try:
            item = _postpone(store, pk, sk, sweep_at, sweeps, now)
        except Exception:  # left overdue: the next sweep tries it again
            log.exception("sweeper: could not postpone an item", extra={"status": pk})
            continue
        if item is None:
            continue
        if pk.startswith("R#"):
            run_id = pk[2:]
            messages.append({"kind": "run", "run_id": run_id})
            log.warning(
                "sweeper: re-driving a run nothing moved",
                extra={"run_id": run_id, "attempt": sweeps + 1, "status": f"due {sweep_at}"},
            )
        elif pk.startswith("F#") and "function_id" in item and "run_id" in item:  # debounce
            from inngest_lambda.flow.debounce import fire_message

            messages.append(fire_message(item["function_id"]["S"], pk, item["run_id"]["S"]))
            log.warning(
                "sweeper: firing a debounce burst nothing fired",
                extra={
                    "run_id": item["run_id"]["S"],
                    "function_id": item["function_id"]["S"],
                    "attempt": sweeps + 1,
                },
            )
        elif pk.startswith("FB#") and "function_id" in item and "batch_pk" in item:
            from inngest_lambda.flow.batching import timeout_message

            batch_id = pk[3:]
            messages.append(
                timeout_message(item["function_id"]["S"], item["batch_pk"]["S"], batch_id)
            )
            log.warning(
                "sweeper: closing a batch nothing closed",
                extra={"run_id": batch_id, "function_id": item["function_id"]["S"]},
            )
        else:
            continue
        redriven.append(pk[2:] if pk.startswith("R#") else pk)
    queue.send_many(messages)
    return report


def redrive(store: Store, run_id: str) -> Run | None:
    """Send one run a drive message unless it has ended; returns the run as it was (None if
    there is no such run). The API's `POST /v1/runs/{id}/redrive`."""
    run = store.get_run(run_id)
    if run is not None and run.status not in TERMINAL_STATES:
        queue.send({"kind": "run", "run_id": run_id})
        log.info("re-driven on request", extra={"run_id": run_id, "function_id": run.function_id})
    return run


def _postpone(
    store: Store, pk: str, sk: str, sweep_at: float, sweeps: int, now: float
) -> dict[str, Any] | None:
    """Move the item's `sweep_at` on, unless it moved meanwhile (then it needs nothing);
    returns the item as now stored, or None."""
    delay = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2**sweeps)
    return sweep_index.postpone(store, pk, sk, sweep_at, now + delay)


def ensure_schedule(scheduler: Any, group: str, queue_arn: str, role_arn: str) -> None:
    """Create the sweeper's rate schedule (the local stack; the CDK stack declares its own)."""
    import contextlib
    import json

    with contextlib.suppress(scheduler.exceptions.ConflictException):
        scheduler.create_schedule(
            Name=SWEEPER_SCHEDULE,
            GroupName=group,
            ScheduleExpression=RATE_EXPRESSION,
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": queue_arn, "RoleArn": role_arn, "Input": json.dumps(MESSAGE)},
        )
