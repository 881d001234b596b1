"""A real OTLP/HTTP trace receiver for tests: an HTTP server on a free loopback port that decodes
each `POST /v1/traces` body as an `ExportTraceServiceRequest` (opentelemetry-proto) and keeps the
spans, with the headers each request came with."""

from __future__ import annotations

import dataclasses
import gzip
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span


@dataclasses.dataclass
class Received:
    url: str
    requests: list[ExportTraceServiceRequest] = dataclasses.field(default_factory=list)
    headers: list[dict[str, str]] = dataclasses.field(default_factory=list)
    bodies: list[bytes] = dataclasses.field(default_factory=list)  # as sent (maybe compressed)

    @property
    def spans(self) -> list[Span]:
        return [
            span
            for request in self.requests
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]

    def service_names(self) -> set[str]:
        return {
            attr.value.string_value
            for request in self.requests
            for resource in request.resource_spans
            for attr in resource.resource.attributes
            if attr.key == "service.name"
        }


def attributes(span: Span) -> dict[str, object]:
    """A span's (or event's, or link's) attributes as plain values."""
    out: dict[str, object] = {}
    for attr in span.attributes:
        value = attr.value
        kind = value.WhichOneof("value")
        out[attr.key] = getattr(value, kind) if kind else None
    return out


@contextmanager
def otlp_receiver() -> Iterator[Received]:
    received = Received(url="")
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            sent = self.rfile.read(int(self.headers.get("content-length", "0")))
            body = sent
            if self.headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            with lock:
                received.requests.append(request)
                received.headers.append({k.lower(): v for k, v in self.headers.items()})
                received.bodies.append(sent)
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200 if self.path == "/v1/traces" else 404)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    received.url = f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
