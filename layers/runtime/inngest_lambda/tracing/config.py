"""Whether runs are traced, and where their spans go: read from the environment.

`INNGEST_LAMBDA_TRACING` (settings.ENV_TRACING):

- unset, empty or `off`: no tracing. Nothing of OpenTelemetry is imported and a drive pays one
  None check per SDK request and per op (`tracing/__init__.py`).
- `otlp`: OTLP/HTTP (protobuf) to the endpoint the standard variables name:
  `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL), else `OTEL_EXPORTER_OTLP_ENDPOINT` plus
  `/v1/traces`; headers from `OTEL_EXPORTER_OTLP_HEADERS` / `..._TRACES_HEADERS` (an API key of
  Honeycomb, Grafana, Datadog...). The exporter reads those itself.
- `xray`: AWS X-Ray's OTLP endpoint `https://xray.<AWS_REGION>.amazonaws.com/v1/traces`, each
  request signed with SigV4 (service `xray`) with the function's own credentials.

A value other than these is a configuration error, raised when the first drive starts (and so in
the log of the invocation that met it), naming the variable and what it accepts.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

from inngest_lambda.settings import ENV_REGION, ENV_TRACING, ENV_TRACING_SERVICE

OFF = ("", "off", "none", "0", "false")
MODES = ("otlp", "xray")
DEFAULT_SERVICE = "inngest-lambda"
XRAY_SIGNING_NAME = "xray"  # the SigV4 service name of X-Ray's OTLP endpoint
# OpenTelemetry's standard exporter variables (the exporter reads the headers itself).
ENV_OTLP_TRACES_ENDPOINT = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
ENV_OTLP_ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"
ENV_OTLP_HEADERS = ("OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS")


@dataclasses.dataclass(frozen=True)
class TracingConfig:
    mode: str  # "otlp" or "xray"
    service_name: str
    endpoint: str | None  # None: the exporter's default (http://localhost:4318/v1/traces)
    region: str | None  # the X-Ray region (xray mode)
    headers: str = ""  # OTEL_EXPORTER_OTLP_(TRACES_)HEADERS as set (the exporter parses them)

    @property
    def signed(self) -> bool:
        return self.mode == "xray"


class TracingConfigError(ValueError):
    """`INNGEST_LAMBDA_TRACING` (or what it needs) is set to something unusable."""


def xray_endpoint(region: str) -> str:
    return f"https://xray.{region}.amazonaws.com/v1/traces"


def otlp_endpoint(env: Mapping[str, str]) -> str | None:
    """The traces URL the OTEL_EXPORTER_OTLP_* variables name (the OTLP exporter's own rules)."""
    traces = env.get(ENV_OTLP_TRACES_ENDPOINT, "").strip()
    if traces:
        return traces
    base = env.get(ENV_OTLP_ENDPOINT, "").strip()
    return f"{base.rstrip('/')}/v1/traces" if base else None


def otlp_headers(env: Mapping[str, str]) -> str:
    return "\n".join(env.get(name, "") for name in ENV_OTLP_HEADERS)


def from_env(env: Mapping[str, str] | None = None) -> TracingConfig | None:
    """The tracing configuration, or None when tracing is off."""
    env = os.environ if env is None else env
    mode = env.get(ENV_TRACING, "").strip().lower()
    if mode in OFF:
        return None
    if mode not in MODES:
        raise TracingConfigError(
            f"{ENV_TRACING}={env.get(ENV_TRACING)!r}: expected one of off, otlp, xray"
        )
    service = env.get(ENV_TRACING_SERVICE, "").strip() or DEFAULT_SERVICE
    if mode == "otlp":
        return TracingConfig(mode, service, otlp_endpoint(env), None, otlp_headers(env))
    region = env.get(ENV_REGION, "").strip()
    if not region:
        raise TracingConfigError(f"{ENV_TRACING}=xray needs {ENV_REGION} (the X-Ray region)")
    return TracingConfig(mode, service, xray_endpoint(region), region)
