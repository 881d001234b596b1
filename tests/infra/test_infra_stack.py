"""aws_cdk.assertions on the synthesized stack: each resource and the properties that matter."""

import json

import pytest
from aws_cdk.assertions import Match, Template

from inngest_lambda import settings


@pytest.fixture(scope="module")
def template(synth):
    return Template.from_json(synth.template)


def _functions(synth):
    """(executor, api) function properties, found through the stack's own attributes."""
    stack = synth.stack
    resources = synth.template["Resources"]
    return tuple(
        resources[synth.logical_id(fn)]["Properties"]
        for fn in (stack.executor_function, stack.api_function)
    )


def _http_one(synth, cfn_type):
    """The one resource of this type that belongs to the HTTP API (not to realtime's WebSocket
    API, tests/infra/test_infra_realtime.py)."""
    found = {k: v for k, v in synth.resources(cfn_type).items() if not k.startswith("Realtime")}
    assert len(found) == 1, f"expected one HTTP {cfn_type}, found {sorted(found)}"
    return next(iter(found.values()))["Properties"]


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
        "dashboard": synth.logical_id(
            stack.node.find_child("Keys").node.find_child("DashboardKey")
        ),
    }


# --- DynamoDB ------------------------------------------------------------------------------------


def test_table_layout_comes_from_settings(template):
    """Keys, TTL and backups; its indexes (the sweep index, listings) have their own tests."""
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
                "AttributeDefinitions": Match.array_with(
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
                # The listing indexes (dashboard, CLI), beside the sweeper's (its own test).
                "GlobalSecondaryIndexes": Match.array_with(
                    [
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
                    ]
                ),
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
    # AWS: at least 6x the timeout of the function the queue triggers.
    assert work["VisibilityTimeout"] >= 6 * _functions(synth)[0]["Timeout"]
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
    assert len(synth.resources("AWS::Lambda::Function")) == 2
    executor, api = _functions(synth)
    for fn in (executor, api):
        assert fn["Handler"] == settings.HANDLER
        # From the layer manifest, which layers/build.py writes for settings' version.
        assert fn["Runtime"] == f"python{settings.LAMBDA_PYTHON_VERSION}"
        assert fn["Architectures"] == ["arm64"]
        assert fn["MemorySize"] == 1024
        assert "ReservedConcurrentExecutions" not in fn
        assert fn["Layers"] == executor["Layers"] and len(fn["Layers"]) == 2
        assert fn["Code"] == executor["Code"]  # same code, same layers
        assert fn["Role"] == executor["Role"]
        assert fn["Environment"] == executor["Environment"]
    assert executor["Timeout"] == settings.LAMBDA_TIMEOUT_SECONDS
    assert api["Timeout"] == settings.API_TIMEOUT_SECONDS < 30  # HTTP API gives up at 30 s
    # Each has its own log group.
    assert executor["LoggingConfig"] != api["LoggingConfig"]


def test_layers_match_the_function(synth):
    layers = synth.resources("AWS::Lambda::LayerVersion")
    assert len(layers) == 2
    for layer in layers.values():
        runtime = f"python{settings.LAMBDA_PYTHON_VERSION}"
        assert layer["Properties"]["CompatibleRuntimes"] == [runtime]
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


def test_function_environment_names_come_from_settings(synth):
    ids = _ids(synth)
    env = _functions(synth)[0]["Environment"]["Variables"]
    assert env[settings.ENV_TABLE] == {"Ref": ids["table"]}
    assert env[settings.ENV_QUEUE_URL] == {"Ref": ids["queue"]}
    assert env[settings.ENV_QUEUE_ARN] == _getatt(ids["queue"], "Arn")
    assert env[settings.ENV_BUCKET] == {"Ref": ids["bucket"]}
    assert env[settings.ENV_SCHEDULER_ROLE_ARN] == _getatt(ids["scheduler_role"], "Arn")
    assert env[settings.ENV_SIGNING_KEY_SECRET_ARN] == {"Ref": ids["signing"]}
    assert env[settings.ENV_EVENT_KEY_SECRET_ARN] == {"Ref": ids["event"]}
    assert env[settings.ENV_DASHBOARD_KEY_SECRET_ARN] == {"Ref": ids["dashboard"]}
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
    api = json.dumps(synth.template["Resources"][ids["api"]])
    for fn_id in synth.resources("AWS::Lambda::Function"):
        assert fn_id not in api


def test_sqs_event_source_reports_partial_batch_failures(synth):
    ids = _ids(synth)
    mapping = synth.one("AWS::Lambda::EventSourceMapping")
    assert mapping["EventSourceArn"] == _getatt(ids["queue"], "Arn")
    assert mapping["FunctionName"] == {"Ref": synth.logical_id(synth.stack.executor_function)}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == 10
    # Capped by default: a backlog cannot take the account's whole concurrency.
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 10}


