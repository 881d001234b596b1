"""The optional protected front door (context `apiFrontDoor=rest-waf`): a REST API with an AWS
WAF web ACL instead of the HTTP API.

HTTP APIs cannot carry a web ACL; REST APIs can. The ACL limits each client IP to `wafRateLimit`
requests per 5 minutes and applies AWS's managed lists of known bad inputs and of IP addresses
with a poor reputation, before a request reaches (and is billed to) the Lambda. Everything
behind it is the same: one proxy route to the API function, whose handler (Mangum) reads REST
API events as well as HTTP API ones. It costs about $6 a month at rest (web ACL and rules).

Every answer API Gateway gives itself (a body over its limit, throttling, a WAF block, a wrong
path, an integration failure or timeout) carries Inngest's `error` field: the inngest SDK's
`send` reads only the body and raises only when it holds `error`, so API Gateway's own
`{"message": ...}` would make a refused send look sent. Specific answers for what a sender is
likely to meet, `DEFAULT_4XX` / `DEFAULT_5XX` for every other type (which inherit them).
"""

from __future__ import annotations

from aws_cdk import Annotations, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.http_api import ACCESS_LOG_FORMAT
from infra.nag import acknowledge

MANAGED_RULE_GROUPS = (
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)


# WAF's CloudWatch metrics are dimensioned by the visibility metric names of the ACL and rule.
ACL_METRIC = "inngest-lambda"
RATE_RULE = "per-ip-rate"

# A literal, not the stage's token: the function's environment holds the URL, and the stage
# depends (through the deployment and the methods) on the function.
STAGE = "api"
# Without a custom domain the REST API's URL ends in the stage, and SDK clients drop a base URL's
# path: they join `/e/<key>` and `/fn/register` to its origin (`urljoin`), so their requests
# miss the stage and API Gateway refuses them (403).
STAGE_PATH_WARNING = "inngest-lambda:restStagePath"


# (response type, status, what `error` says). The HTTP API front door has no gateway responses:
# docs/limitations.md says what a sender sees there.
GATEWAY_ERRORS: tuple[tuple[apigw.ResponseType, int, str], ...] = (
    (
        apigw.ResponseType.REQUEST_TOO_LARGE,
        413,
        "request too large: API Gateway refused the body before the function ran (an event API"
        " request must stay under 6 MB, AWS Lambda's limit: send large batches in several"
        " requests)",
    ),
    (
        apigw.ResponseType.THROTTLED,
        429,
        "too many requests: over the API's rate limit (context apiRateLimit / apiBurstLimit)",
    ),
    (
        apigw.ResponseType.WAF_FILTERED,
        403,
        "forbidden by the web ACL: over the per-IP rate limit (wafRateLimit) or a managed rule",
    ),
    (
        apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN,
        403,
        "no such path on this API: without a custom domain the URL must include the stage (/api)",
    ),
    (
        apigw.ResponseType.INTEGRATION_TIMEOUT,
        504,
        "the API function did not answer within API Gateway's integration timeout",
    ),
    (apigw.ResponseType.INTEGRATION_FAILURE, 504, "the API function could not be reached"),
)
# `$context.error.messageString` is API Gateway's message, already a quoted JSON string.
DEFAULT_ERROR_TEMPLATE = (
    '{"error": $context.error.messageString, "message": $context.error.messageString,'
    ' "type": "$context.error.responseType", "requestId": "$context.requestId"}'
)


def gateway_error_template(status: int, error: str) -> str:
    """A gateway response body: Inngest's `error` (and `status`), API Gateway's `message`."""
    return (
        f'{{"error": "{status} {error}", "status": {status},'
        ' "message": $context.error.messageString, "type": "$context.error.responseType",'
        ' "requestId": "$context.requestId"}'
    )


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _managed(name: str) -> wafv2.CfnWebACL.ManagedRuleGroupStatementProperty:
    return wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(vendor_name="AWS", name=name)


