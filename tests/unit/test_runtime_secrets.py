"""Keys come from Secrets Manager at cold start; during a rotation the previous signing key
(stage AWSPREVIOUS) is read the same way, never from plain-text configuration."""

from __future__ import annotations

import os

import boto3
import pytest
from moto import mock_aws

from inngest_lambda import runtime, settings
from inngest_lambda.core import aws


@pytest.fixture()
def secrets(monkeypatch):
    keys = (settings.ENV_SIGNING_KEY, settings.ENV_SIGNING_KEY_FALLBACK, settings.ENV_EVENT_KEY)
    for name in keys:
        monkeypatch.setenv(name, "")  # recorded, so what the test sets is undone afterwards
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        aws.reset()
        yield boto3.client("secretsmanager", region_name=settings.DEFAULT_REGION)
    aws.reset()


def _settings(arn: str, accept_previous: bool) -> settings.Settings:
    env = {settings.ENV_SIGNING_KEY_SECRET_ARN: arn}
    if accept_previous:
        env[settings.ENV_ACCEPT_PREVIOUS_SIGNING_KEY] = "true"
    return settings.Settings.from_env(env)


def test_previous_signing_key_is_read_from_awsprevious(secrets, monkeypatch):
    arn = secrets.create_secret(Name="signing", SecretString="aa" * 32)["ARN"]
    secrets.put_secret_value(SecretId=arn, SecretString="bb" * 32)  # rotated: aa.. is previous
    runtime._load_secrets(_settings(arn, accept_previous=True))
    assert os.environ[settings.ENV_SIGNING_KEY] == "bb" * 32
    assert os.environ[settings.ENV_SIGNING_KEY_FALLBACK] == "aa" * 32


def test_previous_key_is_not_read_unless_asked(secrets):
    arn = secrets.create_secret(Name="signing", SecretString="aa" * 32)["ARN"]
    secrets.put_secret_value(SecretId=arn, SecretString="bb" * 32)
    runtime._load_secrets(_settings(arn, accept_previous=False))
    assert settings.ENV_SIGNING_KEY_FALLBACK not in os.environ


def test_a_never_rotated_secret_has_no_fallback_and_still_starts(secrets):
    arn = secrets.create_secret(Name="signing", SecretString="aa" * 32)["ARN"]
    runtime._load_secrets(_settings(arn, accept_previous=True))
    assert os.environ[settings.ENV_SIGNING_KEY] == "aa" * 32
    assert settings.ENV_SIGNING_KEY_FALLBACK not in os.environ
