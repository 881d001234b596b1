"""X-Ray export: each OTLP request is SigV4-signed for service `xray` in the function's region,
with the credentials of the environment (the Lambda role's). No network: the signed requests go
to a loopback receiver standing in for `https://xray.<region>.amazonaws.com/v1/traces`."""

from __future__ import annotations

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

from inngest_lambda.storage.models import Run
from inngest_lambda.tracing import config, export, spans
from tests.support.otlp_receiver import otlp_receiver


@pytest.fixture()
def credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTRACINGTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token")
    for name in ("AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)


def test_xray_mode_targets_the_regional_otlp_endpoint():
    env = {"INNGEST_LAMBDA_TRACING": "xray", "AWS_REGION": "eu-west-1"}
    settings = config.from_env(env)
    assert settings is not None and settings.signed
    assert settings.endpoint == "https://xray.eu-west-1.amazonaws.com/v1/traces"
    with pytest.raises(config.TracingConfigError, match="AWS_REGION"):
        config.from_env({"INNGEST_LAMBDA_TRACING": "xray"})
    with pytest.raises(config.TracingConfigError, match="expected one of off, otlp, xray"):
        config.from_env({"INNGEST_LAMBDA_TRACING": "jaeger"})
    assert (
        config.from_env({}) is None and config.from_env({"INNGEST_LAMBDA_TRACING": "off"}) is None
    )


def test_the_exported_requests_are_signed_for_xray(credentials):
    with otlp_receiver() as received:
        settings = config.TracingConfig("xray", "svc", received.url, "eu-west-1")
        run = Run("01J00000000000000000000000", "app-fn", "Running", "e1", {"name": "a"}, [], 1.0)
        tracer = spans.RunTracer(settings, run, "owner")
        tracer.finished(run, "Completed", None, {})
        tracer.close()
        assert export.flush()
    (headers,) = received.headers
    auth = headers["authorization"]
    date = headers["x-amz-date"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDTRACINGTEST/")
    assert f"/{date[:8]}/eu-west-1/xray/aws4_request" in auth
    signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
    assert {"host", "x-amz-date", "x-amz-security-token", "content-type"} <= set(signed)
    assert headers["x-amz-security-token"] == "session-token"
    (span,) = received.spans
    assert span.name == "run app-fn"
    # The signature is SigV4's over exactly the body and headers that arrived.
    (body,) = received.bodies
    request = AWSRequest(
        "POST", received.url, data=body, headers={k: headers[k] for k in signed if k != "host"}
    )
    request.context["timestamp"] = date
    signer = SigV4Auth(
        ReadOnlyCredentials("AKIDTRACINGTEST", "secret", "session-token"), "xray", "eu-west-1"
    )
    string_to_sign = signer.string_to_sign(request, signer.canonical_request(request))
    assert auth.endswith(f"Signature={signer.signature(string_to_sign, request)}")
