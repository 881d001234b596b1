"""The public HTTP API (API Gateway v2): every path goes to the worker Lambda.

Events arrive at `/e/<event key>` and SDK traffic at settings.SERVE_PATH; the runtime checks
the event key and request signatures itself, so the API has no authorizer. The default stage
throttles, and access logs leave out the path because it contains the event key.
"""

from __future__ import annotations

import json

import jsii
from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.nag import acknowledge

# $context fields only; no $context.path / routeKey details that would log the event key.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "latencyMs": "$context.responseLatency",
        "integrationStatus": "$context.integrationStatus",
        "integrationError": "$context.integrationErrorMessage",
    },
    separators=(",", ":"),
)


@jsii.implements(apigwv2.IAccessLogSettings)
class AccessLogSettings:
    """IAccessLogSettings is an interface in jsii terms: Python must implement it explicitly."""

    def __init__(
        self, destination: apigwv2.IAccessLogDestination, log_format: apigw.AccessLogFormat
    ) -> None:
        self._destination = destination
        self._format = log_format

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return self._format


class HttpApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rate_limit: int,
        burst_limit: int,
        log_retention: logs.RetentionDays,
        domain_name: str | None = None,
        certificate_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._domain_name = domain_name
        self.api = apigwv2.HttpApi(
            self,
            "Api",
            description="inngest-lambda: events (/e/<event key>) and the Inngest SDK endpoint",
            create_default_stage=False,
        )
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=rate_limit, burst_limit=burst_limit),
            access_log_settings=AccessLogSettings(
                apigwv2.LogGroupLogDestination(self.access_logs),
                apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
            ),
        )
        self.domain: apigwv2.DomainName | None = None
        if domain_name and certificate_arn:
            # A regional custom domain: point a CNAME (or Route 53 alias) at
            # `regional_domain_name`. The event URL then survives a replaced API.
            self.domain = apigwv2.DomainName(
                self,
                "Domain",
                domain_name=domain_name,
                certificate=acm.Certificate.from_certificate_arn(self, "Cert", certificate_arn),
            )
            apigwv2.ApiMapping(
                self, "Mapping", api=self.api, domain_name=self.domain, stage=self.stage
            )

    @property
    def url(self) -> str:
        """`https://<custom domain>` if configured, else
        `https://<id>.execute-api.<region>.amazonaws.com`; no trailing slash."""
        if self._domain_name:
            return f"https://{self._domain_name}"
        return self.api.api_endpoint

    @property
    def regional_domain_name(self) -> str | None:
        return self.domain.regional_domain_name if self.domain is not None else None

    def error_metrics(self, **props: object) -> tuple[cloudwatch.IMetric, cloudwatch.IMetric]:
        """(4xx, 5xx) answers of the API."""
        return self.api.metric_client_error(**props), self.api.metric_server_error(**props)

    def route_everything_to(self, function: lambda_.IFunction) -> None:
        """The `$default` route catches every method and path, `/` included (the API function)."""
        route = apigwv2.HttpRoute(
            self,
            "DefaultRoute",
            http_api=self.api,
            route_key=apigwv2.HttpRouteKey.DEFAULT,
            integration=integrations.HttpLambdaIntegration("Api", function),
        )
        acknowledge(
            route,
            "AwsSolutions-APIG4",
            "Public like Inngest Cloud's own endpoints: the runtime authenticates events by the"
            " event key in the path (/e/<key>) and SDK requests by HMAC signature (signing key);"
            " an API Gateway authorizer could check neither.",
        )
