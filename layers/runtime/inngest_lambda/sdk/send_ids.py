"""Deterministic ids for the events a function sends (`step.send_event`, `client.send`).

The SDK gives each send fresh random ids. If the step's result is then not recorded (the write
failed, the invocation died), the retried drive runs the step again and sends again, with new
ids, so every listener would start twice. This middleware, added to the served client, fills in
the ids the function left empty from the run id, the step that sends and the event's position
within that step's sends, so the retry sends the same ids and the event API deduplicates them
(an id starts each function at most once).

The step is named by its hashed step id, the one the SDK memoizes it under, however the request
reached it: a discovery request (the next new step) and a targeted one (`stepId=`, parallel
steps, retries) give the same key. The SDK takes each step it meets out of the request's memos
(`StepMemos.pop(hashed_id)`, on the object `transform_input` receives) before it runs or skips
it, so the middleware watches those calls:

- a send while the step last met is new (not memoized) comes from that step's code (its
  `step.run` handler, or `step.send_event` itself): key `step:<hashed id>:<n>`, n counting the
  events that step sent so far;
- a send while the step last met was memoized, or before any step, comes from the function body
  outside every step, which runs again on each request: key `body:<hashed id of the last step
  met, or "start">:<n>`, n counting sends since that step. Each re-run of the body sends the same
  ids, so such an event starts its listeners once per run (earlier versions keyed it on the
  request, so it started them once per request that reached it).

`step.send_event` calls the hooks of the request's own middleware; `client.send` builds a fresh
middleware for each send, so the request's middleware is also published in a context variable
from `transform_input` to `before_response` (the SDK calls both for every request, whatever
the function did), and a fresh one fills ids from it. A `client.send` outside any request sees
none and keeps the SDK's ids.

Whether a step was memoized is told by `StepMemos.size` (public), which a memo taken lowers;
no SDK type is imported. That the SDK takes memos with `pop` on the object `transform_input`
receives is not public API: the module is gated on the inngest versions it was checked with
(`sdk/versions.py`).

One case is not told apart: inside `group.parallel` on a discovery request, body code of one
callable after another callable's new step is keyed as that step's. Only functions served by
this deployment get the middleware; apps registered from a URL keep the SDK's own ids.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Callable
from typing import Any

import inngest
from ulid import ULID

from inngest_lambda.sdk import versions

versions.require(__name__, "inngest", "the SDK takes step memos with StepMemos.pop")

_START = "start"
_ACTIVE: contextvars.ContextVar[DeterministicSendIds | None] = contextvars.ContextVar(
    "inngest_lambda_send_ids", default=None
)


class DeterministicSendIds(inngest.MiddlewareSync):
    def __init__(self, client: Any, raw_request: object) -> None:
        super().__init__(client, raw_request)
        self.run_id: str | None = None
        self.scope: str | None = None  # "step:<hashed id>" or "body:<hashed id | start>"
        self.sent = 0  # events sent in the current scope

    def transform_input(self, ctx: Any, function: Any, steps: Any) -> None:
        self.run_id = getattr(ctx, "run_id", None)
        self._enter(f"body:{_START}")
        _watch_steps(steps, self._met)
        _ACTIVE.set(self)

    def transform_output(self, result: Any) -> None:
        _ACTIVE.set(None)

    def before_response(self) -> None:
        _ACTIVE.set(None)  # the request is over: later sends in this context are not its own

    def _met(self, hashed_id: str, memoized: bool) -> None:
        self._enter(f"body:{hashed_id}" if memoized else f"step:{hashed_id}")

    def _enter(self, scope: str) -> None:
        self.scope = scope
        self.sent = 0

    def before_send_events(self, events: list[Any]) -> None:
        keys = self if self.run_id else _ACTIVE.get()  # a client.send: the request's middleware
        if keys is not None:
            keys._fill(events)

    def _fill(self, events: list[Any]) -> None:
        if not self.run_id or self.scope is None:
            return  # not inside a run (a plain client.send from elsewhere)
        for event in events:
            if not getattr(event, "id", None):
                event.id = event_id(self.run_id, f"{self.scope}:{self.sent}")
            self.sent += 1


def _watch_steps(steps: Any, met: Callable[[str, bool], None]) -> None:
    """Call `met(hashed_id, memoized)` for each step the SDK takes out of `steps` (this
    request's memos); the SDK's own `pop` still does the taking."""
    take = getattr(steps, "pop", None)
    if take is None:
        return

    def pop(hashed_id: str) -> Any:
        before = steps.size
        memo = take(hashed_id)
        met(hashed_id, steps.size < before)  # a memo was taken: the step was memoized
        return memo

    steps.pop = pop


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
