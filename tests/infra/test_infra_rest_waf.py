"""`apiFrontDoor=rest-waf`: a REST API behind an AWS WAF web ACL replaces the HTTP API."""

import json

from inngest_lambda import settings


def test_no_nag_findings_and_no_http_api(synth_rest):
    assert synth_rest.error is None, synth_rest.error
    from infra.rest_api import STAGE_PATH_WARNING

    violations = [
        v["ruleName"]
        for r in synth_rest.validation_report["pluginReports"]
        for v in r.get("violations", [])
    ]
    # The one warning this stack gives on purpose (no custom domain: see the test below).
    assert violations == [f"Annotation::{STAGE_PATH_WARNING}"]
    # API Gateway v2 only for realtime's WebSocket API (REST APIs have no WebSocket).
    apis = synth_rest.resources("AWS::ApiGatewayV2::Api").values()
    assert [a["Properties"]["ProtocolType"] for a in apis] == ["WEBSOCKET"]


def test_web_acl_rate_limits_each_ip_and_guards_the_stage(synth_rest):
    acl = synth_rest.one("AWS::WAFv2::WebACL")
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    rules = {r["Name"]: r for r in acl["Rules"]}
    rate = rules["per-ip-rate"]
    assert rate["Statement"]["RateBasedStatement"] == {"Limit": 500, "AggregateKeyType": "IP"}
    assert rate["Action"] == {"Block": {}}
    assert {"AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"} <= set(
        rules
    )
    association = synth_rest.one("AWS::WAFv2::WebACLAssociation")
    stage_id = next(iter(synth_rest.resources("AWS::ApiGateway::Stage")))
    assert stage_id in json.dumps(association["ResourceArn"])
    acl_id = next(iter(synth_rest.resources("AWS::WAFv2::WebACL")))
    assert association["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}


def test_every_path_goes_to_the_api_function_and_its_url_to_the_runtime(synth_rest):
    stack = synth_rest.stack
    api_fn = synth_rest.logical_id(stack.api_function)
    methods = [m["Properties"] for m in synth_rest.resources("AWS::ApiGateway::Method").values()]
    assert {m["HttpMethod"] for m in methods} == {"ANY"}
    assert len(methods) == 2  # "/" and "/{proxy+}"
    for method in methods:
        assert method["Integration"]["Type"] == "AWS_PROXY"
        assert api_fn in json.dumps(method["Integration"]["Uri"])
    stage = synth_rest.one("AWS::ApiGateway::Stage")
    assert stage["StageName"] == "api"
    assert "path" not in stage["AccessLogSetting"]["Format"].lower()  # the event key
    resources = synth_rest.template["Resources"]
    env = resources[api_fn]["Properties"]["Environment"]["Variables"]
    url = json.dumps(env["INNGEST_EVENT_API_BASE_URL"])
    rest_id = next(iter(synth_rest.resources("AWS::ApiGateway::RestApi")))
    assert rest_id in url and url.endswith('"/api"]]}')
    assert env[settings.ENV_TABLE]  # same environment as with the HTTP API


def test_surge_and_5xx_alarms_watch_the_rest_stage(synth_rest):
    alarms = [a["Properties"] for a in synth_rest.resources("AWS::CloudWatch::Alarm").values()]
    names = {a.get("MetricName") for a in alarms if a.get("Namespace") == "AWS/ApiGateway"}
    assert names == {"4XXError", "5XXError"}


def test_an_alarm_watches_what_the_rate_rule_blocks(synth_rest, synth):
    """WAF answers blocked requests itself (403): they never reach the stage's 4XXError, so the
    per-IP rate rule's own BlockedRequests metric has an alarm on the alarm topic."""
    acl = synth_rest.one("AWS::WAFv2::WebACL")
    (rule,) = [r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]]
    (alarm,) = [
        a["Properties"]
        for a in synth_rest.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("Namespace") == "AWS/WAFV2"
    ]
    assert alarm["MetricName"] == "BlockedRequests"
    dims = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert dims["WebACL"] == acl["VisibilityConfig"]["MetricName"]
    assert dims["Rule"] == rule["VisibilityConfig"]["MetricName"]
    assert set(dims) == {"WebACL", "Rule", "Region"}
    assert alarm["Statistic"] == "Sum" and alarm["Period"] == 300
    (topic,) = synth_rest.resources("AWS::SNS::Topic")
    assert alarm["AlarmActions"] == [{"Ref": topic}]
    http_alarms = synth.resources("AWS::CloudWatch::Alarm").values()
    assert not [a for a in http_alarms if a["Properties"].get("Namespace") == "AWS/WAFV2"]


