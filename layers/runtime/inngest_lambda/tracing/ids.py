"""Trace and span ids derived from what the table already holds, so every Lambda invocation that
drives a run (a queue message, a Scheduler timer after a sleep, a redelivery, the event that ends
a wait or an invoke) puts its spans into the same trace without storing or passing any id.

- A run's trace id: the first 4 bytes are the run's creation time in epoch seconds (the ULID's
  timestamp; X-Ray's own trace ids begin that way, although its OTLP endpoint does not require
  it), the other 12 a SHA-256 of the run id. Shown as 32 hex digits (W3C), or
  `1-<8 hex>-<24 hex>` as X-Ray's console spells it (`xray_trace_id`).
- The run's root span id, and the id of each step attempt's span: hashes of the run id (and the
  step id and attempt), so a redelivered attempt reports under the same span id and an invoked
  child can link to its parent's spans knowing only the parent's run id.

Pure Python, no OpenTelemetry: the dashboard shows these ids with tracing off too.
"""

from __future__ import annotations

import hashlib

from ulid import ULID


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode()).digest()


def _nonzero(value: int) -> int:
    return value or 1  # an all-zero id is invalid in W3C and OTLP; never met in practice


def trace_id(run_id: str) -> int:
    """The 128-bit trace id of `run_id`'s trace."""
    try:
        seconds = ULID.from_str(run_id).milliseconds // 1000
    except ValueError:  # not a ULID (never made by this runtime): hash only
        return _nonzero(int.from_bytes(_digest("trace", run_id)[:16], "big"))
    head = (seconds & 0xFFFFFFFF).to_bytes(4, "big")
    return _nonzero(int.from_bytes(head + _digest("trace", run_id)[:12], "big"))


def root_span_id(run_id: str) -> int:
    """The 64-bit id of the run's root span (`run <function>`)."""
    return _nonzero(int.from_bytes(_digest("run", run_id)[:8], "big"))


def attempt_span_id(run_id: str, step_id: str, attempt: int) -> int:
    """The id of the span of one attempt of one step (its `step.run` as the SDK ran it)."""
    return _nonzero(int.from_bytes(_digest("attempt", run_id, step_id, str(attempt))[:8], "big"))


def step_span_id(run_id: str, step_id: str) -> int:
    """The id of the span of a step that waits (sleep, wait for event, invoke), start to end."""
    return _nonzero(int.from_bytes(_digest("step", run_id, step_id)[:8], "big"))


def request_span_id(run_id: str, owner: str, number: int) -> int:
    """The id of the `number`th SDK request of the drive holding lease `owner`."""
    return _nonzero(int.from_bytes(_digest("request", run_id, owner, str(number))[:8], "big"))


def trace_hex(run_id: str) -> str:
    return f"{trace_id(run_id):032x}"


def span_hex(span_id: int) -> str:
    return f"{span_id:016x}"


def xray_trace_id(run_id: str) -> str:
    """The trace id as X-Ray's console and API write it: `1-<8 hex>-<24 hex>`."""
    text = trace_hex(run_id)
    return f"1-{text[:8]}-{text[8:]}"
