"""aws_cdk.assertions on the synthesized stack: each resource and the properties that matter."""

import json

import pytest
from aws_cdk.assertions import Match, Template

from inngest_lambda import settings


@pytest.fixture(scope="module")
def template(synth):
    return Template.from_json(synth.template)


def _getatt(logical_id, attribute):
    return {"Fn::GetAtt": [logical_id, attribute]}


def _ids(synth):
    stack = synth.stack
    return {
        "table": synth.logical_id(stack.node.find_child("Storage").node.find_child("Table")),
        "bucket": synth.logical_id(stack.node.find_child("Storage").node.find_child("Bucket")),
        "queue": synth.logical_id(stack.node.find_child("Work").node.find_child("Queue")),
        "dlq": synth.logical_id(stack.node.find_child("Work").node.find_child("DeadLetterQueue")),
        "api": synth.logical_id(stack.node.find_child("Http").node.find_child("Api")),
        "scheduler_role": synth.logical_id(
            stack.node.find_child("Scheduling").node.find_child("Role")
        ),
        "signing": synth.logical_id(stack.node.find_child("Keys").node.find_child("SigningKey")),
        "event": synth.logical_id(stack.node.find_child("Keys").node.find_child("EventKey")),
    }


# --- DynamoDB ------------------------------------------------------------------------------------


def test_table_layout_comes_from_settings(template):
    template.resource_count_is("AWS::DynamoDB::Table", 1)
    template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [
                    {"AttributeName": settings.TABLE_PK, "KeyType": "HASH"},
                    {"AttributeName": settings.TABLE_SK, "KeyType": "RANGE"},
                ],
                "AttributeDefinitions": Match.array_equals(
                    [
                        {"AttributeName": settings.TABLE_PK, "AttributeType": "S"},
                        {"AttributeName": settings.TABLE_SK, "AttributeType": "S"},
                        # CDK lists each index's new key attributes as it meets them.
                        {"AttributeName": settings.LIST_FUNCTION, "AttributeType": "S"},
                        {"AttributeName": settings.LIST_AT, "AttributeType": "S"},
                        {"AttributeName": settings.LIST_FUNCTION_STATUS, "AttributeType": "S"},
                        {"AttributeName": settings.LIST_EVENTS, "AttributeType": "S"},
                    ]
                ),
                "TimeToLiveSpecification": {
                    "AttributeName": settings.TABLE_TTL_ATTRIBUTE,
                    "Enabled": True,
                },
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                # The listing indexes only (dashboard, CLI); the runtime reads by key.
                "GlobalSecondaryIndexes": [
                    {
                        "IndexName": name,
                        "KeySchema": [
                            {"AttributeName": attr, "KeyType": "HASH"},
                            {"AttributeName": settings.LIST_AT, "KeyType": "RANGE"},
                        ],
                        "Projection": {
                            "ProjectionType": "INCLUDE",
                            "NonKeyAttributes": list(settings.LIST_PROJECTION),
                        },
                    }
                    for name, attr in settings.LIST_INDEXES
                ],
                "LocalSecondaryIndexes": Match.absent(),
            },
            "DeletionPolicy": "Retain",
        },
    )


# --- SQS -----------------------------------------------------------------------------------------


def test_work_queue_has_dlq_redrive_and_encryption(synth):
    ids = _ids(synth)
    queues = synth.resources("AWS::SQS::Queue")
    assert set(queues) == {ids["queue"], ids["dlq"]}
    work = queues[ids["queue"]]["Properties"]
    assert work["RedrivePolicy"] == {
        "deadLetterTargetArn": _getatt(ids["dlq"], "Arn"),
        "maxReceiveCount": settings.QUEUE_MAX_RECEIVE_COUNT,
    }
    assert work["VisibilityTimeout"] == settings.QUEUE_VISIBILITY_SECONDS
    assert settings.QUEUE_VISIBILITY_SECONDS > settings.LAMBDA_TIMEOUT_SECONDS
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True


def test_queues_refuse_plain_http(synth):
    policies = synth.resources("AWS::SQS::QueuePolicy")
    assert len(policies) == 2
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        )


# --- Lambda --------------------------------------------------------------------------------------


def test_function_runtime_architecture_and_handler(synth):
    fn = synth.one("AWS::Lambda::Function")
    assert fn["Handler"] == settings.HANDLER
    assert fn["Runtime"] == "python3.14"  # from the layer manifest
    assert fn["Architectures"] == ["arm64"]
    assert fn["Timeout"] == settings.LAMBDA_TIMEOUT_SECONDS
    assert fn["MemorySize"] == 1024
    assert "ReservedConcurrentExecutions" not in fn
    assert len(fn["Layers"]) == 2


