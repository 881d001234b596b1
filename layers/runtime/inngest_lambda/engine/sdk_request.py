"""One SDK request of a drive: its body, its time limit, and what a failed answer means.

A request never raises: a hung app answers 504 (`SDKTimeout`), an unreachable one 502
(`SDKUnreachable`), so the drive records every outcome the same way (a failed attempt, retried).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from typing import Any

from inngest_lambda.apps.registry import FunctionEntry
from inngest_lambda.core import clock, errors
from inngest_lambda.engine.heartbeat import LEASE_GRACE_SECONDS
from inngest_lambda.sdk.body import RequestBody
from inngest_lambda.sdk.client import SdkClient, SdkResponse
from inngest_lambda.settings import ENV_SDK_TIMEOUT, get_settings

UNREACHABLE = "SDKUnreachable"  # the app could not be reached at all (no HTTP answer)
TIMED_OUT = "SDKTimeout"  # the app took longer than the request timeout


async def call(
    sdk: SdkClient,
    fn: FunctionEntry,
    body: RequestBody,
    step_id: str,
    attempt: int,
    timeout: float,
) -> SdkResponse:
    """Ask the app to run `step_id` ("step": discover) at `attempt`; never raises."""
    local = fn.url is None
    # Inngest's executor re-enables immediate execution before every discovery (it turns
    # it off only while a parallel group is planned, and a group's steps are targeted
    # requests), so the step after a group comes back already run.
    payload = body.build(attempt=attempt, max_attempts=fn.max_attempts, disable_immediate=False)
    if not local and len(payload) > get_settings().sdk_inline_state_bytes:
        # Too big for one request: the SDK fetches batch and memos itself (use_api).
        payload = body.build(
            attempt=attempt,
            max_attempts=fn.max_attempts,
            disable_immediate=False,
            with_state=False,
        )
    url = fn.config["steps"]["step"]["runtime"]["url"]
    request = sdk.call(url, local, fn.id, step_id, payload)
    try:
        return unwrap_streamed(await asyncio.wait_for(request, timeout))
    except TimeoutError:  # a hung or slow app: this attempt fails and is retried
        message = f"the app did not answer within {timeout:.0f} s"
        return SdkResponse(504, errors.error(TIMED_OUT, message), {})
    except Exception as err:  # network trouble reaching a remote app: retry like a 500
        return SdkResponse(502, errors.error(UNREACHABLE, f"{type(err).__name__}: {err}"), {})


def request_timeout(deadline: float) -> float:
    """How long one SDK request may take: what is left of this invocation (less the time to
    record the answer), and at most $INNGEST_LAMBDA_SDK_TIMEOUT_SECONDS when that is set
    (the local stack sets it, so a hung app fails its attempt instead of holding a worker)."""
    left = deadline - clock.now() - LEASE_GRACE_SECONDS
    limit = os.environ.get(ENV_SDK_TIMEOUT)
    if limit:
        left = min(left, float(limit))
    return max(left, 1.0)


def unwrap_streamed(res: SdkResponse) -> SdkResponse:
    """The real answer of an SDK that streamed it (`streaming=Streaming.FORCE`, to outlive idle
    timeouts of proxies): HTTP 201, keepalive spaces, then `{"status", "headers", "body"}` with
    the body as a JSON string."""
    wrapped = res.body
    if res.status != 201 or not isinstance(wrapped, dict) or "status" not in wrapped:
        return res
    body = wrapped.get("body")
    if isinstance(body, str):
        with contextlib.suppress(ValueError):  # not JSON: keep the text
            body = json.loads(body) if body else None
    inner = {str(k).lower(): str(v) for k, v in (wrapped.get("headers") or {}).items()}
    return SdkResponse(int(wrapped["status"]), body, {**res.headers, **inner})


def as_error(res: SdkResponse) -> dict[str, Any]:
    """The run's error for a failed SDK request: the SDK's own error object as it sent it (what
    Inngest shows as the run's output), or Inngest's error for an answer no SDK produced."""
    body = res.body
    if isinstance(body, dict) and body.get("name") in (UNREACHABLE, TIMED_OUT):
        return body
    if "x-inngest-sdk" not in res.headers:
        raw = body if isinstance(body, str) else json.dumps(body)
        return errors.upstream_error(res.status, raw, res.headers.get("content-type", ""))
    if isinstance(body, dict) and "message" in body:
        return dict(body)
    return errors.error("SDKError", f"SDK answered HTTP {res.status}: {str(body)[:500]}")
