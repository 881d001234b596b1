"""The two Lambda functions: the API (HTTP requests) and the executor (SQS work batches).

Both run the same handler from the same code and layers, so there is one artifact to build and
test, but each has its own timeout, memory, concurrency and log group: a backlog of work cannot
starve event ingestion, and the executor's SQS event source is capped (MaximumConcurrency) so
it cannot take the whole account either.

The code asset is only the user's registry package (e.g. `functions/`, staged by
function_code.py); `inngest_lambda` and its dependencies come from two layers built by
layers/build.py. The shared role is written out statement by statement so each permission the
runtime uses is visible and scoped to one resource.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import tracing
from infra.config import StackConfig
from infra.layer_artifacts import LayerArtifacts
from infra.log_retention import log_retention
from infra.nag import acknowledge, wildcard_resource_finding
from infra.scheduling import SCHEDULER_PRINCIPAL
from infra.vpc_placement import VpcPlacement
from inngest_lambda import settings

TABLE_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    # TransactWriteItems has no IAM action of its own: it is authorized per item by the
    # actions above plus ConditionCheckItem.
    "dynamodb:ConditionCheckItem",
]
# SendMessageBatch and ChangeMessageVisibilityBatch are authorized by these two.
QUEUE_ACTIONS = ["sqs:SendMessage", "sqs:ChangeMessageVisibility"]
# Create: timers over 15 minutes, cron triggers of registered apps; Update: /fn/register
# refreshes those cron schedules; Delete: schedules of removed cron triggers and the long
# timers of runs that ended first (a cancelled sleep).
SCHEDULE_ACTIONS = [
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
]
# PutObjectTagging: values are written tagged `live` and re-tagged `ended` when their run ends.
BUCKET_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"]
SNAP_START_MIN_PYTHON = (3, 12)
LIVE_ALIAS = "live"
# SDK environment variables: where `step.send_event` and API calls go (the deployment's API; the
# runtime serves sends to it in-process, see inprocess_send.py).
ENV_EVENT_API_BASE_URL = "INNGEST_EVENT_API_BASE_URL"
ENV_API_BASE_URL = "INNGEST_API_BASE_URL"
# Read by nobody: changing it is how a deploy makes every execution environment re-read the keys.
ENV_KEYS_VERSION = "INNGEST_LAMBDA_KEYS_VERSION"


def runtime_for(python_version: str) -> lambda_.Runtime:
    name = f"PYTHON_{python_version.replace('.', '_')}"
    runtime = getattr(lambda_.Runtime, name, None)
    if runtime is None:
        raise ValueError(f"aws-cdk-lib has no Lambda runtime for Python {python_version}")
    return runtime


def architecture_for(name: str) -> lambda_.Architecture:
    return {"arm64": lambda_.Architecture.ARM_64, "x86_64": lambda_.Architecture.X86_64}[name]


class Worker(Construct):
    """Role, log groups, layers, the two functions and the SQS event source; the role has no
    managed policy."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        code_dir: Path,
        layers: LayerArtifacts,
        table: dynamodb.ITable,
        bucket: s3.IBucket,
        queue: sqs.IQueue,
        dead_letter_queue: sqs.IQueue,
        schedule_group_name: str,
        schedules_arn: str,
        scheduler_role: iam.IRole,
        signing_key: secretsmanager.ISecret,
        event_key: secretsmanager.ISecret,
        dashboard_key: secretsmanager.ISecret,
        api_url: str,
        realtime_endpoint: str,
        placement: VpcPlacement | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=log_retention(config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.api_log_group = logs.LogGroup(
            self,
            "ApiLogs",
            retention=log_retention(config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.role = iam.Role(
            self,
            "Role",
            description="inngest-lambda API and executor: table, queue, bucket, schedules, keys",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        )
        self._grant(
            table=table,
            bucket=bucket,
            queue=queue,
            schedules_arn=schedules_arn,
            scheduler_role=scheduler_role,
            secrets=[signing_key, event_key, dashboard_key],
        )
        if placement is not None:
            placement.grant_network_interfaces(self.role)
        tracing.grant(config, self.role)
        architecture = architecture_for(layers.architecture)
        runtime = runtime_for(layers.python_version)
        layer_props = {
            "compatible_runtimes": [runtime],
            "compatible_architectures": [architecture],
        }
        deps_layer = lambda_.LayerVersion(
            self,
            "DepsLayer",
            code=lambda_.Code.from_asset(str(layers.deps_zip)),
            description="inngest-lambda third-party dependencies (boto3 comes from Lambda)",
            **layer_props,
        )
        runtime_layer = lambda_.LayerVersion(
            self,
            "RuntimeLayer",
            code=lambda_.Code.from_asset(str(layers.runtime_zip)),
            description="inngest-lambda runtime (inngest_lambda package)",
            **layer_props,
        )
        environment = {
            settings.ENV_TABLE: table.table_name,
            settings.ENV_QUEUE_URL: queue.queue_url,
            settings.ENV_QUEUE_ARN: queue.queue_arn,
            settings.ENV_DLQ_ARN: dead_letter_queue.queue_arn,
            settings.ENV_BUCKET: bucket.bucket_name,
            settings.ENV_SCHEDULE_GROUP: schedule_group_name,
            settings.ENV_SCHEDULER_ROLE_ARN: scheduler_role.role_arn,
            settings.ENV_FUNCTIONS: config.functions_module,
            settings.ENV_SIGNING_KEY_SECRET_ARN: signing_key.secret_arn,
            settings.ENV_EVENT_KEY_SECRET_ARN: event_key.secret_arn,
            settings.ENV_DASHBOARD_KEY_SECRET_ARN: dashboard_key.secret_arn,
            settings.ENV_RETENTION_DAYS: str(config.retention_days),
            settings.ENV_LOG_LEVEL: config.log_level,
            ENV_EVENT_API_BASE_URL: api_url,
            ENV_API_BASE_URL: api_url,
            settings.ENV_REALTIME_ENDPOINT: realtime_endpoint,
        }
        if config.keys_version:
            environment[ENV_KEYS_VERSION] = config.keys_version
        if config.accept_previous_signing_key:
            # The runtime reads the secret's AWSPREVIOUS version at cold start, like the
            # current one: no key value ever sits in the function's configuration.
            environment[settings.ENV_ACCEPT_PREVIOUS_SIGNING_KEY] = "true"
        # Both functions: the executor calls apps and model APIs (step.ai.infer; its
        # step.send_event stays in-process); the API function calls no app, but both make their
        # AWS calls with boto3, which honours the same variables, so in a VPC whose only way
        # out is the proxy the API function needs it as much as the executor does.
        environment.update(config.proxy)
        environment.update(tracing.environment(config))  # off: nothing
        snap_start: dict[str, Any] = {}
        if config.snap_start:
            major, minor = (int(p) for p in layers.python_version.split(".")[:2])
            if (major, minor) < SNAP_START_MIN_PYTHON:
                raise ValueError(
                    f"context 'snapStart' needs Python 3.12 or later, the layers are for "
                    f"{layers.python_version}"
                )
            snap_start["snap_start"] = lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS
        common = {
            **snap_start,
            "runtime": runtime,
            "architecture": architecture,
            "handler": settings.HANDLER,
            "code": lambda_.Code.from_asset(str(code_dir)),
            "layers": [deps_layer, runtime_layer],
            "environment": environment,
            "role": self.role,
            # Both run user code (the registry is imported at cold start) and call AWS for it;
            # they are the stack's only functions (no custom resource brings its own).
            **(placement.function_props() if placement is not None else {}),
            **tracing.function_props(config),
        }
        self.executor_function = lambda_.Function(
            self,
            "Function",
            description="inngest-lambda executor: drives function runs from the work queue",
            memory_size=config.memory_mb,
            timeout=Duration.seconds(settings.LAMBDA_TIMEOUT_SECONDS),
            reserved_concurrent_executions=config.reserved_concurrency,
            log_group=self.log_group,
            **common,
        )
        self.api_function = lambda_.Function(
            self,
            "ApiFunction",
            description="inngest-lambda API: events, run reads, app sync, the SDK endpoint",
            memory_size=config.api_memory_mb,
            timeout=Duration.seconds(settings.API_TIMEOUT_SECONDS),
            reserved_concurrent_executions=config.api_reserved_concurrency,
            log_group=self.api_log_group,
            **common,
        )
        for function in (self.executor_function, self.api_function):
            acknowledge(
                function,
                "AwsSolutions-L1",
                "Python 3.13 on purpose: the newest Lambda Python that the test suite can run, so"
                " the deployed layer is the tested one (docs/deploy.md, Runtime version); 3.14 is"
                " taken once CI machines have it.",
            )
        # What the queue and the HTTP API invoke: with SnapStart, a published version through
        # an alias (SnapStart applies to published versions only), else the function itself.
        self.executor_target: lambda_.IFunction = self.executor_function
        self.api_target: lambda_.IFunction = self.api_function
        if config.snap_start:
            self.executor_target = lambda_.Alias(
                self,
                "FunctionLive",
                alias_name=LIVE_ALIAS,
                version=self.executor_function.current_version,
            )
            self.api_target = lambda_.Alias(
                self,
                "ApiFunctionLive",
                alias_name=LIVE_ALIAS,
                version=self.api_function.current_version,
            )
        self.executor_target.add_event_source(
            sources.SqsEventSource(
                queue,
                batch_size=10,
                report_batch_item_failures=True,
                max_concurrency=config.queue_max_concurrency,
            )
        )

    def _grant(
        self,
        *,
        table: dynamodb.ITable,
        bucket: s3.IBucket,
        queue: sqs.IQueue,
        schedules_arn: str,
        scheduler_role: iam.IRole,
        secrets: list[secretsmanager.ISecret],
    ) -> None:
        statements = [
            iam.PolicyStatement(actions=TABLE_ACTIONS, resources=[table.table_arn]),
            # The listing indexes and the sweep index are read-only: Query is all that reads them.
            iam.PolicyStatement(
                actions=["dynamodb:Query"],
                resources=[
                    f"{table.table_arn}/index/{name}"
                    for name in (*(n for n, _ in settings.LIST_INDEXES), settings.SWEEP_INDEX)
                ],
            ),
            iam.PolicyStatement(actions=QUEUE_ACTIONS, resources=[queue.queue_arn]),
            iam.PolicyStatement(actions=SCHEDULE_ACTIONS, resources=[schedules_arn]),
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[scheduler_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": SCHEDULER_PRINCIPAL}},
            ),
            iam.PolicyStatement(actions=BUCKET_ACTIONS, resources=[bucket.arn_for_objects("*")]),
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"],
                resources=[s.secret_arn for s in secrets],
            ),
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn, self.api_log_group.log_group_arn],
            ),
        ]
        for statement in statements:
            self.role.add_to_policy(statement)
        acknowledge(
            self.role,
            wildcard_resource_finding(self, schedules_arn),
            "The runtime creates and deletes one-off timer schedules with generated names; the"
            " wildcard covers only schedules inside this stack's own schedule group.",
        )
        acknowledge(
            self.role,
            wildcard_resource_finding(self, bucket.arn_for_objects("*")),
            "Large step outputs are stored under keys generated per run; the wildcard covers"
            " only objects of this stack's bucket, and only Get/PutObject.",
        )
