"""The signing key and event key, generated in Secrets Manager at first deploy.

The Lambda gets only the secret ARNs and reads the values once per cold start, so the keys never
appear in the template or the function configuration. Both are 64 lowercase hex characters
(256 bits). The signing key is stored without the `signkey-prod-` prefix because CloudFormation
cannot prepend a fixed string to a generated plain-text secret; the SDK strips that prefix
before use anyway, so `<hex>` and `signkey-prod-<hex>` sign identically. Users who set their
own value may store either form.
"""

from __future__ import annotations

from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.nag import acknowledge

KEY_HEX_CHARS = 64
# Everything printable except 0-9 and a-f: GetRandomPassword then yields lowercase hex.
_NOT_HEX = "ghijklmnopqrstuvwxyz"


def _hex_key() -> secretsmanager.SecretStringGenerator:
    return secretsmanager.SecretStringGenerator(
        password_length=KEY_HEX_CHARS,
        exclude_punctuation=True,
        exclude_uppercase=True,
        exclude_characters=_NOT_HEX,
        include_space=False,
        require_each_included_type=False,
    )


class Keys(Construct):
    """Three generated secrets; rotation is manual (see docs/deploy.md)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.signing_key = secretsmanager.Secret(
            self,
            "SigningKey",
            description="inngest-lambda signing key (hex; signs the runtime's calls to functions)",
            generate_secret_string=_hex_key(),
        )
        self.event_key = secretsmanager.Secret(
            self,
            "EventKey",
            description="inngest-lambda event key (POST events to <api>/e/<event key>)",
            generate_secret_string=_hex_key(),
        )
        self.dashboard_key = secretsmanager.Secret(
            self,
            "DashboardKey",
            description="inngest-lambda dashboard key (sign in to the dashboard at <api>/)",
            generate_secret_string=_hex_key(),
        )
        for secret in (self.signing_key, self.event_key, self.dashboard_key):
            acknowledge(
                secret,
                "AwsSolutions-SMG4",
                "Rotated by hand (docs/deploy.md): a new event key must reach every event"
                " sender first, and a rotation Lambda would add cost and code for a key that is"
                " only used between this deployment and its users.",
            )
