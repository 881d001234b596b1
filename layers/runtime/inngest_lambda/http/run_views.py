"""Runs and steps as the HTTP API shows them (Inngest's REST shape), shared by the API, the
operator routes and the dashboard so none of them imports another."""

from __future__ import annotations

from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.events import cancellation
from inngest_lambda.storage.store import MISSING, Run, Step


def run_view(run: Run, steps: list[Step] | None = None) -> dict[str, Any]:
    """A run in the shape of Inngest's REST API, plus our own `steps` list when asked for."""
    status = run.visible_status
    error = run.error
    ended_at = run.ended_at
    if status == "Cancelled" and run.cancel_at is not None:
        # Cancelled from the moment it was requested, even while a late response is pending.
        ended_at = run.cancel_at
        error = error or cancellation.cancelled_error(run.cancel or "")
    out: dict[str, Any] = {
        "run_id": run.run_id,
        "function_id": run.function_id,
        "status": status,
        "event_id": run.event_id,
        "output": error if error is not None else run.output,
        "run_started_at": clock.iso(run.started_at or run.created_at),
        "ended_at": clock.iso(ended_at),
    }
    if run.starts_at is not None:
        # Ours (Inngest's v1 shape has no field for it): the time a future event `ts` set for
        # the run's start; the run stays Queued until then.
        out["starts_at"] = clock.iso(run.starts_at)
    if run.replay_of:
        out["replay_of"] = run.replay_of
    if run.rerun_from:
        out["rerun_from"] = run.rerun_from  # ours: the step of `replay_of` it reran from
    if steps is not None:
        out["steps"] = [step_view(s) for s in sorted(steps, key=lambda s: s.seq)]
    return out


def step_view(step: Step) -> dict[str, Any]:
    attempts = step.attempt + 1 if step.done else step.attempt
    view: dict[str, Any] = {
        "id": step.step_id,
        "name": step.name,
        "op": step.op,
        "status": step.status,
        "attempts": attempts,
        "started_at": clock.iso(step.started_at),
        "ended_at": clock.iso(step.ended_at),
    }
    if step.due_at is not None and not step.done:
        view["scheduled_for"] = clock.iso(step.due_at)
    if step.op == "WaitForEvent" and step.done:
        view["output"] = step.memo  # the event that matched, or None on timeout
    elif isinstance(step.memo, dict) and "data" in step.memo and step.memo is not MISSING:
        view["output"] = step.memo["data"]
    if step.error:
        view["error"] = step.error
    return view
