"""Realtime on AWS: the WebSocket API routed to the API function, the stage's management API
as the runtime's endpoint, ManageConnections on that stage only, CloudFront mapping the
client's fixed path to the stage, alarms, cdk-nag clean."""

from __future__ import annotations

import json
import subprocess

from inngest_lambda import settings


def _realtime(synth):
    return synth.stack.node.find_child("Realtime")


def test_the_websocket_api_routes_connect_disconnect_and_default_to_the_api_function(synth):
    apis = synth.resources("AWS::ApiGatewayV2::Api")
    (ws_id,) = [k for k, v in apis.items() if v["Properties"]["ProtocolType"] == "WEBSOCKET"]
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in synth.resources("AWS::ApiGatewayV2::Route").values()
        if r["Properties"]["ApiId"] == {"Ref": ws_id}
    }
    assert sorted(routes) == ["$connect", "$default", "$disconnect"]
    api_fn = synth.logical_id(synth.stack.api_function)
    integrations = synth.resources("AWS::ApiGatewayV2::Integration")
    for route in routes.values():
        target = route["Target"]["Fn::Join"][1][1]["Ref"]
        uri = json.dumps(integrations[target]["Properties"]["IntegrationUri"])
        assert api_fn in uri
    (stage,) = [
        s["Properties"]
        for s in synth.resources("AWS::ApiGatewayV2::Stage").values()
        if s["Properties"]["ApiId"] == {"Ref": ws_id}
    ]
    assert stage["StageName"] == "realtime"
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    # Access logs on a WebSocket stage would need the account-wide CloudWatch role (a deploy
    # in an account without it fails): the API function logs connects instead.
    assert "AccessLogSettings" not in stage


def test_both_functions_know_the_management_endpoint_and_may_post_to_connections_only(synth):
    ws_id = synth.logical_id(_realtime(synth).api)
    for fn in (synth.stack.executor_function, synth.stack.api_function):
        env = synth.template["Resources"][synth.logical_id(fn)]["Properties"]["Environment"]
        endpoint = json.dumps(env["Variables"][settings.ENV_REALTIME_ENDPOINT])
        assert ws_id in endpoint and "/realtime" in endpoint and "https://" in endpoint
    statements = [
        s
        for p in synth.resources("AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "execute-api" in json.dumps(s["Action"])
    ]
    (statement,) = statements
    assert statement["Action"] == "execute-api:ManageConnections"
    arn = json.dumps(statement["Resource"])
    assert ws_id in arn and "/realtime/POST/@connections/*" in arn


def test_cloudfront_maps_the_clients_connect_path_to_the_stage_and_nothing_else(synth, tmp_path):
    code = synth.one("AWS::CloudFront::Function")["FunctionCode"]
    script = tmp_path / "f.js"
    script.write_text(
        code
        + "\nfor (const uri of ['/v1/realtime/connect', '/', '/v1/runs', '/realtime'])"
        + " console.log(JSON.stringify(handler({request: {uri, querystring: {}}})));"
    )
    out = subprocess.run(["node", str(script)], capture_output=True, text=True, check=True)
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert results[0] == {"uri": "/realtime", "querystring": {}}
    assert [r.get("statusCode") for r in results[1:]] == [404, 404, 404]
    dist = synth.one("AWS::CloudFront::Distribution")["DistributionConfig"]
    behavior = dist["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "https-only"
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    (origin,) = dist["Origins"]
    assert origin["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
    outputs = synth.template["Outputs"]
    assert "RealtimeBaseUrl" in outputs and "RealtimeWebSocketUrl" in outputs


def test_realtime_alarms(synth):
    alarms = {k: a["Properties"] for k, a in synth.resources("AWS::CloudWatch::Alarm").items()}
    (post,) = [a for a in alarms.values() if "RealtimePostFailures" in json.dumps(a)]
    # Both functions post: the API function, and the executor for its served functions.
    functions = {
        json.dumps(m["MetricStat"]["Metric"]["Dimensions"])
        for m in post["Metrics"]
        if "MetricStat" in m
    }
    for fn in (synth.stack.api_function, synth.stack.executor_function):
        assert any(synth.logical_id(fn) in d for d in functions)
    errors = [
        a
        for a in alarms.values()
        if "Metrics" in a and "IntegrationError" in json.dumps(a["Metrics"])
    ]
    assert len(errors) == 1 and "ExecutionError" in json.dumps(errors[0]["Metrics"])
