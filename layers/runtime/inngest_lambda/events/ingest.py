"""Accepting events: ids, storage, and starting the runs they trigger (input checks: event_input).

Used by the event API and by the executor (for the events the runtime itself emits, such as
`inngest/function.failed`), so both go through one set of rules.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from inngest_lambda.apps.registry import FunctionEntry, Registry
from inngest_lambda.core import clock, ids
from inngest_lambda.events.emitted import FUNCTION_FINISHED
from inngest_lambda.scheduling import queue
from inngest_lambda.storage.store import Run, Store


def normalise(events: list[dict[str, Any]], seed: str | None = None) -> list[dict[str, Any]]:
    """Give every event an id (derived from the SDK's seed when present), a ts and a data dict."""
    fresh = ids.seeded_ids(seed, len(events))
    now = clock.now_ms()
    out = []
    for ev, new_id in zip(events, fresh, strict=True):
        full = {**ev, "id": ev.get("id") or new_id, "ts": ev.get("ts") or now}
        full["data"] = ev.get("data") or {}
        out.append(full)
    return out


@dataclasses.dataclass
class Ingested:
    ids: list[str]
    run_ids: list[str]
    errors: list[str]


class Ingestor:
    def __init__(self, store: Store, registry: Registry) -> None:
        from inngest_lambda.events.waits import Waits

        self.store = store
        self.registry = registry
        self.waits = Waits(store)

    def ingest(self, events: list[dict[str, Any]]) -> Ingested:
        """Store events, start the runs they trigger and resume the invokes they finish.

        Safe to repeat with the same event ids: runs are keyed per (function, event id), so a
        retried request starts nothing twice, and it re-sends the start message of a run that
        was created but never picked up (a crash between the two writes).
        """
        self.store.put_events(events)
        messages: list[dict[str, Any]] = []
        woken, cancelled, matched_pauses = self.waits.deliver(events)
        messages.extend({"kind": "run", "run_id": rid} for rid in [*woken, *cancelled])
        run_ids: list[str] = []
        errors: list[str] = []
        for ev in events:
            if ev["name"] == FUNCTION_FINISHED:
                self._resume_invoker(ev, messages)
            matched, trigger_errors = self.registry.match(ev)
            errors.extend(
                f"function {e.function_id}: trigger expression {e.expression!r}: {e.message}"
                for e in trigger_errors
            )
            for fn in matched:
                run_id = self.start_run(fn, ev, messages=messages)
                if run_id:
                    run_ids.append(run_id)
        queue.send_many(messages)
        # Only now that the wake-ups are on the queue: a retry after a failed send must still
        # find these pauses, or the runs would sleep until their waits time out.
        for pause in matched_pauses:
            self.waits.close(pause)
        return Ingested([ev["id"] for ev in events], run_ids, errors)

    def start_run(
        self,
        fn: FunctionEntry,
        event: dict[str, Any],
        *,
        parent: dict[str, Any] | None = None,
        messages: list[dict[str, Any]] | None = None,
    ) -> str | None:
        from inngest_lambda.events import paused, scheduled_start
        from inngest_lambda.flow import intake

        skipped = paused.skip_if_paused(self, fn, event, parent)  # a paused function: Skipped
        if not isinstance(skipped, paused.NotPaused):
            return skipped
        # Flow control (throttle, rate limit, debounce, batching, singleton, ...) and a future
        # `ts` (a run that starts later: its timer is armed there) go through flow/intake.
        if intake.applies(fn) or scheduled_start.starts_at(event) is not None:
            return intake.start(self, fn, event, parent=parent, messages=messages)
        run = Run(
            run_id=ids.new_id(),
            function_id=fn.id,
            status="Queued",
            event_id=event["id"],
            event=event,
            events=[event],
            created_at=clock.now(),
            parent=parent,
        )
        run_id, created = self.store.create_run(
            run, f"{fn.id}#{event['id']}", self.cancel_items(fn, run)
        )
        if not created:
            existing = self.store.get_run(run_id)
            if existing is None or existing.status != "Queued":
                return None
        message = {"kind": "run", "run_id": run_id}
        if messages is None:
            queue.send(message)
        else:
            messages.append(message)
        return run_id

    def cancel_items(self, fn: FunctionEntry, run: Run) -> list[dict[str, Any]]:
        """The function's `cancel=` pauses, to be written with the run (`run_cancels`)."""
        cancels = fn.config.get("cancel")
        if not cancels or run.status != "Queued":
            return []
        from inngest_lambda.events import cancel_pauses as run_cancels

        return run_cancels.creation_items(self.waits, cancels, run)

    def _resume_invoker(self, event: dict[str, Any], messages: list[dict[str, Any]]) -> None:
        from inngest_lambda.events import invocations

        target = invocations.resume_target(event)
        if target and invocations.resume(self.store, target, event):
            messages.append({"kind": "run", "run_id": target.run_id})
