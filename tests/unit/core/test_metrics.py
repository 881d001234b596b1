"""Drive failures are caught per message (partial batch failure), so Lambda's Errors metric
never sees them: the handler publishes its own metric in CloudWatch's embedded format."""

from __future__ import annotations

import asyncio
import io
import json
import types

from inngest_lambda import handler
from inngest_lambda.core import metrics
from inngest_lambda.engine.executor import Outcome


def test_emf_line_declares_the_metric(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "stack-executor")
    out = io.StringIO()
    metrics.count(metrics.DRIVE_FAILURES, stream=out)
    line = json.loads(out.getvalue())
    (declared,) = line["_aws"]["CloudWatchMetrics"]
    assert declared == {
        "Namespace": "InngestLambda",
        "Dimensions": [["FunctionName"]],
        "Metrics": [{"Name": "DriveFailures", "Unit": "Count"}],
    }
    assert line["FunctionName"] == "stack-executor"
    assert line["DriveFailures"] == 1
    assert isinstance(line["_aws"]["Timestamp"], int)


class _Executor:
    async def handle(self, message, deadline, receives=1):
        if message["run_id"] == "boom":
            raise RuntimeError("DynamoDB said no")
        return Outcome()

    def record_counts(self, outcomes):  # the charts' counters: nothing counted here
        pass


def test_a_failed_drive_is_counted_and_reported_for_retry(capsys):
    rt = types.SimpleNamespace(
        executor=_Executor(), log=types.SimpleNamespace(exception=lambda *a, **k: None)
    )
    records = [
        {"messageId": "m1", "body": json.dumps({"kind": "run", "run_id": "ok"})},
        {"messageId": "m2", "body": json.dumps({"kind": "run", "run_id": "boom"})},
    ]
    context = types.SimpleNamespace(get_remaining_time_in_millis=lambda: 60_000)
    result = asyncio.run(handler._sqs(rt, records, context))
    assert result == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"_aws"' in x]
    assert [line["DriveFailures"] for line in lines] == [1]
