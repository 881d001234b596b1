"""Every IAM statement of the stack's roles names this stack's own resources, read from the
synthesized template (the default stack, the WAF-protected REST variant, the one with every
knob set and the one inside a VPC): no `*` resource (but, in a VPC, the one statement Lambda
needs to manage the functions' network interfaces, checked in test_infra_vpc_placement.py), no
other account's or stack's resource, and a wildcard only as the last part of an ARN whose names
the runtime makes up at run time (objects in the stack's bucket, schedules in the stack's
schedule group). tests/infra/test_infra_iam_enforced.py proves the same grants are enough, and
each needed, by running the runtime under them.
"""

from __future__ import annotations

from typing import Any

import pytest

from infra.vpc_placement import ENI_ACTIONS
from inngest_lambda import settings

PSEUDO = {"AWS::Partition", "AWS::Region", "AWS::AccountId", "AWS::URLSuffix"}


@pytest.fixture(params=["synth", "synth_rest", "synth_tuned", "synth_vpc"])
def stack(request):
    return request.getfixturevalue(request.param)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _in_a_vpc(synth) -> bool:
    functions = synth.resources("AWS::Lambda::Function").values()
    return any("VpcConfig" in fn["Properties"] for fn in functions)


def _eni_grant(statement: dict[str, Any]) -> bool:
    return statement["Resource"] == "*" and set(_as_list(statement["Action"])) == set(ENI_ACTIONS)


def _role_statements(synth) -> dict[str, list[dict[str, Any]]]:
    """Role logical id -> every statement of its policies (attached and inline), but the ENI
    grant of a stack in a VPC; one anywhere else fails here."""
    out: dict[str, list[dict[str, Any]]] = {lid: [] for lid in synth.resources("AWS::IAM::Role")}
    for policy in synth.resources("AWS::IAM::Policy").values():
        for role in policy["Properties"]["Roles"]:
            out[role["Ref"]].extend(policy["Properties"]["PolicyDocument"]["Statement"])
    for lid, role in synth.resources("AWS::IAM::Role").items():
        for inline in role["Properties"].get("Policies", []):
            out[lid].extend(inline["PolicyDocument"]["Statement"])
    if _in_a_vpc(synth):
        out = {lid: [s for s in found if not _eni_grant(s)] for lid, found in out.items()}
    return out


def _lambda_roles(synth) -> set[str]:
    return {
        fn["Properties"]["Role"]["Fn::GetAtt"][0]
        for fn in synth.resources("AWS::Lambda::Function").values()
    }


def _references(value: Any) -> set[str]:
    """Logical ids of the template's resources that a resource expression refers to."""
    if isinstance(value, dict):
        if "Ref" in value:
            return set() if value["Ref"] in PSEUDO else {value["Ref"]}
        if "Fn::GetAtt" in value:
            return {value["Fn::GetAtt"][0]}
        return set().union(*(_references(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_references(v) for v in value)) if value else set()
    return set()


def _literal(value: Any) -> str:
    """The literal text of a resource expression, references as `{ref}`."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(_literal(p) for p in parts)
    return "{ref}"


def test_every_statement_names_resources_of_this_stack(stack):
    resources = stack.template["Resources"]
    group = stack.one("AWS::Scheduler::ScheduleGroup")["Name"]
    for role, statements in _role_statements(stack).items():
        assert statements, f"role {role} has no policy"
        for statement in statements:
            assert statement["Effect"] == "Allow"
            for resource in _as_list(statement["Resource"]):
                assert resource != "*", (role, statement)
                refs = _references(resource)
                assert refs <= set(resources), (role, resource)
                text = _literal(resource)
                if not refs:  # built from the group's name: schedules of this stack's group only
                    assert f":schedule/{group}/" in text, (role, resource)


def test_wildcards_only_where_the_runtime_makes_the_names_up(stack):
    """S3 object keys are generated per run, schedule names per timer and WebSocket connection
    ids per connection: IAM cannot name them in advance, so those three ARNs end in `/*`, scoped
    to the stack's bucket, its group and its realtime stage."""
    group = stack.one("AWS::Scheduler::ScheduleGroup")["Name"]
    (bucket,) = stack.resources("AWS::S3::Bucket")
    (websocket,) = [
        k
        for k, v in stack.resources("AWS::ApiGatewayV2::Api").items()
        if v["Properties"]["ProtocolType"] == "WEBSOCKET"
    ]
    found = {}
    for statements in _role_statements(stack).values():
        for statement in statements:
            actions = set(_as_list(statement["Action"]))
            assert not any("*" in action for action in actions), statement
            for resource in _as_list(statement["Resource"]):
                text = _literal(resource)
                if "*" not in text:
                    continue
                assert text.endswith("/*") and text.count("*") == 1, resource
                refs = _references(resource)
                kind = {bucket: "objects", websocket: "connections"}.get(
                    next(iter(refs), ""), "schedules"
                )
                found[kind] = (text, actions)
    assert sorted(found) == ["connections", "objects", "schedules"]
    assert found["connections"] == (
        "arn:{ref}:execute-api:{ref}:{ref}:{ref}/realtime/POST/@connections/*",
        {"execute-api:ManageConnections"},
    )
    assert found["objects"] == ("{ref}/*", {"s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"})
    text, actions = found["schedules"]
    assert text.endswith(f":schedule/{group}/*")
    assert actions == {
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
        "scheduler:DeleteSchedule",
    }


def test_the_functions_read_exactly_the_tables_indexes_and_the_stacks_secrets(stack):
    (table_id,) = stack.resources("AWS::DynamoDB::Table")
    table = stack.template["Resources"][table_id]["Properties"]
    indexes = {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])}
    assert indexes == {*(n for n, _ in settings.LIST_INDEXES), settings.SWEEP_INDEX}
    secrets = set(stack.resources("AWS::SecretsManager::Secret"))
    (queue_id,) = [
        lid
        for lid, q in stack.resources("AWS::SQS::Queue").items()
        if "RedrivePolicy" in q["Properties"]
    ]
    roles = _lambda_roles(stack)
    assert roles
    statements = _role_statements(stack)
    for role in roles:
        by_action: dict[str, list[Any]] = {}
        for statement in statements[role]:
            for action in _as_list(statement["Action"]):
                by_action.setdefault(action, []).extend(_as_list(statement["Resource"]))
        index_arns = [r for r in by_action["dynamodb:Query"] if "/index/" in _literal(r)]
        assert {_literal(r).rsplit("/", 1)[1] for r in index_arns} == indexes
        assert all(_references(r) == {table_id} for r in by_action["dynamodb:Query"])
        for action in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"):
            assert by_action[action] == [{"Fn::GetAtt": [table_id, "Arn"]}]  # not its indexes
        assert {r["Ref"] for r in by_action["secretsmanager:GetSecretValue"]} == secrets
        for action in ("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"):
            assert by_action[action] == [{"Fn::GetAtt": [queue_id, "Arn"]}]