def test_layers_match_the_function(synth):
    layers = synth.resources("AWS::Lambda::LayerVersion")
    assert len(layers) == 2
    for layer in layers.values():
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.14"]
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


def test_function_environment_names_come_from_settings(synth):
    ids = _ids(synth)
    env = synth.one("AWS::Lambda::Function")["Environment"]["Variables"]
    assert env[settings.ENV_TABLE] == {"Ref": ids["table"]}
    assert env[settings.ENV_QUEUE_URL] == {"Ref": ids["queue"]}
    assert env[settings.ENV_QUEUE_ARN] == _getatt(ids["queue"], "Arn")
    assert env[settings.ENV_BUCKET] == {"Ref": ids["bucket"]}
    assert env[settings.ENV_SCHEDULER_ROLE_ARN] == _getatt(ids["scheduler_role"], "Arn")
    assert env[settings.ENV_SIGNING_KEY_SECRET_ARN] == {"Ref": ids["signing"]}
    assert env[settings.ENV_EVENT_KEY_SECRET_ARN] == {"Ref": ids["event"]}
    assert env[settings.ENV_FUNCTIONS] == "tests.infra.registry_with_cron"
    assert env[settings.ENV_RETENTION_DAYS] == str(settings.DEFAULT_RETENTION_DAYS)
    assert env[settings.ENV_LOG_LEVEL] == "INFO"
    group = synth.one("AWS::Scheduler::ScheduleGroup")["Name"]
    assert env[settings.ENV_SCHEDULE_GROUP] == group
    # step.send_event POSTs to <event api>/e/<key>: the deployment's own API, no cycle.
    assert env["INNGEST_EVENT_API_BASE_URL"] == _getatt(ids["api"], "ApiEndpoint")
    assert env["INNGEST_API_BASE_URL"] == _getatt(ids["api"], "ApiEndpoint")
    # Production mode: signed requests. No keys in the environment, only secret ARNs.
    for name in (settings.ENV_DEV, settings.ENV_SIGNING_KEY, settings.ENV_EVENT_KEY):
        assert name not in env
    assert settings.ENV_SIGNING_KEY_FALLBACK not in env
    assert "INNGEST_LAMBDA_KEYS_VERSION" not in env


def test_api_does_not_depend_on_the_function(synth):
    """Function -> Api (env) is fine only while the Api itself never references the function."""
    ids = _ids(synth)
    fn_id = next(iter(synth.resources("AWS::Lambda::Function")))
    api = json.dumps(synth.template["Resources"][ids["api"]])
    assert fn_id not in api


def test_sqs_event_source_reports_partial_batch_failures(synth):
    ids = _ids(synth)
    mapping = synth.one("AWS::Lambda::EventSourceMapping")
    assert mapping["EventSourceArn"] == _getatt(ids["queue"], "Arn")
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == 10


def test_function_code_is_only_the_registry_package(synth):
    fn = synth.one("AWS::Lambda::Function")
    asset_hash = fn["Code"]["S3Key"].removesuffix(".zip")
    asset_dir = synth.outdir / f"asset.{asset_hash}"
    top_level = {p.name for p in asset_dir.iterdir()}
    assert top_level == {"tests"}  # the test registry's package; `functions` when deployed
    assert not list(asset_dir.rglob("__pycache__"))


def test_worker_logs_have_retention(synth):
    fn = synth.one("AWS::Lambda::Function")
    group_id = fn["LoggingConfig"]["LogGroup"]["Ref"]
    assert synth.template["Resources"][group_id]["Properties"]["RetentionInDays"] == 30


# --- API Gateway ---------------------------------------------------------------------------------


def test_http_api_routes_everything_to_the_lambda(synth):
    fn_id = next(iter(synth.resources("AWS::Lambda::Function")))
    assert synth.one("AWS::ApiGatewayV2::Api")["ProtocolType"] == "HTTP"
    assert synth.one("AWS::ApiGatewayV2::Route")["RouteKey"] == "$default"
    integration = synth.one("AWS::ApiGatewayV2::Integration")
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationUri"] == _getatt(fn_id, "Arn")


