"""The trace and span a log line belongs to, while a traced drive runs.

A context variable, so concurrent drives (one asyncio task each) and the concurrent SDK requests
of one drive each see their own span. `tracing/` sets it; `core/log.py` adds its fields to every
record. Unset (tracing off, or outside a drive) it adds nothing.
"""

from __future__ import annotations

import contextvars

# {"trace_id": 32 hex digits, "span_id": 16 hex digits}, or None outside a traced drive.
CURRENT: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "inngest_lambda_trace", default=None
)
