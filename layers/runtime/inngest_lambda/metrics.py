"""CloudWatch metrics through the embedded metric format (EMF): one JSON line on stdout.

Lambda ships stdout to CloudWatch Logs, which extracts the metric; no API call, no client, no
permission beyond the log group. Used for what the Lambda's own metrics cannot see, such as a
drive that failed inside an invocation that itself succeeded (failures are caught per message
and reported as partial batch failures, so Lambda's Errors metric stays at zero).
"""

from __future__ import annotations

import json
import os
import sys
import time

NAMESPACE = "InngestLambda"
DRIVE_FAILURES = "DriveFailures"
# Set by Lambda; the dimension tells two deployments in one account apart.
_FUNCTION_NAME_ENV = "AWS_LAMBDA_FUNCTION_NAME"


def count(name: str, value: float = 1, *, stream: object = None) -> None:
    """Add `value` to the metric `name` (unit Count), dimension FunctionName."""
    function_name = os.environ.get(_FUNCTION_NAME_ENV, "local")
    line = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [["FunctionName"]],
                    "Metrics": [{"Name": name, "Unit": "Count"}],
                }
            ],
        },
        "FunctionName": function_name,
        name: value,
    }
    out = stream if stream is not None else sys.stdout
    print(json.dumps(line, separators=(",", ":")), file=out, flush=True)  # type: ignore[call-overload]
