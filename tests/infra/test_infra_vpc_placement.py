"""infra/vpc_placement.py and the proxy variables, read from synthesized templates: both functions
in exactly the subnets and security groups given (or the one the stack makes, which nothing may
reach), the ENI permissions Lambda needs and nothing wider, the proxy on the functions and
nowhere else; and without the keys, none of it."""

import json

import pytest
from infra_support import VPC_CONTEXT, VPC_GROUPS_CONTEXT

from infra.network_config import PROXY_VARIABLES
from infra.vpc_placement import ENI_ACTIONS


@pytest.fixture(params=["synth", "synth_rest", "synth_tuned"])
def plain(request):
    """Stacks synthesized without any VPC or proxy key."""
    return request.getfixturevalue(request.param)


def _functions(synth):
    stack = synth.stack
    resources = synth.template["Resources"]
    return {
        name: resources[synth.logical_id(fn)]
        for name, fn in (("executor", stack.executor_function), ("api", stack.api_function))
    }


def _worker_statements(synth):
    return [
        statement
        for policy in synth.resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_without_the_keys_the_stack_has_no_vpc_security_group_eni_grant_or_proxy(plain):
    assert len(plain.resources("AWS::Lambda::Function")) == 2
    for fn in plain.resources("AWS::Lambda::Function").values():
        assert "VpcConfig" not in fn["Properties"]
        assert not [n for n in fn["Properties"]["Environment"]["Variables"] if "PROXY" in n]
    assert not [r for r in plain.template["Resources"].values() if r["Type"].startswith("AWS::EC2")]
    assert "ec2:" not in json.dumps(plain.template)


def test_every_function_is_in_the_given_subnets_with_the_group_the_stack_made(synth_vpc):
    functions = _functions(synth_vpc)
    assert len(functions) == len(synth_vpc.resources("AWS::Lambda::Function"))  # no other
    (group_id,) = synth_vpc.resources("AWS::EC2::SecurityGroup")
    for fn in functions.values():
        assert fn["Properties"]["VpcConfig"] == {
            "SubnetIds": VPC_CONTEXT["subnetIds"].split(","),
            "SecurityGroupIds": [{"Fn::GetAtt": [group_id, "GroupId"]}],
        }


def test_the_security_group_made_for_the_functions_lets_nothing_in_and_everything_out(synth_vpc):
    group = synth_vpc.one("AWS::EC2::SecurityGroup")
    assert group["VpcId"] == VPC_CONTEXT["vpcId"]
    assert "SecurityGroupIngress" not in group
    assert group["SecurityGroupEgress"] == [
        {
            "CidrIp": "0.0.0.0/0",
            "Description": "Allow all outbound traffic by default",
            "IpProtocol": "-1",
        }
    ]
    assert synth_vpc.resources("AWS::EC2::SecurityGroupIngress") == {}


def test_given_security_groups_are_used_as_given_and_none_is_made(synth_vpc_groups):
    for fn in _functions(synth_vpc_groups).values():
        assert fn["Properties"]["VpcConfig"] == {
            "SubnetIds": VPC_GROUPS_CONTEXT["subnetIds"],
            "SecurityGroupIds": json.loads(VPC_GROUPS_CONTEXT["securityGroupIds"]),
        }
    assert synth_vpc_groups.resources("AWS::EC2::SecurityGroup") == {}


@pytest.mark.parametrize("stack", ["synth_vpc", "synth_vpc_groups"])
def test_lambda_may_manage_the_functions_enis_before_they_are_created(stack, request):
    """The EC2 actions of AWSLambdaVPCAccessExecutionRole, inline (no managed policy), on the
    functions' role, which CloudFormation completes before it creates the functions."""
    synth = request.getfixturevalue(stack)
    statements = _worker_statements(synth)
    wide = [s for s in statements if s["Resource"] == "*"]
    assert wide == [{"Action": sorted(ENI_ACTIONS), "Effect": "Allow", "Resource": "*"}]
    assert not [s for s in statements if s is not wide[0] and "ec2:" in json.dumps(s["Action"])]
    for role in synth.resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]
    (policy_id,) = [
        lid
        for lid, p in synth.resources("AWS::IAM::Policy").items()
        if wide[0] in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    for fn in _functions(synth).values():
        assert policy_id in fn["DependsOn"]
        role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
        policy = synth.template["Resources"][policy_id]["Properties"]
        assert policy["Roles"] == [{"Ref": role_id}]


def test_the_proxy_variables_are_set_on_both_functions_and_nowhere_else(synth_vpc):
    expected = {"HTTPS_PROXY": "http://proxy.internal:3128", "NO_PROXY": ".amazonaws.com,10.0.0.5"}
    for fn in _functions(synth_vpc).values():
        env = fn["Properties"]["Environment"]["Variables"]
        assert {k: v for k, v in env.items() if "PROXY" in k.upper()} == expected
    others = {
        lid: r
        for lid, r in synth_vpc.template["Resources"].items()
        if r["Type"] != "AWS::Lambda::Function"
    }
    text = json.dumps(others).lower()
    for name in PROXY_VARIABLES:
        assert f'"{name.lower()}"' not in text
    assert "proxy.internal" not in text and "10.0.0.5" not in text


def test_the_vpc_import_needs_no_lookup_and_leaves_no_zone_in_the_template(synth_vpc):
    """Synthesized offline (no credentials, no cdk.context.json), with no Fn::GetAZs standing in
    for the zones the import does not use."""
    text = json.dumps(synth_vpc.template)
    assert "Fn::GetAZs" not in text
    assert not (synth_vpc.outdir / "cdk.context.json").exists()
    manifest = json.loads((synth_vpc.outdir / "manifest.json").read_text())
    assert not manifest.get("missing")
