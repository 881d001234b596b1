"""Context `tracing`: with `xray` both functions trace actively, are told to export to X-Ray, and
the role may put spans (nothing more); with `otlp` they are told the collector URL and the role
gains nothing; off (the default stack) nothing of tracing is in the template."""

from __future__ import annotations

from typing import Any

import pytest
from infra_support import synthesize

from infra.config import StackConfig
from inngest_lambda import settings


@pytest.fixture(scope="module")
def synth_xray(tmp_path_factory, fake_layers):
    return synthesize(tmp_path_factory.mktemp("cdk.out.xray"), fake_layers, {"tracing": "xray"})


@pytest.fixture(scope="module")
def synth_otlp(tmp_path_factory, fake_layers):
    context = {"tracing": "otlp", "otlpEndpoint": "https://otel.example.com/v1/traces"}
    return synthesize(tmp_path_factory.mktemp("cdk.out.otlp"), fake_layers, context, nag=False)


def _functions(synth) -> list[dict[str, Any]]:
    return [fn["Properties"] for fn in synth.resources("AWS::Lambda::Function").values()]


def _xray_statements(synth) -> list[dict[str, Any]]:
    out = []
    for policy in synth.resources("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            actions = actions if isinstance(actions, list) else [actions]
            if any(a.startswith("xray:") for a in actions):
                out.append(statement)
    return out


def test_xray_turns_on_active_tracing_the_export_and_only_the_xray_write_grants(synth_xray):
    assert synth_xray.error is None  # cdk-nag passes (the `*` of X-Ray's actions acknowledged)
    functions = _functions(synth_xray)
    assert len(functions) == 2
    for fn in functions:
        assert fn["TracingConfig"] == {"Mode": "Active"}
        env = fn["Environment"]["Variables"]
        assert env[settings.ENV_TRACING] == "xray"
        assert "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" not in env  # the region names the endpoint
    actions = set()
    for statement in _xray_statements(synth_xray):
        assert statement["Resource"] == "*" and statement["Effect"] == "Allow"
        found = statement["Action"]
        actions.update(found if isinstance(found, list) else [found])
    assert actions == {
        "xray:PutSpans",
        "xray:PutSpansForIndexing",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",  # added by CDK with active tracing (Lambda's own segments)
    }


def test_otlp_passes_the_collector_url_and_grants_nothing(synth_otlp):
    for fn in _functions(synth_otlp):
        env = fn["Environment"]["Variables"]
        assert env[settings.ENV_TRACING] == "otlp"
        assert env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] == "https://otel.example.com/v1/traces"
        assert "TracingConfig" not in fn
    assert _xray_statements(synth_otlp) == []


def test_the_default_stack_has_no_tracing(synth):
    for fn in _functions(synth):
        assert "TracingConfig" not in fn
        assert settings.ENV_TRACING not in fn["Environment"]["Variables"]
    assert _xray_statements(synth) == []


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"tracing": "jaeger"}, "must be off, xray or otlp"),
        ({"tracing": "otlp"}, "needs 'otlpEndpoint'"),
        ({"tracing": "otlp", "otlpEndpoint": "collector:4318"}, "must be an http"),
        ({"otlpEndpoint": "https://x/v1/traces"}, "only used with 'tracing=otlp'"),
    ],
)
def test_bad_tracing_context_is_refused_naming_the_key(context, message):
    with pytest.raises(ValueError, match=message):
        StackConfig.from_context(context.get, environ={})