def test_http_api_stage_throttles_and_logs_without_paths(synth):
    stage = synth.one("AWS::ApiGatewayV2::Stage")
    assert stage["StageName"] == "$default"
    assert stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50}
    log_format = stage["AccessLogSettings"]["Format"]
    assert "$context.requestId" in log_format
    assert "path" not in log_format.lower()  # the path carries the event key


# --- Scheduler -----------------------------------------------------------------------------------


def test_schedule_group_and_scheduler_role(synth):
    ids = _ids(synth)
    synth.one("AWS::Scheduler::ScheduleGroup")
    role = synth.template["Resources"][ids["scheduler_role"]]["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }
    policies = [
        p["Properties"]
        for p in synth.resources("AWS::IAM::Policy").values()
        if {"Ref": ids["scheduler_role"]} in p["Properties"]["Roles"]
    ]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    assert {json.dumps(s["Action"]) for s in statements} == {'"sqs:SendMessage"'}
    resources = [r for s in statements for r in _as_list(s["Resource"])]
    # The work queue; the DLQ too, where cron schedules park deliveries that failed.
    assert sorted(resources, key=json.dumps) == sorted(
        [_getatt(ids["queue"], "Arn"), _getatt(ids["dlq"], "Arn")], key=json.dumps
    )


def test_one_schedule_per_cron_trigger(synth):
    ids = _ids(synth)
    schedules = [s["Properties"] for s in synth.resources("AWS::Scheduler::Schedule").values()]
    assert len(schedules) == 2  # the registry has two cron triggers and one event-only function
    group = synth.one("AWS::Scheduler::ScheduleGroup")["Name"]
    by_function = {json.loads(s["Target"]["Input"])["function_id"]: s for s in schedules}
    weekly = by_function["cron-test-weekly-report"]
    assert weekly["ScheduleExpression"] == "cron(0 9 ? * MON *)"
    assert weekly["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert weekly["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 1}
    assert json.loads(weekly["Target"]["Input"]) == {
        "kind": "cron",
        "function_id": "cron-test-weekly-report",
        "cron": "TZ=Europe/Paris 0 9 * * 1",
        "scheduled_time": "<aws.scheduler.scheduled-time>",  # Scheduler substitutes it
    }
    sweep = by_function["cron-test-sweep"]
    assert sweep["ScheduleExpression"] == "cron(0/15 * * * ? *)"
    assert sweep["FlexibleTimeWindow"] == {"Mode": "OFF"}
    for schedule in schedules:
        assert schedule["GroupName"] == group
        assert schedule["Name"].startswith("cron-")
        assert schedule["Target"]["Arn"] == _getatt(ids["queue"], "Arn")
        assert schedule["Target"]["RoleArn"] == _getatt(ids["scheduler_role"], "Arn")
        assert schedule["Target"]["DeadLetterConfig"] == {"Arn": _getatt(ids["dlq"], "Arn")}


# --- Secrets -------------------------------------------------------------------------------------


def test_keys_are_generated_hex_secrets(synth):
    secrets = synth.resources("AWS::SecretsManager::Secret")
    assert len(secrets) == 2
    for secret in secrets.values():
        generate = secret["Properties"]["GenerateSecretString"]
        assert generate["PasswordLength"] == 64
        assert generate["ExcludeUppercase"] is True
        assert generate["ExcludePunctuation"] is True
        assert set(generate["ExcludeCharacters"]) == set("ghijklmnopqrstuvwxyz")
        assert "SecretString" not in secret["Properties"]


# --- S3 ------------------------------------------------------------------------------------------


def test_bucket_is_private_encrypted_and_expires_objects(template):
    template.has_resource(
        "AWS::S3::Bucket",
        {
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "LifecycleConfiguration": {
                    "Rules": [
                        Match.object_like(
                            {
                                "ExpirationInDays": settings.DEFAULT_RETENTION_DAYS + 1,
                                "Status": "Enabled",
                            }
                        )
                    ]
                },
            },
            "DeletionPolicy": "Retain",
        },
    )


# --- Alarms and outputs --------------------------------------------------------------------------


def test_alarms_on_dlq_errors_and_throttles(synth):
    alarms = [a["Properties"] for a in synth.resources("AWS::CloudWatch::Alarm").values()]
    metrics = sorted((a["Namespace"], a["MetricName"]) for a in alarms)
    assert metrics == [
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    ]
    for alarm in alarms:
        assert alarm["Threshold"] == 1
        assert "AlarmActions" not in alarm  # no topic configured


