"""The CloudWatch dashboard beside the alarms graphs the runtime's EMF metrics per function."""

from __future__ import annotations

import json

from inngest_lambda.core import metrics


def _body(synth) -> str:
    (dashboard,) = synth.resources("AWS::CloudWatch::Dashboard").values()
    return json.dumps(dashboard["Properties"]["DashboardBody"])


def test_dashboard_graphs_every_run_and_step_metric_per_function(synth):
    body = _body(synth)
    for name in metrics.UNITS:
        assert name in body, name
    # One line per function: SEARCH over the FunctionId dimension of the executor's metrics.
    assert f"{metrics.NAMESPACE},FunctionName,FunctionId" in body
    assert body.count("SEARCH(") >= 8
    for name in ("RunsStarted", "RunsCompleted", "RunsFailed", "RunsCancelled"):
        assert name in body
    assert "ApproximateAgeOfOldestMessage" in body
    assert metrics.DRIVE_FAILURES in body


def test_dashboard_name_is_an_output(synth):
    outputs = synth.template.get("Outputs", {})
    assert "OperationsDashboardName" in outputs