def _warnings(construct) -> list[str]:
    return [
        str(m.data)
        for c in construct.node.find_all()
        for m in c.node.metadata
        if m.type == "aws:cdk:warning"
    ]


def test_without_a_custom_domain_synth_warns_that_sdk_clients_miss_the_stage(synth_rest, synth):
    """SDK clients drop the `/api` stage of ApiUrl (they join `/e/<key>` to its origin)."""
    import inngest

    from infra.rest_api import STAGE

    client = inngest.Inngest(
        app_id="t",
        event_api_base_url=f"https://abc.execute-api.us-east-1.amazonaws.com/{STAGE}",
        event_key="k",
        is_production=True,
        signing_key="signkey-prod-00",
    )
    sent_to = str(client._build_send_request([inngest.Event(name="a")]).url)
    assert sent_to == "https://abc.execute-api.us-east-1.amazonaws.com/e/k"  # the stage is gone
    (warning,) = [w for w in _warnings(synth_rest.stack) if "rest-waf" in w]
    assert "domainName" in warning and f"/{STAGE}" in warning
    assert not [w for w in _warnings(synth.stack) if "rest-waf" in w]


def test_with_a_custom_domain_there_is_no_stage_path_warning():
    from aws_cdk import App, Stack
    from aws_cdk import aws_logs as logs

    from infra.rest_api import RestFrontDoor

    stack = Stack(App(), "S")
    common = {"rate_limit": 1, "burst_limit": 1, "waf_rate_limit": 100}
    retention = logs.RetentionDays.ONE_WEEK
    with_domain = RestFrontDoor(
        stack,
        "WithDomain",
        log_retention=retention,
        domain_name="events.example.com",
        certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/x",
        **common,
    )
    without = RestFrontDoor(stack, "Without", log_retention=retention, **common)
    assert not [w for w in _warnings(with_domain) if "rest-waf" in w]
    assert [w for w in _warnings(without) if "rest-waf" in w]


def _render(template: str, message: str, response_type: str) -> object:
    """What API Gateway makes of a gateway response template (the variables it uses)."""
    body = (
        template.replace("$context.error.messageString", json.dumps(message))
        .replace("$context.error.responseType", response_type)
        .replace("$context.requestId", "req-1")
    )
    assert "$" not in body, body  # no variable left that the test does not know
    return json.loads(body)


def test_every_gateway_error_has_inngest_error_so_the_sdk_send_raises(synth_rest):
    """API Gateway's own `{"message": ...}` makes the SDK's send return [] silently; each
    gateway response this stack customises parses, with the SDK's own model, to an error."""
    from inngest._internal.client_lib.models import SendEventsResult

    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in synth_rest.resources("AWS::ApiGateway::GatewayResponse").values()
    }
    assert set(responses) == {
        "REQUEST_TOO_LARGE",
        "THROTTLED",
        "WAF_FILTERED",
        "MISSING_AUTHENTICATION_TOKEN",
        "INTEGRATION_TIMEOUT",
        "INTEGRATION_FAILURE",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
    }
    rest_id = next(iter(synth_rest.resources("AWS::ApiGateway::RestApi")))
    for response_type, response in responses.items():
        assert response["RestApiId"] == {"Ref": rest_id}
        body = _render(
            response["ResponseTemplates"]["application/json"], "Request Too Large", response_type
        )
        result = SendEventsResult.from_raw(body)
        assert isinstance(result, SendEventsResult), result
        assert result.error, (response_type, body)
        assert result.ids == []
    too_large = _render(
        responses["REQUEST_TOO_LARGE"]["ResponseTemplates"]["application/json"],
        "Request Too Large",
        "REQUEST_TOO_LARGE",
    )
    assert too_large["error"].startswith("413 request too large")
    assert "6 MB" in too_large["error"]
    assert too_large["message"] == "Request Too Large"
    default = _render(
        responses["DEFAULT_4XX"]["ResponseTemplates"]["application/json"], "Forbidden", "X"
    )
    assert default["error"] == "Forbidden"


def test_the_http_api_front_door_has_no_gateway_responses(synth):
    assert synth.resources("AWS::ApiGateway::GatewayResponse") == {}
