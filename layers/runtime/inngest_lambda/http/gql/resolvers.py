"""Resolvers: read the run store and shape what they find as Inngest does.

Values are plain dicts keyed by field name; fields that cost reads (an event's runs, a run's
trace) are callables, which the GraphQL executor calls only when the query asks for them.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from inngest_lambda.core import clock
from inngest_lambda.storage.store import MISSING, Run, Step, Store

# Our run statuses -> Inngest's FunctionRunStatus.
RUN_STATUS = {
    "Queued": "QUEUED",
    "Running": "RUNNING",
    "Completed": "COMPLETED",
    "Failed": "FAILED",
    "Cancelled": "CANCELLED",
    "Skipped": "SKIPPED",
}
SPAN_STATUS = {"QUEUED": "QUEUED", "SKIPPED": "CANCELLED"}
STEP_OP = {
    "StepRun": "RUN",
    "StepFailed": "RUN",
    "Sleep": "SLEEP",
    "WaitForEvent": "WAIT_FOR_EVENT",
    "InvokeFunction": "INVOKE",
    "AIGateway": "AI_GATEWAY",
}


class NotFound(Exception):
    """Raised for a non-null field whose object does not exist: a GraphQL error naming it."""


def query() -> Any:
    import ariadne

    q = ariadne.QueryType()
    q.set_field("event", _event)
    q.set_field("run", _run)
    q.set_field("runTrigger", _run_trigger)
    q.set_field("runTrace", _run_trace)
    q.set_field("runTraceSpanOutputByID", _span_output)
    q.set_field("functionRun", _function_run)
    return q


def _store(info: Any) -> Store:
    return info.context["store"]


# --- events -------------------------------------------------------------------------------
def _event(_: Any, info: Any, query: dict[str, Any]) -> dict[str, Any] | None:
    store = _store(info)
    event_id = query["eventId"]
    event = store.get_event_or_copy(event_id)
    if event is None:
        return None
    raw = json.dumps(event)
    run_ids = store.run_ids_for_event(event_id)
    return {
        "id": event_id,
        "name": event.get("name"),
        "createdAt": clock.iso(event["ts"] / 1000) if isinstance(event.get("ts"), int) else None,
        "payload": raw,
        "raw": raw,
        "totalRuns": len(run_ids),
        "functionRuns": lambda info: [function_run(r) for r in store.get_runs(run_ids)],
    }


def function_run(run: Run) -> dict[str, Any]:
    return {
        "id": run.run_id,
        "functionID": run.function_id,
        "status": RUN_STATUS.get(run.visible_status, run.visible_status.upper()),
        "startedAt": clock.iso(run.started_at) if run.started_at else None,
        "finishedAt": clock.iso(run.ended_at) if run.ended_at else None,
        "output": run_output(run),
        "eventID": run.event_id,
    }


def _function_run(_: Any, info: Any, query: dict[str, Any]) -> dict[str, Any] | None:
    run = _store(info).get_run(query["functionRunId"])
    return function_run(run) if run else None


# --- runs ---------------------------------------------------------------------------------
def run_output(run: Run) -> str | None:
    """The output as a JSON string; a failed run's output is its error, as on Inngest."""
    if run.error is not None:
        return json.dumps(run.error)
    if run.status != "Completed":
        return None
    return json.dumps(run.output)


def _run(_: Any, info: Any, runID: str) -> dict[str, Any] | None:  # noqa: N803
    store = _store(info)
    run = store.get_run(runID)
    if run is None:
        return None
    return {
        "id": run.run_id,
        "functionID": run.function_id,
        "queuedAt": clock.iso(run.created_at),
        "startedAt": clock.iso(run.started_at) if run.started_at else None,
        "endedAt": clock.iso(run.ended_at) if run.ended_at else None,
        "status": RUN_STATUS.get(run.visible_status, run.visible_status.upper()),
        "triggerIDs": [e.get("id") for e in run.events],
        "eventName": run.event.get("name"),
        "isBatch": len(run.events) > 1,
        "output": run_output(run),
        "trace": lambda info: root_span(run, store.load_steps(run.run_id)),
    }


def _run_or_error(info: Any, run_id: str) -> Run:
    run = _store(info).get_run(run_id)
    if run is None:
        raise NotFound(f"run {run_id} not found")
    return run


def _run_trigger(_: Any, info: Any, runID: str) -> dict[str, Any]:  # noqa: N803
    run = _run_or_error(info, runID)
    ts = run.event.get("ts")
    return {
        "eventName": run.event.get("name"),
        "IDs": [e.get("id") for e in run.events],
        "payloads": [json.dumps(e) for e in run.events],
        "timestamp": clock.iso(ts / 1000 if isinstance(ts, int) else run.created_at),
        "isBatch": len(run.events) > 1,
        "batchID": None,
        "cron": (run.event.get("data") or {}).get("cron") if _is_cron(run) else None,
    }


