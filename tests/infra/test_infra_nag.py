"""cdk-nag (AwsSolutions): zero unacknowledged findings, and every acknowledgment has a reason."""

import json

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match

from infra.nag import apply_checks

# What the design accepts on purpose; adding to this list should be a deliberate act.
EXPECTED_ACKNOWLEDGED = {
    "AwsSolutions-S1",  # bucket access logs
    "AwsSolutions-SMG4",  # secret rotation (manual, documented)
    "AwsSolutions-APIG4",  # public API: event key / signatures checked by the runtime
    "AwsSolutions-IAM5",  # schedules in our group, objects in our bucket
    "AwsSolutions-SNS2",  # alarm topic: CloudWatch cannot use the AWS-managed SNS key
    "AwsSolutions-L1",  # Python 3.13: the newest Lambda Python the suite runs (deploy.md)
    # The realtime WebSocket's CloudFront front (infra/realtime_api.py): no geo restriction,
    # no WAF, no standard logs (the stage logs), default certificate's TLS floor.
    "AwsSolutions-CFR1",
    "AwsSolutions-CFR2",
    "AwsSolutions-CFR3",
    "AwsSolutions-CFR4",
    "AwsSolutions-APIG1",  # the WebSocket stage: access logs need the account-wide role
}


def _violations(report):
    return [
        (v["ruleName"], [c["constructPath"] for c in v["violatingConstructs"]])
        for plugin in report["pluginReports"]
        for v in plugin["violations"]
    ]


@pytest.fixture(params=["synth", "synth_vpc"])
def checked(request):
    """The stacks synthesized with cdk-nag on: the default and the one inside a VPC."""
    return request.getfixturevalue(request.param)


def test_awssolutions_pack_finds_nothing_unacknowledged(checked):
    assert _violations(checked.validation_report) == []
    assert checked.error is None, checked.error


def test_no_synth_errors_or_warnings(checked):
    synth = checked
    annotations = Annotations.from_stack(synth.stack)
    assert annotations.find_error("*", Match.any_value()) == []
    assert annotations.find_warning("*", Match.any_value()) == []


def _acknowledgments(synth):
    metadata = json.loads((synth.outdir / f"{synth.stack.artifact_id}.metadata.json").read_text())
    for path, entries in metadata.items():
        for entry in entries:
            if entry["type"] == "aws:cdk:acknowledged-rules":
                for rule, reason in entry["data"].items():
                    yield path, rule.removeprefix("Annotation::"), reason


def test_every_acknowledgment_has_a_reason(checked):
    synth = checked
    acknowledged = list(_acknowledgments(synth))
    assert acknowledged, "expected the documented acknowledgments in the cloud assembly"
    for path, rule, reason in acknowledged:
        assert len(reason.split()) >= 8, f"{path} {rule}: give a real reason"
    assert {rule.split("[")[0] for _, rule, _ in acknowledged} == EXPECTED_ACKNOWLEDGED


def test_documents_cited_by_acknowledgments_exist(synth):
    """A reason that points the reader to a page must point to a page that exists."""
    import re

    from infra_support import ROOT

    cited = {
        doc
        for _, _, reason in _acknowledgments(synth)
        for doc in re.findall(r"docs/[\w./-]+\.md", reason)
    }
    assert cited, "the key rotation acknowledgment cites the deploy page"
    for doc in cited:
        assert (ROOT / doc).is_file(), f"acknowledgment cites {doc}, which does not exist"


def test_wildcard_acknowledgments_are_per_finding(synth):
    """IAM5 is acknowledged for three exact resources, not for the rule as a whole."""
    iam5 = [rule for _, rule, _ in _acknowledgments(synth) if rule.startswith("AwsSolutions-IAM5")]
    assert len(iam5) == 3
    assert any(rule.endswith("/realtime/POST/@connections/*]") for rule in iam5)
    assert all(rule.startswith("AwsSolutions-IAM5[Resource::") for rule in iam5)
    assert any(":schedule/" in rule and rule.endswith("/*]") for rule in iam5)
    assert any(rule.endswith(".Arn>/*]") for rule in iam5)


def test_in_a_vpc_only_the_eni_grant_adds_an_acknowledged_wildcard(synth_vpc):
    """One more IAM5, for `Resource::*` (the ENI actions), on the functions' role only."""
    iam5 = [
        (path, rule)
        for path, rule, _ in _acknowledgments(synth_vpc)
        if rule.startswith("AwsSolutions-IAM5")
    ]
    assert len(iam5) == 4
    (star,) = [(path, rule) for path, rule in iam5 if rule == "AwsSolutions-IAM5[Resource::*]"]
    assert star[0].endswith("/Worker/Role")


def test_the_pack_really_runs(tmp_path):
    """A control: the same wiring must reject an obviously bad resource."""
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Bad")
    s3.Bucket(stack, "Open")  # no SSL enforcement, no access logs
    apply_checks(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {name for name, _ in _violations(report)}
    assert {"AwsSolutions-S1", "AwsSolutions-S10"} <= rules
