"""Realtime's WebSocket API (API Gateway v2) and the CloudFront front that gives browsers the URL
`@inngest/realtime` builds: `new URL("/v1/realtime/connect", base)` plus `?token=`.

- The WebSocket API routes `$connect`, `$disconnect` and `$default` to the API function
  (`inngest_lambda.realtime.websocket`, which logs each connect and disconnect); its stage
  throttles.
- The API function and the executor may `execute-api:ManageConnections` on this stage's
  `POST @connections/*` only: posting frames to subscribers.
- API Gateway serves a WebSocket stage at `wss://<id>.execute-api.<region>.amazonaws.com/<stage>`
  and nothing else, while the client always asks for `/v1/realtime/connect` on its base URL.
  A CloudFront distribution (at rest free) therefore fronts the stage: a CloudFront Function
  maps `/v1/realtime/connect` to `/<stage>` and answers 404 for any other path, and the
  browser's base URL is `https://<distribution domain>` (output `RealtimeBaseUrl`).
"""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.nag import acknowledge, wildcard_resource_finding

STAGE = "realtime"
CONNECT_PATH = "/v1/realtime/connect"
# The viewer-request function: the client's fixed path to the stage, 404 for anything else.
_REWRITE = f"""function handler(event) {{
  var request = event.request;
  if (request.uri === "{CONNECT_PATH}") {{
    request.uri = "/{STAGE}";
    return request;
  }}
  return {{ statusCode: 404, statusDescription: "Not Found" }};
}}"""


class RealtimeApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rate_limit: int,
        burst_limit: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.api = apigwv2.WebSocketApi(
            self, "Api", description="inngest-lambda realtime: subscribers' WebSocket connections"
        )
        # No access logs: on a WebSocket stage they need the account-wide API Gateway CloudWatch
        # role, which a stack should not set and whose absence would fail the deploy. The API
        # function logs every $connect (connection id, topics) and $disconnect instead.
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=STAGE,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=rate_limit, burst_limit=burst_limit),
        )
        acknowledge(
            self.stage,
            "AwsSolutions-APIG1",
            "Access logs of a WebSocket stage need the account-wide API Gateway CloudWatch role"
            " (a deploy fails without it); the API function logs each connect and disconnect.",
        )
        origin_domain = f"{self.api.api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"
        rewrite = cloudfront.Function(
            self,
            "ConnectPath",
            code=cloudfront.FunctionCode.from_inline(_REWRITE),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            comment="inngest-lambda realtime: /v1/realtime/connect -> the WebSocket stage",
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Front",
            comment="inngest-lambda realtime WebSocket (@inngest/realtime's connect URL)",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.HttpOrigin(
                    origin_domain,
                    protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                    origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
                    read_timeout=Duration.seconds(60),
                ),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                # The query string (the token) and the WebSocket handshake headers, not Host.
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=rewrite, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
            ),
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "Subscribers are browsers anywhere; the token, checked at $connect, is the gate.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR2",
            "Every connection needs a subscription token checked by the $connect route, and the"
            " WebSocket stage throttles; a WAF would cost at rest. The HTTP API's rest-waf"
            " front door is the place for a WAF (docs/deploy.md).",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR3",
            "The WebSocket stage's access logs record every connection; CloudFront standard"
            " logs would need a bucket with ACLs and would carry the token in the query string.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR4",
            "The default *.cloudfront.net certificate cannot set a minimum TLS version; the"
            " origin is reached over TLS 1.2 only.",
        )

    @property
    def base_url(self) -> str:
        """What a browser passes as INNGEST_BASE_URL (the client adds /v1/realtime/connect)."""
        return f"https://{self.distribution.distribution_domain_name}"

    @property
    def management_endpoint(self) -> str:
        """Where the runtime posts to connections (API Gateway's management API for the stage)."""
        return self.stage.callback_url

    def route_to(self, function: lambda_.IFunction) -> None:
        for route in ("$connect", "$disconnect", "$default"):
            name = route.strip("$").capitalize()
            created = self.api.add_route(
                route,
                integration=integrations.WebSocketLambdaIntegration(f"{name}Integration", function),
            )
            acknowledge(
                created,
                "AwsSolutions-APIG4",
                "The $connect route checks the subscription token (an HS256 JWT the API issues"
                " against the signing key) and answers 401 before the upgrade; $disconnect and"
                " $default only exist on a connection that passed it.",
            )

    def grant_post(self, role: iam.IRole) -> None:
        """`execute-api:ManageConnections` on this stage's `POST @connections/*` only."""
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["execute-api:ManageConnections"], resources=[self.connections_arn]
            )
        )
        acknowledge(
            role,
            wildcard_resource_finding(self, self.connections_arn),
            "Connection ids are made by API Gateway per connection; the wildcard covers only"
            " POST (send a frame) to connections of this stack's realtime WebSocket stage.",
        )

    @property
    def connections_arn(self) -> str:
        return (
            f"arn:{Aws.PARTITION}:execute-api:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
            f"{self.api.api_id}/{STAGE}/POST/@connections/*"
        )

    def error_metric(self, **props: object) -> cloudwatch.IMetric:
        """Failed $connect/$disconnect/$default integrations and API Gateway's own errors."""
        return cloudwatch.MathExpression(
            expression="i + e",
            using_metrics={
                "i": self._metric("IntegrationError", **props),
                "e": self._metric("ExecutionError", **props),
            },
            period=Duration.minutes(5),
            label="WebSocket integration and execution errors",
        )

    def _metric(self, name: str, **props: object) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name=name,
            dimensions_map={"ApiId": self.api.api_id, "Stage": STAGE},
            **props,  # type: ignore[arg-type]
        )
