"""Trace and span ids are derived from the run id alone: every invocation agrees on them."""

from __future__ import annotations

from ulid import ULID

from inngest_lambda.tracing import ids


def test_a_runs_trace_id_is_stable_starts_with_its_creation_second_and_differs_per_run():
    run = str(ULID.from_timestamp(1_760_000_000.5))
    other = str(ULID.from_timestamp(1_760_000_000.5))
    assert ids.trace_id(run) == ids.trace_id(run)
    assert ids.trace_id(run) != ids.trace_id(other)
    assert ids.trace_hex(run)[:8] == f"{1_760_000_000:08x}"
    assert ids.xray_trace_id(run) == f"1-{ids.trace_hex(run)[:8]}-{ids.trace_hex(run)[8:]}"


def test_span_ids_differ_per_step_and_attempt_and_are_never_zero():
    run = str(ULID())
    spans = {
        ids.root_span_id(run),
        ids.attempt_span_id(run, "a", 0),
        ids.attempt_span_id(run, "a", 1),
        ids.attempt_span_id(run, "b", 0),
        ids.step_span_id(run, "a"),
        ids.request_span_id(run, "owner", 1),
        ids.request_span_id(run, "owner", 2),
    }
    assert len(spans) == 7 and all(0 < s < 2**64 for s in spans)
    assert ids.trace_id("not-a-ulid") > 0  # a foreign id still gets a (hashed) trace id
