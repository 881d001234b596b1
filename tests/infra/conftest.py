"""Shared fixtures for the infra tests: a fake layer build and ONE synthesized stack per session.

Synthesis costs seconds (jsii starts Node, cdk-nag walks every resource), so the stack is built
once, with cdk-nag attached, from the same `build_stack` that app.py uses, and every test reads
the result. The layers are tiny fakes: the real build has its own test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from infra_support import VPC_CONTEXT, VPC_GROUPS_CONTEXT, Synth, make_fake_layers, synthesize


@pytest.fixture(scope="session")
def fake_layers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_fake_layers(tmp_path_factory.mktemp("layers"))


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory, fake_layers: Path) -> Synth:
    """The stack as `make synth` builds it (cdk-nag on), with the cron test registry."""
    return synthesize(tmp_path_factory.mktemp("cdk.out"), fake_layers)


@pytest.fixture(scope="session")
def synth_tuned(tmp_path_factory: pytest.TempPathFactory, fake_layers: Path) -> Synth:
    """The stack with every optional knob set, to check the context reaches the resources."""
    context = {
        "reservedConcurrency": "7",
        "queueMaxConcurrency": "5",
        "memoryMb": "2048",
        "apiMemoryMb": "512",
        "apiReservedConcurrency": "3",
        "alarmEmail": "ops@example.com",
        "api4xxAlarmThreshold": "50",
        "domainName": "events.example.com",
        "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
        "retentionDays": "10",
        "apiRateLimit": "20",
        "apiBurstLimit": "40",
        "alarmTopicArn": "arn:aws:sns:us-east-1:123456789012:alerts",
        "acceptPreviousSigningKey": "true",
        "logLevel": "debug",
        "keysVersion": "2",
        "snapStart": "true",
    }
    return synthesize(tmp_path_factory.mktemp("cdk.out.tuned"), fake_layers, context, nag=False)


@pytest.fixture(scope="session")
def synth_rest(tmp_path_factory: pytest.TempPathFactory, fake_layers: Path) -> Synth:
    """The stack with the WAF-protected REST front door (cdk-nag on)."""
    context = {"apiFrontDoor": "rest-waf", "wafRateLimit": "500"}
    return synthesize(tmp_path_factory.mktemp("cdk.out.rest"), fake_layers, context)


@pytest.fixture(scope="session")
def synth_vpc(tmp_path_factory: pytest.TempPathFactory, fake_layers: Path) -> Synth:
    """Both functions in a VPC, with the security group the stack makes and a proxy (cdk-nag on)."""
    return synthesize(tmp_path_factory.mktemp("cdk.out.vpc"), fake_layers, VPC_CONTEXT)


@pytest.fixture(scope="session")
def synth_vpc_groups(tmp_path_factory: pytest.TempPathFactory, fake_layers: Path) -> Synth:
    """Both functions in a VPC with security groups the user gives."""
    return synthesize(
        tmp_path_factory.mktemp("cdk.out.vpc-groups"), fake_layers, VPC_GROUPS_CONTEXT, nag=False
    )
