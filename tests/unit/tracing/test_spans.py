"""A whole run exported through a real OTLP/HTTP receiver: one trace per run, the span tree, the
attributes, the sleep's event, and the invoked child's trace linked both ways."""

from __future__ import annotations

import datetime
import json
import logging

import pytest

from inngest_lambda import settings
from inngest_lambda.core.log import LOGGER_NAME, JsonFormatter
from inngest_lambda.testing import Durable, assert_completed
from inngest_lambda.tracing import ids
from tests.support.apps import tracing_functions
from tests.support.otlp_receiver import attributes, otlp_receiver

FUNCTIONS = "tests.support.apps.tracing_functions"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture(scope="module")
def traced_run():
    """Run `tracing/parent` (two steps, one retried, a sleep, an invoke) with tracing on."""
    tracing_functions.CALLS.clear()
    lines = _Lines()
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(lines)
    with otlp_receiver() as received:
        env = {
            settings.ENV_TRACING: "otlp",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": received.url,
            settings.ENV_TRACING_SERVICE: "tracing-test",
        }
        # Every queue message is delivered twice: the duplicates add no span and no trace.
        with Durable(FUNCTIONS, env=env, duplicate_deliveries=True) as durable:
            run = durable.run(durable.send("tracing/parent", {}))
            durable.advance(datetime.timedelta(minutes=10))  # the retry's backoff
            durable.advance(datetime.timedelta(hours=1))  # the sleep; then the invoke
            assert_completed(durable.get_run(run.run_id), 42)
            (child,) = durable.runs_of("tracing-child")
            status, replay = durable.request("POST", f"/v1/runs/{child.run_id}/replay")
            assert status == 201, replay
            durable.run_until_idle()
        logger.removeHandler(lines)
        yield run.run_id, child.run_id, received, lines.lines, replay


def by_trace(spans, run_id):
    trace = ids.trace_id(run_id).to_bytes(16, "big")
    return [s for s in spans if s.trace_id == trace]


def test_a_run_is_one_trace_with_a_root_a_request_per_sdk_call_and_a_span_per_attempt(traced_run):
    run_id, child_id, received, _, _ = traced_run
    spans = received.spans
    assert received.service_names() == {"tracing-test"}
    parent_spans, child_spans = by_trace(spans, run_id), by_trace(spans, child_id)
    replay_spans = by_trace(spans, traced_run[4]["data"]["run_id"])
    # Nothing outside the three runs' traces (the parent, its child, the child's replay).
    assert len(parent_spans) + len(child_spans) + len(replay_spans) == len(spans)
    by_name = {}
    for s in parent_spans:
        by_name.setdefault(s.name, []).append(s)
    (root,) = by_name["run tracing-parent"]
    assert root.parent_span_id == b""
    assert root.span_id == ids.root_span_id(run_id).to_bytes(8, "big")
    assert attributes(root)["inngest.run_id"] == run_id
    assert attributes(root)["inngest.run.status"] == "Completed"
    assert root.start_time_unix_nano <= min(s.start_time_unix_nano for s in parent_spans)

    requests = [s for s in parent_spans if s.name.startswith("sdk request ")]
    assert requests and all(r.parent_span_id == root.span_id for r in requests)
    request_ids = {r.span_id for r in requests}

    (fetch,) = by_name["step fetch"]
    flaky = sorted(by_name["step flaky"], key=lambda s: attributes(s)["inngest.step.attempt"])
    assert [attributes(s)["inngest.step.attempt"] for s in flaky] == [0, 1]
    assert [attributes(s)["inngest.step.status"] for s in flaky] == ["retrying", "completed"]
    first = attributes(flaky[0])
    assert (first["error.type"], first["inngest.step.error"]) == (
        "RuntimeError",
        "first attempt fails",
    )
    assert flaky[0].status.code == flaky[0].status.STATUS_CODE_ERROR
    assert attributes(fetch)["inngest.step.op"] == "StepRun"
    for attempt in (fetch, *flaky):  # each attempt hangs under the SDK request that ran it
        assert attempt.parent_span_id in request_ids
    # Attempt spans have ids derived from run, step and attempt: a redelivery reuses them.
    expected = ids.attempt_span_id(run_id, attributes(flaky[1])["inngest.step.id"], 1)
    assert flaky[1].span_id == expected.to_bytes(8, "big")

    (nap,) = by_name["sleep nap"]
    assert nap.parent_span_id == root.span_id
    assert nap.end_time_unix_nano - nap.start_time_unix_nano >= 30 * 60 * 10**9
    (event,) = [e for r in requests for e in r.events if e.name == "sleep"]
    assert attributes(event)["inngest.step.name"] == "nap"
    assert "inngest.sleep.until" in attributes(event)


