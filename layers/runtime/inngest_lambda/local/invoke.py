"""Call the Lambda handler the way the Lambda service would, so local runs catch what AWS would.

Three Lambda behaviours matter to the code under test and are cheap to reproduce:

* the event and the result cross a JSON boundary: the handler gets fresh plain-JSON objects
  (never the caller's dicts) and a result that `json.dumps` cannot serialise is an error
  (`Runtime.MarshalError`), not something the caller silently passes on;
* the context counts down from the function timeout, and a call that runs past it is a failure
  even though we cannot kill a Python thread the way Lambda kills the sandbox;
* an exception is reported as `errorType` / `errorMessage`, and logged with its traceback as the
  Lambda runtime does in CloudWatch.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from inngest_lambda import settings as s

log = logging.getLogger("inngest_lambda.local")

Handler = Callable[[dict[str, Any], Any], Any]
"""A Lambda entry point: `handler(event, context) -> JSON-serialisable result`."""

ACCOUNT_ID = "123456789012"
DEFAULT_FUNCTION_NAME = "inngest-lambda"
DEFAULT_MEMORY_MB = 1024


class LambdaContext:
    """The context object of the Python Lambda runtime (awslambdaric), minus what we never need.

    `memory_limit_in_mb` is a *string*, as in the real runtime (it is read from an environment
    variable there), so code that forgets to convert it fails here rather than in AWS.
    """

    def __init__(
        self,
        *,
        timeout_seconds: float = s.LAMBDA_TIMEOUT_SECONDS,
        function_name: str = DEFAULT_FUNCTION_NAME,
        region: str = s.DEFAULT_REGION,
        memory_mb: int = DEFAULT_MEMORY_MB,
        request_id: str | None = None,
    ) -> None:
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function_name}"
        self.memory_limit_in_mb = str(memory_mb)
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = (
            f"{time.strftime('%Y/%m/%d', time.gmtime())}/[$LATEST]{uuid.uuid4().hex}"
        )
        self.identity: Any = None
        self.client_context: Any = None
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds until the function timeout; never negative, like the real one."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclasses.dataclass(frozen=True)
class Invocation:
    """What came back from one handler call, already JSON round-tripped."""

    request_id: str
    duration_seconds: float
    result: Any = None
    error_type: str | None = None
    error_message: str | None = None
    response_bytes: int = 0

    @property
    def ok(self) -> bool:
        return self.error_type is None


def invoke(
    handler: Handler,
    event: dict[str, Any],
    *,
    timeout_seconds: float = s.LAMBDA_TIMEOUT_SECONDS,
    function_name: str = DEFAULT_FUNCTION_NAME,
    region: str = s.DEFAULT_REGION,
) -> Invocation:
    """Run `handler` on a JSON copy of `event`; never raises for the handler's own failures."""
    context = LambdaContext(
        timeout_seconds=timeout_seconds, function_name=function_name, region=region
    )
    request_id = context.aws_request_id
    payload = json.loads(json.dumps(event))
    started = time.monotonic()
    try:
        raw = handler(payload, context)
    except Exception as exc:  # the Lambda runtime catches everything the handler raises
        elapsed = time.monotonic() - started
        log.error(
            "handler raised %s: %s (request %s)",
            type(exc).__name__,
            exc,
            request_id,
            exc_info=True,
        )
        return Invocation(request_id, elapsed, None, type(exc).__name__, str(exc))
    elapsed = time.monotonic() - started
    if elapsed > timeout_seconds:
        message = f"Task timed out after {elapsed:.2f} seconds (timeout {timeout_seconds:g} s)"
        log.error("%s (request %s)", message, request_id)
        return Invocation(request_id, elapsed, None, "Sandbox.Timedout", message)
    try:
        text = json.dumps(raw)
    except (TypeError, ValueError) as exc:
        message = f"Unable to marshal response: {exc}"
        log.error("%s (request %s)", message, request_id)
        return Invocation(request_id, elapsed, None, "Runtime.MarshalError", message)
    return Invocation(request_id, elapsed, json.loads(text), response_bytes=len(text.encode()))
