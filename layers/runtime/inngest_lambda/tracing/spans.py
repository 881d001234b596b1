"""What a traced drive records: the spans of one run's trace (imported only when tracing is on).

The trace of a run (ids from `ids.py`, so every invocation that drives it agrees):

    run <function id>                      root, SERVER: created -> ended; exported at the end
    |- sdk request <step id | discover>    CLIENT: one per SDK request; events for the sleeps,
    |  |                                   waits and invokes the SDK reported in its answer
    |  `- step <name>                      one per step attempt the SDK ran (step.run, ai.infer):
    |                                      step id, op, attempt, status, error
    |- invoke <name>                       PRODUCER: the child run started; linked to its trace
    `- sleep | wait | invoke <name>        each waiting step, start -> end; exported at the end

A run's spans are exported as they end, in whichever invocation ends them; the root span only
when the run ends (its start is the run's creation), so a backend shows the run's spans under a
root that arrives last. Links: a replay's or rerun's root links to the original run's root, an
invoked child's root to its parent's invoke step, the parent's `invoke` span to the child's root.

Times come from `core.clock` (virtual in the `durable` fixture). Nothing here raises into the
drive: a span that cannot be made is logged and dropped.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Iterable
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, SpanKind, TraceFlags
from opentelemetry.trace.status import Status, StatusCode

from inngest_lambda.core import clock
from inngest_lambda.core.log import LOGGER_NAME
from inngest_lambda.core.trace_context import CURRENT
from inngest_lambda.sdk.client import SdkResponse
from inngest_lambda.storage.models import Run, Step
from inngest_lambda.tracing import export, ids
from inngest_lambda.tracing.config import TracingConfig
from inngest_lambda.tracing.export import MAX_TEXT

log = logging.getLogger(LOGGER_NAME)

# Ops that report one attempt of a step the SDK ran (or, for AIGateway, the runtime's model call).
ATTEMPT_OPS = frozenset({"StepRun", "StepFailed", "StepError", "AIGateway"})
EVENT_OPS = {"Sleep": "sleep", "WaitForEvent": "wait_for_event", "InvokeFunction": "invoke"}
EVENT_OPS["StepPlanned"] = "step_planned"
WAITING_OPS = {"Sleep": "sleep", "WaitForEvent": "wait", "InvokeFunction": "invoke"}
DISCOVER = "step"  # the step id of a request without a target step


def _ns(seconds: float) -> int:
    return int(seconds * 1e9)


def _context(trace_id: int, span_id: int) -> SpanContext:
    return SpanContext(
        trace_id, span_id, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED)
    )


@dataclasses.dataclass
class _Request:
    """One SDK request of this drive, exported once the ops of its answer are recorded."""

    step_id: str
    attempt: int
    span_id: int
    start: float
    end: float = 0.0
    status: int = 0
    events: list[tuple[str, dict[str, Any], float]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class _Span:
    name: str
    span_id: int
    parent: int | None  # None: the root
    start: float
    end: float
    kind: SpanKind = SpanKind.INTERNAL
    attributes: dict[str, Any] = dataclasses.field(default_factory=dict)
    events: tuple[tuple[str, dict[str, Any], float], ...] = ()
    links: tuple[Link, ...] = ()
    error: str | None = None  # set: the span's status is ERROR with this description


class RunTracer:
    """The `engine.protocols.DriveTracer` of one drive of one run."""

    def __init__(self, settings: TracingConfig, run: Run, owner: str) -> None:
        self.pipeline = export.pipeline(settings)
        self.run_id = run.run_id
        self.owner = owner
        self.trace_id = ids.trace_id(run.run_id)
        self.root_id = ids.root_span_id(run.run_id)
        self._count = 0
        self._pending: list[tuple[SdkResponse, _Request]] = []
        self._current: _Request | None = None
        self._token = CURRENT.set(self._fields(self.root_id))

    def _fields(self, span_id: int) -> dict[str, str]:
        return {"trace_id": f"{self.trace_id:032x}", "span_id": ids.span_hex(span_id)}

    # --- the seams (engine.protocols.DriveTracer) ------------------------------------------
    async def request(
        self, step_id: str, attempt: int, call: Awaitable[SdkResponse]
    ) -> SdkResponse:
        self._count += 1
        req = _Request(
            step_id, attempt, ids.request_span_id(self.run_id, self.owner, self._count), clock.now()
        )
        token = CURRENT.set(self._fields(req.span_id))  # log lines of the request carry it
        try:
            res = await call
        finally:
            CURRENT.reset(token)
        req.end, req.status = clock.now(), res.status
        self._pending.append((res, req))
        return res

    def responded(self, res: SdkResponse) -> None:
        found = next((p for p in self._pending if p[0] is res), None)
        if found is None:
            return
        self._pending.remove(found)
        self._end_current()
        self._current = found[1]
        CURRENT.set(self._fields(found[1].span_id))

    def op_applied(
        self, op: dict[str, Any], attempt: int, started: float, now: float, step: Step | None
    ) -> None:
        opcode = str(op.get("op"))
        step_id = str(op.get("id", ""))
        name = str(op.get("displayName") or op.get("name") or step_id)
        req = self._current
        about = {"inngest.step.id": step_id, "inngest.step.name": name, "inngest.step.op": opcode}
        if opcode in ATTEMPT_OPS:
            status = _attempt_status(opcode, step)
            attributes = {**about, "inngest.step.attempt": attempt, "inngest.step.status": status}
            error = None if status == "completed" else op.get("error") or (step and step.error)
            message = None
            if isinstance(error, dict):
                message = str(error.get("message") or error.get("name") or "error")
                attributes["error.type"] = str(error.get("name") or "Error")
                attributes["inngest.step.error"] = message
            # The SDK runs a step inside the request that reports it: the attempt spans the
            # request. A model call (AIGateway) is made here after the answer: it spans that call.
            start, end = (req.start, req.end or now) if req is not None else (started, now)
            if opcode == "AIGateway":
                start, end = end, max(end, clock.now())
            self._emit(
                _Span(
                    f"step {name}",
                    ids.attempt_span_id(self.run_id, step_id, attempt),
                    req.span_id if req is not None else self.root_id,
                    start,
                    end,
                    attributes=attributes,
                    error=message,
                )
            )
        elif opcode in EVENT_OPS and req is not None:
            opts = op.get("opts") or {}
            detail: dict[str, Any] = {}
            if opcode == "Sleep":
                detail["inngest.sleep.until"] = str(op.get("name", ""))
            elif opcode == "WaitForEvent":
                detail["inngest.wait.event"] = str(opts.get("event", ""))
                if opts.get("if"):
                    detail["inngest.wait.if"] = str(opts["if"])
                if opts.get("timeout"):
                    detail["inngest.wait.timeout"] = str(opts["timeout"])
            elif opcode == "InvokeFunction":
                detail["inngest.invoke.function_id"] = str(opts.get("function_id", ""))
            req.events.append((EVENT_OPS[opcode], {**about, **detail}, req.end or now))

    def child_started(self, step: Step, child_run_id: str) -> None:
        now = clock.now()
        link = Link(
            _context(ids.trace_id(child_run_id), ids.root_span_id(child_run_id)),
            {"inngest.link": "invoked_run", "inngest.run_id": child_run_id},
        )
        self._emit(
            _Span(
                f"invoke {step.name}",
                ids.step_span_id(self.run_id, f"{step.step_id}#start"),
                self._current.span_id if self._current is not None else self.root_id,
                now,
                now,
                kind=SpanKind.PRODUCER,
                attributes={
                    "inngest.step.id": step.step_id,
                    "inngest.invoke.function_id": str(step.info.get("function_id", "")),
                    "inngest.invoke.run_id": child_run_id,
                },
                links=(link,),
            )
        )

    def finished(self, run: Run, status: str, error: Any, steps: dict[str, Step]) -> None:
        now = clock.now()
        self._end_current()
        for step in steps.values():
            kind = WAITING_OPS.get(step.op)
            if kind is None or step.started_at is None:
                continue
            failed = step.status == "Failed"
            self._emit(
                _Span(
                    f"{kind} {step.name}",
                    ids.step_span_id(self.run_id, step.step_id),
                    self.root_id,
                    step.started_at,
                    step.ended_at or now,
                    attributes={
                        "inngest.step.id": step.step_id,
                        "inngest.step.name": step.name,
                        "inngest.step.op": step.op,
                        "inngest.step.status": step.status,
                    },
                    error=_message(step.error) if failed else None,
                )
            )
        self._emit(self._root(run, status, error, now))

    def close(self) -> None:
        self._end_current()
        for _, req in self._pending:  # answers the drive never recorded (it stopped first)
            self._emit(self._request_span(req))
        self._pending = []
        try:
            CURRENT.reset(self._token)
        except ValueError:  # closed in another context than the one it started in
            CURRENT.set(None)

    # --- spans ------------------------------------------------------------------------------
    def _root(self, run: Run, status: str, error: Any, now: float) -> _Span:
        attributes: dict[str, Any] = {
            "inngest.run_id": run.run_id,
            "inngest.function_id": run.function_id,
            "inngest.event.id": run.event_id,
            "inngest.event.name": str(run.event.get("name", "")),
            "inngest.run.status": status,
            "inngest.trace.xray_id": ids.xray_trace_id(run.run_id),
        }
        links = []
        if run.replay_of:
            attributes["inngest.run.replay_of"] = run.replay_of
            kind = "rerun_of" if run.rerun_from else "replay_of"
            if run.rerun_from:
                attributes["inngest.run.rerun_from"] = run.rerun_from
            links.append(
                Link(
                    _context(ids.trace_id(run.replay_of), ids.root_span_id(run.replay_of)),
                    {"inngest.link": kind, "inngest.run_id": run.replay_of},
                )
            )
        parent = run.parent or {}
        if parent.get("run_id"):
            parent_run, parent_step = str(parent["run_id"]), str(parent.get("step_id", ""))
            attributes["inngest.run.parent_run_id"] = parent_run
            links.append(
                Link(
                    _context(ids.trace_id(parent_run), ids.step_span_id(parent_run, parent_step)),
                    {"inngest.link": "invoked_by", "inngest.run_id": parent_run},
                )
            )
        return _Span(
            f"run {run.function_id}",
            self.root_id,
            None,
            min(run.created_at, now),
            now,
            kind=SpanKind.SERVER,
            attributes=attributes,
            links=tuple(links),
            error=_message(error) if status == "Failed" else None,
        )

    def _request_span(self, req: _Request) -> _Span:
        target = "discover" if req.step_id == DISCOVER else req.step_id
        attributes: dict[str, Any] = {
            "inngest.sdk.attempt": req.attempt,
            "http.response.status_code": req.status,
        }
        if req.step_id != DISCOVER:
            attributes["inngest.step.id"] = req.step_id
        failed = req.status not in (200, 206)
        return _Span(
            f"sdk request {target}",
            req.span_id,
            self.root_id,
            req.start,
            req.end or req.start,
            kind=SpanKind.CLIENT,
            attributes=attributes,
            events=tuple(req.events),
            error=f"HTTP {req.status}" if failed else None,
        )

    def _end_current(self) -> None:
        if self._current is not None:
            self._emit(self._request_span(self._current))
            self._current = None

    def _emit(self, span: _Span) -> None:
        try:
            _start(self.pipeline, self.trace_id, span)
        except Exception:  # tracing never fails a drive
            log.exception("could not record span", extra={"run_id": self.run_id})


def _start(pipeline: export.Pipeline, trace_id: int, s: _Span) -> None:
    parent = (
        Context()
        if s.parent is None
        else trace.set_span_in_context(NonRecordingSpan(_context(trace_id, s.parent)), Context())
    )
    pipeline.ids.plan(trace_id, s.span_id)
    span = pipeline.tracer.start_span(
        s.name,
        context=parent,
        kind=s.kind,
        attributes=s.attributes,
        links=s.links,
        start_time=_ns(s.start),
    )
    for name, attributes, at in _sorted(s.events):
        span.add_event(name, attributes, timestamp=_ns(at))
    if s.error is not None:
        span.set_status(Status(StatusCode.ERROR, s.error[:MAX_TEXT]))
    span.end(end_time=_ns(max(s.end, s.start)))


def _attempt_status(opcode: str, step: Step | None) -> str:
    """completed, failed, or retrying (failed, another attempt is scheduled), as recorded."""
    if step is None:  # not tracked (never the case after an attempt op): what the SDK said
        return "completed" if opcode == "StepRun" else "failed"
    if step.status == "Completed":
        return "completed"
    return "failed" if step.status == "Failed" else "retrying"


def _sorted(events: Iterable[tuple[str, dict[str, Any], float]]) -> list[Any]:
    return sorted(events, key=lambda e: e[2])


def _message(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error.get("name") or "error")
    return str(error) if error is not None else "error"