def test_outputs_api_url(synth):
    ids = _ids(synth)
    outputs = synth.template["Outputs"]
    assert outputs["ApiUrl"]["Value"] == _getatt(ids["api"], "ApiEndpoint")
    assert {"EventKeySecretArn", "SigningKeySecretArn", "LogGroupName"} <= set(outputs)


# --- Least privilege -----------------------------------------------------------------------------


def _statements(synth):
    for policy in synth.resources("AWS::IAM::Policy").values():
        yield from policy["Properties"]["PolicyDocument"]["Statement"]
    for role in synth.resources("AWS::IAM::Role").values():
        for inline in role["Properties"].get("Policies", []):
            yield from inline["PolicyDocument"]["Statement"]


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_no_wildcard_actions_or_resources(synth):
    for statement in _statements(synth):
        for action in _as_list(statement["Action"]):
            assert "*" not in action, statement
        for resource in _as_list(statement["Resource"]):
            assert resource != "*", statement


def test_no_managed_policies(synth):
    for role in synth.resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]


def test_pass_role_only_to_scheduler(synth):
    ids = _ids(synth)
    (pass_role,) = [s for s in _statements(synth) if s["Action"] == "iam:PassRole"]
    assert pass_role["Resource"] == _getatt(ids["scheduler_role"], "Arn")
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}
    }


def test_worker_permissions_are_the_ones_the_runtime_uses(synth):
    ids = _ids(synth)
    fn_role = synth.one("AWS::Lambda::Function")["Role"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in synth.resources("AWS::IAM::Policy").values()
        if {"Ref": fn_role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    by_resource = {
        json.dumps(s["Resource"], sort_keys=True): set(_as_list(s["Action"])) for s in statements
    }
    table = by_resource[json.dumps(_getatt(ids["table"], "Arn"), sort_keys=True)]
    assert table == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
    }
    queue = by_resource[json.dumps(_getatt(ids["queue"], "Arn"), sort_keys=True)]
    assert {
        "sqs:SendMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
    } <= queue
    secrets = [s for s in statements if s["Action"] == "secretsmanager:GetSecretValue"]
    assert len(secrets) == 1
    assert sorted(secrets[0]["Resource"], key=json.dumps) == sorted(
        [{"Ref": ids["signing"]}, {"Ref": ids["event"]}], key=json.dumps
    )
    schedules = [s for s in statements if "scheduler:CreateSchedule" in _as_list(s["Action"])]
    assert len(schedules) == 1
    group = synth.one("AWS::Scheduler::ScheduleGroup")["Name"]
    resource = json.dumps(schedules[0]["Resource"])
    assert f":schedule/{group}/*" in resource
    objects = [s for s in statements if "s3:GetObject" in _as_list(s["Action"])]
    assert objects[0]["Resource"] == {"Fn::Join": ["", [_getatt(ids["bucket"], "Arn"), "/*"]]}
    assert set(_as_list(objects[0]["Action"])) == {"s3:GetObject", "s3:PutObject"}


# --- Configurable knobs --------------------------------------------------------------------------


def test_context_knobs_reach_the_resources(synth_tuned):
    fn = synth_tuned.one("AWS::Lambda::Function")
    assert fn["ReservedConcurrentExecutions"] == 7
    assert fn["MemorySize"] == 2048
    env = fn["Environment"]["Variables"]
    assert env[settings.ENV_RETENTION_DAYS] == "10"
    assert env[settings.ENV_LOG_LEVEL] == "DEBUG"
    assert env["INNGEST_LAMBDA_KEYS_VERSION"] == "2"
    # The rotation fallback is read from the secret's AWSPREVIOUS version at cold start: no
    # key value (not even a dynamic reference resolved into the configuration) is in the env.
    assert env[settings.ENV_ACCEPT_PREVIOUS_SIGNING_KEY] == "true"
    assert settings.ENV_SIGNING_KEY_FALLBACK not in env
    assert "AWSPREVIOUS" not in json.dumps(synth_tuned.template)
    assert synth_tuned.one("AWS::Lambda::EventSourceMapping")["ScalingConfig"] == {
        "MaximumConcurrency": 5
    }
    stage = synth_tuned.one("AWS::ApiGatewayV2::Stage")
    assert stage["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 40, "ThrottlingRateLimit": 20}
    rules = synth_tuned.one("AWS::S3::Bucket")["LifecycleConfiguration"]["Rules"]
    assert rules[0]["ExpirationInDays"] == 11
    for alarm in synth_tuned.resources("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:alerts"]
