"""Where spans go: one TracerProvider per process, batching into an OTLP/HTTP exporter.

The provider is this runtime's own (never the global one a user's code may set up) and samples
everything: a run's trace is only useful whole, and its spans are few (about two per step).
Span and trace ids come from `ids.py` through `PlannedIds`, the SDK's id generator seam: the
caller plans the ids of the span it starts next, so a span started in any invocation lands in its
run's trace under the id the other invocations derive for it.

Spans are batched (the SDK's BatchSpanProcessor, exporting from its own thread) and `flush`
exports the rest before a Lambda invocation returns. An export that fails is logged by the SDK
and dropped: tracing never fails a drive.

The provider is rebuilt when the configuration changes (tests switch endpoints within one
process); the previous one is shut down (its spans flushed first).
"""

from __future__ import annotations

import os
import random
import threading

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.sdk.trace.sampling import ALWAYS_ON
from opentelemetry.trace import Tracer

from inngest_lambda.tracing.config import TracingConfig

FLUSH_TIMEOUT_MILLIS = 5_000  # at most this long before an invocation returns
# Characters kept of any one attribute value or status description (a step's error message, a
# stack trace). X-Ray's OTLP endpoint refuses a span over 200 KB and a request over 5 MB
# uncompressed (CloudWatch user guide, "OTLP Endpoints", limits table); without a cap, one step
# failing with a long message would cost its span or its whole export batch.
MAX_TEXT = 4096
SCOPE = "inngest_lambda"


class PlannedIds(IdGenerator):
    """Hands out the ids planned for the next span started in this thread (random ones when
    none are planned: never the case for this runtime's spans)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def plan(self, trace_id: int, span_id: int) -> None:
        self._local.trace_id, self._local.span_id = trace_id, span_id

    def generate_trace_id(self) -> int:
        planned = getattr(self._local, "trace_id", None)
        self._local.trace_id = None
        return planned or random.getrandbits(128) or 1

    def generate_span_id(self) -> int:
        planned = getattr(self._local, "span_id", None)
        self._local.span_id = None
        return planned or random.getrandbits(64) or 1


class Pipeline:
    """A provider, its tracer and its id planner, for one configuration."""

    def __init__(self, settings: TracingConfig) -> None:
        self.settings = settings
        self.ids = PlannedIds()
        attributes: dict[str, str] = {
            "service.name": settings.service_name,
            "cloud.provider": "aws",
        }
        function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        if function:
            attributes.update({"cloud.platform": "aws_lambda", "faas.name": function})
        self.provider = TracerProvider(
            sampler=ALWAYS_ON,
            resource=Resource.create(attributes),
            id_generator=self.ids,
            span_limits=SpanLimits(max_attribute_length=MAX_TEXT),
        )
        self.provider.add_span_processor(BatchSpanProcessor(exporter(settings)))
        self.tracer: Tracer = self.provider.get_tracer(SCOPE)


def exporter(settings: TracingConfig) -> OTLPSpanExporter:
    """The OTLP/HTTP exporter: to X-Ray with SigV4, or to the OTEL_EXPORTER_OTLP_* endpoint."""
    if settings.signed:
        from inngest_lambda.tracing.sigv4 import signed_session

        assert settings.region is not None
        return OTLPSpanExporter(endpoint=settings.endpoint, session=signed_session(settings.region))
    return OTLPSpanExporter(endpoint=settings.endpoint)


_lock = threading.Lock()
_pipeline: Pipeline | None = None


def pipeline(settings: TracingConfig) -> Pipeline:
    """The process's pipeline for `settings` (made on first use, remade when they change)."""
    global _pipeline
    with _lock:
        current = _pipeline
        if current is not None and current.settings == settings:
            return current
        if current is not None:
            current.provider.shutdown()
        _pipeline = Pipeline(settings)
        return _pipeline


def flush() -> bool:
    """Export every span still batched; False when it did not finish in time."""
    current = _pipeline
    if current is None:
        return True
    return current.provider.force_flush(FLUSH_TIMEOUT_MILLIS)
