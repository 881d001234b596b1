"""cfn-lint on the synthesized template: zero errors."""

import pytest
from cfnlint.api import ManualArgs, lint_file

# W3005 (redundant DependsOn): CDK adds DependsOn on the role's policy to the function on
# purpose, so the policy exists before the event source mapping is created.
ALLOWED_WARNINGS = {"W3005"}


@pytest.fixture(scope="module", params=["synth", "synth_vpc"])
def matches(request):
    """The default stack, and the one inside a VPC (security group, VpcConfig, ENI grant)."""
    synth = request.getfixturevalue(request.param)
    template = synth.outdir / synth.stack.template_file
    return lint_file(template, ManualArgs(regions=["us-east-1", "eu-west-1"]))


def test_no_errors(matches):
    errors = [f"{m.rule.id} {m.message} ({m.path})" for m in matches if m.rule.id.startswith("E")]
    assert errors == []


def test_no_unexpected_warnings(matches):
    warnings = [
        f"{m.rule.id} {m.message}"
        for m in matches
        if m.rule.id.startswith("W") and m.rule.id not in ALLOWED_WARNINGS
    ]
    assert warnings == []


def test_no_circular_dependencies(matches):
    """E3004: e.g. the function reading the API URL while the API points at the function."""
    assert not [m for m in matches if m.rule.id == "E3004"]