def test_the_invoked_child_has_its_own_trace_linked_both_ways(traced_run):
    run_id, child_id, received, _, _ = traced_run
    parent_spans, child_spans = by_trace(received.spans, run_id), by_trace(received.spans, child_id)
    invokes = [s for s in parent_spans if s.name == "invoke call-child"]
    (start,) = [s for s in invokes if s.kind == s.SPAN_KIND_PRODUCER]
    (waiting,) = [s for s in invokes if s.kind != s.SPAN_KIND_PRODUCER]
    (link,) = start.links
    assert link.trace_id == ids.trace_id(child_id).to_bytes(16, "big")
    assert link.span_id == ids.root_span_id(child_id).to_bytes(8, "big")
    assert attributes(link)["inngest.run_id"] == child_id

    (child_root,) = [s for s in child_spans if s.name == "run tracing-child"]
    (back,) = child_root.links
    assert back.trace_id == ids.trace_id(run_id).to_bytes(16, "big")
    assert back.span_id == waiting.span_id  # the parent's invoke step, start to end
    assert [s.name for s in child_spans if s.name.startswith("step ")] == ["step double"]


def test_log_lines_of_a_drive_carry_the_trace_and_span(traced_run):
    run_id, _, received, logs, _ = traced_run
    finished = [r for r in logs if r.get("run_id") == run_id and r["message"] == "run completed"]
    assert finished, logs[-5:]
    (line,) = finished
    assert line["trace_id"] == ids.trace_hex(run_id)
    assert bytes.fromhex(line["span_id"]) in {s.span_id for s in by_trace(received.spans, run_id)}


def test_a_replay_is_its_own_trace_linked_to_the_run_it_replays(traced_run):
    _, child_id, received, _, replay = traced_run
    (root,) = [
        s for s in by_trace(received.spans, replay["data"]["run_id"]) if s.name.startswith("run ")
    ]
    (link,) = root.links
    assert (link.trace_id, link.span_id) == (
        ids.trace_id(child_id).to_bytes(16, "big"),
        ids.root_span_id(child_id).to_bytes(8, "big"),
    )
    assert attributes(link) == {"inngest.link": "replay_of", "inngest.run_id": child_id}
    assert attributes(root)["inngest.run.replay_of"] == child_id


def test_a_long_error_message_is_clipped_so_the_span_stays_exportable():
    """A step failing with a 300 KB message: its attempt span and the run's root keep the first
    MAX_TEXT characters (X-Ray refuses spans over 200 KB), and both are exported."""
    from inngest_lambda.tracing.export import MAX_TEXT

    with otlp_receiver() as received:
        env = {settings.ENV_TRACING: "otlp", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": received.url}
        with Durable(FUNCTIONS, env=env) as durable:
            run = durable.run(durable.send("tracing/loud", {}))
            durable.advance(datetime.timedelta(minutes=1))
            assert durable.get_run(run.run_id).status == "Failed"
        spans = by_trace(received.spans, run.run_id)
    named = {s.name: s for s in spans}
    for name in ("run tracing-loud", "step fail"):
        assert named[name].status.message == "x" * MAX_TEXT, name
    assert attributes(named["step fail"])["inngest.step.error"] == "x" * MAX_TEXT
    for s in spans:
        assert all(len(str(v)) <= MAX_TEXT for v in attributes(s).values()), s.name
