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

A debounce burst is moved by one message too (`flow/debounce.py`): its state item carries
`sweep_at` (the burst's due time plus the grace) in the same index, and an overdue burst is
sent its `debounce` message again, which fires it. Without this, an invocation that died while
handling that message would leave the burst to SQS's redelivery, 6 Lambda timeouts later.
A batch is in the index the same way until its run exists (`flow/batching.py`); an overdue
batch is sent its timeout message again, which closes it.
"""

from __future__ import annotations

import logging
from typing import Any

from inngest_lambda.core import clock
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


def overdue(store: Store, now: float) -> list[tuple[str, str, float, int]]:
    """(pk, sk, sweep_at, sweeps) of every item (a run, a debounce burst) whose `sweep_at`
    has passed."""
    return sweep_index.overdue(store, now, MAX_PER_SWEEP)


def sweep(store: Store) -> list[str]:
    """Re-drive every overdue run and burst; returns their keys (run ids, burst state keys)."""
    now = clock.now()
    redriven: list[str] = []
    messages: list[dict[str, Any]] = []
    try:
        due = overdue(store, now)
    except index_query.IndexUnavailable as exc:
        # A stack part way through its index upgrade (docs/upgrading.md): nothing to sweep
        # until the index is built; the runs' own messages and timers still move them.
        log.warning("sweeper: skipped", extra={"status": str(exc)})
        return redriven
    for pk, sk, sweep_at, sweeps in due:
        item = _postpone(store, pk, sk, sweep_at, sweeps, now)
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
    return redriven


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
