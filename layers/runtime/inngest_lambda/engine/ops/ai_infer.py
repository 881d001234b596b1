"""`step.ai.infer`: the executor makes the model call itself, as Inngest's server does.

The SDK reports an `AIGateway` op carrying the request (`url`, `headers`, `auth_key`, `format`,
`body`); the function is not running while the model answers. The auth key goes where the
format's API expects it (Anthropic `x-api-key`, Gemini `?key=`, Bedrock `Authorization`, else an
OpenAI-style bearer token), then the op's own headers are added. A 2xx answer is the step's
output; anything else (or no answer) is a step error: retried with Inngest's backoff (the retry
asks the SDK for the op again, so the auth key is never stored), failed for good on the last
attempt.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.parse
from typing import TYPE_CHECKING, Any

from inngest_lambda.core import clock
from inngest_lambda.engine.ops import retry
from inngest_lambda.engine.ops.base import Op, OpCall, ended_step
from inngest_lambda.storage.store import COMPLETED, FAILED

if TYPE_CHECKING:
    from inngest_lambda.engine.protocols import RunDriver


class AiInfer(Op):
    opcode = "AIGateway"

    async def start(self, driver: RunDriver, call: OpCall) -> bool:
        """Make the model call the op describes; its answer is the step's output."""
        assert driver.fn is not None
        started = clock.now()
        result = await infer(call.opts, driver.request_timeout())
        now = clock.now()
        call = dataclasses.replace(call, now=now)
        if result.error is None:
            memo = {"data": result.output}
            driver.state.save(
                ended_step(driver, call, self.opcode, COMPLETED, memo, started=started)
            )
        elif call.attempt + 1 < driver.fn.max_attempts:
            retry.schedule(driver, call, self.opcode, result.error, started=started)
        else:
            memo, error = {"error": result.error}, result.error
            step = ended_step(driver, call, self.opcode, FAILED, memo, error=error, started=started)
            driver.state.save(step)
        return True


@dataclasses.dataclass
class AiResult:
    output: object = None  # the model's JSON answer, when ok
    error: dict[str, Any] | None = None  # Inngest's AIGatewayError, when not


def build_request(opts: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    """(url, headers, body) for the op's options."""
    url = str(opts.get("url") or "")
    key = str(opts.get("auth_key") or "")
    headers = {"Content-Type": "application/json"}
    fmt = opts.get("format")
    if fmt == "gemini":
        parts = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + [("key", key)]
        url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    elif fmt == "bedrock":
        headers["Authorization"] = key
    elif fmt == "anthropic":
        headers["X-Api-Key"] = key
    else:
        headers["Authorization"] = f"Bearer {key}"
    for name, value in (opts.get("headers") or {}).items():
        headers[canonical_header(str(name))] = str(value)
    body = opts.get("body")
    return url, headers, json.dumps(body if body is not None else {}).encode()


def canonical_header(name: str) -> str:
    """`x-my-header` -> `X-My-Header`: names as Inngest's server (Go's net/http) sends them."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


async def infer(opts: dict[str, Any], timeout: float) -> AiResult:
    import httpx

    url, headers, body = build_request(opts)
    if not url.startswith(("http://", "https://")):
        return AiResult(error=_error(f"invalid AI request URL {url!r}", b""))
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            res = await client.post(url, content=body, headers=headers)
    except Exception as err:  # no answer: a retriable step error
        return AiResult(error=_error(f"{type(err).__name__}: {err}", b""))
    if res.status_code > 299:
        return AiResult(error=_error(f"unsuccessful status code: {res.status_code}", res.content))
    try:
        return AiResult(output=res.json())
    except ValueError:
        return AiResult(output=res.text)


def _error(reason: str, body: bytes) -> dict[str, Any]:
    """Inngest's error for a failed AI request (the raw answer as `data` and `stack`)."""
    raw = body or b'{"error":"Error making AI request"}'
    text = raw.decode(errors="replace")
    try:
        data: object = json.loads(text)
    except ValueError:
        data = text
    return {
        "name": "AIGatewayError",
        "message": f"Error making AI request: {reason}",
        "stack": text,
        "data": data,
    }