def _is_cron(run: Run) -> bool:
    return run.event.get("name") == "inngest/scheduled.timer"


def _run_trace(_: Any, info: Any, runID: str) -> dict[str, Any]:  # noqa: N803
    run = _run_or_error(info, runID)
    return root_span(run, _store(info).load_steps(run.run_id))


# --- spans --------------------------------------------------------------------------------
def root_span(run: Run, steps: dict[str, Step]) -> dict[str, Any]:
    """The run as a span, its steps (one span each, in the order they were reached) below."""
    status = RUN_STATUS.get(run.visible_status, "RUNNING")
    ordered = sorted(steps.values(), key=lambda s: s.seq)
    return {
        "runID": run.run_id,
        "spanID": run.run_id,
        "name": run.function_id,
        "status": SPAN_STATUS.get(status, status),
        "attempts": run.fn_attempt,
        "duration": _duration(run.started_at, run.ended_at),
        "outputID": output_id(run.run_id, None) if run.ended_at else None,
        "queuedAt": clock.iso(run.created_at),
        "startedAt": clock.iso(run.started_at) if run.started_at else None,
        "endedAt": clock.iso(run.ended_at) if run.ended_at else None,
        "childrenSpans": [step_span(run, s) for s in ordered],
        "stepOp": None,
        "stepID": None,
        "isRoot": True,
    }


def step_span(run: Run, step: Step) -> dict[str, Any]:
    return {
        "runID": run.run_id,
        "spanID": f"{run.run_id}:{step.step_id}",
        "name": step.name,
        "status": _step_status(step),
        "attempts": step.attempt,
        "duration": _duration(step.started_at, step.ended_at),
        "outputID": output_id(run.run_id, step.step_id) if _has_output(step) else None,
        "queuedAt": clock.iso(step.started_at or run.created_at),
        "startedAt": clock.iso(step.started_at) if step.started_at else None,
        "endedAt": clock.iso(step.ended_at) if step.ended_at else None,
        "childrenSpans": [],
        "stepOp": STEP_OP.get(step.op),
        "stepID": step.step_id,
        "isRoot": False,
    }


def _step_status(step: Step) -> str:
    if step.status == "Completed":
        return "COMPLETED"
    if step.status == "Failed":
        return "FAILED"
    if step.status == "Planned":
        return "QUEUED"
    if step.status == "Scheduled" and step.info.get("kind") == "retry":
        return "RUNNING"  # between attempts
    return "WAITING"  # sleeping, waiting for an event or an invoked run


def _has_output(step: Step) -> bool:
    return step.done or step.error is not None


def _duration(start: float | None, end: float | None) -> int | None:
    return int((end - start) * 1000) if start and end else None


def output_id(run_id: str, step_id: str | None) -> str:
    """Opaque to clients, like Inngest's: which run and step the output belongs to."""
    raw = json.dumps([run_id, step_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_output_id(value: str) -> tuple[str, str | None]:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        run_id, step_id = json.loads(raw)
    except (ValueError, TypeError) as err:
        raise NotFound(f"output {value[:80]!r} not found") from err
    if not isinstance(run_id, str) or not (step_id is None or isinstance(step_id, str)):
        raise NotFound(f"output {value[:80]!r} not found")
    return run_id, step_id


def _span_output(_: Any, info: Any, outputID: str) -> dict[str, Any]:  # noqa: N803
    run_id, step_id = parse_output_id(outputID)
    run = _run_or_error(info, run_id)
    if step_id is None:
        if run.error is not None:
            return {"input": None, "data": None, "error": _error(run.error)}
        return {"input": None, "data": json.dumps(run.output), "error": None}
    step = _store(info).load_steps(run_id).get(step_id)
    if step is None:
        raise NotFound(f"output {outputID[:80]!r} not found")
    return step_output(step)


def step_output(step: Step) -> dict[str, Any]:
    memo = step.memo
    if step.status == "Failed" or (
        isinstance(memo, dict) and "error" in memo and step.done and step.op != "WaitForEvent"
    ):
        err = memo.get("error") if isinstance(memo, dict) else None
        return {"input": None, "data": None, "error": _error(err or step.error or {})}
    if not step.done:  # a step between attempts: the last attempt's error
        return {"input": None, "data": None, "error": _error(step.error or {})}
    if memo is MISSING or memo is None:
        return {"input": None, "data": None, "error": None}
    if step.op == "WaitForEvent":  # the matched event itself
        return {"input": None, "data": json.dumps(memo), "error": None}
    data = memo.get("data") if isinstance(memo, dict) else memo
    return {"input": None, "data": json.dumps(data), "error": None}


def _error(err: dict[str, Any]) -> dict[str, Any]:
    return {
        "message": str(err.get("message") or ""),
        "name": err.get("name"),
        "stack": err.get("stack"),
    }
