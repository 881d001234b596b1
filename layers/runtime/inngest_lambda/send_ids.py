"""Deterministic ids for the events a function sends (`step.send_event`, `client.send`).

The SDK gives each send fresh random ids. If the step's result is then not recorded (the write
failed, the invocation died), the retried drive runs the step again and sends again, with new
ids, so every listener would start twice. This middleware, added to the served client, fills in
the ids the function left empty from the run id, the step being run and the event's position,
so the retry sends the same ids and the event API deduplicates them (an id starts each function
at most once).

The step is named by the SDK request: a targeted request (`stepId=<hashed id>`, parallel steps
and retries) by its id; a discovery request runs at most one new step, which its position in
the run (the number of memoized steps) identifies. Only functions served by this deployment get
it; apps registered from a URL keep the SDK's own ids.
"""

from __future__ import annotations

import hashlib
from typing import Any

import inngest
from ulid import ULID


class DeterministicSendIds(inngest.MiddlewareSync):
    def __init__(self, client: Any, raw_request: object) -> None:
        super().__init__(client, raw_request)
        self.prefix: str | None = None
        self.run_id: str | None = None
        self.sent = 0

    def transform_input(self, ctx: Any, function: Any, steps: Any) -> None:
        self.run_id = getattr(ctx, "run_id", None)
        step_id = _query_param(self.raw_request, "stepId")
        if step_id and step_id != "step":
            self.prefix = f"step:{step_id}"
        else:
            self.prefix = f"position:{_size(steps)}"
        self.sent = 0

    def before_send_events(self, events: list[Any]) -> None:
        if not self.run_id or self.prefix is None:
            return  # not inside a run (a plain client.send from elsewhere)
        for event in events:
            if not getattr(event, "id", None):
                event.id = event_id(self.run_id, f"{self.prefix}:{self.sent}")
            self.sent += 1


def event_id(run_id: str, key: str) -> str:
    """A ULID with the run's time prefix and a hash of (run, key) as its randomness."""
    try:
        millis = ULID.from_str(run_id).milliseconds
    except ValueError:
        millis = 0
    rand = hashlib.sha256(f"{run_id}:send:{key}".encode()).digest()[:10]
    return str(ULID.from_bytes(millis.to_bytes(6, "big") + rand))


def install(client: Any) -> None:
    """Add the middleware to the served client once (a warm start re-uses the module)."""
    if DeterministicSendIds not in getattr(client, "middleware", []):
        client.add_middleware(DeterministicSendIds)


def _query_param(request: object, name: str) -> str | None:
    params = getattr(request, "query_params", None)
    if params is None:
        return None
    value = params.get(name)
    return str(value) if value else None


def _size(steps: Any) -> int:
    size = getattr(steps, "size", 0)
    return int(size() if callable(size) else size)
