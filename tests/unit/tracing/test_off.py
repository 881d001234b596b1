"""Tracing off (the default) costs nothing: a whole run is driven without importing the
OpenTelemetry SDK, its exporter, protobuf or the runtime's own span code.

Run in a fresh interpreter: the test process has imported them for the tracing tests. (The
OpenTelemetry *API* is not in the list: FastAPI 0.165 imports it, with or without tracing.)
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys

from inngest_lambda.core.log import LOGGER_NAME, JsonFormatter

FUNCTIONS = "tests.support.apps.tracing_functions"

SCRIPT = """
import json, sys
from inngest_lambda.testing import Durable, assert_completed
with Durable("tests.support.apps.tracing_functions") as durable:
    run = durable.run(durable.send("tracing/child", {"n": 4}))
    assert_completed(durable.get_run(run.run_id), 8)
heavy = ("opentelemetry.sdk", "opentelemetry.exporter", "opentelemetry.proto", "google.protobuf",
         "inngest_lambda.tracing.spans", "inngest_lambda.tracing.export",
         "inngest_lambda.tracing.sigv4")
print(json.dumps(sorted(m for m in sys.modules if m.startswith(heavy))))
"""


def _imported(env_extra: dict[str, str]) -> list[str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "INNGEST_LAMBDA_TR"))}
    env.update(env_extra)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_run_with_tracing_off_imports_no_opentelemetry_sdk_exporter_or_protobuf():
    assert _imported({}) == []


def test_the_same_run_with_tracing_on_does_import_them():
    """The check above can fail: turned on, the same run imports the exporter."""
    imported = _imported(
        {
            "INNGEST_LAMBDA_TRACING": "otlp",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:9/v1/traces",
        }
    )
    assert "opentelemetry.sdk.trace" in imported
    assert "inngest_lambda.tracing.spans" in imported


def test_a_bad_setting_is_logged_once_and_runs_go_on_untraced():
    from inngest_lambda import settings
    from inngest_lambda.testing import Durable, assert_completed

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(handler)
    env = {settings.ENV_TRACING: "jaeger-in-this-test"}  # errors are logged once per process
    try:
        with Durable(FUNCTIONS, env=env) as durable:
            for n in (1, 2):
                run = durable.run(durable.send("tracing/child", {"n": n}))
                assert_completed(durable.get_run(run.run_id), 2 * n)
    finally:
        logger.removeHandler(handler)
    refused = [r.getMessage() for r in records if r.getMessage().startswith("tracing is")]
    assert refused == [
        "tracing is off: INNGEST_LAMBDA_TRACING='jaeger-in-this-test': expected one of off, otlp,"
        " xray"
    ]
    lines = [json.loads(JsonFormatter().format(r)) for r in records]
    assert len(lines) > 2 and not [line for line in lines if "trace_id" in line]
