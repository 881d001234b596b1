"""cdk-nag: run the AwsSolutions pack, and the few acknowledgments this design needs, each with
the reason it is acceptable.

cdk-nag 3 is a CDK policy-validation plugin: any unacknowledged finding stops `cdk synth` and
`cdk deploy`, and the details land in the cloud assembly's validation-report.json.
Acknowledgments are per resource and per finding (`Rule[Finding]`), so a new wildcard or a new
resource still fails the check.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, App, Stack, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def apply_checks(app: App) -> None:
    """Register the AwsSolutions pack on the app (plugins live on an App or Stage)."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Accept one finding on `scope` (and its children); the reason is kept in the assembly."""
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def wildcard_resource_finding(scope: IConstruct, arn: str) -> str:
    """The IAM5 finding id cdk-nag reports for a wildcard resource ARN, e.g.
    `AwsSolutions-IAM5[Resource::<BucketABC.Arn>/*]`, so acknowledgments follow renames."""
    rendered = _render(Stack.of(scope).resolve(arn))
    return f"AwsSolutions-IAM5[Resource::{rendered}]"


def _render(value: Any) -> str:
    """cdk-nag's spelling of a resolved CloudFormation value: Ref -> <X>, GetAtt -> <X.Attr>."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref":
            return f"<{arg}>"
        if fn == "Fn::GetAtt":
            return f"<{arg[0]}.{arg[1]}>"
        if fn == "Fn::Join":
            return arg[0].join(_render(part) for part in arg[1])
    raise ValueError(f"cannot render {value!r} the way cdk-nag does")
