"""Tracing of runs on AWS (context `tracing`, docs/tracing.md): what the functions are told,
Lambda's own X-Ray tracing, and the role's X-Ray permissions.

- `xray`: the runtime exports its spans to X-Ray's OTLP endpoint with SigV4; Lambda's active
  tracing is on too (its segments: each invocation's init and duration). The role may put
  spans and segments; X-Ray's write actions take no resource ARN, hence `*` (acknowledged).
- `otlp`: the runtime exports to the given collector URL; nothing of X-Ray, no new permission.
- `off` (the default): the stack is what it was.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from infra.config import StackConfig
from infra.nag import acknowledge
from inngest_lambda import settings
from inngest_lambda.tracing.config import ENV_OTLP_TRACES_ENDPOINT

# What the OTLP endpoint needs (PutSpans; PutSpansForIndexing when Transaction Search indexes
# spans) and what Lambda's active tracing sends its segments with (PutTraceSegments).
XRAY_ACTIONS = ["xray:PutSpans", "xray:PutSpansForIndexing", "xray:PutTraceSegments"]


def environment(config: StackConfig) -> dict[str, str]:
    if config.tracing == "off":
        return {}
    env = {settings.ENV_TRACING: config.tracing, settings.ENV_TRACING_SERVICE: config.stack_name}
    if config.tracing == "otlp" and config.otlp_endpoint:
        env[ENV_OTLP_TRACES_ENDPOINT] = config.otlp_endpoint
    return env


def function_props(config: StackConfig) -> dict[str, lambda_.Tracing]:
    """Lambda's active tracing with `xray`; nothing (the template unchanged) otherwise."""
    return {"tracing": lambda_.Tracing.ACTIVE} if config.tracing == "xray" else {}


def grant(config: StackConfig, role: iam.Role) -> None:
    if config.tracing != "xray":
        return
    role.add_to_policy(iam.PolicyStatement(actions=XRAY_ACTIONS, resources=["*"]))
    acknowledge(
        role,
        "AwsSolutions-IAM5[Resource::*]",
        "X-Ray's PutSpans, PutSpansForIndexing and PutTraceSegments support no resource-level"
        " permissions: the service authorization reference lists no resource type for them.",
    )