class RestFrontDoor(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rate_limit: int,
        burst_limit: int,
        waf_rate_limit: int,
        log_retention: logs.RetentionDays,
        domain_name: str | None = None,
        certificate_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._domain_name = domain_name
        if not domain_name:
            Annotations.of(self).add_warning_v2(
                STAGE_PATH_WARNING,
                f"apiFrontDoor=rest-waf without domainName: the API's URL ends in its stage"
                f" (/{STAGE}), and inngest SDK clients keep only a base URL's origin (they send"
                f" to <origin>/e/<key> and sync at <origin>/fn/register), so apps served"
                f" elsewhere cannot send events to this API or sync with it. Give domainName"
                f" and certificateArn. Functions this deployment serves are not affected (their"
                f" sends stay in-process), nor is a client that posts to the full URL itself.",
            )
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        domain = None
        if domain_name and certificate_arn:
            domain = apigw.DomainNameOptions(
                domain_name=domain_name,
                certificate=acm.Certificate.from_certificate_arn(self, "Cert", certificate_arn),
                endpoint_type=apigw.EndpointType.REGIONAL,
            )
        self.api = apigw.RestApi(
            self,
            "Api",
            description="inngest-lambda (WAF-protected): events, SDK endpoint, run API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=False,
            domain_name=domain,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                throttling_rate_limit=rate_limit,
                throttling_burst_limit=burst_limit,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
            ),
        )
        self._add_gateway_errors()
        rules = [
            wafv2.CfnWebACL.RuleProperty(
                name=RATE_RULE,
                priority=0,
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        limit=waf_rate_limit, aggregate_key_type="IP"
                    )
                ),
                visibility_config=_visibility(RATE_RULE),
            ),
            *(
                wafv2.CfnWebACL.RuleProperty(
                    name=group,
                    priority=i + 1,
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=_managed(group)
                    ),
                    visibility_config=_visibility(group),
                )
                for i, group in enumerate(MANAGED_RULE_GROUPS)
            ),
        ]
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            visibility_config=_visibility(ACL_METRIC),
        )
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self.api.deployment_stage.stage_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )
        for rule, reason in (
            (
                "AwsSolutions-APIG2",
                "The runtime validates every request body itself and answers 4xx naming the"
                " problem (event API, registration); an API Gateway model would duplicate that.",
            ),
            (
                "AwsSolutions-APIG4",
                "Public like Inngest Cloud's own endpoints: the runtime authenticates events by the"
                " event key in the path and SDK calls by signing key or HMAC signature.",
            ),
            (
                "AwsSolutions-COG4",
                "No Cognito users: callers are services holding the event key or signing key, which"
                " the runtime checks on every request.",
            ),
            (
                "AwsSolutions-APIG6",
                "Execution logging needs an account-wide API Gateway CloudWatch role; access logs"
                " (without paths, which carry the event key) and the Lambda's own logs cover it.",
            ),
        ):
            acknowledge(self.api, rule, reason)

    def _add_gateway_errors(self) -> None:
        json_body = "application/json"
        for response_type, status, error in GATEWAY_ERRORS:
            self.api.add_gateway_response(
                f"Error{status}{response_type.response_type}",
                type=response_type,
                templates={json_body: gateway_error_template(status, error)},
            )
        for response_type in (apigw.ResponseType.DEFAULT_4_XX, apigw.ResponseType.DEFAULT_5_XX):
            self.api.add_gateway_response(
                f"Error{response_type.response_type}",
                type=response_type,
                templates={json_body: DEFAULT_ERROR_TEMPLATE},
            )

    @property
    def url(self) -> str:
        """`https://<custom domain>`, else the stage's URL without its trailing slash."""
        if self._domain_name:
            return f"https://{self._domain_name}"
        stack = Stack.of(self)
        return (
            f"https://{self.api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}/{STAGE}"
        )

    def route_everything_to(self, function: lambda_.IFunction) -> None:
        """`/` and every path below it, any method, to the API function (Lambda proxy)."""
        integration = apigw.LambdaIntegration(function)
        self.api.root.add_method("ANY", integration)
        self.api.root.add_proxy(default_integration=integration, any_method=True)

    @property
    def regional_domain_name(self) -> str | None:
        return self.api.domain_name.domain_name_alias_domain_name if self.api.domain_name else None

    def rate_blocked_metric(self, **props: object) -> cloudwatch.IMetric:
        """Requests the per-IP rate rule blocked (WAF answers them 403 itself)."""
        return cloudwatch.Metric(
            namespace="AWS/WAFV2",
            metric_name="BlockedRequests",
            dimensions_map={
                "WebACL": ACL_METRIC,
                "Rule": RATE_RULE,
                "Region": Stack.of(self).region,
            },
            **props,
        )

    def error_metrics(self, **props: object) -> tuple[cloudwatch.IMetric, cloudwatch.IMetric]:
        """(4xx, 5xx) answers of the stage."""
        return self.api.metric_client_error(**props), self.api.metric_server_error(**props)
