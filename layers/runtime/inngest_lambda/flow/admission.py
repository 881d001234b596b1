"""Creating runs of flow-controlled functions (after batching or debounce, if any: `intake.py`).

Order of decisions for one run about to be created (mirroring Inngest's scheduler):
batching and debounce hold the event back (the run is created later, by their own message);
then `idempotency` picks the deduplication key; rate limit may turn the run into a Skipped
record; singleton may skip it or take over from the active run; throttle may delay its start.
All state those options change is written in the same DynamoDB transaction as the run (via
`Store.create_run(extra=...)`), so the options' state moves only when a run really is created,
exactly once however many deliveries race. A transaction that loses a race is re-decided.

Invoked runs (`step.invoke`) skip batching, debounce and rate limiting: the caller waits for a
result and a held-back or dropped child would leave it hanging until its timeout.

An event whose `ts` is in the future (`events/scheduled_start.py`) comes here whatever the
function's options: its run is created now (rate limit, idempotency, singleton decided now, as
on Inngest's server) with `starts_at`, and its first drive is a timer at that time, or at the
throttle's time if that is later; concurrency and priority are the drive's gate, when it is
due. A batch's run ignores `ts` (`honour_ts=False`), as on Inngest.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from inngest_lambda.core import clock, errors, ids
from inngest_lambda.events import emitted as run_events
from inngest_lambda.events import scheduled_start
from inngest_lambda.flow import config as flowconfig
from inngest_lambda.flow import ratelimit, singleton, state, throttle
from inngest_lambda.flow.decision import Decision
from inngest_lambda.scheduling import queue, timers
from inngest_lambda.storage.store import Conflict, Run

if TYPE_CHECKING:
    from inngest_lambda.apps.registry import FunctionEntry
    from inngest_lambda.flow.seams import Ingestor


log = logging.getLogger("inngest_lambda.flow")
MAX_ATTEMPTS = 20
EARLY_SECONDS = 0.5  # acquire_lease's tolerance for a message that arrives a hair early


def dedupe_key(fn: FunctionEntry, event: dict[str, Any], default: str | None = None) -> str:
    """The run's idempotency key: `idempotency=` evaluated on the event, else the event id."""
    source = flowconfig.of(fn.config).idempotency
    if source:
        return f"{fn.id}#idem#{state.digest(state.key_value(source, event))}"
    return default or f"{fn.id}#{event['id']}"


def create(
    ingestor: Ingestor,
    fn: FunctionEntry,
    events: list[dict[str, Any]],
    *,
    dedupe: str,
    run_id: str | None = None,
    parent: dict[str, Any] | None = None,
    messages: list[dict[str, Any]] | None = None,
    extra: list[dict[str, Any]] | None = None,
    honour_ts: bool = True,
) -> str | None:
    """Create the run for `events` under the function's options; see the module docstring.

    `extra` are the caller's own transaction items (debounce and batching close their state
    with the run); if one of those conditions fails, Conflict propagates to the caller, which
    re-reads its state. Returns the run id (also for an already existing run), or None.
    """
    store = ingestor.store
    flow = flowconfig.of(fn.config)
    event = events[0]
    starts_at = scheduled_start.starts_at(event) if honour_ts and parent is None else None
    for _ in range(MAX_ATTEMPTS):
        d = Decision(run_id=run_id or ids.new_id(), now=clock.now(), extra=list(extra or []))
        if parent is None and flow.rate_limit is not None:
            ratelimit.decide(store, fn.id, flow.rate_limit, event, d)
        if d.queued and flow.singleton is not None:
            singleton.decide(store, fn.id, flow.singleton, event, d)
        if d.queued and flow.throttle is not None:
            throttle.decide(store, fn.id, flow.throttle, event, d)
        if d.queued and starts_at is not None:
            d.next_at = max(d.next_at, starts_at)
        run = Run(
            run_id=d.run_id,
            function_id=fn.id,
            status=d.status,
            event_id=event["id"],
            event=event,
            events=events,
            created_at=d.now,
            next_at=d.next_at,
            starts_at=starts_at if d.queued else None,
            parent=parent,
            output=d.output,
            ended_at=d.now if not d.queued else None,
        )
        try:
            created_id, created = store.create_run(
                run, dedupe, [*d.extra, *ingestor.cancel_items(fn, run)]
            )
        except Conflict:
            if extra:
                raise
            continue
        if not created:
            return resume(ingestor, created_id, messages)
        _after_create(ingestor, fn, flow, d, run, messages)
        return d.run_id
    raise Conflict(f"flow-control state for {fn.id} kept changing; giving up for now")


def _after_create(
    ingestor: Ingestor,
    fn: FunctionEntry,
    flow: flowconfig.FlowConfig,
    d: Decision,
    run: Run,
    messages: list[dict[str, Any]] | None,
) -> None:
    store = ingestor.store
    if not d.queued:
        log.info(
            f"run skipped: {(d.output or {}).get('message')}",
            extra={"run_id": d.run_id, "function_id": fn.id},
        )
        answer_invoker(ingestor, run)
        return
    if d.cancel_run_id:
        from inngest_lambda.flow import timeouts

        timeouts.cancel(store, d.cancel_run_id, f"replaced by run {d.run_id} (singleton cancel)")
    if flow.timeouts is not None and flow.timeouts.start is not None:
        from inngest_lambda.flow import timeouts

        timeouts.arm_start(d.run_id, d.now + flow.timeouts.start)
    if run.cancel_pauses and d.next_at > clock.now() + EARLY_SECONDS:
        from inngest_lambda.events import cancel_pauses as run_cancels

        # Its first drive is later than the recent-events index may keep an event that raced
        # the run's creation: look back now (see run_cancels).
        if run_cancels.check_delayed(ingestor.waits, fn.config["cancel"], run):
            _send_start(d.run_id, 0.0, messages)  # cancelled: a drive records the end now
            return
    _send_start(d.run_id, d.next_at, messages)


def resume(
    ingestor: Ingestor, run_id: str, messages: list[dict[str, Any]] | None = None
) -> str | None:
    """A duplicate delivery: re-send the start message of a run never picked up (a crash
    between creating it and queueing it), at its throttled time if it has one."""
    existing = ingestor.store.get_run(run_id)
    if existing is not None and existing.status == "Skipped":
        answer_invoker(ingestor, existing)
    if existing is None or existing.status != "Queued":
        return None
    _send_start(run_id, existing.next_at, messages)
    return run_id


def _send_start(run_id: str, next_at: float, messages: list[dict[str, Any]] | None) -> None:
    if next_at > clock.now() + EARLY_SECONDS:
        timers.wake_at(run_id, next_at, "flow-start")
        return
    message = {"kind": "run", "run_id": run_id}
    if messages is None:
        queue.send(message)
    else:
        messages.append(message)


__all__ = ["create", "dedupe_key", "resume"]


def answer_invoker(ingestor: Ingestor, run: Run) -> None:
    """A skipped run started by `step.invoke` still answers its caller (with an error), as a
    finished run would, so the caller does not wait for its invoke timeout. The event id is
    the one the run's own finish would use, so a repeat is deduplicated."""
    if not run.parent:
        return
    message = (run.output or {}).get("message") if isinstance(run.output, dict) else None
    error = errors.error("FunctionSkipped", message or "skipped")
    finished = {
        "name": run_events.FUNCTION_FINISHED,
        "id": ids.deterministic_id(run.run_id, "finished"),
        "ts": clock.now_ms(),
        "data": run_events.finished_data(run, error=error),
    }
    ingestor.ingest([finished])