def test_function_code_is_only_the_registry_package(synth):
    fn = _functions(synth)[0]
    asset_hash = fn["Code"]["S3Key"].removesuffix(".zip")
    asset_dir = synth.outdir / f"asset.{asset_hash}"
    top_level = {p.name for p in asset_dir.iterdir()}
    assert top_level == {"tests"}  # the test registry's package; `functions` when deployed
    assert not list(asset_dir.rglob("__pycache__"))


def test_worker_logs_have_retention(synth):
    for fn in _functions(synth):
        group_id = fn["LoggingConfig"]["LogGroup"]["Ref"]
        assert synth.template["Resources"][group_id]["Properties"]["RetentionInDays"] == 30


# --- API Gateway ---------------------------------------------------------------------------------


def test_http_api_routes_everything_to_the_api_lambda(synth):
    fn_id = synth.logical_id(synth.stack.api_function)
    assert _http_one(synth, "AWS::ApiGatewayV2::Api")["ProtocolType"] == "HTTP"
    assert _http_one(synth, "AWS::ApiGatewayV2::Route")["RouteKey"] == "$default"
    integration = _http_one(synth, "AWS::ApiGatewayV2::Integration")
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationUri"] == _getatt(fn_id, "Arn")


def test_http_api_stage_throttles_and_logs_without_paths(synth):
    stage = _http_one(synth, "AWS::ApiGatewayV2::Stage")
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
    schedules = [
        s["Properties"]
        for s in synth.resources("AWS::Scheduler::Schedule").values()
        if json.loads(s["Properties"]["Target"]["Input"])["kind"] == "cron"  # not the sweeper
    ]
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
    assert len(secrets) == 3  # signing key, event key, dashboard key
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
                    "Rules": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "ExpirationInDays": settings.DEFAULT_RETENTION_DAYS + 1,
                                    # only values of ended runs: a sleeping run's never expire
                                    "TagFilters": [{"Key": "inngest-lambda", "Value": "ended"}],
                                    "Status": "Enabled",
                                }
                            )
                        ]
                    )
                },
            },
            "DeletionPolicy": "Retain",
        },
    )


# --- Alarms and outputs --------------------------------------------------------------------------


def test_alarms_cover_lost_delayed_and_refused_work_and_reach_a_topic(synth):
    alarms = [a["Properties"] for a in synth.resources("AWS::CloudWatch::Alarm").values()]
    plain = sorted((a["Namespace"], a["MetricName"]) for a in alarms if "MetricName" in a)
    assert plain == sorted(
        [
            ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),  # DLQ depth
            ("AWS/SQS", "ApproximateAgeOfOldestMessage"),  # work queue
            ("InngestLambda", "DriveFailures"),  # caught per message: our own EMF metric
            ("AWS/ApiGateway", "5xx"),
            ("AWS/ApiGateway", "4xx"),  # surges (429s from the stage throttle included)
            ("AWS/Scheduler", "InvocationDroppedCount"),
            *[("AWS/Lambda", m) for m in ("Errors", "Throttles", "Duration") for _ in "ea"],
        ]
    )
    # DynamoDB throttles: reads + writes of the table, as one expression (the other expressions
    # are realtime's, tests/infra/test_infra_realtime.py).
    (throttles,) = [a for a in alarms if "Metrics" in a and "Throttle" in json.dumps(a)]
    names = {
        m["MetricStat"]["Metric"]["MetricName"] for m in throttles["Metrics"] if "MetricStat" in m
    }
    assert names == {"ReadThrottleEvents", "WriteThrottleEvents"}
    # Durations alarm before the timeout kills an invocation.
    executor, api = _functions(synth)
    durations = sorted(a["Threshold"] for a in alarms if a.get("MetricName") == "Duration")
    assert durations == sorted([api["Timeout"] * 1000 * 0.8, executor["Timeout"] * 1000 * 0.8])
    drive = next(a for a in alarms if a.get("MetricName") == "DriveFailures")
    assert drive["Dimensions"] == [
        {"Name": "FunctionName", "Value": {"Ref": synth.logical_id(synth.stack.executor_function)}}
    ]
    dropped = next(a for a in alarms if a.get("MetricName") == "InvocationDroppedCount")
    group = synth.one("AWS::Scheduler::ScheduleGroup")["Name"]
    assert dropped["Dimensions"] == [{"Name": "ScheduleGroup", "Value": group}]
    # Every alarm notifies the stack's own topic (no topic was configured).
    topic_id = next(iter(synth.resources("AWS::SNS::Topic")))
    for alarm in alarms:
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]
    assert synth.template["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": topic_id}


def test_lifecycle_table_protected_scheduler_group_not_retained(synth):
    table = next(iter(synth.resources("AWS::DynamoDB::Table").values()))
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"
    # A retained group keeps its fixed name: destroy, then deploy again, would fail.
    group = next(iter(synth.resources("AWS::Scheduler::ScheduleGroup").values()))
    assert group["DeletionPolicy"] == "Delete"
    assert synth.resources("AWS::ApiGatewayV2::DomainName") == {}


def test_outputs_api_url(synth):
    ids = _ids(synth)
    outputs = synth.template["Outputs"]
    assert outputs["ApiUrl"]["Value"] == _getatt(ids["api"], "ApiEndpoint")
    assert {"EventKeySecretArn", "SigningKeySecretArn", "LogGroupName"} <= set(outputs)
    assert "DashboardKeySecretArn" in outputs


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
    fn_role = _functions(synth)[0]["Role"]["Fn::GetAtt"][0]
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
        [{"Ref": ids["signing"]}, {"Ref": ids["event"]}, {"Ref": ids["dashboard"]}],
        key=json.dumps,
    )
    schedules = [s for s in statements if "scheduler:CreateSchedule" in _as_list(s["Action"])]
    assert len(schedules) == 1
    group = synth.one("AWS::Scheduler::ScheduleGroup")["Name"]
    resource = json.dumps(schedules[0]["Resource"])
    assert f":schedule/{group}/*" in resource
    objects = [s for s in statements if "s3:GetObject" in _as_list(s["Action"])]
    assert objects[0]["Resource"] == {"Fn::Join": ["", [_getatt(ids["bucket"], "Arn"), "/*"]]}
    assert set(_as_list(objects[0]["Action"])) == {
        "s3:GetObject",
        "s3:PutObject",
        "s3:PutObjectTagging",
    }


# --- Configurable knobs --------------------------------------------------------------------------


def test_context_knobs_reach_the_resources(synth_tuned):
    fn, api = _functions(synth_tuned)
    assert fn["ReservedConcurrentExecutions"] == 7
    assert fn["MemorySize"] == 2048
    assert api["ReservedConcurrentExecutions"] == 3
    assert api["MemorySize"] == 512
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
    stage = _http_one(synth_tuned, "AWS::ApiGatewayV2::Stage")
    assert stage["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 40, "ThrottlingRateLimit": 20}
    rules = synth_tuned.one("AWS::S3::Bucket")["LifecycleConfiguration"]["Rules"]
    assert rules[0]["ExpirationInDays"] == 11
    for alarm in synth_tuned.resources("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:alerts"]
    assert synth_tuned.resources("AWS::SNS::Topic") == {}  # the given topic, not a new one
    (subscription,) = synth_tuned.resources("AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "ops@example.com"
    surge = next(
        a["Properties"]
        for a in synth_tuned.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "4xx"
    )
    assert surge["Threshold"] == 50
    # Custom domain: mapped to the stage; the runtime's own URLs use it.
    domain = synth_tuned.one("AWS::ApiGatewayV2::DomainName")
    assert domain["DomainName"] == "events.example.com"
    cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    assert domain["DomainNameConfigurations"][0]["CertificateArn"] == cert
    synth_tuned.one("AWS::ApiGatewayV2::ApiMapping")
    assert env["INNGEST_EVENT_API_BASE_URL"] == "https://events.example.com"
    assert synth_tuned.template["Outputs"]["ApiUrl"]["Value"] == "https://events.example.com"
    assert "CustomDomainTarget" in synth_tuned.template["Outputs"]


def test_snap_start_is_off_by_default(synth):
    fn, api = _functions(synth)
    assert "SnapStart" not in fn and "SnapStart" not in api
    assert synth.resources("AWS::Lambda::Alias") == {}


def test_snap_start_publishes_versions_the_queue_and_the_api_invoke_through_an_alias(
    synth_tuned,
):
    fn, api = _functions(synth_tuned)
    assert fn["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert api["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    stack = synth_tuned.stack
    aliases = synth_tuned.resources("AWS::Lambda::Alias")
    by_function = {
        a["Properties"]["FunctionName"]["Ref"]: logical_id for logical_id, a in aliases.items()
    }
    executor_alias = by_function[synth_tuned.logical_id(stack.executor_function)]
    api_alias = by_function[synth_tuned.logical_id(stack.api_function)]
    for alias in aliases.values():
        assert alias["Properties"]["Name"] == "live"
        assert "Fn::GetAtt" in alias["Properties"]["FunctionVersion"]  # a published version
    mapping = json.dumps(synth_tuned.one("AWS::Lambda::EventSourceMapping")["FunctionName"])
    assert executor_alias in mapping and ":live" in mapping
    integration = _http_one(synth_tuned, "AWS::ApiGatewayV2::Integration")
    assert integration["IntegrationUri"] == {"Ref": api_alias}
    # Realtime's WebSocket routes invoke the same alias.
    for key, other in synth_tuned.resources("AWS::ApiGatewayV2::Integration").items():
        if key.startswith("Realtime"):
            assert api_alias in json.dumps(other["Properties"]["IntegrationUri"])
